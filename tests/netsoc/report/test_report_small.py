"""A small workshop (issue 22): an item nobody varied on and a group of one give
warnings in the report, not a failed report."""

from __future__ import annotations

import pytest

from analysis.demo import make_demo
from netsoc.report import build_report


def test_small_workshop_gives_warnings_not_a_failure(tmp_path):
    frame = make_demo(n=9, seed=3)
    frame["net_purpose_1"] = 3  # everyone gave the same answer
    frame.loc[0, "role"] = "student"  # a group of one
    data = tmp_path / "workshop.csv"
    frame.to_csv(data, index=False)
    info = build_report(out=tmp_path / "r.html", data=data, exclusion="none")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert info["n_responses"] == 9
    assert "reliability could not be computed" in html
    assert "net_purpose_1" in html and "have no variance" in html
    assert "Traceback" not in html


def _one_item_instrument(tmp_path):
    """The shipped questionnaire with intentionality cut to a single item (int_1)."""
    import yaml

    from survey.instrument import load_instrument
    from survey.instrument.reading import DEFAULT_INSTRUMENT

    raw = yaml.safe_load(DEFAULT_INSTRUMENT.read_text(encoding="utf-8"))
    raw["items"] = [i for i in raw["items"] if i.get("scale") != "intentionality" or i["id"] == "int_1"]
    raw.pop("norms", None)  # the shipped norms describe the five-item scale
    path = tmp_path / "one-item.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    inst = load_instrument(path)
    assert [i.id for i in inst.items if i.scale == "intentionality"] == ["int_1"]
    return inst


@pytest.mark.fault("report: a scale with one item (issue 22 pt 9)", expect="a warning, not a failed report")
def test_a_scale_with_one_item_gives_a_warning_not_a_failure(tmp_path, monkeypatch):
    """Every code cell of the report's notebook, in order, on a workshop of 12 whose
    questionnaire measures intentionality with one item: the report is written, its
    reliability for that scale is a warning, and nothing raises."""
    import functools
    import json

    from IPython.display import Markdown

    from netsoc import report
    from netsoc.resources import ANALYSIS_NOTEBOOK, notebook_path

    inst = _one_item_instrument(tmp_path)
    data = tmp_path / "workshop.csv"
    make_demo(n=12, seed=5, instrument=inst).to_csv(data, index=False)
    monkeypatch.setattr(report, "prepare", functools.partial(report.prepare, instrument=inst))
    shown: list[object] = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: shown.extend(objs))
    cells = [
        "".join(c["source"])
        for c in json.loads(notebook_path(ANALYSIS_NOTEBOOK).read_text(encoding="utf-8"))["cells"]
        if c["cell_type"] == "code"
    ]
    namespace: dict[str, object] = {}
    params = dict(data=str(data), exclusion="none", source=str(data))
    exec(cells[0], namespace)  # the parameters cell, then papermill's overrides
    namespace.update(params)
    for source in cells[1:]:
        source = source.replace("%matplotlib inline", "")
        exec(compile(source, "<report cell>", "exec"), namespace)  # a failure raises here
    study = namespace["study"]
    assert study.instrument is inst and len(study.included) == 12
    text = "\n".join(o.data for o in shown if isinstance(o, Markdown))
    assert "Traceback" not in text
    (table,) = [o for o in shown if getattr(o, "caption", "") == "Reliability of the scales and facets"]
    assert "Warning: reliability could not be computed for Intentionality: measured by one item" in table.note
    alphas = table.data.set_index(["Scale", "Facet"])["α"]
    assert alphas.notna().sum() > 10 and alphas.isna().any()  # the other scales keep theirs
    assert "the item descriptives of intentionality could not be computed" in text  # a warning
