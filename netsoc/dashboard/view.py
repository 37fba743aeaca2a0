"""The dashboard's pages as HTML: the presenter view (the projector) and the facilitator's controls.

Server-built and escaped; no inline script or style (the page's module and
styles are files under ``netsoc/assets/dashboard``), so the pages run under a
strict Content-Security-Policy.  One ``h1`` per page, native buttons and
forms, the live count in a polite status region.
"""

from __future__ import annotations

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
]


def _qr(d: Dashboard) -> tuple[str, str]:
    from netsoc.qr import qr_svg, short_address

    url = d.settings.survey_url
    if not url:
        return "", ""
    short = short_address(url)
    return qr_svg(url, scale=1, fit=True, title=d.t("join_qr_alt", address=short)), short


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
        f"<button type='button' id='nav-full'>{e(t('nav_fullscreen'))}</button></nav>"
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


def control_page(d: Dashboard, *, message: str = "", pages: int = 1, base: str = "") -> str:
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
    links = [f"<li><a href='export/slides.html' download>{e(t('export_slides'))}</a></li>"]
    links += [
        f"<li><a href='export/page-{i}.png' download>{e(t('export_png_page', i=i))}</a></li>"
        for i in range(1, pages + 1)
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


def _comments_section(d: Dashboard) -> str:
    t, k = d.t, d.min_group_size
    pending = d.pending()
    rows = []
    for p in pending:
        action = t("comment_unhide") if p.hidden else t("comment_hide")
        mark = f" <em>({e(t('comment_hidden'))})</em>" if p.hidden else ""
        rows.append(
            f"<li><span class='comment-text'>{e(p.text)}</span>{mark} "
            + _form("control/comment", action, {"handle": p.handle, "hide": "0" if p.hidden else "1"})
            + "</li>"
        )
    approved = sum(not p.hidden for p in pending)
    release = (
        _form("control/release", t("release_button", n=approved))
        if approved >= k
        else f"<p>{e(t('release_wait', k=k, n=approved))}</p>"
    )
    listing = f"<ul class='preview'>{''.join(rows)}</ul>" if rows else f"<p>{e(t('preview_none'))}</p>"
    return (
        f"<section aria-labelledby='c-com'><h2 id='c-com'>{e(t('preview_heading'))}</h2>"
        f"<p>{e(t('preview_hint'))}</p>{listing}{release}</section>"
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
