"""The feedback page: words from the instrument, SVG charts with text alternatives, norms with
their uncertainty, coarse workshop bands that resist probing, escaping."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.individual import COARSE_BINS, cohort_band
from analysis.scoring import score
from netsoc.feedback import feedback_data, page_html
from netsoc.feedback.charts import NET_COLOR, SOC_COLOR
from netsoc.feedback.texts import DEFAULTS, ordinal
from survey.store import open_store
from tests.helpers import keyed_answers

REL = {"networking": 0.9, "socializing": 0.9, "balance": 0.8, "intentionality": 0.7}
SVG = "{http://www.w3.org/2000/svg}"


def answers(instrument, net, soc, intent=4, attn_ok=True):
    return keyed_answers(instrument, net, soc, intent, checks=True if attn_ok else "fail", consent=True)


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<svg.*?</svg>", html, flags=re.S)]


class Tables(HTMLParser):
    """Tables of a page: id -> caption, header cells (with scope) and body rows."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, dict] = {}
        self._t = self._cell = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._t = self.tables.setdefault(a["id"], {"caption": "", "th": [], "rows": []})
        elif self._t is not None and tag == "tr":
            self._t["rows"].append([])
        elif self._t is not None and tag in ("th", "td", "caption"):
            self._cell = [tag, a.get("scope"), ""]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[2] += data

    def handle_endtag(self, tag):
        if tag == "table":
            self._t = None
        elif self._cell is not None and tag == self._cell[0]:
            kind, scope, text = self._cell
            if kind == "caption":
                self._t["caption"] = text
            else:
                self._t["rows"][-1].append(text)
                if kind == "th":
                    self._t["th"].append(scope)
            self._cell = None


# ------------------------------------------------------------------ words
def test_networker_gets_the_networker_texts(instrument):
    data = feedback_data(answers(instrument, 5, 2), instrument, reliability=REL)
    page = page_html(data)
    prof = next(p for p in instrument.profiles if p.id == "networker")
    assert data.profile.id == "networker" and prof.label in page and prof.summary in page
    assert "Networking: " in page and "Socializing: " in page  # what each orientation is for
    assert data.intentionality.level == "high" and "Clear intention: High" in page
    assert data.warning is None and "role='alert'" not in page
    assert "Your workshop" not in page  # no cohort: no workshop section, no column
    assert page.count("<h2") == 1


def test_failed_checks_warn_and_cohort_is_escaped_and_no_count_is_shown(instrument):
    peers = pd.DataFrame([answers(instrument, 3, 3)] * 3).drop(columns="consent")
    data = feedback_data(
        answers(instrument, 2, 4, attn_ok=False), instrument, peers=peers, cohort="<i>W</i>", reliability=REL
    )
    page = page_html(data)
    assert instrument.feedback.attention_warning in page and "role='alert'" in page
    assert page.index("role='alert'") < page.index("netsoc-profile")  # the warning comes first
    assert "&lt;i&gt;W&lt;/i&gt;" in page and "<i>W" not in page
    assert "shown once enough people of your workshop have answered" in page
    assert "so far" not in page and "of 3" not in page and "(3" not in page
    assert data.profile.id == "socializer"


def test_every_fixed_word_comes_from_the_instrument(instrument):
    """A ui: override (as a translation gives) replaces the page's words."""
    keys = list(DEFAULTS)
    ui = {
        key: f"[K{i}]" + "".join(f" {{{n}}}" for n in re.findall(r"{(\w+)}", DEFAULTS[key]))
        for i, key in enumerate(keys)
    }
    other = instrument.model_copy(update={"ui": ui})
    page = page_html(
        feedback_data(answers(instrument, 4, 2), other, cohort="W", reliability=REL, illustration_norms=True)
    )
    visible = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
    for word in (
        "Your results",
        "Compared with",
        "likely",
        "percentile",
        "workshop",
        "socializing and networking",
        "The numbers are in the table",
    ):
        assert word not in visible, word
    assert f"[K{keys.index('results_heading')}]" in visible
    assert f"[K{keys.index('percentile')}] 85th" in visible  # the shipped (1.1.0) norms


def test_ordinals():
    assert [ordinal(n, "en") for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 62, 103)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "62nd",
        "103rd",
    ]
    assert ordinal(62, "de") == "62." and ordinal(62, "fr") == "62e"


# ------------------------------------------------------------------- norms
INLINE_NORMS = {
    "source": "synthetic demo sample (netsoc.demo, seed 2026, n = 600); provisional",
    "networking": {"mean": 3.19, "sd": 0.74, "reliability": 0.93},
    "socializing": {"mean": 2.87, "sd": 0.74, "reliability": 0.92},
    "balance": {"mean": 0.08, "sd": 0.22, "reliability": 0.90},
    "intentionality": {"mean": 3.02, "sd": 0.80, "reliability": 0.80},
}


def test_norm_percentiles_come_with_their_interval_and_the_sample_is_named(instrument):
    """Inline norms (mean, SD): normal percentiles, the interval from the score's band."""
    from survey.instrument import Norms

    inline = instrument.model_copy(update={"norms": Norms.model_validate(INLINE_NORMS)})
    data = feedback_data(
        answers(instrument, 4, 2),
        inline,  # the norms' own reliabilities
        illustration_norms=True,
    )
    page = page_html(data)
    # networking 4: sem = 0.74 * sqrt(1 - 0.93); band 4 -/+ 1.96 sem; R: round(100 * pnorm(...))
    sem = 0.74 * np.sqrt(1 - 0.93)
    z = stats.norm.ppf(0.975)
    pct = [round(100 * stats.norm.cdf((v - 3.19) / 0.74)) for v in (4, 4 - z * sem, 4 + z * sem)]
    assert pct == [86, 72, 95]
    assert "about the 86th percentile (95% interval 72 to 95)" in page
    assert "synthetic demo sample (netsoc.demo, seed 2026, n = 600)" in page
    assert "illustrations from a synthetic sample, not real norms" in page


def test_illustration_norms_are_not_shown_to_participants_by_default(instrument):
    """The shipped norms are synthetic: no comparison, no developer text, in any language."""
    for lang in instrument.languages:
        page = page_html(feedback_data(answers(instrument, 4, 2), instrument, language=lang))
        ui = instrument.localized(lang).ui
        for key in ("column_reference", "reference_synthetic", "legend_reference"):
            assert ui[key] not in page, (lang, key)
        assert "make_demo" not in page and "seed 2026" not in page and "synthetic" not in page
        assert all(
            r["reference"] is None
            for r in feedback_data(answers(instrument, 4, 2), instrument, language=lang).scores
        )


def test_real_norms_are_shown(instrument):
    from survey.instrument import Norms

    real = dict(INLINE_NORMS, source="career workshops in Berlin, n = 1,240")
    inst = instrument.model_copy(update={"norms": Norms.model_validate(real)})
    page = page_html(feedback_data(answers(instrument, 4, 2), inst))
    assert "about the 86th percentile (95% interval 72 to 95)" in page
    assert "Compared with career workshops in Berlin" in page and "synthetic" not in page


def test_without_norms_there_is_no_comparison(instrument):
    bare = instrument.model_copy(update={"norms": None})
    page = page_html(feedback_data(answers(instrument, 4, 2), bare, reliability=REL))
    assert "percentile" not in page and "reference" not in page


# ------------------------------------------------------------------ charts
def test_charts_are_svg_that_show_the_numbers(instrument):
    data = feedback_data(answers(instrument, 4, 2), instrument, reliability=REL, illustration_norms=True)
    page = page_html(data)
    balance, scores, facets = svgs(page)
    for svg in (balance, scores, facets):
        assert svg.get("role") == "img" and svg.get("aria-label")
        assert "viewBox" in svg.attrib and svg.get("width") == "100%"
    # the score dots sit at 112 + (score - 1) / 4 * 276 (axis from x=112 to 388)
    dots = [(c.get("fill"), float(c.get("cx"))) for c in scores.iter(f"{SVG}circle") if c.get("cx")]
    assert dots == [
        (NET_COLOR, 112 + 3 / 4 * 276),
        (SOC_COLOR, 112 + 1 / 4 * 276),
        ("#1a1a1a", 112 + 3 / 4 * 276),
    ]
    texts = [t.text for t in scores.iter(f"{SVG}text")]
    assert texts[:3] == ["Networking", "Socializing", "Intentionality"]
    assert {"you", "likely range", "reference average"} <= set(texts)
    # balance +0.50: diamond at 30 + 1.5 / 2 * 340 = 285, value printed, both ends named
    assert "M285.0" in " ".join(p.get("d") for p in balance.iter(f"{SVG}path"))
    btexts = [t.text for t in balance.iter(f"{SVG}text")]
    assert "+0.50" in btexts and any("socializing" in t for t in btexts)
    # facets: a blue circle at 4 and an orange square at 2 on every facet, shapes in the legend
    circles = [float(c.get("cx")) for c in facets.iter(f"{SVG}circle") if c.get("cx")]
    squares = [
        float(r.get("x")) + 6
        for r in facets.iter(f"{SVG}rect")
        if r.get("fill") == SOC_COLOR and r.get("x") and float(r.get("x")) > 0
    ]
    assert circles == pytest.approx([16 + 3 / 4 * 368] * len(instrument.facets))
    assert squares == pytest.approx([16 + 1 / 4 * 368] * len(instrument.facets))


def test_each_chart_has_a_summary_and_a_table_of_its_numbers(instrument):
    from survey.instrument import Norms

    inline = instrument.model_copy(update={"norms": Norms.model_validate(INLINE_NORMS)})
    data = feedback_data(answers(instrument, 4, 2), inline, reliability=REL, illustration_norms=True)
    page = page_html(data)
    tables = Tables(page).tables
    for svg in svgs(page):
        table = tables[svg.get("aria-describedby")]
        assert table["caption"] and set(table["th"]) == {"col", "row"}
    scores_table = tables[svgs(page)[0].get("aria-describedby")]
    assert [r[0] for r in scores_table["rows"][1:]] == [
        "Networking",
        "Socializing",
        "Balance",
        "Intentionality",
    ]
    # sem = 0.74 * sqrt(1 - 0.9) = 0.234, 1.96 sem = 0.459; balance 0.22 * sqrt(0.2) * 1.96 = 0.193
    assert scores_table["rows"][1][1] == "4.00 (likely 3.54 to 4.46)"
    assert scores_table["rows"][3][1] == "+0.50 (likely +0.31 to +0.69)"
    facet_table = tables[svgs(page)[2].get("aria-describedby")]
    assert facet_table["rows"][1] == [instrument.facets[next(iter(instrument.facets))].label, "4.00", "2.00"]
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page)
    assert len(captions) == 2  # the balance chart's words are the sentence above it
    assert "Your balance is +0.50 on a scale from" in page
    assert "Networking is higher than socializing on 8 of 8 facets" in captions[1]
    # nothing scrolls on its own; no colour-only legend
    assert "overflow:auto" not in page and "overflow: auto" not in page


def test_an_even_balance_is_said_so(instrument):
    data = feedback_data(answers(instrument, 3, 3), instrument, reliability=REL)
    page = page_html(data)
    assert page.count("<svg") == 3 and page.count('role="img"') == 3
    assert "Your balance is +0.00" in page and "about even" in page


def test_workshop_band_with_ten_responses(instrument):
    peers = pd.DataFrame([answers(instrument, v, 3) for v in (1, 2, 3, 4, 5, 1, 2, 3, 4)])
    data = feedback_data(answers(instrument, 5, 3), instrument, peers=peers, cohort="W")
    page = page_html(data, instrument)
    assert "in the upper third of your workshop" in page  # networking
    assert "in the middle third of your workshop" in page  # socializing: everyone 3
    fewer = page_html(
        feedback_data(answers(instrument, 5, 3), instrument, peers=peers[:8], cohort="W"), instrument
    )
    assert "third of your workshop" not in fewer
    assert fewer.count("shown once enough people of your workshop have answered") == 4


def _answers_with_totals(instrument, net_total: int, soc_total: int) -> dict:
    """Answers whose keyed networking / socializing items sum to the given totals."""
    out = keyed_answers(instrument, 1, 1, 3, consent=True)
    for scale, total in (("networking", net_total), ("socializing", soc_total)):
        items = instrument.scale_items(scale)
        base, extra = divmod(total, len(items))
        for k, item in enumerate(items):
            keyed = base + (k < extra)
            out[item.id] = 6 - keyed if item.keying == "reverse" else keyed
    return out


def test_probing_attack_cannot_locate_a_hidden_score(tmp_path, instrument, rng):
    """Issue 12: 1 hidden response, 4 known ones, then probes from fresh sessions.

    Each probe is submitted to a real SQLite store and gets its feedback as the
    form computes it (the cohort's other submitted responses as peers).  An
    ideal attacker then keeps every hidden score that would have produced the
    same bands; that set must span at least one band (a quarter of the range).
    The same observations with exact mid-rank percentiles pin the score down.
    """
    cohort = "WS-K"
    n_items = len(instrument.scale_items("networking"))
    store = open_store(tmp_path / "probe.sqlite", instrument=instrument)
    hidden = _answers_with_totals(instrument, 54, 41)  # networking 3.375, socializing 2.5625
    hidden_id = store.submit(hidden, cohort=cohort)
    for net, soc in rng.integers(n_items, 5 * n_items + 1, size=(4, 2)):
        store.submit(_answers_with_totals(instrument, int(net), int(soc)), cohort=cohort)

    grid = np.arange(n_items, 5 * n_items + 1) / n_items  # every possible scale score
    observed = []  # (peers' scores without the hidden one, probe's scores, probe's bands)
    for total in [t for t in range(n_items, 5 * n_items + 1)] * 2:  # sweep networking twice
        probe = _answers_with_totals(instrument, total, int(rng.integers(n_items, 5 * n_items + 1)))
        rid = store.submit(probe, cohort=cohort)  # a fresh session each time
        frame = store.to_frame(cohort=cohort)
        peers = frame[frame["respondent_id"] != rid].reset_index(drop=True)
        data = feedback_data(probe, instrument, peers=peers, cohort=cohort)
        page = page_html(data, instrument)
        table = Tables(page).tables[svgs(page)[0].get("aria-describedby")]
        assert {row[-1] for row in table["rows"][1:]} <= {  # a band or "wait", nothing else
            DEFAULTS["band_lower"],
            DEFAULTS["band_middle"],
            DEFAULTS["band_upper"],
            DEFAULTS["cohort_waiting"],
        }
        bands = {r["score"]: r["cohort_band"] for r in data.scores}
        everyone = score(peers, instrument)
        known = everyone[peers["respondent_id"] != hidden_id]
        own = score(pd.DataFrame([probe]), instrument).iloc[0]
        for name, band in bands.items():  # the page shows what the band rule gives
            assert band == cohort_band(
                own[name], everyone[name].to_numpy(float), *((-1, 1) if name == "balance" else (1, 5))
            )
        observed.append((known, own, everyone))
    store.close()
    assert sum(b is not None for b in bands.values()) == 4

    def consistent(name: str, candidates: np.ndarray, lo: float, hi: float, rule) -> np.ndarray:
        """Hidden scores that give every probe the answer the true cohort gave."""
        keep = np.ones(len(candidates), dtype=bool)
        for known, own, everyone in observed:
            shown = rule(own[name], everyone[name].to_numpy(float), lo, hi)
            others = known[name].to_numpy(float)
            for j, h in enumerate(candidates):
                if keep[j]:
                    keep[j] = rule(own[name], np.append(others, h), lo, hi) == shown
        return candidates[keep]

    def coarse(v, peers, lo, hi):
        return cohort_band(v, peers, lo, hi)

    truth = score(pd.DataFrame([hidden]), instrument).iloc[0]
    width = 4 / COARSE_BINS
    step = 1 / n_items
    for name in ("networking", "socializing"):
        left = consistent(name, grid, 1, 5, coarse)
        assert truth[name] in left
        assert left.max() - left.min() + step >= width, (name, left)
    bal_grid = np.unique((grid[:, None] - grid[None, :]).ravel() / 4)
    left = consistent("balance", bal_grid, -1, 1, coarse)
    assert truth["balance"] in left and left.max() - left.min() + step / 4 >= 2 / COARSE_BINS

    # the same probes against exact mid-rank percentiles (the old page) pin it down
    def exact(v, peers, lo, hi):
        return stats.percentileofscore(peers, v, kind="mean") if len(peers) >= 5 else None

    pinned = consistent("networking", grid, 1, 5, exact)
    assert truth["networking"] in pinned and pinned.max() - pinned.min() < width / 2


def test_feedback_in_the_participants_language(instrument):
    data = feedback_data(
        answers(instrument, 4, 2), instrument, cohort="W", language="de", illustration_norms=True
    )
    page = page_html(data)
    de = instrument.localized("de")
    assert "<h2" in page and de.ui["results_heading"] in page and "lang='de'" in page
    assert re.search(r"etwa das \d\d?\. Perzentil \(95\u00a0%-Intervall \d\d? bis \d\d?\)", page)
    assert "4,00 (wahrscheinlich" in page and de.profiles[-1].label in page
    assert "Your results" not in page and "percentile" not in page and "likely" not in page
    # the same codes score the same in every language
    en = feedback_data(answers(instrument, 4, 2), instrument, cohort="W")
    assert [r["estimate"] for r in en.scores] == [r["estimate"] for r in data.scores]


# ------------------------------------------------------- in a real browser
def static_page(body: str, lang: str) -> str:
    """The feedback inside a minimal survey skeleton (h1 above, as the form has it)."""
    return (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><meta name='viewport' "
        "content='width=device-width, initial-scale=1'><title>Feedback</title></head><body>"
        f"<main><h1>Networking and socializing balance</h1><div class='netsoc-feedback'>{body}"
        "</div></main></body></html>"
    )


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "de", "fr"])
def test_axe_finds_nothing_and_the_page_reflows(instrument, lang):
    """axe (WCAG 2.0/2.1 A and AA) on the page at 320 px, on a desktop and at 200 % zoom;
    nothing scrolls sideways."""
    from tests.browser.server import CHROMIUM, block_outside, launch_chromium
    from tests.conftest import require

    require(CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from axe_playwright_python.sync_playwright import Axe
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "playwright / axe-playwright-python not installed (pip install -e '.[test]')")
    peers = pd.DataFrame([answers(instrument, v, 3) for v in (1, 2, 3, 4, 5, 1, 2, 3, 4)])
    data = feedback_data(
        answers(instrument, 4, 2, attn_ok=False), instrument, peers=peers, cohort="<b>W-1</b>", language=lang
    )
    markup = static_page(page_html(data, instrument), lang)
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            # 320 CSS px; 1280 px; 1280 px at 200 % zoom (= 640 CSS px at scale 2)
            for viewport, scale in (((320, 640), 1), ((1280, 800), 1), ((640, 400), 2)):
                context = browser.new_context(
                    viewport=dict(zip(("width", "height"), viewport)), device_scale_factor=scale
                )
                blocked = block_outside(context)
                page = context.new_page()
                page.set_content(markup)
                page.get_by_text(instrument.localized(lang).ui["details_heading"]).click()
                found = (
                    Axe()
                    .run(
                        page,
                        options={
                            "runOnly": {
                                "type": "tag",
                                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"],
                            },
                            "resultTypes": ["violations"],
                        },
                    )
                    .response["violations"]
                )
                assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in found] == [], viewport
                scroll, client = page.evaluate(
                    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
                )
                assert scroll <= client, (viewport, scroll, client)
                assert page.get_by_role("img").count() == 3
                assert page.get_by_role("table").count() == 2
                assert page.get_by_role("heading", level=2).count() == 1
                context.close()
                assert not blocked
        finally:
            browser.close()


def test_unknown_reliability_gives_no_band_but_still_a_page(instrument):
    rel = dict(REL, networking=float("nan"))
    page = page_html(
        feedback_data(answers(instrument, 4, 2), instrument, reliability=rel, illustration_norms=True)
    )
    assert "about the 85th percentile (95% interval \u2013 to \u2013)" in page
    assert "<td data-label='You'>4.00</td>" in page  # the score, without a likely range


def test_page_numbers_equal_analysis_score(instrument, rng):
    """What the page shows is analysis.score of the same answers, exactly."""
    for _ in range(40):
        codes = rng.integers(1, 6, len(instrument.question_ids)).astype(float)
        codes[rng.random(codes.size) < 0.15] = np.nan
        given = {q: int(v) for q, v in zip(instrument.question_ids, codes) if v == v}
        data = feedback_data(given, instrument)
        ref = score(pd.DataFrame([given], columns=instrument.question_ids), instrument).iloc[0]
        for row in data.scores:
            assert row["estimate"] == ref[row["score"]] or (
                np.isnan(row["estimate"]) and pd.isna(ref[row["score"]])
            )
        for f in data.facets:
            for o in ("networking", "socializing"):
                want = ref[f"{o}_{f['facet']}"]
                assert f[o] == want or (np.isnan(f[o]) and pd.isna(want))
        assert (data.profile.id if data.profile else None) == (
            None if pd.isna(ref["profile"]) else ref["profile"]
        )


def test_a_norms_file_names_its_sample_and_gives_intervals(tmp_path, instrument):
    """With a norms file (survey.norms): empirical ranks, Wilson limits, the sample named."""
    import yaml

    deciles = [5, 10, 25, 50, 75, 90, 95]
    table = {  # score -> (min, values at deciles, max)
        "networking": (1.0, [2.0, 2.4, 2.8, 3.2, 3.6, 4.0, 4.4], 5.0),
        "socializing": (1.0, [1.8, 2.2, 2.5, 2.9, 3.3, 3.7, 4.0], 5.0),
        "balance": (-0.8, [-0.3, -0.2, -0.05, 0.08, 0.2, 0.35, 0.45], 0.9),
        "intentionality": (1.0, [1.8, 2.2, 2.6, 3.0, 3.4, 3.8, 4.2], 5.0),
    }
    scores = {
        name: {
            "n": 1240,
            "mean": vals[3],
            "sd": 0.7,
            "reliability": 0.9,
            "min": lo,
            "max": hi,
            "percentiles": [{"p": p, "value": v, "low": v, "high": v} for p, v in zip(deciles, vals)],
        }
        for name, (lo, vals, hi) in table.items()
    }
    (tmp_path / "norms.yaml").write_text(
        yaml.safe_dump(
            {
                "format": "netsoc-norms/1",
                "meta": {
                    "instrument_id": instrument.id,
                    "instrument_version": instrument.version,
                    "n": 1240,
                    "population": "career workshops in Berlin",
                    "collected_from": "2026-01-05",
                    "collected_to": "2026-03-30",
                },
                "scores": scores,
            }
        ),
        encoding="utf-8",
    )
    inst = instrument.model_copy(update={"norms": "norms.yaml", "source_path": str(tmp_path / "netsoc.yaml")})
    data = feedback_data(answers(instrument, 4, 2), inst, reliability=REL)
    page = page_html(data, inst)
    assert (
        "Compared with 1,240 participants of career workshops in Berlin, collected 2026-01-05 to 2026-03-30."
    ) in page
    assert "synthetic" not in page
    # networking 4.0 is the 90th percentile; its band 3.54..4.46 (sem 0.7 sqrt(0.1)) ranks
    # 75 + 15 * (3.54 - 3.6) / ... -> interpolate: 3.5408 lies between 3.2 (50) and 3.6 (75)
    z = stats.norm.ppf(0.975)
    low_x, high_x = 4 - z * 0.7 * np.sqrt(0.1), 4 + z * 0.7 * np.sqrt(0.1)
    rank_low = 50 + 25 * (low_x - 3.2) / 0.4
    rank_high = 90 + 5 * (high_x - 4.0) / 0.4

    def wilson(p, n=1240):  # Wilson (1927) score interval of a proportion
        c = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        h = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
        return c - h, c + h

    low = round(100 * wilson(rank_low / 100)[0])
    high = round(100 * wilson(rank_high / 100)[1])
    assert f"about the 90th percentile (95% interval {low} to {high})" in page


def test_the_shipped_norms_file_is_named_and_called_illustrations(instrument):
    from survey.instrument import DEFAULT_INSTRUMENT
    from survey.norms import load_norms

    shipped = instrument.model_copy(
        update={"norms": "netsoc-norms.yaml", "source_path": str(DEFAULT_INSTRUMENT)}
    )
    norms = load_norms(DEFAULT_INSTRUMENT.parent / "netsoc-norms.yaml", shipped)
    page = page_html(feedback_data(answers(instrument, 4, 2), shipped, illustration_norms=True))
    assert (
        f"Compared with {norms.n:,} participants of {norms.meta.population}, collected "
        f"{norms.collected}." in page
    )
    assert "illustrations from a synthetic sample, not real norms" in page
    assert f"about the {ordinal(round(norms.rank('networking', 4.0)), 'en')} percentile" in page
