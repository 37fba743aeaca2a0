"""A small workshop (issue 22): an item nobody varied on and a group of one give
warnings in the report, not a failed report."""

from __future__ import annotations

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
