"""Check one response (the dict the form builds) against the instrument.

:func:`validate_answers` collects every problem and raises one
:class:`~survey.errors.ResponseValidationError` carrying them all, so the form
can show each message beside its question.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from survey.errors import Problem, ResponseValidationError, shown
from survey.instrument import AttentionCheck, ChoiceField, Instrument, Item, TextField
from survey.validate.columns import is_missing

__all__ = ["validate_answers"]


def _check_int(value: Any, lo: int, hi: int) -> tuple[int | None, str | None]:
    """``(code, None)`` for a valid integer code, else ``(None, message)``."""
    if isinstance(value, (bool, np.bool_)):
        return None, f"expected an integer code {lo}..{hi}, got the boolean {bool(value)!r}"
    if isinstance(value, numbers.Integral):
        code = int(value)
    elif isinstance(value, numbers.Real):
        f = float(value)
        if math.isnan(f) or math.isinf(f):
            return None, (f"expected an integer code {lo}..{hi}, got {f!r} (use None for no answer)")
        if not f.is_integer():
            return None, f"expected an integer code {lo}..{hi}, got the fraction {f!r}"
        code = int(f)
    else:
        return None, (f"expected an integer code {lo}..{hi}, got {type(value).__name__} {shown(value)}")
    if not lo <= code <= hi:
        return None, f"{code} is outside the response scale {lo}..{hi}"
    return code, None


def _check_text(value: Any, max_length: int, pattern: str | None) -> tuple[str | None, str | None]:
    """``(stripped text or None, None)`` for valid text, else ``(None, message)``."""
    if not isinstance(value, str):
        return None, f"expected text, got {type(value).__name__} {shown(value)}"
    text = value.strip()
    if len(text) > max_length:
        return None, f"text is {len(text)} characters long, at most {max_length} allowed"
    if text and pattern is not None and re.fullmatch(pattern, text) is None:
        return None, f"{shown(text)} does not match the required pattern {pattern}"
    return (text or None), None


_RANGES: dict[int, tuple[Instrument, dict[str, tuple[int, int]]]] = {}


def _ranges(instrument: Instrument) -> dict[str, tuple[int, int]]:
    """Response range of every question, computed once per instrument."""
    hit = _RANGES.get(id(instrument))
    if hit is None or hit[0] is not instrument:
        hit = (instrument, {q: instrument.response_range(q) for q in instrument.question_ids})
        if len(_RANGES) > 32:
            _RANGES.clear()
        _RANGES[id(instrument)] = hit
    return hit[1]


def validate_answers(
    answers: Mapping[str, Any], instrument: Instrument, *, partial: bool = False
) -> dict[str, Any]:
    """Check one response against the instrument and normalise it.

    Parameters
    ----------
    answers : mapping
        ``{item or attention-check id: int code, choice field id: option code,
        text field id: str, comment id: str, consent id: True}``.  ``None`` (or
        ``pandas.NA``) means "no answer".  Integer codes may be Python or numpy
        integers, or floats with an integral value; booleans, NaN, infinity,
        fractions and strings are rejected.
    instrument : Instrument
        The questionnaire the answers belong to.
    partial : bool, default False
        ``True`` for drafts: required answers and consent may still be
        missing; every value that *is* given is checked.

    Returns
    -------
    dict
        The answers that were given, normalised: ``int`` codes, option codes,
        stripped text (empty text counts as no answer), and the consent id
        mapped to ``True`` when consent was given.  Missing answers are left
        out.

    Raises
    ------
    ResponseValidationError
        Listing every problem found (``error.problems``): unknown ids, values
        outside the scale, wrong types, text too long or not matching its
        pattern, missing required answers, consent absent.
    """
    if not isinstance(answers, Mapping):
        raise ResponseValidationError(
            f"answers must be a mapping of question id to answer, got {type(answers).__name__}"
        )
    listed: list[Item | AttentionCheck] = [*instrument.items, *instrument.attention_checks]
    questions = {q.id: q for q in listed}
    ranges = _ranges(instrument)
    fields = {f.id: f for f in instrument.fields}
    known = set(questions) | set(fields) | {instrument.consent.id}
    if instrument.comment is not None:
        known.add(instrument.comment.id)
    unknown = [k for k in answers if k not in known]
    problems = [_unknown(key, instrument) for key in unknown]
    clean: dict[str, Any] = {}
    for key, value in answers.items():
        if key in unknown or is_missing(value):
            continue
        code, problem = _check_value(key, value, instrument, ranges, fields)
        if problem is not None:
            problems.append(Problem(key, problem))
        elif code is not None:
            clean[key] = code
    if not partial:
        problems += _missing(answers, clean, {p.field for p in problems}, instrument, questions, fields)
    if problems:
        raise ResponseValidationError(f"{len(problems)} problem(s) in the answers", problems)
    return clean


def _unknown(key: Any, instrument: Instrument) -> Problem:
    """The problem of an answer to something the instrument does not ask."""
    name = key if isinstance(key, str) and len(key) <= 64 else shown(key)
    return Problem(
        name,
        f"not a question, field or comment of instrument {instrument.id} {instrument.version}",
        where=shown(key),
    )


def _check_value(
    key: str,
    value: Any,
    instrument: Instrument,
    ranges: Mapping[str, tuple[int, int]],
    fields: Mapping[str, ChoiceField | TextField],
) -> tuple[Any, str | None]:
    """``(normalised value, None)`` for a valid answer to a known id, else ``(None, message)``."""
    if key in ranges:
        lo, hi = ranges[key]
        return _check_int(value, lo, hi)
    if key == instrument.consent.id:
        if value is True or (isinstance(value, np.bool_) and bool(value)):
            return True, None
        return None, f"consent must be True to store answers, got {shown(value)}"
    field = fields.get(key)
    if isinstance(field, ChoiceField):
        if isinstance(value, str) and value in field.options:
            return value, None
        return None, f"{shown(value)} is not one of the options {list(field.options)}"
    if isinstance(field, TextField):
        return _check_text(value, field.max_length, field.pattern)
    comment = instrument.comment  # the only other known id
    return _check_text(value, comment.max_length if comment is not None else 0, None)


def _missing(
    answers: Mapping[str, Any],
    clean: Mapping[str, Any],
    faulty: set[str | None],
    instrument: Instrument,
    questions: Mapping[str, Item | AttentionCheck],
    fields: Mapping[str, ChoiceField | TextField],
) -> list[Problem]:
    """What a complete response lacks: consent, and required answers (not already reported)."""
    problems = []
    consent_id = instrument.consent.id
    if clean.get(consent_id) is not True and consent_id not in faulty:
        problems.append(
            Problem(consent_id, "consent is missing; answers are stored only after the participant agreed")
        )
    for qid, q in questions.items():
        if q.required and qid not in clean and (qid not in answers or is_missing(answers.get(qid))):
            problems.append(Problem(qid, "required answer is missing"))
    for fid, f in fields.items():
        if f.required and fid not in clean and fid not in faulty:
            problems.append(Problem(fid, "required answer is missing"))
    return problems
