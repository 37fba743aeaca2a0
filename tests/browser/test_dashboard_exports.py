"""The facilitator's exports in Chromium (issue 31 pts 2, 3): every panel as a 1600x900 page, the
slides at 1280x720, in en, de and fr; boxes measured in the browser: nothing outside the page,
no two text boxes overlapping, no "−0"; the exported deck describes a moment, not a live room;
the join code is big on the projector and the tokenised address is never text.

Screenshots of every page and slide are kept in test-artifacts/.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pandas as pd
import pytest

from analysis.demo import make_demo
from netsoc.dashboard import Dashboard, DashboardSettings
from netsoc.dashboard.export import export_title, slides_html
from netsoc.dashboard.pages import PAGE_SIZE, export_cards, page_html
from survey.store import open_store
from tests.browser.projector import OVERLAPS
from tests.helpers import axe_violations

pytestmark = pytest.mark.browser
JOIN = "http://192.0.2.7:8866/?cohort=ROOM1&token=Ab_3-xSecret"
AT = datetime(2026, 12, 7, 14, 32, tzinfo=UTC)
LONG = "Ein sehr langer Kommentar über Netzwerke, Geselligkeit und Gespräche im Workshop. " * 4

#: The boxes of every visible text-bearing element inside ``root``: outside ``frame``
#: (the page or the slide), overlapping another, or a negative zero.
MEASURE = (
    "([root, frame]) => {"
    + OVERLAPS
    + """
  const box = document.querySelector(frame).getBoundingClientRect();
  const scope = document.querySelector(root);
  const leaves = [...scope.querySelectorAll('h1,h2,p,li,th,td,dt,dd,caption,span,header,footer')]
    .filter(el => el.getClientRects().length && el.innerText && el.innerText.trim()
             && !el.closest('.visually-hidden, thead.visually-hidden'));
  const boxes = leaves.map(el => { const r = el.getBoundingClientRect();
      return {el, t: el.innerText.slice(0, 40), x: r.left, y: r.top, r: r.right, b: r.bottom}; });
  const overlaps = overlapsOf(boxes);
  const outside = boxes.filter(x => x.x < box.left - 1 || x.y < box.top - 1 || x.r > box.right + 1
                                    || x.b > box.bottom + 1).map(x => x.t);
  const cut = leaves.filter(el => el.scrollWidth > el.clientWidth + 1
                                  && getComputedStyle(el).overflow !== 'visible')
                    .map(el => el.innerText.slice(0, 40));
  const text = scope.innerText;
  return {overlaps, outside, cut, minus_zero: /[\u2212-]0(?![.,]?\\d)/.test(text), text};
}"""
)


def _room(tmp_path, instrument, lang):
    store = open_store(f"sqlite:///{tmp_path / f'x-{lang}.sqlite'}", instrument=instrument)
    roles = list(instrument.choice_fields["role"].options)
    df = make_demo(n=23, seed=2, instrument=instrument).assign(cohort="ROOM1")
    df["role"] = pd.Categorical([roles[0]] * 11 + [roles[1]] * 11 + [roles[2]], categories=roles)
    comments = [LONG, "short one", "merci", "<b>x</b>", "fine", "good"] + [None] * 17
    df["comment"] = pd.array(comments, dtype="string")
    store.import_frame(df, source="test")
    earlier = make_demo(n=6, seed=5, instrument=instrument).assign(cohort="EARLIER-1")
    store.import_frame(earlier, source="test")
    settings = DashboardSettings(
        db=store.url,
        cohort="ROOM1",
        lang=lang,
        survey_url=JOIN,
        join_code="4821937",
        join_short_url="http://192.0.2.7:8866/",
        check_join=False,
        illustration_norms=True,
    )
    d = Dashboard(store, settings)
    longest = max(instrument.items, key=lambda i: len(i.text)).id
    d.choose(statement=longest, compare_cohort="EARLIER-1")
    d.release()
    return store, d


def _problems(m):
    return {k: m[k] for k in ("overlaps", "outside", "cut", "minus_zero") if m[k]}


@pytest.mark.parametrize("lang", ["en", "de", "fr"])
def test_every_panel_page_fits_1600x900(chromium_browser, tmp_path, instrument, artifacts, lang):
    store, d = _room(tmp_path, instrument, lang)
    cards = export_cards(d, AT)
    names = [c.name for c in cards]
    assert names[0] == "moment" and names[-1] == "join"
    for panel in ("profiles", "facets", "statement", "balance", "quadrant", "groups", "compare", "norms"):
        assert panel in names, panel  # every panel the room can show has its page
    w, h = PAGE_SIZE
    context = chromium_browser.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    found = {}
    for i, card in enumerate(cards, start=1):
        page.set_content(page_html(d, card, head=export_title(d, AT), page=i, pages=len(cards)))
        m = page.evaluate(MEASURE, ["body", ".sheet"])
        page.screenshot(path=str(artifacts / f"export-{lang}-{i:02d}-{card.name}.png"))
        if _problems(m):
            found[card.name] = _problems(m)
        assert "Ab_3-xSecret" not in m["text"]  # the token is never text
    size = "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    assert page.evaluate(size) == [w, h]
    context.close()
    store.close()
    assert not found, found


@pytest.mark.parametrize("lang", ["en", "de", "fr"])
def test_slides_fit_1280x720_and_describe_a_moment(chromium_browser, tmp_path, instrument, artifacts, lang):
    store, d = _room(tmp_path, instrument, lang)
    cards = export_cards(d, AT)
    deck = slides_html(title="Workshop ROOM1", subtitle=export_title(d, AT), cards=cards, lang=lang)
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    path = tmp_path / "slides.html"  # as the facilitator opens the file
    path.write_text(deck, encoding="utf-8")
    page.goto(path.as_uri())
    page.wait_for_function("window.Reveal && Reveal.isReady()")
    total = page.evaluate("Reveal.getTotalSlides()")
    assert total == 1 + len(cards)
    found = {}
    for i in range(total):
        page.evaluate(f"Reveal.slide({i})")
        page.wait_for_timeout(50)
        m = page.evaluate(MEASURE, [".reveal .slides > section.present", ".reveal"])
        page.screenshot(path=str(artifacts / f"slides-{lang}-{i:02d}.png"))
        if _problems(m):
            found[i] = _problems(m)
    text = page.evaluate("document.querySelector('.reveal').innerText")
    context.close()
    store.close()
    assert not found, found
    assert "2026-12-07" in text and "14:32" in text  # a moment ...
    live = {
        "en": r"\blive\b|answering now",
        "de": r"\blive\b|antworten gerade",
        "fr": r"en direct|en train de",
    }
    assert not re.search(live[lang], text, re.I)  # ... not a live room


@pytest.fixture
def live_dashboard(tmp_path, instrument):
    """``dashboard_server`` on 127.0.0.1 in this process, with a join code and no answers yet."""
    import socket
    import threading
    import time

    from netsoc.dashboard.app import dashboard_server

    store = open_store(f"sqlite:///{tmp_path / 'live.sqlite'}", instrument=instrument)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    def serve(lang):
        settings = DashboardSettings(
            db=store.url,
            cohort="ROOM1",
            lang=lang,
            token="join-code-token",
            survey_url=JOIN,
            join_code="4821937",
            join_short_url="http://192.0.2.7:8866/",
            check_join=False,
            port=port,
        )
        server = dashboard_server(settings, host="127.0.0.1", port=port)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}/?token=join-code-token"

    servers: list = []
    yield serve
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)
    store.close()


@pytest.mark.parametrize("lang", ["en", "de", "fr"])
def test_the_join_code_is_big_on_the_projector(chromium_browser, live_dashboard, artifacts, lang):
    url = live_dashboard(lang)
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(url)
    card = page.locator("#deck .card[data-card='join']")
    card.wait_for()
    m = page.evaluate(MEASURE, ["#deck .card:not([hidden])", "#deck"])
    page.screenshot(path=str(artifacts / f"join-code-{lang}.png"))
    code = page.locator(".join-code")
    size = float(code.evaluate("el => parseFloat(getComputedStyle(el).fontSize)"))
    text = card.inner_text()
    violations = axe_violations(page)
    context.close()
    assert not violations, violations
    assert not _problems(m), _problems(m)
    assert "482 1937" in text and "192.0.2.7:8866" in text and "Ab_3-xSecret" not in text
    assert size >= 96  # readable from the back of the room
