"""The report's "Change" section (issue 32.6) on the demo's two waves.

The waves enter the store through the ``wave`` and ``subject`` columns (helper
"waves"); here the study is prepared from the demo's responses and the two columns
are joined back by respondent id, so the section's functions run on real report
objects.  The statistics are analysis.longitudinal's (pinned to R in
tests/analysis/test_longitudinal.py); these tests check what the section shows and
says, in HTML and in Word.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.demo import LATENT_CHANGE, make_two_waves
from netsoc import report
from netsoc.report import change, references
from netsoc.report.export import write_docx


def _study(frame: pd.DataFrame, tmp: Path) -> report.Study:
    path = tmp / "two_waves.csv"
    frame.drop(columns=["wave", "subject"]).to_csv(path, index=False)
    # complete pairs (listwise) keep the test quick; the report's default, full-information
    # ML over every response, is pinned to lavaan in tests/analysis/test_longitudinal.py
    study = report.prepare(data=str(path), options=report.ReportOptions(missing="listwise"))
    ids = frame.set_index("respondent_id")
    for part in (study.included, study.responses):
        for column in ("wave", "subject"):
            part[column] = part["respondent_id"].map(ids[column]).to_numpy()
    return study


@pytest.fixture(scope="module")
def waves() -> pd.DataFrame:
    return make_two_waves(1000, seed=11)


@pytest.fixture(scope="module")
def study(waves: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> report.Study:
    return _study(waves, tmp_path_factory.mktemp("change"))


@pytest.fixture(scope="module")
def ladder(study: report.Study) -> pd.DataFrame:
    return change.change_ladder(study)


def test_the_section_appears_only_with_two_waves(study, tmp_path) -> None:
    assert change.has_waves(study)
    assert "Change" in references.contents_markdown(study)
    one_wave = _study(make_two_waves(40, seed=2).query("wave == 'pre'").reset_index(drop=True), tmp_path)
    assert not change.has_waves(one_wave)
    assert "Change" not in references.contents_markdown(one_wave)


def test_flow_counts_each_wave_and_the_linked_pairs(study, waves) -> None:
    table = change.wave_flow(study)
    n = dict(zip(table.data["Step"], table.data["n"]))
    assert n["Wave pre: responses collected"] == (waves["wave"] == "pre").sum() == 1000
    assert n["Wave post: responses collected"] == (waves["wave"] == "post").sum()
    used = study.included
    both = used.dropna(subset=["subject"]).groupby("subject")["wave"].nunique()
    assert n["People with both waves (pairs)"] == int((both == 2).sum())
    assert n["Wave pre: linked to the other wave"] == n["Wave post: linked to the other wave"]
    assert n["People with both waves (pairs)"] < n["Wave post: analysed (after exclusions)"]


def test_invariance_holds_and_the_planted_change_is_found(study, ladder) -> None:
    assert list(ladder.index) == ["configural", "metric", "scalar"]
    assert change.invariance_holds(ladder)
    latent = ladder.attrs["latent_change"].set_index("factor")
    assert latent.loc["networking", "estimate"] == pytest.approx(LATENT_CHANGE["networking"], abs=0.15)
    assert abs(latent.loc["socializing", "estimate"]) < 0.15
    text = change.change_text(study, ladder)
    assert "Scalar invariance held" in text and "networking score rose" in text
    fit = ladder.iloc[0]
    acceptable = fit["cfi"] >= 0.90 and fit["rmsea"] <= 0.08
    assert ("fits acceptably" in text) == acceptable and ("fits poorly" in text) != acceptable
    for _, row in change.paired_table(study).data.iterrows():  # each sentence follows its test
        verdict = "rose" if row["mean_diff"] > 0 else "fell"
        said = f"{row['score']} score {verdict}" if row["p"] < 0.05 else f"{row['score']} score showed no"
        assert said in text.replace("\\", ""), row["score"]


def test_no_change_is_claimed_when_invariance_fails(waves, tmp_path) -> None:
    broken = waves.copy()
    post = broken["wave"] == "post"
    for item in ["net_purpose_1", "net_context_1", "net_interaction_1", "net_outcome_1", "soc_purpose_1"]:
        broken.loc[post, item] = (6 - broken.loc[post, item]).astype("Int64")  # understood the other way
    study = _study(broken, tmp_path)
    ladder = change.change_ladder(study)
    assert not change.invariance_holds(ladder)
    text = change.change_text(study, ladder)
    assert "did not hold" in text and "not interpreted as change" in text
    assert "rose" not in text and "fell" not in text
    assert "could not be tested" in change.change_text(study, None)


def test_tables_show_retest_paired_change_and_reliable_change(study) -> None:
    retest = change.retest_table(study)
    assert set(retest.data["type"]) == {"ICC2", "ICC3"}
    assert retest.data["icc"].between(0.3, 1).all()
    paired = change.paired_table(study)
    row = paired.data.set_index("score").loc["networking"]
    assert row["mean_diff"] > 0 and row["p"] < 0.05 and row["dz"] > 0.2
    assert list(paired.frame.columns[:5]) == ["Score", "n pairs", "M pre", "M post", "Change"]
    rci = change.reliable_change_table(study).data.set_index("score")
    assert (rci[["improved", "unchanged", "deteriorated"]].sum(axis=1) == rci["n"]).all()
    assert rci.loc["networking", "improved"] > rci.loc["networking", "deteriorated"]
    figure = change.rci_figure(study)
    assert "rose reliably" in figure.alt and figure.caption.startswith("Reliable change index")


def test_the_section_renders_in_html_and_word(study, ladder, tmp_path) -> None:
    from docx import Document

    tables = [change.wave_flow(study), change.ladder_table(study, ladder), change.paired_table(study)]
    html = "".join(t.html() for t in tables)
    assert "Sample flow per wave" in html and "Longitudinal measurement invariance" in html
    items = [("markdown", change.HEADING)] + [("table", t.to_json()) for t in tables]
    items += [("figure", change.rci_figure(study).to_json()), ("markdown", change.change_text(study, ladder))]
    path = write_docx(items, tmp_path / "change.docx", title="Change")
    doc = Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Change" in [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Scalar invariance held" in text
    assert len(doc.tables) == 3 and len(doc.inline_shapes) == 1
    cells = [c.text for c in doc.tables[2].rows[0].cells]
    assert cells[:3] == ["Score", "n pairs", "M pre"]
    assert np.isfinite(tables[2].data["t"]).all()


@pytest.mark.slow
def test_netsoc_report_from_a_two_wave_store_has_the_change_section(tmp_path) -> None:
    """The whole way a researcher meets it: a store holding both waves, then the report."""
    from netsoc.report import build_report
    from survey.store import open_store

    url = f"sqlite:///{tmp_path / 'two.sqlite'}"
    with open_store(url) as store:
        data = make_two_waves(300, seed=4, instrument=store.instrument).assign(cohort="WS-TWO")
        store.import_frame(data, source="test")
    out = tmp_path / "report.html"
    build_report(out=out, db=url, cohort="WS-TWO")
    page = out.read_text(encoding="utf-8")
    section = page[page.index('<h2 id="Change"') :]
    assert "Sample flow per wave" in section and "Longitudinal measurement invariance" in section
    assert "People with both waves (pairs)" in section and "Retest reliability" in section
