"""The participant's change after the post wave: scores before and now, the reliable change index with
the shipped norms' SD and reliability, plain words in en/de/fr, and part of the page to keep."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
import yaml

from analysis.individual import respondent_scorer
from netsoc.feedback import change_html, change_view, feedback_data, result_html
from netsoc.feedback.page import page_html
from tests.helpers import keyed_answers


def _norms(instrument):
    path = Path(instrument.source_path).parent / instrument.norms
    return yaml.safe_load(path.read_text(encoding="utf-8"))["scores"]


def test_the_index_uses_the_norms_sd_and_reliability(instrument):
    pre, post = keyed_answers(instrument, 2, 4), keyed_answers(instrument, 4, 2)
    view = change_view(pre, post, instrument)
    norms = _norms(instrument)
    scorer = respondent_scorer(instrument)
    before, now = scorer.score_answers(pre), scorer.score_answers(post)
    assert [r.score for r in view.rows] == ["balance", "networking", "socializing"]
    for r in view.rows:
        sd, rel = norms[r.score]["sd"], norms[r.score]["reliability"]
        expected = (now[r.score] - before[r.score]) / (sd * math.sqrt(2) * math.sqrt(1 - rel))
        assert r.rci == pytest.approx(expected, rel=1e-12)
        assert (r.before, r.now) == (pytest.approx(before[r.score]), pytest.approx(now[r.score]))
    rows = {r.score: r for r in view.rows}
    assert rows["networking"].category == "improved" and rows["socializing"].category == "deteriorated"
    assert "went up from" in rows["networking"].sentence
    assert "more than measurement noise would explain" in rows["networking"].sentence
    assert "illustrative reference sample" in view.method and "make_demo" not in view.method


def test_a_small_difference_is_called_possible_noise(instrument):
    answers = keyed_answers(instrument, 3, 3)
    view = change_view(answers, answers, instrument)
    assert {r.category for r in view.rows} == {"unchanged"}
    assert all("could be measurement noise" in r.sentence for r in view.rows)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("de", ("Ihre Veränderung seit der ersten Runde", "Messrauschen", "gestiegen")),
        ("fr", ("Votre évolution depuis le premier tour", "bruit de mesure", "à la hausse")),
    ],
)
def test_the_change_in_german_and_french(instrument, lang, words):
    local = instrument.localized(lang)
    view = change_view(keyed_answers(instrument, 2, 4), keyed_answers(instrument, 4, 2), local)
    text = change_html(view, lang)
    for w in words:
        assert w in text
    assert "," in text.split("<tbody>")[1]  # decimal comma


def test_the_change_is_part_of_the_page_and_of_the_kept_result(instrument):
    post = keyed_answers(instrument, 4, 2, consent=True)
    data = feedback_data(post, instrument)
    assert "netsoc-change" not in page_html(data)
    data = dataclasses.replace(data, change=change_view(keyed_answers(instrument, 2, 4), post, instrument))
    page, kept = page_html(data), result_html(data)
    assert page.index("netsoc-change") < page.index("netsoc-balance")  # right after the profile
    assert "Your change since the first round" in kept and "<script" not in kept
    assert data.to_json()["change"]["rows"][0]["score"] == "balance"
