"""The survey notebook: it speaks to a participant first, and runs headless (papermill)."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
NOTEBOOK = ROOT / "notebooks" / "01_take_survey.ipynb"


def test_notebook_is_committed_thin_and_without_outputs():
    nb = json.loads(NOTEBOOK.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert 1 <= len(code) <= 2
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    assert "survey_app()" in "".join(code[-1]["source"])


def test_the_first_cell_tells_a_participant_what_to_do():
    nb = json.loads(NOTEBOOK.read_text())
    first = nb["cells"][0]
    text = "".join(first["source"])
    assert first["cell_type"] == "markdown"
    assert "Shift + Enter" in text and "workshop code" in text and "Submit" in text


def test_notebook_executes_and_shows_the_form(tmp_path, monkeypatch):
    import papermill as pm

    db = tmp_path / "nb.sqlite"
    monkeypatch.setenv("NETSOC_DB", str(db))
    monkeypatch.delenv("QUERY_STRING", raising=False)
    monkeypatch.delenv("NETSOC_COHORT", raising=False)
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(
        str(NOTEBOOK), str(out), kernel_name="python3", progress_bar=False, cwd=str(NOTEBOOK.parent)
    )
    nb = json.loads(out.read_text())
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 1
    assert not db.exists() or _rows(db) == 0  # nothing is stored before consent
    state = next(o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {}))
    assert state  # the form; with no workshop code set, it asks for one (tests/netsoc/form/test_widget.py)
    # a front end without widgets (nbconvert, a viewer, a console) shows what to do, not an address
    plain = state["data"]["text/plain"]
    plain = "".join(plain) if isinstance(plain, list) else plain
    assert "object at 0x" not in plain and "JupyterLab" in plain and "phone" in plain
    assert "JupyterLab" in "".join(state["data"]["text/html"])


def _rows(db):
    from survey.instrument import load_instrument
    from survey.store import open_store

    with open_store(db, instrument=load_instrument()) as store:
        return store.count(include_drafts=True)
