"""The participant's result as a page to keep: :func:`result_html`.

One self-contained HTML file: the styles inlined from
``netsoc/assets/feedback/feedback.css`` (a print layout included), the charts
as inline SVG, no script, no link, no font or image to fetch - it opens
offline, is printed as it is, and sends nothing anywhere.  "More detail" is
unfolded, since the file is for reading later.
"""

from __future__ import annotations

import html

from analysis.individual import respondent_scorer
from netsoc.feedback.data import FeedbackData, feedback_data
from netsoc.feedback.page import feedback_css, page_html, sections_html
from netsoc.feedback.reference import reference_for
from survey.instrument import Instrument

__all__ = ["result_html", "result_filename", "warm_up"]


def result_filename(data: FeedbackData) -> str:
    """A file name for the kept result, e.g. ``netsoc-result-2026-12-07.html``."""
    return f"{data.instrument_id}-result-{data.answered_on}.html"


def result_html(data: FeedbackData) -> str:
    """The feedback as a whole HTML page the participant can keep (self-contained, no script).

    Parameters
    ----------
    data : FeedbackData
        From :func:`netsoc.feedback.feedback_data`.

    Returns
    -------
    str
        ``<!doctype html>`` ... in the participant's language, with a ``title``,
        one ``h1``, the note of version and date, and the feedback's sections.
    """
    esc = html.escape
    title, note = data.texts["result_title"], data.texts["result_saved"]
    return (
        "<!doctype html>\n"
        f"<html lang='{esc(data.language, quote=True)}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<meta name='generator' content='netsoc'><title>{esc(title)}</title>"
        f"<style>{feedback_css()}</style></head><body>"
        f"<main class='netsoc-result netsoc-feedback-page'><h1>{esc(title)}</h1>"
        f"<p class='netsoc-result-note'>{esc(note)}</p>"
        f"{sections_html(data, kept=True)}</main></body></html>\n"
    )


def warm_up(instrument: Instrument) -> None:
    """Build what every participant's feedback reuses, in every language: the scorer, the
    norms (parsed once), and one whole feedback page and kept result drawn from middle
    answers, so the first participant costs what the others do (a server calls this at start)."""
    for lang in instrument.languages:
        inst = instrument.localized(lang)
        respondent_scorer(inst)
        reference_for(inst)
        middle = {
            qid: sorted(inst.value_labels(qid))[len(inst.value_labels(qid)) // 2] for qid in inst.question_ids
        }
        data = feedback_data(middle, inst, language=lang, cohort="WARM", erase_code="WARMUP0000")
        page_html(data)
        result_html(data)
