"""The report as a reader gets it: the HTML in Chromium (structure, numbered
captions, text alternatives, no raw numbers or code names, axe-core), and the
Word export opened by LibreOffice, and the tables as CSV and LaTeX."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from analysis.demo import make_demo
from netsoc.report import build_report
from netsoc.report.references import SECTIONS
from tests.conftest import require

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
PATSY = re.compile(r"C\(\w+\)|\[T\.")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("render")
    path = folder / "responses.csv"
    make_demo(n=320, seed=23).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def rendered(demo_file):
    """The HTML report opened in headless Chromium: (page, html text, outside requests)."""
    chromium = Path("/usr/bin/chromium")
    require(chromium.exists(), f"{chromium} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    out = demo_file.parent / "report.html"
    build_report(
        out=out,
        data=demo_file,
        tables=demo_file.parent / "tables",
        keep_notebook=demo_file.parent / "run.ipynb",
    )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(chromium), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        external: list[str] = []

        def offline(route) -> None:
            if route.request.url.startswith(("file:", "data:")):
                route.continue_()
            else:  # the report must need nothing from outside: record and refuse
                external.append(route.request.url)
                route.abort()

        page.route("**/*", offline)
        page.goto(out.as_uri())
        page.wait_for_load_state("networkidle")
        yield page, out.read_text(encoding="utf-8"), external
        browser.close()


@pytest.mark.browser
def test_every_section_is_a_heading_linked_from_the_contents(rendered):
    page, _, _ = rendered
    assert page.locator("h1").count() == 1
    h2 = [t.strip().rstrip("¶").strip() for t in page.locator("h2").all_inner_texts()]
    assert h2 == list(SECTIONS)
    links = page.locator("a[href^='#']").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    targets = [h for h in links if h.startswith("#") and not h.startswith("#table")]
    assert len(targets) >= len(SECTIONS)
    for href in targets:
        assert page.locator(f"[id='{href[1:]}']").count() == 1, href


@pytest.mark.browser
def test_tables_and_figures_are_numbered_with_captions_and_alt_texts(rendered):
    page, _, _ = rendered
    titles = page.locator(".gt_title").all_inner_texts()
    assert titles == [f"Table {i}" for i in range(1, len(titles) + 1)] and len(titles) >= 15
    assert all(s.strip() for s in page.locator(".gt_subtitle").all_inner_texts())
    captions = page.locator("figure figcaption").all_inner_texts()
    assert len(captions) >= 10
    assert [c.split(".")[0] for c in captions] == [f"Figure {i}" for i in range(1, len(captions) + 1)]
    assert all(("Bars:" in c or "Points:" in c) for c in captions)  # says what the marks are
    alts = page.locator("img").evaluate_all("els => els.map(e => e.getAttribute('alt'))")
    assert len(alts) == len(captions)
    assert all(a and len(a) > 30 and "No description" not in a for a in alts)


@pytest.mark.browser
def test_no_raw_numbers_code_names_or_patsy_terms(rendered):
    page, text, external = rendered
    visible = page.locator("body").inner_text()
    assert "NaN" not in visible and "0.0000" not in visible and "nan" not in visible.split()
    assert not PATSY.search(visible)
    headers = page.locator("th").all_inner_texts()
    assert headers and not [h for h in headers if SNAKE.search(h)]
    assert "True" not in page.locator("td").all_inner_texts()
    # the profile and level labels are the participants' words, codes only in the codebook
    # (the stamp above the contents records the run's parameters, codes included)
    body = page.locator("body").inner_text().split("Contents", 1)[1].split("Appendix: codebook")[0]
    for code in ("reserved", "socializer", "career_stage", "work_mode"):
        assert code not in body, code
    assert external == []  # one self-contained file: no script, font or style fetched
    assert not re.search(r"""(src|href)=["']https?://""", text)


@pytest.mark.browser
def test_axe_finds_no_violation(rendered):
    from axe_playwright_python.sync_playwright import Axe

    page, _, _ = rendered
    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]}
    )
    found = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]
    assert found == []


def test_tables_are_written_as_csv_and_latex(rendered, demo_file):
    folder = demo_file.parent / "tables"
    csv = sorted(folder.glob("*.csv"))
    tex = sorted(folder.glob("*.tex"))
    assert len(csv) == len(tex) >= 15
    assert [p.stem for p in csv] == [p.stem for p in tex]
    flow = pd.read_csv(next(p for p in csv if "sample-flow" in p.name))
    assert int(flow.loc[0, "n"]) == 320
    assert all("\\begin{table}" in p.read_text(encoding="utf-8") for p in tex)


@pytest.mark.parametrize("show_code", [False, True])
def test_the_page_is_nbconverts_without_its_second_parse(rendered, demo_file, show_code):
    """notebook_html skips HTMLExporter's BeautifulSoup pass: the same page, tag for tag,
    with the same focusable inputs and outputs and alternative texts."""
    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from netsoc.report.html_page import notebook_html

    nb = nbformat.read(demo_file.parent / "run.ipynb", as_version=4)
    reference, _ = HTMLExporter(
        exclude_input=not show_code, exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True
    ).from_notebook_node(nb, resources={"metadata": {"name": "t"}})
    ours = notebook_html(nb, show_code=show_code, title="t")
    parsed = BeautifulSoup(ours, "html.parser")
    assert str(parsed) == str(BeautifulSoup(reference, "html.parser"))
    assert len(parsed.select("div.jp-OutputArea-output[tabindex='0']")) > 20
    assert len(parsed.select("div.jp-Cell-inputWrapper[tabindex='0']")) > 5
    assert not parsed.select("img:not([alt])")
