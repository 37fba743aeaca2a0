"""netsoc.web: escaping, tables, figures, numbers per language and the UI-text lookup."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from netsoc.web import MISSING, escape, fmt_number, fmt_percent, html_table, svg_figure, ui_text

HOSTILE = "<script>alert('x')</script> & \"quotes\""


def test_escape_leaves_no_markup():
    out = escape(HOSTILE)
    assert "<" not in out and ">" not in out and '"' not in out and "'" not in out
    assert escape(None) == "" and escape(3) == "3"


@pytest.mark.parametrize(
    ("x", "lang", "kw", "expected"),
    [
        (3.456, "en", {}, "3.46"),
        (3.456, "de", {}, "3,46"),
        (3.456, "fr-CH", {"digits": 1}, "3,5"),
        (-0.5, "en", {}, "\u22120.50"),  # a real minus sign
        (0.25, "de", {"sign": True}, "+0,25"),
        (-0.853, "en", {"leading_zero": False}, "\u2212.85"),
        (1.5, "en", {"leading_zero": False}, "1.50"),  # only below 1
        (float("nan"), "en", {}, MISSING),
        (None, "de", {}, MISSING),
        (pd.NA, "de", {}, MISSING),
        (np.float64(2.0), "es", {"digits": 0}, "2"),
    ],
)
def test_fmt_number(x, lang, kw, expected):
    assert fmt_number(x, lang, **kw) == expected


def test_fmt_percent():
    assert fmt_percent(0.954, "en") == "95%"
    assert fmt_percent(0.954, "de") == "95\u00a0%"
    assert fmt_percent(0.954, "fr", 1) == "95,4\u00a0%"
    assert fmt_percent(float("nan"), "en") == MISSING


def _parse(table: str) -> ET.Element:
    return ET.fromstring(table)


def test_html_table_is_escaped_formatted_and_well_formed():
    df = pd.DataFrame({"group <b>": [HOSTILE, "b"], "n": [12, 3], "mean": [0.5, np.nan]})
    out = html_table(df, caption="Means & <SDs>", lang="de", table_id="t1", classes=["x"])
    root = _parse(out)  # well-formed XML: nothing leaked
    assert root.get("id") == "t1" and root.get("class") == "x"
    assert root.find("caption").text == "Means & <SDs>"
    assert [th.text for th in root.find("thead").iter("th")] == ["group <b>", "n", "mean"]
    rows = root.find("tbody").findall("tr")
    assert rows[0].find("th").get("scope") == "row" and rows[0].find("th").text == HOSTILE
    assert [td.text for td in rows[0].findall("td")] == ["12", "0,50"]
    assert [td.text for td in rows[1].findall("td")] == ["3", MISSING]
    assert "<script>" not in out


def test_html_table_stacked_and_in_details():
    df = pd.DataFrame({"Facet": ["Goals"], "You": [3.25]})
    out = html_table(df, stack=True, details="The numbers")
    root = _parse(out)
    assert root.tag == "details" and root.find("summary").text == "The numbers"
    table = root.find("table")
    assert table.get("role") == "table" and "netsoc-stack" in table.get("class")
    td = table.find("tbody/tr/td")
    assert td.get("role") == "cell" and td.get("data-label") == "You" and td.text == "3.25"


def test_html_table_without_row_headers_and_with_html_cells():
    df = pd.DataFrame({"a": ["<em>x</em>"], "b": ["<strong>y</strong>"]})
    out = html_table(df, row_headers=False, cells_are_html=True)
    assert "<td><em>x</em></td><td><strong>y</strong></td>" in out
    assert "<th scope='row'" not in out


def test_svg_figure_is_named_scalable_and_reproducible():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_title("Balance")
    svg = svg_figure(fig, alt="A line from <0> to 1", salt="s1")
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-label") == "A line from <0> to 1"
    assert root.get("width") is None and root.get("height") is None  # follows the page
    assert root.find("{http://www.w3.org/2000/svg}title").text == "A line from <0> to 1"
    assert "Balance" in svg  # text stays text
    assert "<metadata>" not in svg and not re.search(r"\d{4}-\d\d-\d\dT", svg)
    assert svg_figure(fig, alt="A line from <0> to 1", salt="s1") == svg
    labelled = ET.fromstring(svg_figure(fig, alt="x", label_id="cap1"))
    assert labelled.get("aria-labelledby") == "cap1" and labelled.get("aria-label") is None


def test_ui_text_reads_the_instrument_in_each_language(instrument):
    key = next(k for k, v in instrument.ui.items() if "{" not in v)
    assert ui_text(instrument, key) == instrument.ui[key]
    german = instrument.localized("de")
    assert ui_text(instrument, key, lang="de") == german.ui[key]
    assert ui_text(german, key) == german.ui[key]


def test_ui_text_fills_values_and_falls_back_to_the_default(instrument):
    assert ui_text(instrument, "cohort_elsewhere", cohort="WS-A") == instrument.ui["cohort_elsewhere"].format(
        cohort="WS-A"
    )
    assert ui_text(instrument, "not_a_key", default="Hi {who}", who="Ada") == "Hi Ada"


def test_ui_text_fails_loudly_without_text(instrument):
    with pytest.raises(KeyError, match=r"'not_a_key'.*no such text and no default"):
        ui_text(instrument, "not_a_key")
    from survey.errors import InstrumentError

    with pytest.raises(InstrumentError, match="not offered"):
        ui_text(instrument, "cohort_elsewhere", lang="xx")
