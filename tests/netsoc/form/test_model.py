"""The questionnaire model: pages, validation, navigation, drafts, submission.

Runs against a real SQLite store in a temporary directory; no widgets, no browser.
"""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from netsoc.form.model import REQUIRED_MESSAGE, SurveyModel
from netsoc.form.pages import build_pages, order_pages, seed_for
from netsoc.form.persistence import RESUME_ATTEMPTS, RESUME_LOCK_SECONDS, STORE_DOWN_MESSAGE
from netsoc.session import CohortChoice, choose_cohort
from survey.errors import StoreError
from survey.store import open_store


@pytest.fixture
def store(tmp_path, instrument):
    s = open_store(tmp_path / "netsoc.sqlite", instrument=instrument)
    yield s
    s.close()


def answer_page(model, rng):
    """Answer every question on the shown page with random codes; return them."""
    given = {}
    for qid in model.current.ids:
        if qid in model.instrument.question_ids:
            given[qid] = int(rng.integers(1, 6))
        elif qid in model.instrument.choice_fields:
            given[qid] = str(rng.choice(list(model.instrument.choice_fields[qid].options)))
        else:
            given[qid] = "Nice session <b>thanks</b>"
        model.set_answer(qid, given[qid])
    return given


def fill_all(model, rng):
    model.consent(True)
    given = {}
    while True:
        given |= answer_page(model, rng)
        if model.is_last:
            return given
        assert model.next(), model.errors


def test_model_does_not_import_ipywidgets():
    import subprocess

    code = "import sys, netsoc.form.model, netsoc.form; sys.exit(1 if 'ipywidgets' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_pages_hold_at_most_eight_questions_and_every_question_once(instrument):
    pages = build_pages(instrument)
    kinds = [p.kind for p in pages]
    assert kinds[0] == "welcome" and kinds[1] == "fields" and kinds[-1] == "comment"
    item_pages = [p for p in pages if p.kind == "items"]
    assert all(len(p.ids) <= 8 for p in item_pages)
    shown = [q for p in item_pages for q in p.ids]
    assert sorted(shown) == sorted(instrument.question_ids)
    # 37 items + 2 checks = 39 questions -> 5 pages; checks evenly spaced at 13 and 26
    assert len(item_pages) == 5
    assert shown.index("attn_1") == 13 and shown.index("attn_2") == 26
    assert [p.number for p in pages] == list(range(len(pages)))
    assert build_pages(instrument, per_page=39)[2].ids == tuple(shown)
    with pytest.raises(ValueError, match="per_page: expected a whole number"):
        build_pages(instrument, per_page=0)


def test_randomisation_is_seeded_within_pages_and_keeps_check_slots(instrument):
    base = build_pages(instrument)
    a = order_pages(base, instrument, 7)
    assert a == order_pages(base, instrument, 7)
    assert a != order_pages(base, instrument, 8)
    for p, q in zip(base, a):
        assert sorted(p.ids) == sorted(q.ids)
        for k, qid in enumerate(p.ids):
            if qid.startswith("attn_"):
                assert q.ids[k] == qid
    assert order_pages(base, instrument, None) == base
    assert SurveyModel(instrument, randomize=False).pages == base
    m = SurveyModel(instrument, respondent_id="ABCDEFGHJK")
    assert m.seed == seed_for("ABCDEFGHJK") == SurveyModel(instrument, respondent_id="ABCDEFGHJK").seed


def test_decline_ends_politely_and_stores_nothing(instrument, store):
    m = SurveyModel(instrument, store)
    m.consent(False)
    assert m.state == "declined" and m.answers == {}
    assert m.next() is False and m.submit() is None
    assert store.count(include_drafts=True) == 0


def test_missing_required_items_block_next_with_messages(instrument, store, rng):
    m = SurveyModel(instrument, store, randomize=False)
    assert m.next() is False and "consent" in m.errors
    m.consent(True)
    assert m.progress == (1, 7)
    assert m.next() and m.progress == (2, 7)  # grouping questions are optional
    page = m.current.ids
    for qid in page[:-1]:
        m.set_answer(qid, 4)
    assert m.next() is False
    assert m.errors == {page[-1]: REQUIRED_MESSAGE}
    assert m.progress == (2, 7)
    m.set_answer(page[-1], 2)
    assert m.errors == {}
    assert m.next() and m.progress == (3, 7)
    assert m.back() and m.current.ids == page and m.answers[page[-1]] == 2


def test_invalid_values_and_cohort_are_reported(instrument):
    m = SurveyModel(instrument, randomize=False)
    m.consent(True)
    m.set_answer("role", "astronaut")
    m.set_cohort("bad code!")
    problems = m.page_problems()
    assert "is not one of the options" in problems["role"]
    assert "workshop code" in problems["cohort"].lower()
    m.set_cohort("WS-1")
    m.set_answer("role", "sales")
    assert m.page_problems() == {}
    with pytest.raises(KeyError, match="not a question"):
        m.set_answer("email", "x@y")


def test_full_run_submits_exactly_once_and_stores_what_was_answered(instrument, store, rng):
    m = SurveyModel(instrument, store, cohort="WS1")
    given = fill_all(m, rng)
    rid = m.submit()
    assert rid == m.respondent_id and m.state == "submitted"
    assert m.submit() == rid  # double click
    df = store.to_frame()
    assert len(df) == 1 and df.loc[0, "respondent_id"] == rid and df.loc[0, "cohort"] == "WS1"
    for qid, value in given.items():
        if qid == "comment":
            assert df.loc[0, qid] == value  # stored raw; escaped only when displayed
        else:
            assert df.loc[0, qid] == value, qid
    assert df.loc[0, "started_at"] <= df.loc[0, "submitted_at"]


def test_submit_with_gaps_goes_to_the_first_incomplete_page(instrument, store, rng):
    m = SurveyModel(instrument, store, randomize=False)
    fill_all(m, rng)
    hole = m.pages[3].ids[2]
    m.set_answer(hole, None)
    assert m.submit() is None
    assert m.page == 3 and m.errors == {hole: REQUIRED_MESSAGE}
    assert store.count() == 0


def test_unreachable_store_keeps_answers_and_submit_can_be_retried(tmp_path, instrument, rng):
    where = [tmp_path / "missing-dir" / "x.sqlite"]
    m = SurveyModel(instrument, lambda: open_store(where[0], instrument=instrument))
    given = fill_all(m, rng)
    assert "could not be saved" in m.message  # autosave failed, navigation went on
    assert m.submit() is None
    assert m.message == m.text("store_down", STORE_DOWN_MESSAGE) and m.state == "active"
    assert all(m.answers[k] == v for k, v in given.items())
    where[0] = tmp_path / "ok.sqlite"
    rid = m.submit()
    assert rid is not None and m.state == "submitted"
    with open_store(where[0], instrument=instrument) as s:
        assert s.to_frame()["respondent_id"].tolist() == [rid]


def test_drafts_are_saved_on_next_and_resume_restores_order_and_page(instrument, store, rng):
    m = SurveyModel(instrument, store, cohort="WS2")
    m.consent(True)
    m.next()
    first = answer_page(m, rng)
    m.next()
    answer_page(m, rng)  # answered but not yet saved: the page was not left
    assert m.save_draft() and m.code_shown
    code = m.respondent_id
    assert code not in m.message and "password" in m.message  # the code is shown once, apart
    m.back()
    assert not m.code_shown
    assert store.count(include_drafts=True) == 1 and store.count() == 0

    back = SurveyModel(instrument, store)  # a new visit, no cohort in the address
    assert back.resume(code.lower()[:5] + " " + code.lower()[5:])
    assert back.respondent_id == code and back.pages == m.pages
    assert "replaces the answers saved there" in back.message  # another device's draft
    assert all(back.answers[k] == v for k, v in first.items())
    assert back.page == 4  # the first page with unanswered items
    fill_rest = {}
    while True:
        fill_rest |= answer_page(back, rng)
        if back.is_last:
            break
        assert back.next()
    assert back.submit() == code
    df = store.to_frame()
    assert len(df) == 1 and df.loc[0, "cohort"] == "WS2"


def test_resume_with_unknown_code_explains(instrument, store):
    m = SurveyModel(instrument, store)
    assert m.resume("") is False and "enter the resume code" in m.errors["resume"]
    assert m.resume("ZZZZZZZZZZ") is False and "No unfinished answers" in m.errors["resume"]
    assert m.page == 0


def test_no_store_configured_still_navigates(instrument, rng):
    m = SurveyModel(instrument)
    fill_all(m, rng)
    assert m.submit() is None and m.message == m.text("store_down", STORE_DOWN_MESSAGE)


def test_peer_responses_exclude_self_and_other_cohorts(instrument, store, rng):
    for cohort in ("A", "A", "B"):
        other = SurveyModel(instrument, store, cohort=cohort)
        fill_all(other, rng)
        other.submit()
    m = SurveyModel(instrument, store, cohort="A")
    fill_all(m, rng)
    m.submit()
    peers = m.peer_responses()
    assert isinstance(peers, pd.DataFrame) and len(peers) == 2
    assert m.respondent_id not in set(peers["respondent_id"])


def test_invalid_cohort_in_the_address_is_ignored_and_never_unlocks_the_box(instrument):
    choice = choose_cohort(instrument, None, {"cohort": "<script>"})
    assert choice.cohort is None and choice.ask is False
    assert "<script>" in choice.note and "ignored" in choice.note
    m = SurveyModel(instrument, cohort=choice.cohort, ask_cohort=choice.ask)
    assert not m.asks_cohort()
    m.set_cohort("TYPED")  # a forged widget value changes nothing
    assert m.cohort is None
    assert choose_cohort(instrument, None, {"cohort": " "}) == CohortChoice(None, True, None)
    with pytest.raises(ValueError, match="cohort"):
        SurveyModel(instrument, cohort="no spaces")


def test_five_failed_resume_attempts_make_the_session_wait_a_minute(instrument, store, rng):
    now = [1000.0]
    draft = SurveyModel(instrument, store)
    draft.consent(True)
    assert draft.save_draft()
    m = SurveyModel(instrument, store, clock=lambda: now[0])
    for _ in range(RESUME_ATTEMPTS):
        assert m.resume("ZZZZZZZZZZ") is False and "No unfinished answers" in m.errors["resume"]
    # locked: even the right code is refused, without asking the store
    assert m.resume(draft.respondent_id) is False and "wait a minute" in m.errors["resume"]
    now[0] += RESUME_LOCK_SECONDS - 1
    assert m.resume(draft.respondent_id) is False and "wait a minute" in m.errors["resume"]
    now[0] += 2
    assert m.resume("ZZZZZZZZZZ") is False and "No unfinished answers" in m.errors["resume"]
    assert m.resume(draft.respondent_id) is False  # one wrong try after the pause: wait again
    now[0] += RESUME_LOCK_SECONDS
    assert m.resume(draft.respondent_id) is False  # and longer each time (issue 34.2): 2 minutes
    now[0] += RESUME_LOCK_SECONDS
    assert m.resume(draft.respondent_id) is True and m.errors == {}
    assert not m.resume_locked()


def test_store_errors_are_store_errors(tmp_path, instrument):
    m = SurveyModel(instrument, lambda: open_store(tmp_path / "nope" / "x.sqlite", instrument=instrument))
    with pytest.raises(StoreError):
        m._store_call(lambda s: s.count())


def test_autosave_writes_only_what_changed(instrument, store, rng, monkeypatch):
    writes = []
    real = store.save_draft
    monkeypatch.setattr(store, "save_draft", lambda *a, **k: writes.append(1) or real(*a, **k))
    m = SurveyModel(instrument, store, randomize=False)
    m.consent(True)
    m.next()
    answer_page(m, rng)
    assert m.next() and len(writes) == 2
    assert m.back() and m.next() and len(writes) == 2  # nothing new: no write
    m.back()
    qid = m.current.ids[0]
    m.set_answer(qid, 1 if m.answers[qid] != 1 else 2)
    assert m.next() and len(writes) == 3
    assert store.load_draft(m.respondent_id)[qid] == m.answers[qid]
    assert m.save_draft() and len(writes) == 4  # asked for: always written
