"""The dashboard's pages as HTML: the presenter view (the projector) and the facilitator's controls.

Server-built and escaped; no inline script or style (the page's module and
styles are files under ``netsoc/assets/dashboard``), so the pages run under a
strict Content-Security-Policy.  One ``h1`` per page, native buttons and
forms, the live count in a polite status region.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from netsoc.dashboard.join import JoinCheck
from netsoc.dashboard.model import Dashboard
from netsoc.dashboard.panels import Panel, comment_pages, count_card, join_card, room_panels
from netsoc.dashboard.shift import shift_panels, wave_section
from netsoc.web import escape as e

__all__ = [
    "deck",
    "presenter_page",
    "control_page",
    "message_page",
    "confirm_clear_page",
    "counts",
    "join_warning",
    "join_address",
    "qr_code",
]


def join_address(d: Dashboard) -> str:
    """The address people type with the join code (``HOST:PORT``), "" without a join code:
    the survey's tokenised address is never shown as text."""
    from netsoc.qr import short_address

    s = d.settings
    return short_address(s.join_short_url) if s.join_code and s.join_short_url else ""


def _qr(d: Dashboard) -> tuple[str, str]:
    from netsoc.qr import qr_svg

    url = d.settings.survey_url
    if not url:
        return "", ""
    short = join_address(d)
    host = urlsplit(url).netloc  # the QR code's name: its host and port, never the token
    return qr_svg(url, scale=1, fit=True, title=d.t("join_qr_alt", address=short or host)), short


def qr_code(d: Dashboard) -> str:
    """The join address's QR code as inline SVG ("" without a join address)."""
    return _qr(d)[0]


def join_warning(d: Dashboard, check: JoinCheck) -> str | None:
    """The projector's warning about the join address, in the dashboard's language."""
    problem = check.problem()
    return None if problem is None else d.t(problem[0], address=problem[1])


def deck(d: Dashboard, check: JoinCheck) -> list[Panel]:
    """The presenter's cards: the join screen alone below k, else count, charts, comments, join."""
    activity = d.activity()
    state = d.state()
    qr, short = _qr(d)
    join = join_card(
        d.t,
        url=d.settings.survey_url,
        qr=qr,
        short=short,
        code=d.settings.join_code,
        submitted=int(activity["submitted"]),
        min_group_size=d.min_group_size,
        warning=join_warning(d, check),
        is_open=bool(activity.get("collection_open", True)),
    )
    if state.n_shown < d.min_group_size:
        return [join]
    low, high = d.response_range
    return (
        [count_card(activity, d.t, n_shown=state.n_shown, min_group_size=d.min_group_size)]
        + room_panels(
            state, d.t, min_group_size=d.min_group_size, low=low, high=high, cohort=d.settings.cohort
        )
        + shift_panels(d)
        + comment_pages(d.released_comments(), d.t)
        + [join]
    )


def _page(
    d: Dashboard, title: str, body: str, *, cls: str, data: str = "", script: bool = False, base: str = ""
) -> str:
    module = "<script type='module' src='assets/presenter.js'></script>" if script else ""
    root = f"<base href='{e(base)}'>" if base else ""  # relative links from any path or prefix
    return (
        f"<!DOCTYPE html><html lang='{e(d.language)}'><head><meta charset='utf-8'>{root}"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{e(title)}</title><link rel='stylesheet' href='assets/dashboard.css'>"
        f"</head><body class='{cls}'{data}>{body}{module}</body></html>"
    )


def presenter_page(d: Dashboard, cards: list[Panel], *, base: str = "") -> str:
    """The projector's page: one card at a time, keyboard and auto-advance (presenter.js)."""
    t = d.t
    title = t("dashboard_heading", title=d.instrument.title)
    data = (
        f" data-interval='{d.settings.interval:g}' data-advance='{d.settings.advance:g}'"
        f" data-of='{e(t('card_of', i='{i}', n='{n}'))}' data-pause='{e(t('nav_pause'))}'"
        f" data-play='{e(t('nav_play'))}'"
    )
    nav = (
        f"<nav class='controls' aria-label='{e(t('presenter_label'))}'>"
        f"<button type='button' id='nav-prev'>\u2190 {e(t('nav_previous'))}</button>"
        f"<span id='nav-pos' aria-live='off'></span>"
        f"<button type='button' id='nav-pause' aria-pressed='false'>{e(t('nav_pause'))}</button>"
        f"<button type='button' id='nav-next'>{e(t('nav_next'))} \u2192</button>"
        f"<button type='button' id='nav-full'>{e(t('nav_fullscreen'))}</button>"
        f"<a class='nav-link' href='control'>{e(t('nav_controls'))}</a></nav>"
    )
    body = (
        f"<h1 class='visually-hidden'>{e(title)}</h1>"
        f"<main id='deck'>{''.join(c.html() for c in cards)}</main>{nav}"
        "<p id='live' class='visually-hidden' role='status' aria-live='polite'></p>"
    )
    return _page(d, title, body, cls="presenter", data=data, script=True, base=base)


def message_page(d: Dashboard, text: str, *, base: str = "") -> str:
    """A page with one sentence (refusals, errors): never a traceback."""
    body = f"<main class='message'><h1>{e(d.instrument.title)}</h1><p>{e(text)}</p></main>"
    return _page(d, d.instrument.title, body, cls="plain", base=base)


def _form(action: str, button: str, fields: dict[str, str] | None = None, *, cls: str = "") -> str:
    hidden = "".join(f"<input type='hidden' name='{e(k)}' value='{e(v)}'>" for k, v in (fields or {}).items())
    return (
        f"<form method='post' action='{e(action)}' class='inline {cls}'>{hidden}"
        f"<button type='submit'>{e(button)}</button></form>"
    )


def _select(name: str, label: str, options: list[tuple[str, str]], chosen: str | None) -> str:
    opts = "".join(
        f"<option value='{e(v)}'{' selected' if v == (chosen or '') else ''}>{e(text)}</option>"
        for v, text in options
    )
    return (
        f"<p><label for='{e(name)}'>{e(label)}</label> "
        f"<select id='{e(name)}' name='{e(name)}'>{opts}</select></p>"
    )


def control_page(d: Dashboard, *, message: str = "", pages: Sequence[str] = (), base: str = "") -> str:
    """The facilitator's controls (behind the dashboard's token, never on the survey's server)."""
    t = d.t
    activity = d.activity()
    cohort = d.settings.cohort or "-"
    is_open = bool(activity.get("collection_open", True))
    parts = [f"<h1>{e(t('control_heading'))} \u2013 {e(cohort)}</h1>"]
    if message:
        parts.append(f"<p class='flash' role='status'>{e(message)}</p>")
    parts.append(f"<p><a href='./'>{e(t('control_presenter'))}</a></p>")
    # collection
    parts.append(
        f"<section aria-labelledby='c-coll'><h2 id='c-coll'>{e(t('control_collection'))}"
        f"</h2><p>{e(t('collection_is_open' if is_open else 'collection_is_closed'))}</p>"
        + _form(
            "control/collection",
            t("collection_close" if is_open else "collection_open"),
            {"open": "0" if is_open else "1"},
        )
        + "</section>"
    )
    parts.append(wave_section(d))
    # what the projector shows
    items = [("", t("statement_off"))] + [(i.id, _short(i.text)) for i in d.instrument.items]
    others = [("", t("compare_off"))] + [(c, c) for c in d.store.cohorts() if c != d.settings.cohort]
    parts.append(
        f"<section aria-labelledby='c-show'><h2 id='c-show'>{e(t('control_show'))}</h2>"
        "<form method='post' action='control/show'>"
        + _select("statement", t("statement_choose"), items, d.choices.statement)
        + _select("compare", t("compare_choose"), others, d.choices.compare_cohort)
        + f"<button type='submit'>{e(t('apply'))}</button></form></section>"
    )
    parts.append(_comments_section(d))
    # exports
    links = [
        f"<li><a href='export/{name}' download>{e(t(key))}</a></li>"
        for name, key in (
            ("handout.pdf", "export_pdf"),
            ("slides.html", "export_slides"),
            ("aggregates.xlsx", "export_xlsx"),
        )
    ]
    links += [
        f"<li><a href='export/page-{i}.png' download>{e(t('export_png_page', i=i))}: {e(title)}</a></li>"
        for i, title in enumerate(pages, start=1)
    ]
    parts.append(
        f"<section aria-labelledby='c-exp'><h2 id='c-exp'>{e(t('exports_heading'))}</h2>"
        f"<ul>{''.join(links)}</ul></section>"
    )
    if d.settings.cohort:  # clearing needs a workshop code: never "everything"
        n, drafts = counts(d)
        parts.append(
            f"<section aria-labelledby='c-clear'><h2 id='c-clear'>"
            f"{e(t('clear_heading'))}</h2>"
            + _form("control/clear", t("clear_button", n=n, d=drafts, cohort=cohort))
            + "</section>"
        )
    title = t("control_heading")
    return _page(d, title, "<main class='control'>" + "".join(parts) + "</main>", cls="plain", base=base)


#: The preview's groups: state, heading key and the buttons of each comment (action, label key).
_GROUPS = (
    ("waiting", "preview_waiting", (("approve", "comment_approve"), ("hide", "comment_hide"))),
    ("approved", "preview_approved", (("unapprove", "comment_unapprove"), ("hide", "comment_hide"))),
    ("released", "preview_released", (("hide", "comment_hide"),)),
    ("hidden", "preview_hidden", (("show", "comment_unhide"),)),
)


def _comment_group(d: Dashboard, items: list, heading: str, buttons: tuple) -> str:
    t = d.t
    rows = "".join(
        f"<li><span class='comment-text'>{e(p.text)}</span> "
        + "".join(
            _form("control/comment", t(label), {"handle": p.handle, "action": act}) for act, label in buttons
        )
        + "</li>"
        for p in items
    )
    return f"<h3>{e(t(heading, n=len(items)))}</h3><ul class='preview'>{rows}</ul>"


def _comments_section(d: Dashboard) -> str:
    """Every submitted comment: waiting ones with approve and hide, approved ones, the ones
    on the projector (hide takes them off) and the hidden ones (show again)."""
    t, k = d.t, d.min_group_size
    pending = d.pending()
    parts = []
    for state, heading, buttons in _GROUPS:
        items = [p for p in pending if p.state == state]
        if items:
            parts.append(_comment_group(d, items, heading, buttons))
    approved = sum(p.state == "approved" for p in pending)
    open_ = approved + sum(p.state == "waiting" for p in pending)
    reveal = []
    if approved >= k:
        reveal.append(_form("control/release", t("release_approved", n=approved), {"which": "approved"}))
    if open_ >= k and open_ > approved:
        reveal.append(_form("control/release", t("release_all", n=open_), {"which": "all"}))
    if not reveal:
        reveal.append(f"<p>{e(t('release_wait', k=k, n=open_))}</p>")
    listing = "".join(parts) if parts else f"<p>{e(t('preview_none'))}</p>"
    return (
        f"<section aria-labelledby='c-com'><h2 id='c-com'>{e(t('preview_heading'))}</h2>"
        f"<p>{e(t('preview_hint'))}</p>{listing}{''.join(reveal)}</section>"
    )


def counts(d: Dashboard) -> tuple[int, int]:
    """Submitted responses and drafts of the cohort."""
    total = d.store.count(d.settings.cohort, include_drafts=True)
    submitted = d.store.count(d.settings.cohort)
    return submitted, total - submitted


def confirm_clear_page(d: Dashboard, *, base: str = "") -> str:
    """The confirmation step before the cohort's responses are deleted, with the counts."""
    t = d.t
    n, drafts = counts(d)
    cohort = d.settings.cohort or "-"
    body = (
        f"<main class='control'><h1>{e(t('clear_heading'))}</h1>"
        f"<p>{e(t('clear_confirm', n=n, d=drafts, cohort=cohort))}</p>"
        + _form("control/clear/confirm", t("clear_yes"), {"n": str(n), "d": str(drafts)}, cls="danger")
        + f"<p><a href='control'>{e(t('clear_no'))}</a></p></main>"
    )
    return _page(d, t("clear_heading"), body, cls="plain", base=base)


def _short(text: str, size: int = 90) -> str:
    return text if len(text) <= size else text[: size - 1].rstrip() + "\u2026"
