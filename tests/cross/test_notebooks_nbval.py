"""Every notebook runs top to bottom under nbval (``--nbval-lax``: errors fail).

Notebooks are committed without outputs, so strict nbval would compare
nothing; the values are checked by the papermill tests beside this file.
Here the point is that each notebook, as a user opens it, runs without error
against a real store.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from analysis.demo import make_demo
from survey.store import open_store
from tests.helpers import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def store_with_demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("nbval") / "responses.sqlite"
    with open_store(path) as store:
        store.import_frame(make_demo(n=80, seed=11))
    return path


def test_there_are_three_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "01_take_survey.ipynb",
        "02_analysis.ipynb",
        "03_workshop_dashboard.ipynb",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_under_nbval(notebook, store_with_demo, tmp_path):
    env = dict(os.environ, NETSOC_DB=str(store_with_demo), MPLBACKEND="agg", NETSOC_DASHBOARD_INTERVAL="1")
    env.pop("NETSOC_RELIABILITY_DOC", None)
    before = store_with_demo.stat().st_size
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "-q",
            "-p",
            "no:cacheprovider",
            "--override-ini",
            "addopts=",
            "--rootdir",
            str(tmp_path),
            str(notebook),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout and "failed" not in proc.stdout
    with open_store(store_with_demo) as store:
        assert store.count() == 80  # opening or analysing never changes the responses
    assert before > 0
