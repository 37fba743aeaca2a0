"""The analysis and dashboard notebooks run top to bottom with papermill on
small fixture data, and their key outputs hold the expected values."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from analysis.demo import make_demo

ROOT = Path(__file__).resolve().parents[3]


def _outputs(nb, kind: str) -> list[str]:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if kind in o.get("data", {}):
                out.append(o["data"][kind])
    return out


def _errors(nb) -> list[str]:
    return [
        o.get("text", "")
        for c in nb.cells
        for o in c.get("outputs", [])
        if o.get("name") == "stderr" or o["output_type"] == "error"
    ]


@pytest.mark.parametrize("name", ["02_analysis.ipynb", "03_workshop_dashboard.ipynb"])
def test_notebooks_are_committed_clean_with_a_parameters_cell(name):
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    assert all(
        not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code"
    )
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1


def test_analysis_notebook_with_papermill(tmp_path, instrument):
    import papermill as pm

    from analysis.quality import flag_careless
    from netsoc.report import data_hash

    df = make_demo(n=120, seed=31, instrument=instrument)
    data = tmp_path / "fixture.csv"
    df.to_csv(data, index=False)
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(
        str(ROOT / "notebooks" / "02_analysis.ipynb"),
        str(out),
        parameters=dict(
            data=str(data), group_fields="role, work_mode", alpha=0.01, correction="fdr_bh", seed=5
        ),
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )
    nb = nbformat.read(out, as_version=4)
    assert _errors(nb) == []
    md = "\n".join(_outputs(nb, "text/markdown"))
    excluded = int(flag_careless(df, instrument)["exclude"].sum())
    assert f"Of N = 120 responses, {excluded} (" in md
    assert f"leaving n = {120 - excluded} for analysis" in md
    assert "Benjamini-Hochberg" in md and "\u03b1 = .01" in md
    assert data_hash(df, instrument) in md
    assert f"netsoc {instrument.version}" in md
    figures = [h for h in _outputs(nb, "text/html") if h.startswith("<figure")]
    assert len(figures) >= 8  # distributions, Likert, group plots: numbered, with alt text
    assert all('alt="' in h and "<strong>Figure " in h for h in figures)
