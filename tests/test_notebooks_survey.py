"""The survey notebook runs headless, and `netsoc survey` builds a safe Voila command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netsoc.serve import voila_command
from survey.errors import NetsocError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "01_take_survey.ipynb"


def test_notebook_is_committed_thin_and_without_outputs():
    nb = json.loads(NOTEBOOK.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert 1 <= len(code) <= 2
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    assert "survey_app()" in "".join(code[-1]["source"])


def test_notebook_executes_and_shows_the_form(tmp_path, monkeypatch):
    import papermill as pm

    db = tmp_path / "nb.sqlite"
    monkeypatch.setenv("NETSOC_DB", str(db))
    monkeypatch.setenv("QUERY_STRING", "cohort=NB-1")
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out), kernel_name="python3", progress_bar=False,
                        cwd=str(NOTEBOOK.parent))
    nb = json.loads(out.read_text())
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 1
    assert not db.exists()  # nothing is stored before consent


def test_voila_command_is_loopback_with_hidden_sources():
    cmd = voila_command(NOTEBOOK, port=8899)
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=8899" in cmd
    assert "--strip_sources=True" in cmd and "--Voila.port_retries=0" in cmd
    assert any(a.startswith("--MappingKernelManager.cull_idle_timeout=") for a in cmd)
    assert not any("token" in a for a in cmd)


def test_public_address_needs_flag_and_token():
    with pytest.raises(NetsocError, match="not loopback; serving to other machines needs --public"):
        voila_command(NOTEBOOK, port=8899, ip="0.0.0.0")
    with pytest.raises(NetsocError, match="requires a token"):
        voila_command(NOTEBOOK, port=8899, ip="0.0.0.0", public=True)
    cmd = voila_command(NOTEBOOK, port=8899, ip="0.0.0.0", public=True, token="s3cret")
    assert "--Voila.token=s3cret" in cmd
    with pytest.raises(NetsocError, match="port: expected a number"):
        voila_command(NOTEBOOK, port=0)
    with pytest.raises(NetsocError, match="does not exist"):
        voila_command(ROOT / "nope.ipynb", port=8899)


def test_cli_rejects_a_bad_cohort(capsys):
    from netsoc.cli import main

    assert main(["survey", "--cohort", "no spaces!", "--port", "8899"]) == 1
    assert "--cohort: 'no spaces!' is not a valid workshop code" in capsys.readouterr().err
