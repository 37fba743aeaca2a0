"""APA number formats, numbered tables and the report's vocabulary (labels as
participants see them, in the report's language; codes only in the codebook)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from netsoc import report
from netsoc.report import apa, references, results, sample
from survey.errors import DataError


def test_apa_numbers():
    assert apa.p_value(0.0004) == "< .001" and apa.p_value(0.0345) == ".035"
    assert apa.p_value(1.0) == "1.000" and apa.p_value(math.nan) == apa.DASH
    assert apa.bounded(0.812) == ".81" and apa.bounded(-0.123) == "\u2212.12"
    assert apa.bounded(1.0) == "1.00" and apa.bounded(None) == apa.DASH
    assert apa.number(-0.0001) == "0.00" and apa.number(-1.5) == "\u22121.50"
    assert apa.number(pd.NA) == apa.DASH and apa.integer(12.0) == "12"
    assert apa.interval(0.1, 0.25) == "[0.10, 0.25]" and apa.interval(math.nan, 1) == apa.DASH


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    from analysis.demo import make_demo

    path = tmp_path_factory.mktemp("tables") / "r.csv"
    make_demo(n=200, seed=8).to_csv(path, index=False)
    return path


def test_tables_are_numbered_in_order_with_labelled_columns(demo_file):
    study = report.prepare(data=demo_file)
    flow, items, book = (
        sample.sample_flow(study),
        sample.item_descriptives(study, "networking"),
        references.codebook_table(study),
    )
    assert [t.number for t in (flow, items, book)] == [1, 2, 3]
    assert flow.title == "Table 1" and flow.note
    assert list(items.frame.columns) == [
        "Item",
        "Statement",
        "Keying",
        "M",
        "SD",
        "Skew",
        "% missing",
        "r(it)",
        "\u03b1 if deleted",
    ]
    assert int(flow.data.loc[0, "n"]) == 200
    html = flow.html()
    assert "Table 1" in html and "<em>Note.</em>" in html and "nan" not in html.lower().split()
    assert "\\begin{table}" in flow.latex()


def test_the_latex_is_made_from_the_hand_over_only_and_word_skips_the_html(demo_file):
    from netsoc.report.tables import TABLE_MIME, ReportTable, tables_as_html

    study = report.prepare(data=demo_file)
    items = sample.item_descriptives(study, "networking")
    hand_over = items.to_json()
    assert "latex" not in hand_over  # no LaTeX rendered while the notebook runs
    assert ReportTable.from_json(hand_over).latex() == items.latex()
    assert "text/html" in items._repr_mimebundle_()
    with tables_as_html(False):
        bundle = items._repr_mimebundle_()
    assert "text/html" not in bundle and bundle[TABLE_MIME] == hand_over
    assert "text/html" in items._repr_mimebundle_()


def test_labels_are_the_participants_words_in_the_reports_language(demo_file):
    study = report.prepare(data=demo_file, lang="de")
    german = study.instrument.localized("de")
    table = results.group_means_table(study, "work_mode")
    shown = set(table.frame.iloc[:, 0])
    assert shown <= set(german.value_labels("work_mode").values())
    assert "remote" not in shown and "onsite" not in shown
    data = report.regression_data(study)
    from analysis.compare import regress

    reg = results.regression_table(study, regress(data, report.regression_formula(study)), data)
    terms = " ".join(reg.frame["Term"])
    assert "C(" not in terms and "[T." not in terms and "(vs " in terms
    with pytest.raises(DataError, match="lang: got 'xx'"):
        report.prepare(data=demo_file, lang="xx")
