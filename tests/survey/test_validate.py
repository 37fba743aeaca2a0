"""validate_answers: one response checked against the instrument."""

from __future__ import annotations

import re

import numpy as np
import pytest
import yaml

from survey.errors import ResponseValidationError
from survey.instrument import DEFAULT_INSTRUMENT, instrument_from_dict
from survey.validate import validate_answers
from tests.helpers import answer_bounds


def complete(instrument, rng) -> dict:
    """A valid, complete response drawn from ``rng``."""
    answers = {q: int(rng.integers(*answer_bounds(instrument, q))) for q in instrument.question_ids}
    for a in instrument.attention_checks:
        answers[a.id] = a.expected
    answers["role"] = "research"
    answers["consent"] = True
    return answers


@pytest.fixture(scope="module")
def with_text_field():
    """The shipped instrument plus a text field with a pattern."""
    raw = yaml.safe_load(DEFAULT_INSTRUMENT.read_text(encoding="utf-8"))
    label = {tag: f"Team code ({tag})" for tag in raw["languages"]}  # every listed language
    raw["fields"].append(
        {"id": "team", "label": label, "type": "text", "max_length": 6, "pattern": "^[A-Z]+$"}
    )
    return instrument_from_dict(raw, origin="test")


def test_complete_answers_are_normalised(instrument, rng):
    answers = complete(instrument, rng)
    first = instrument.question_ids[0]
    answers[first] = np.int64(4)
    answers[instrument.question_ids[1]] = 2.0
    answers["comment"] = "  thanks  "
    answers["work_mode"] = None
    clean = validate_answers(answers, instrument)
    assert clean[first] == 4 and type(clean[first]) is int
    assert clean[instrument.question_ids[1]] == 2 and type(clean[instrument.question_ids[1]]) is int
    assert clean["comment"] == "thanks"
    assert "work_mode" not in clean
    assert clean["consent"] is True


@pytest.mark.fault(
    "submit payload: wrong types and values",
    expect="ResponseValidationError naming the field; nothing stored",
)
@pytest.mark.parametrize(
    "value, message",
    [
        (True, "got the boolean True"),
        (np.bool_(False), "got the boolean False"),
        (float("nan"), r"got nan \(use None for no answer\)"),
        (float("inf"), "got inf"),
        (3.5, "got the fraction 3.5"),
        ("4", "got str '4'"),
        (6, "6 is outside the response scale 1..5"),
        (0, "0 is outside the response scale 1..5"),
    ],
)
def test_bad_item_values(instrument, rng, value, message):
    answers = complete(instrument, rng)
    qid = instrument.question_ids[3]
    answers[qid] = value
    with pytest.raises(ResponseValidationError, match=message) as info:
        validate_answers(answers, instrument)
    [problem] = info.value.problems
    assert problem.field == qid and problem.row is None
    assert re.search(message, problem.message)


@pytest.mark.fault(
    "submit payload: wrong types and values",
    expect="ResponseValidationError naming the field; nothing stored",
)
def test_every_problem_is_listed_at_once(instrument, rng):
    answers = complete(instrument, rng)
    q = instrument.question_ids
    answers.update({q[0]: 9, q[1]: "x", "role": "astronaut", "shoe_size": 44, "comment": "x" * 1001})
    del answers[q[2]]
    del answers["consent"]
    with pytest.raises(ResponseValidationError, match="7 problem") as info:
        validate_answers(answers, instrument)
    text = "\n".join(map(str, info.value.problems))
    for fragment in (
        f"{q[0]}: 9 is outside",
        f"{q[1]}: expected an integer",
        "role: 'astronaut' is not one of the options",
        "'shoe_size': not a question",
        "comment: text is 1001 characters",
        f"{q[2]}: required answer is missing",
        "consent: consent is missing",
    ):
        assert fragment in text


@pytest.mark.fault("submit payload: missing consent", expect="ResponseValidationError; nothing stored")
def test_consent_must_be_true(instrument, rng):
    answers = complete(instrument, rng)
    answers["consent"] = "yes"
    with pytest.raises(ResponseValidationError, match="consent must be True"):
        validate_answers(answers, instrument)


def test_missing_optional_fields_are_fine(instrument, rng):
    answers = complete(instrument, rng)
    for f in instrument.field_ids:
        answers.pop(f, None)
    clean = validate_answers(answers, instrument)
    assert not set(instrument.field_ids) & set(clean)


@pytest.mark.fault(
    "submit payload: wrong types and values",
    expect="ResponseValidationError naming the field; nothing stored",
)
def test_partial_skips_required_but_checks_values(instrument):
    q = instrument.question_ids
    assert validate_answers({q[0]: 3}, instrument, partial=True) == {q[0]: 3}
    with pytest.raises(ResponseValidationError, match=f"{q[0]}: 7 is outside"):
        validate_answers({q[0]: 7}, instrument, partial=True)


@pytest.mark.fault(
    "submit payload: wrong types and values",
    expect="ResponseValidationError naming the field; nothing stored",
)
def test_text_field_length_and_pattern(with_text_field, rng):
    answers = complete(with_text_field, rng)
    answers["team"] = "ABC"
    assert validate_answers(answers, with_text_field)["team"] == "ABC"
    answers["team"] = "abc"
    with pytest.raises(ResponseValidationError, match=r"team: 'abc' does not match"):
        validate_answers(answers, with_text_field)
    answers["team"] = "ABCDEFG"
    with pytest.raises(ResponseValidationError, match="team: text is 7 characters long, at most 6"):
        validate_answers(answers, with_text_field)
    answers["team"] = 12
    with pytest.raises(ResponseValidationError, match="team: expected text, got int 12"):
        validate_answers(answers, with_text_field)


@pytest.mark.fault(
    "submit payload: wrong types and values",
    expect="ResponseValidationError naming the field; nothing stored",
)
def test_not_a_mapping(instrument):
    with pytest.raises(ResponseValidationError, match="answers must be a mapping"):
        validate_answers([1, 2, 3], instrument)  # type: ignore[arg-type]
