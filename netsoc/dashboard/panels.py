"""The presenter's panels: each one full-screen card on the projector, as server-built HTML.

Every chart is a real ``<table>`` (a row per label: the label in a header
cell, the value as text, and a bar drawn as a tiny SVG with presentation
attributes only, so the page needs no inline style under its
Content-Security-Policy).  Labels are HTML text that wraps, so they never
overlap, whatever the language.  Every word comes from
:class:`netsoc.dashboard.texts.Texts`, every typed text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from netsoc.dashboard.room import Bar, RoomState
from netsoc.dashboard.texts import Texts
from netsoc.web import escape as e
from netsoc.web import fmt_percent

__all__ = [
    "Panel",
    "room_panels",
    "join_card",
    "count_card",
    "comment_pages",
    "responses_line",
    "grouped_code",
    "COMMENT_PAGE_CHARS",
]

#: Characters of comments per projected page (a page holds at least one comment).
COMMENT_PAGE_CHARS = 420


@dataclass(frozen=True)
class Panel:
    """One presenter card: ``name`` (a stable hook), its heading and its HTML body."""

    name: str
    title: str
    body: str

    def html(self) -> str:
        """The card as a ``<section>`` named by its heading."""
        return (
            f"<section class='card' data-card='{e(self.name)}' "
            f"aria-labelledby='h-{e(self.name)}'>"
            f"<h2 id='h-{e(self.name)}'>{e(self.title)}</h2>{self.body}</section>"
        )


def _bar_svg(
    share: float | None, cls: str = "bar-a", *, centre: bool = False, y: float = 1, h: float = 8
) -> str:
    """A bar of ``share`` (0..1; -1..1 drawn from the middle when ``centre``)."""
    if share is None or share != share:
        return ""
    if centre:
        x, w = (50.0, 50 * share) if share >= 0 else (50 + 50 * share, -50 * share)
        axis = "<line x1='50' x2='50' y1='0' y2='10' class='bar-axis'/>"
    else:
        x, w, axis = 0.0, 100 * max(0.0, min(1.0, share)), ""
    return f"<rect x='{x:.2f}' y='{y}' width='{w:.2f}' height='{h}' class='{cls}'/>{axis}"


def _svg(inner: str) -> str:
    return (
        f"<svg class='bar' viewBox='0 0 100 10' preserveAspectRatio='none' aria-hidden='true' "
        f"focusable='false'>{inner}</svg>"
    )


def _table(caption: str, head: Sequence[str], rows: Sequence[tuple[str, str, str]]) -> str:
    th = "".join(f"<th scope='col'>{e(h)}</th>" for h in head)
    body = "".join(
        f"<tr><th scope='row'>{e(label)}</th><td class='bar-cell'>{svg}</td><td class='num'>{value}</td></tr>"
        for label, svg, value in rows
    )
    return (
        f"<table class='bars'><caption class='summary'>{e(caption)}</caption>"
        f"<thead class='visually-hidden'><tr>{th}</tr></thead><tbody>{body}</tbody></table>"
    )


def _count_rows(bars: Sequence[Bar], t: Texts, k: int) -> list[tuple[str, str, str]]:
    top = max([b.value or 0 for b in bars] + [1])
    return [
        (
            b.label,
            _svg(_bar_svg((b.value or 0) / top)),
            e(t.num(b.value, 0) if b.value is not None else t("cell_hidden", k=k)),
        )
        for b in bars
    ]


def _hidden_note(t: Texts, k: int, any_hidden: bool) -> str:
    """The note under a chart with hidden counts (every hidden count is shown the same way)."""
    return f"<p class='note'>{e(t('hidden_note', k=k))}</p>" if any_hidden else ""


def _legend(t: Texts) -> str:
    return (
        "<p class='legend' aria-hidden='true'>"
        f"<span class='key key-a'></span>{e(t('gauge_networking'))} "
        f"<span class='key key-b'></span>{e(t('gauge_socializing'))}</p>"
    )


def _profiles(s: RoomState, t: Texts, k: int) -> Panel:
    head = [t("table_profile"), "", t("table_people")]
    note = _hidden_note(t, k, any(b.value is None for b in s.profiles))
    return Panel(
        "profiles",
        t("panel_profiles"),
        _table(t("profiles_summary"), head, _count_rows(s.profiles, t, k)) + note,
    )


def _facets(s: RoomState, t: Texts, low: int, high: int) -> Panel:
    span = high - low
    rows = [
        (
            b.label,
            _svg(
                _bar_svg(((b.value or low) - low) / span, y=0.5, h=4)
                + _bar_svg(((b.second or low) - low) / span, "bar-b", y=5.5, h=4)
            ),
            f"{e(t.num(b.value))} / {e(t.num(b.second))}",
        )
        for b in s.facets
    ]
    head = [t("column_facet"), "", f"{t('gauge_networking')} / {t('gauge_socializing')}"]
    return Panel(
        "facets",
        t("panel_facets"),
        _legend(t) + _table(t("room_facets_summary", low=low, high=high), head, rows),
    )


def _statement(s: RoomState, t: Texts, k: int) -> Panel:
    head = [t("table_value"), "", t("table_people")]
    return Panel(
        "statement",
        t("panel_statement"),
        f"<p class='statement'>{e(s.statement_text)}</p>"
        + _table(t("statement_summary"), head, _count_rows(s.statement, t, k))
        + _hidden_note(t, k, any(b.value is None for b in s.statement)),
    )


def _balance(s: RoomState, t: Texts, k: int) -> Panel:
    bins = s.balance
    assert bins is not None
    total = sum(int(c) for c in bins["count"].dropna()) or 1
    rows = []
    for r in bins.itertuples():
        label = t("balance_band", low=t.num(r.low, 2), high=t.num(r.high, 2))
        if r.suppressed:
            rows.append((label, "", e(t("cell_hidden", k=k))))
        else:
            rows.append((label, _svg(_bar_svg(r.count / total)), e(t.num(r.count, 0))))
    head = [t("table_balance_band"), "", t("table_people")]
    return Panel(
        "balance",
        t("panel_balance"),
        f"<p class='axis-note'>{e(t('axis_balance'))}</p>"
        + _table(t("room_balance_summary", k=k), head, rows)
        + _hidden_note(t, k, bool(bins["suppressed"].any())),
    )


def _quadrant(s: RoomState, t: Texts, k: int, low: int, high: int) -> Panel:
    cells = s.quadrant
    assert cells is not None
    edges = s.grid_edges
    size = len(edges) - 1
    biggest = max([int(c) for c in cells["count"].dropna()] + [1])
    band = [f"{t.num(edges[i], 0)}\u2013{t.num(edges[i + 1], 0)}" for i in range(size)]
    head = "".join(f"<th scope='col'>{e(b)}</th>" for b in band)
    body = []
    for row in reversed(range(size)):
        tds = []
        for col in range(size):
            c = cells[(cells["col"] == col) & (cells["row"] == row)].iloc[0]
            if c["suppressed"]:
                tds.append(f"<td class='cell cell-hidden'>{e(t('cell_hidden', k=k))}</td>")
            elif not c["count"]:
                tds.append(f"<td class='cell cell-0'>{e(t.num(0, 0))}</td>")
            else:
                level = 1 + min(3, int(3 * int(c["count"]) / biggest))
                tds.append(f"<td class='cell cell-{level}'>{e(t.num(c['count'], 0))}</td>")
        body.append(f"<tr><th scope='row'>{e(band[row])}</th>{''.join(tds)}</tr>")
    caption = t("quadrant_summary", low=low, high=high, k=k)
    return Panel(
        "quadrant",
        t("panel_quadrant"),
        f"<div class='grid-wrap'><p class='axis-y'>{e(t('gauge_networking'))} \u2191</p>"
        f"<table class='grid grid-{size}'><caption class='summary'>{e(caption)}</caption>"
        f"<thead><tr><td></td>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f"<p class='axis-x'>{e(t('gauge_socializing'))} \u2192</p></div>"
        + _hidden_note(t, k, bool(cells["suppressed"].any())),
    )


def _groups(s: RoomState, t: Texts, k: int) -> Panel:
    rows = [(b.label, _svg(_bar_svg(b.value, centre=True)), e(t.num(b.value))) for b in s.groups]
    note = f"<p class='note'>{e(t('groups_hidden_any', k=k))}</p>" if s.groups_hidden else ""
    head = [t("table_group"), "", t("table_mean_balance")]
    return Panel(
        "groups", t("panel_groups"), _table(t("groups_summary", field=s.group_field_label), head, rows) + note
    )


def _compare(s: RoomState, t: Texts, k: int, low: int, high: int, cohort: str | None) -> Panel:
    other = s.compare_cohort or ""
    title = t("panel_compare", other=other)
    if not s.compare_n:
        return Panel("compare", title, f"<p class='note'>{e(t('compare_waiting', other=other, k=k))}</p>")
    span = (high - low) / 2  # a lean of half the answer range fills the half bar
    rows = [
        (
            b.label,
            _svg(
                _bar_svg(max(-1.0, min(1.0, (b.value or 0) / span)), centre=True, y=0.5, h=4)
                + _bar_svg(max(-1.0, min(1.0, (b.second or 0) / span)), "bar-c", centre=True, y=5.5, h=4)
            ),
            f"{e(t.num(b.value))} / {e(t.num(b.second))}",
        )
        for b in s.compare
    ]
    legend = (
        "<p class='legend' aria-hidden='true'>"
        f"<span class='key key-a'></span>{e(cohort or '')} "
        f"<span class='key key-c'></span>{e(other)}</p>"
    )
    head = [t("column_facet"), "", f"{cohort or ''} / {other}"]
    return Panel("compare", title, legend + _table(t("compare_summary"), head, rows))


def _norms(s: RoomState, t: Texts, k: int) -> Panel:
    bins = s.norms
    assert bins is not None
    top = max(
        [float(x) for x in bins["norm_share"]] + [float(x) for x in bins["room_share"].dropna()] + [0.01]
    )
    rows = []
    for r in bins.itertuples():
        label = t("balance_band", low=t.num(r.bin_low, 2), high=t.num(r.bin_high, 2))
        room = None if r.suppressed else float(r.room_share)
        bars = _bar_svg(None if room is None else room / top, y=0.5, h=4) + _bar_svg(
            float(r.norm_share) / top, "bar-c", y=5.5, h=4
        )
        shown = t("cell_hidden", k=k) if room is None else fmt_percent(room, t.lang)
        rows.append((label, _svg(bars), f"{e(shown)} / {e(fmt_percent(r.norm_share, t.lang))}"))
    legend = (
        "<p class='legend' aria-hidden='true'>"
        f"<span class='key key-a'></span>{e(t('norms_room'))} "
        f"<span class='key key-c'></span>{e(t('norms_reference'))}</p>"
    )
    head = [t("table_balance_band"), "", f"{t('norms_room')} / {t('norms_reference')}"]
    return Panel(
        "norms",
        t("panel_norms"),
        legend
        + _table(t("room_norms_summary", n=s.norms_n, k=k), head, rows)
        + _hidden_note(t, k, bool(bins["suppressed"].any())),
    )


def room_panels(
    s: RoomState, t: Texts, *, min_group_size: int, low: int, high: int, cohort: str | None
) -> list[Panel]:
    """The chart cards of a published room (empty below ``min_group_size``); a count chart
    whose every cell is hidden is left out."""
    k = min_group_size  # the texts' {k}
    if s.n_shown < k:
        return []
    shows = _shows_counts(s)
    cards = [_profiles(s, t, k)] if shows["profiles"] else []
    cards.append(_facets(s, t, low, high))
    if s.statement and shows["statement"]:
        cards.append(_statement(s, t, k))
    if shows["balance"]:
        cards.append(_balance(s, t, k))
    if shows["quadrant"]:
        cards.append(_quadrant(s, t, k, low, high))
    if s.groups:  # a chart of hidden groups only is left out, as the count charts are
        cards.append(_groups(s, t, k))
    if s.compare_cohort:
        cards.append(_compare(s, t, k, low, high, cohort))
    if s.norms is not None and shows["balance"]:
        cards.append(_norms(s, t, k))
    return cards


def _shows_counts(s: RoomState) -> dict[str, bool]:
    """Which count charts show at least one count (a chart of hidden cells only is left out,
    so a small room's screen holds what can be shown)."""
    balance = s.balance["suppressed"] if s.balance is not None else None
    quadrant = s.quadrant["suppressed"] if s.quadrant is not None else None
    return {
        "profiles": any(b.value is not None for b in s.profiles),
        "statement": any(b.value is not None for b in s.statement),
        "balance": balance is not None and not bool(balance.all()),
        "quadrant": quadrant is not None and not bool(quadrant.all()),
    }


def count_card(activity: dict[str, Any], t: Texts, *, n_shown: int, min_group_size: int) -> Panel:
    """The live count: answers, arrivals per minute, answering now, and the batch note."""
    k = min_group_size
    closed = (
        "" if activity.get("collection_open", True) else f"<p class='alert'>{e(t('collection_closed'))}</p>"
    )
    batch = (
        f"<p class='note'>{e(t('shown_batch', m=n_shown, k=k))}</p>"
        if n_shown and n_shown != activity["submitted"]
        else ""
    )
    body = (
        f"<p class='big-count'><span id='netsoc-count' data-n='{int(activity['submitted'])}'>"
        f"{e(t.num(activity['submitted'], 0))}</span> {e(t('count_answers'))}</p>"
        "<dl class='activity'>"
        f"<div><dt>{e(t('count_rate'))}</dt><dd>{e(t.num(activity['arrivals_per_minute']))}</dd></div>"
        f"<div><dt>{e(t('count_answering'))}</dt><dd>{e(t.num(activity['open_drafts'], 0))}</dd>"
        f"</div></dl>{closed}{batch}"
    )
    return Panel("count", t("count_heading"), body)


def responses_line(t: Texts, submitted: int, min_group_size: int, cohort: str | None = None) -> str:
    """How many answered, as the projector and its exports say it: "fewer than k answers
    so far" below k (the room's size never shows below the threshold), else the count."""
    k = min_group_size
    if submitted < k:
        return t("responses_fewer_in", k=k, cohort=cohort) if cohort else t("responses_fewer", k=k)
    if cohort:
        return t("dashboard_responses_in", n=submitted, cohort=cohort)
    return t("dashboard_responses", n=submitted)


def join_card(
    t: Texts,
    *,
    url: str | None,
    qr: str,
    short: str,
    code: str | None = None,
    submitted: int,
    min_group_size: int,
    warning: str | None,
    is_open: bool = True,
) -> Panel:
    """The join screen: the QR code (most of the height), the join code big with the short
    address to type it at (when there is a code) and, below ``min_group_size`` answers,
    that there are fewer than that (never how many).  The tokenised address is never text."""
    k = min_group_size
    warn = f"<p class='alert' role='alert'>{e(warning)}</p>" if warning else ""
    if not is_open:
        warn = f"<p class='alert'>{e(t('collection_closed'))}</p>" + warn
    if not url:
        return Panel("join", t("panel_join"), warn)
    progress = t("join_waiting", k=k) if submitted < k else t("join_open_more")
    body = (
        f"<div class='join'><div class='qr'>{qr}</div><div class='join-text'>"
        f"{_join_words(t, code, short)}"
        f"<p class='join-progress'>{e(progress)}</p>{warn}</div></div>"
    )
    return Panel("join", t("panel_join"), body)


def grouped_code(code: str) -> str:
    """A join code in groups for reading aloud: ``482 1937`` (the first group of 3 digits).

    Examples
    --------
    >>> grouped_code("4821937"), grouped_code("48219370")
    ('482 1937', '4821 9370')
    """
    head = 4 if len(code) == 8 else 3
    return f"{code[:head]} {code[head:]}"


def _join_words(t: Texts, code: str | None, short: str) -> str:
    if not code or not short:
        return f"<p>{e(t('join_scan'))}</p>"
    return (
        f"<p>{e(t('join_code_hint'))}</p><p class='join-address'>{e(short)}</p>"
        f"<p class='join-code-label'>{e(t('join_code_label'))}</p>"
        f"<p class='join-code'><span aria-hidden='true'>{e(grouped_code(code))}</span>"
        f"<span class='visually-hidden'>{e(' '.join(code))}</span></p>"
    )


def comment_pages(comments: Sequence[str], t: Texts) -> list[Panel]:
    """The released comments, every one of them, on as many cards as they need."""
    pages: list[list[str]] = []
    size = COMMENT_PAGE_CHARS + 1
    for c in comments:
        if size + len(c) > COMMENT_PAGE_CHARS:
            pages.append([])
            size = 0
        pages[-1].append(c)
        size += len(c)
    n = len(pages)
    return [
        Panel(
            f"comments-{i}",
            t("comments_page", i=i, n=n),
            "<ul class='comments'>" + "".join(f"<li>{e(c)}</li>" for c in page) + "</ul>",
        )
        for i, page in enumerate(pages, start=1)
    ]
