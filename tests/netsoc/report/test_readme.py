"""The README's Python API block runs as written and gives the report's numbers:
the same exclusions (flag_careless), reliability and CFA sample."""

from __future__ import annotations

import re

import pandas as pd

from analysis.demo import make_demo
from netsoc import report
from netsoc.report.structure import used_responses
from survey.store import open_store
from tests.conftest import ROOT


def _api_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README's Python API section has no python block"
    return match.group(1)


def test_readme_api_block_gives_the_reports_numbers(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    with open_store(tmp_path / "data" / "study.sqlite") as store:
        store.import_frame(make_demo(n=240, seed=19), source="readme test")
    monkeypatch.chdir(tmp_path)
    code = _api_block()
    assert "flag_careless(" in code
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)

    study = report.prepare(db=str(tmp_path / "data" / "study.sqlite"))
    assert len(namespace["analysed"]) == len(study.included) < len(namespace["responses"])
    from analysis import reliability

    expected = reliability(study.included, study.instrument)
    pd.testing.assert_frame_equal(namespace["table"].reset_index(drop=True), expected.reset_index(drop=True))
    assert int(namespace["fit"].fit.loc[0, "n"]) == used_responses(study)[0]
