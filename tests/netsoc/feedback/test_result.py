"""The result a participant keeps (netsoc.feedback.result_html): self-contained, no script,
nothing fetched, readable on a phone and on paper."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest

from netsoc.feedback import feedback_css, feedback_data, result_filename, result_html
from tests.conftest import require
from tests.helpers import keyed_answers


class _Refs(HTMLParser):
    """Every tag and every attribute that could load or run something."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.refs: list[tuple[str, str, str]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "data") or name.startswith("on"):
                self.refs.append((tag, name, value or ""))


@pytest.fixture
def data(instrument):
    answers = keyed_answers(instrument, 4, 2, consent=True)
    return feedback_data(answers, instrument, cohort="<b>WS-1</b>", language="fr", today=dt.date(2026, 12, 7))


def test_result_is_one_self_contained_page_without_script(data):
    page = result_html(data)
    refs = _Refs(page)
    assert page.startswith("<!doctype html>") and "<html lang='fr'>" in page
    assert "script" not in refs.tags and "link" not in refs.tags and "img" not in refs.tags
    assert refs.refs == []  # no src, no href, no on* handler: nothing is loaded or sent
    assert (
        "url(" not in page
        and "@import" not in page
        and "http" not in page.replace("http://www.w3.org/2000/svg", "")
    )
    assert feedback_css() in page  # the stylesheet file, inlined
    assert "@media print" in feedback_css()
    assert page.count("<h1>") == 1 and "mon résultat" in page
    assert "Version 1.1.0 du questionnaire, rempli le 2026-12-07" in page
    assert "<b>WS-1" not in page  # typed text never becomes markup
    assert "<details class='netsoc-more' open>" in page  # unfolded for reading later
    assert data.room_waiting and data.room_waiting not in page  # a kept file does not wait
    assert result_filename(data) == "netsoc-result-2026-12-07.html"


@pytest.mark.browser
def test_result_opens_offline_and_prints(data, tmp_path, instrument):
    """The saved file in Chromium: no request at all, nothing wider than 320 px, axe clean,
    and the print layout shows the profile and the details on paper."""
    from tests.browser.server import CHROMIUM, launch_chromium

    require(CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from axe_playwright_python.sync_playwright import Axe
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "playwright / axe-playwright-python not installed")
    path = tmp_path / result_filename(data)
    path.write_text(result_html(data), encoding="utf-8")
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            context = browser.new_context(viewport={"width": 320, "height": 640})
            requests: list[str] = []
            context.on("request", lambda r: requests.append(r.url))
            page = context.new_page()
            page.goto(path.as_uri())
            assert requests == [path.as_uri()]  # the file itself, nothing else
            scroll, client = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert scroll <= client
            found = (
                Axe()
                .run(
                    page,
                    options={
                        "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
                    },
                )
                .response["violations"]
            )
            assert [v["id"] for v in found] == []
            assert page.get_by_role("heading", level=1).count() == 1
            assert page.get_by_role("img").count() == 3 and page.get_by_role("table").count() == 2
            page.emulate_media(media="print")
            pdf = page.pdf(format="A4")
            assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
            visible = page.locator("main").inner_text()
            fr = instrument.localized("fr")
            assert data.profile.label in visible and fr.ui["details_heading"] in visible
            context.close()
        finally:
            browser.close()


@pytest.mark.browser
def test_printing_the_live_page_unfolds_more_detail(data):
    """On screen "More detail" is folded; printed, it is on paper (the print stylesheet)."""
    from tests.browser.server import CHROMIUM, launch_chromium

    require(CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from netsoc.feedback import page_html

    markup = (
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'><title>t</title></head>"
        f"<body><main><h1>t</h1>{page_html(data)}</main></body></html>"
    )
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page()
            page.set_content(markup)
            table = page.locator("#netsoc-feedback-facets")
            assert not table.is_visible()  # folded on screen
            page.emulate_media(media="print")
            assert table.is_visible()  # on paper
        finally:
            browser.close()
