"""The feedback as HTML: the page fragment, the JupyterLab view and warm-up.

:func:`sections_html` draws a :class:`~netsoc.feedback.data.FeedbackData` in
its order - profile, balance, two things to try, clear intention, the
workshop, and "more detail" in a ``<details>`` element - with every text
escaped.  :func:`page_html` adds the styles (``netsoc/assets/feedback/
feedback.css``, read once); :func:`netsoc.feedback.result_html` makes a whole
page of it to keep.
"""

from __future__ import annotations

import functools
import html
from importlib import resources
from typing import Any

from netsoc.feedback.change import change_html
from netsoc.feedback.data import FeedbackData
from netsoc.feedback.details import DetailBlock
from survey.instrument import Instrument

__all__ = ["feedback_css", "sections_html", "page_html", "room_html"]

_esc = html.escape


@functools.cache
def feedback_css() -> str:
    """The feedback's stylesheet (screen and print), from ``netsoc/assets/feedback/``."""
    return (resources.files("netsoc") / "assets" / "feedback" / "feedback.css").read_text("utf-8")


def _block(b: DetailBlock) -> str:
    if b.kind == "figure":
        return f"<figure>{b.svg}<figcaption>{_esc(b.caption or '')}</figcaption></figure>"
    if b.kind == "table":
        head = "".join(f"<th scope='col'>{_esc(c)}</th>" for c in b.columns)
        body = "".join(
            "<tr><th scope='row'>"
            + _esc(r[0])
            + "</th>"
            + "".join(
                f"<td data-label='{_esc(c, quote=True)}'>{_esc(v)}</td>" for c, v in zip(b.columns[1:], r[1:])
            )
            + "</tr>"
            for r in b.rows
        )
        return (
            f"<table class='netsoc-stack' id='{_esc(b.id or '')}'><caption>"
            f"{_esc(b.caption or '')}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )
    heading = f"<h4>{_esc(b.heading)}</h4>" if b.heading else ""
    return heading + "".join(f"<p>{_esc(p)}</p>" for p in b.paragraphs)


def room_html(room: dict[str, Any] | None, waiting: str | None, heading: str) -> str:
    """The "Your workshop" section: the room's summary, or the waiting line.

    Empty without a cohort (``room`` and ``waiting`` both ``None``)."""
    if room is None and waiting is None:
        return ""
    body = (
        f"<p>{_esc(room['summary'])}</p>"
        if room is not None
        else f"<p class='netsoc-muted'>{_esc(waiting or '')}</p>"
    )
    return (
        f"<section class='netsoc-room' aria-labelledby='netsoc-fb-room'>"
        f"<h3 id='netsoc-fb-room'>{_esc(heading)}</h3>{body}</section>"
    )


def sections_html(data: FeedbackData, *, kept: bool = False) -> str:
    """The feedback's sections in order, escaped (no styles, no outer element).

    Parameters
    ----------
    data : FeedbackData
    kept : bool, default False
        For the page to keep: "more detail" unfolded, and "Your workshop"
        only when it is known (a kept file does not check again).
    """
    t = data.texts
    out = []
    if data.warning:
        out.append(
            f"<div class='netsoc-attention-warning' role='alert'><strong>"
            f"{_esc(t['please_note'])}</strong> {_esc(data.warning)}</div>"
        )
    p = data.profile
    if p is not None:
        out.append(
            f"<section class='netsoc-profile' aria-labelledby='netsoc-fb-profile'>"
            f"<h3 id='netsoc-fb-profile'>{_esc(p.heading)}</h3>"
            f"<p class='netsoc-lead'>{_esc(p.summary)}</p><p>{_esc(p.advice)}</p></section>"
        )
    else:
        out.append(f"<p>{_esc(data.no_profile or '')}</p>")
    out.append(change_html(data.change, data.language))
    b = data.balance
    if b is not None:
        out.append(
            f"<section class='netsoc-balance' aria-labelledby='netsoc-fb-balance'>"
            f"<h3 id='netsoc-fb-balance'>{_esc(t['balance_heading'])}</h3>"
            f"<p>{_esc(b.sentence)}</p>{b.svg}</section>"
        )
    tries = "".join(f"<li><strong>{_esc(x.summary)}.</strong> {_esc(x.tip)}</li>" for x in data.tries)
    out.append(
        f"<section class='netsoc-try' aria-labelledby='netsoc-fb-try'>"
        f"<h3 id='netsoc-fb-try'>{_esc(t['try_heading'])}</h3>"
        + (f"<ol>{tries}</ol>" if tries else f"<p>{_esc(data.try_none or '')}</p>")
        + "</section>"
    )
    i = data.intentionality
    if i is not None:
        out.append(
            f"<section class='netsoc-intention' aria-labelledby='netsoc-fb-intention'>"
            f"<h3 id='netsoc-fb-intention'>{_esc(i.heading)}</h3>"
            f"<p>{_esc(i.text)}</p></section>"
        )
    out.append(room_html(data.room, None if kept else data.room_waiting, t["room_heading"]))
    if data.erase_code:
        out.append(erase_html(data))
    out.append(
        f"<details class='netsoc-more'{' open' if kept else ''}><summary>"
        f"{_esc(t['details_heading'])}</summary>" + "".join(_block(x) for x in data.details) + "</details>"
    )
    return "".join(out)


def erase_html(data: FeedbackData) -> str:
    """The erase code and the one sentence on using it (issue 34.7)."""
    shown = str(data.erase_code)
    sentence = data.texts.get("erase_text") or "{code}"
    before, _, after = sentence.partition("{code}")
    return (
        f"<section class='netsoc-erase' aria-labelledby='netsoc-fb-erase'>"
        f"<h3 id='netsoc-fb-erase'>{_esc(data.texts.get('erase_heading', ''))}</h3>"
        f"<p>{_esc(before)}<strong class='netsoc-code' translate='no'>{_esc(shown)}</strong>"
        f"{_esc(after)}</p></section>"
    )


def page_html(data: FeedbackData, instrument: Instrument | None = None) -> str:
    """The feedback as one HTML fragment: its styles and a labelled ``section``.

    ``instrument`` is accepted for older callers and not needed: the data
    carries every text.
    """
    return (
        f"<style>{feedback_css()}</style><section class='netsoc-feedback-page' "
        f"aria-labelledby='netsoc-fb-h' lang='{_esc(data.language, quote=True)}'>"
        f"<h2 id='netsoc-fb-h'>{_esc(data.texts['results_heading'])}</h2>"
        f"{sections_html(data)}</section>"
    )
