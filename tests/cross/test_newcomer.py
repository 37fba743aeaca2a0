"""What a newcomer reads first, checked against what the tool does (issue 31, point 5):
the consent's minutes and notebook 01 agree with the instrument, French words agree in
gender, a profile means the same in every language, the tips name their scale."""

from __future__ import annotations

import json
import re

import pytest

from netsoc.feedback import feedback_data, page_html
from survey.instrument import load_instrument
from tests.helpers import ROOT, keyed_answers


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


def test_consent_and_notebook_01_say_the_instruments_minutes(instrument):
    minutes = instrument.estimated_minutes
    for lang in instrument.languages:
        consent = instrument.localized(lang).consent.text
        assert re.findall(r"\b(\d+) (?:minutes|Minuten)\b", consent) == [str(minutes)], lang
    cells = json.loads((ROOT / "notebooks" / "01_take_survey.ipynb").read_text(encoding="utf-8"))["cells"]
    prose = " ".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert re.findall(r"(\d+) minutes", prose) == [str(minutes)]


def test_french_intention_level_agrees_with_intention(instrument):
    fr = instrument.localized("fr")
    for low, high, level in ((2, 2, "Faible"), (3, 3, "Moyenne"), (5, 5, "Élevée")):
        answers = keyed_answers(instrument, low, high, consent=True)
        code = {"Faible": 1, "Moyenne": 3, "Élevée": 5}[level]
        for item in instrument.scale_items("intentionality"):
            answers[item.id] = 6 - code if item.keying == "reverse" else code
        assert f"Intention claire : {level}" in page_html(feedback_data(answers, fr))


def test_each_profile_is_named_alike_in_every_language(instrument):
    # the low-engagement profile is "selective" in every language, not "reserved" in one
    names = {lang: instrument.localized(lang).profiles[0].label for lang in ("en", "de", "fr")}
    assert instrument.profiles[0].id == "reserved"
    assert names == {
        "en": "Selective connector",
        "de": "Selektive Kontaktpflege",
        "fr": "Connexions sélectives",
    }


def test_tips_say_which_scale_their_means_are_on(instrument):
    answers = keyed_answers(instrument, 5, 1, consent=True)
    for lang, words in (("en", "on a scale from 1 to 5"), ("de", "auf einer Skala von 1 bis 5")):
        data = feedback_data(answers, instrument.localized(lang))
        assert data.tries and all(words in t.summary for t in data.tries)


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory):
    from analysis.demo import make_demo

    path = tmp_path_factory.mktemp("newcomer") / "responses.csv"
    frame = make_demo(n=30, seed=4)
    frame["cohort"] = ["WS-A"] * 12 + ["WS-B"] * 18
    frame.to_csv(path, index=False)
    return path


def test_a_semicolon_csv_reads_like_a_comma_one(demo_csv, instrument, tmp_path):
    import pandas as pd

    from survey.io import read_responses

    german = tmp_path / "excel-de.csv"
    pd.read_csv(demo_csv, dtype=str, keep_default_na=False).to_csv(german, sep=";", index=False)
    assert german.read_text(encoding="utf-8").startswith("respondent_id;cohort;")
    pd.testing.assert_frame_equal(read_responses(german, instrument), read_responses(demo_csv, instrument))


def test_an_unknown_cohort_is_answered_with_the_cohorts_and_their_sizes(demo_csv, tmp_path, capsys):
    from netsoc.cli import main

    assert (
        main(["report", "--data", str(demo_csv), "--cohort", "WS-NOPE", "--out", str(tmp_path / "r.html")])
        != 0
    )
    err = capsys.readouterr().err
    assert "WS-NOPE" in err and "WS-A: 12, WS-B: 18" in err and "Traceback" not in err
    db = tmp_path / "study.sqlite"
    assert main(["import", str(demo_csv), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["report", "--db", str(db), "--cohort", "WS-NOPE", "--out", str(tmp_path / "r.html")]) != 0
    assert "cohorts with responses: WS-A: 12, WS-B: 18" in capsys.readouterr().err
    assert main(["db-info", "--db", str(db)]) == 0
    assert "WS-A: 12, WS-B: 18" in capsys.readouterr().out


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    from analysis.demo import make_demo
    from netsoc import report

    path = tmp_path_factory.mktemp("study") / "responses.csv"
    make_demo(n=240, seed=8).to_csv(path, index=False)
    return report.prepare(data=path)


def test_report_figures_and_missing_rows_speak_in_statements(study):
    import matplotlib.pyplot as plt

    from netsoc.report import figures, sample, sections

    first_words = {i.text.split()[0] for i in study.instrument.items}
    try:
        for fig in sections.likert_figures(study):
            ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
            assert ticks and all(" " in t and t.split()[0] in first_words for t in ticks), ticks
        legend = figures.balance_plot(study).axes[0].get_legend()
        assert [t.get_text() for t in legend.get_texts()] == ["Sample mean"]
    finally:
        plt.close("all")
    code = re.compile(r"\b(?:net|soc)_[a-z]+_\d\b|\bint_\d\b")
    patterns = sample.missing_patterns(study).frame["Missing"]
    assert any(p.startswith("Only unanswered: “") for p in patterns)
    assert not any(code.search(p) for p in patterns)
    by_item = sample.missing_by_item(study).frame
    assert list(by_item.columns[:2]) == ["Item", "Statement"] and "…" not in "".join(by_item["Statement"])


def test_report_prose_speaks_to_its_reader_and_says_the_ml_fit_once(study):
    from analysis.structure import fit_sentence
    from netsoc import report
    from netsoc.report import ordinal

    cells = json.loads((ROOT / "notebooks" / "02_analysis.ipynb").read_text(encoding="utf-8"))["cells"]
    intro = "".join(cells[0]["source"])
    assert "next cell" not in intro and "this notebook" not in intro
    ml, wlsmv = report.structure_fit(study), ordinal.ordinal_fit(study)
    prose = ordinal.ordinal_note(study, wlsmv, ml) + report.structure_note(study, ml, {})
    ml_numbers = fit_sentence(ml).split(", ")[0]  # "χ²(463) = 511.87"
    assert prose.replace("\\", "").count(ml_numbers) == 1


def test_notebook_03_headless_says_which_store_it_made(tmp_path, monkeypatch):
    import nbformat
    import papermill as pm

    monkeypatch.setenv("NETSOC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NETSOC_DB", raising=False)
    monkeypatch.delenv("NETSOC_COHORT", raising=False)
    out = tmp_path / "dash.ipynb"
    pm.execute_notebook(
        str(ROOT / "notebooks" / "03_workshop_dashboard.ipynb"),
        str(out),
        parameters=dict(serve=False),
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )
    outs = [o for c in nbformat.read(out, as_version=4).cells for o in c.get("outputs", [])]
    shown = "".join(o.get("data", {}).get("text/html", "") for o in outs)
    plain = "".join(o.get("data", {}).get("text/plain", "") for o in outs)
    made = tmp_path / "data" / "netsoc.sqlite"
    assert made.exists()
    for text in (shown, plain):
        assert str(made) in text and "created just now and still empty" in text and "NETSOC_DB" in text
