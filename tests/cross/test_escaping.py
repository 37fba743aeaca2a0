"""Text someone typed is shown as text: in the survey, the dashboard and the report.

Hostile strings (a script tag, an ``<img onerror>``, a markdown link to
``javascript:``, markdown emphasis, LaTeX) are put into comments, cohort
codes, imported free text and file names; the produced HTML is parsed and
must contain no tag, link or emphasis that was not there before, while the
typed text itself is still readable (unescaped, it equals what was typed).
"""

from __future__ import annotations

import ipywidgets as widgets
import pytest

from analysis.demo import make_demo
from survey.errors import ResponseValidationError
from survey.store import open_store
from tests.helpers import HOSTILE, Tags, assert_inert


def html_values(widget) -> str:
    """The HTML of every HTML widget below ``widget``."""
    out = []
    stack = [widget]
    while stack:
        w = stack.pop()
        if isinstance(w, (widgets.HTML, widgets.HTMLMath)):
            out.append(w.value)
        stack.extend(getattr(w, "children", ()))
    return "\n".join(out)


def _answers(instrument, i=0):
    a = {q: 1 + (i + j) % 5 for j, q in enumerate(instrument.question_ids)}
    a.update({c.id: c.expected for c in instrument.attention_checks})
    a["consent"] = True
    return a


# ------------------------------------------------------------------ survey
@pytest.mark.fault("escaping: typed text shown as markup", expect="shown as text, no tag or link")
@pytest.mark.parametrize("code", HOSTILE)
def test_hostile_cohort_code_in_the_address(tmp_path, instrument, code):
    from urllib.parse import urlencode

    from netsoc.form.widget import survey_app

    form = survey_app(str(tmp_path / "s.sqlite"), query=urlencode({"cohort": code}), instrument=instrument)
    assert form.model.cohort is None  # refused: not a valid workshop code
    note = form.state["cohort"]["note"]  # drawn with textContent by form.js
    assert "is not valid" in note and form.state["cohort"]["ask"] is False


@pytest.mark.fault("escaping: typed text shown as markup", expect="shown as text, no tag or link")
@pytest.mark.parametrize("code", HOSTILE)
def test_hostile_cohort_codes_are_refused_everywhere(tmp_path, instrument, code, capsys):
    from netsoc.cli import main

    with open_store(tmp_path / "c.sqlite", instrument=instrument) as store:
        with pytest.raises(ResponseValidationError, match="cohort: expected a code"):
            store.submit(_answers(instrument), cohort=code)
        assert store.count(include_drafts=True) == 0
    assert main(["survey", "--cohort", code, "--port", "1"]) == 1
    assert "is not a valid workshop code" in capsys.readouterr().err


@pytest.mark.fault("escaping: typed text shown as markup", expect="shown as text, no tag or link")
def test_feedback_page_shows_a_cohort_as_text(instrument):
    from netsoc.feedback import feedback_data, result_html, sections_html

    code = "".join(HOSTILE)  # the feedback escapes whatever it is given
    data = feedback_data(_answers(instrument), instrument, cohort=code)
    markup = sections_html(data)
    # the page has its own svg charts and strong words: the code adds no tag to them
    plain = feedback_data(_answers(instrument), instrument, cohort="W1")
    assert Tags(markup).tags == Tags(sections_html(plain)).tags
    assert Tags(result_html(data)).tags == Tags(result_html(plain)).tags
    assert_inert(markup.replace("<svg", "<x-svg").replace("<strong", "<x-strong"), [code])


# The dashboard's escaping tests live in tests/netsoc/dashboard/test_dashboard_escaping.py.


# ------------------------------------------------------------------ report
@pytest.mark.fault("escaping: typed text shown as markup", expect="shown as text, no tag or link")
@pytest.mark.parametrize("text", HOSTILE)
def test_report_markdown_shows_text(text):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from netsoc.report import md_text

    rendered = markdown2html_mistune(f"**Data** {md_text(text)} · done")
    assert_inert(rendered.replace("<strong>Data</strong>", ""), [text])
    # no math delimiter is added or lost, so MathJax sees only literal dollars
    assert rendered.count("$") == text.count("$")


@pytest.mark.fault("escaping: typed text shown as markup", expect="shown as text, no tag or link")
def test_report_stamp_with_a_hostile_file_name(tmp_path, instrument):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from netsoc import report

    name = "<img src=x onerror=alert(1)> [x](javascript:alert(1)) **b** $x$.csv"
    path = tmp_path / name
    make_demo(n=60, seed=5, instrument=instrument).to_csv(path, index=False)
    study = report.prepare(data=path)
    rendered = markdown2html_mistune(report.stamp_markdown(study))
    plain = tmp_path / "plain.csv"
    path.rename(plain)
    baseline = Tags(markdown2html_mistune(report.stamp_markdown(report.prepare(data=plain))))
    parsed = Tags(rendered)
    assert sorted(parsed.tags) == sorted(baseline.tags)  # the name added no markup
    assert parsed.attrs == baseline.attrs
    assert name in "".join(parsed.text)
