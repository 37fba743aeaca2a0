"""Checks of the store's arguments other than the answers themselves.

Each function returns the value in the form the store keeps, or raises
:class:`~survey.errors.ResponseValidationError` with one
:class:`~survey.errors.Problem` naming the argument, the value and what was
expected.  The answers are checked by :mod:`survey.validate`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import Problem, ResponseValidationError, shown
from survey.instrument import Instrument
from survey.validate import language_tags
from survey.waves import WaveTag, check_wave

__all__ = [
    "MAX_NOTE_LENGTH",
    "utcnow",
    "as_utc",
    "check_note",
    "check_seed",
    "check_id",
    "check_cohort",
    "check_language",
    "check_browser",
    "check_wave_tag",
]

MAX_NOTE_LENGTH = 500
_ID = re.compile(r"[0-9A-Za-z_.:-]{1,64}")


def _refuse(field: str, message: str) -> ResponseValidationError:
    return ResponseValidationError("1 problem(s) in the answers", [Problem(field, message)])


def utcnow() -> dt.datetime:
    """Now in UTC, to the millisecond (the precision kept everywhere)."""
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def as_utc(value: Any, name: str) -> dt.datetime | None:
    """A date and time (or its text) in UTC to the millisecond; ``None`` stays ``None``.

    Naive times are taken as UTC.
    """
    if value is None:
        return None
    if isinstance(value, str) and len(value) > 64:  # the date parser is slow on huge text
        raise _refuse(name, f"expected a date and time, got text of {len(value):,} characters")
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise _refuse(name, f"expected a date and time, got {shown(value)} ({shown(str(exc))})") from None
    if ts is pd.NaT:
        return None
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.round("ms").to_pydatetime()


def check_note(note: Any) -> str | None:
    """A client note: text of at most :data:`MAX_NOTE_LENGTH` characters, or ``None``."""
    if note is None:
        return None
    if not isinstance(note, str) or len(note) > MAX_NOTE_LENGTH:
        what = f"{len(note):,} characters" if isinstance(note, str) else type(note).__name__
        raise _refuse("note", f"expected text of at most {MAX_NOTE_LENGTH} characters, got {what}")
    return note


def check_seed(seed: Any) -> int | None:
    """The form's randomization seed: a whole number ``0 .. 2**63-1``, or ``None``."""
    if seed is None:
        return None
    if (
        isinstance(seed, (bool, np.bool_))
        or not isinstance(seed, (int, np.integer))
        or not 0 <= int(seed) < 2**63
    ):
        raise _refuse("randomization_seed", f"expected a whole number 0..2**63-1, got {shown(seed)}")
    return int(seed)


def check_id(respondent_id: Any) -> str:
    """A respondent id: 1-64 letters, digits or ``_.:-``."""
    if not isinstance(respondent_id, str) or not _ID.fullmatch(respondent_id):
        raise _refuse("respondent_id", f"expected 1-64 letters, digits or _.:-, got {shown(respondent_id)}")
    return respondent_id


def check_cohort(cohort: Any, instrument: Instrument) -> str | None:
    """A cohort code fitting the instrument's ``cohort`` section, or ``None``."""
    if cohort is None:
        return None
    spec = instrument.cohort
    if not spec.accepts(cohort):
        raise _refuse(
            "cohort",
            f"expected a code of at most {spec.max_length} characters "
            f"matching {spec.pattern}, got {shown(cohort)}",
        )
    return cohort


def check_language(language: Any, instrument: Instrument) -> str | None:
    """A BCP 47 tag the instrument offers, spelled as the instrument spells it, or ``None``."""
    if language is None:
        return None
    tags = language_tags(instrument)
    tag = tags.get(language.casefold()) if isinstance(language, str) else None
    if tag is None:
        raise _refuse(
            "language",
            f"expected one of the instrument's languages {list(tags.values())}, got {shown(language)}",
        )
    return tag


def check_browser(browser: Any) -> str:
    """A browser token: text of 8-256 characters (random; only its hash is kept)."""
    if not isinstance(browser, str) or not 8 <= len(browser) <= 256:
        what = f"{len(browser):,} characters" if isinstance(browser, str) else shown(browser)
        raise _refuse("browser", f"expected a token of 8-256 characters, got {what}")
    return browser


def check_wave_tag(tag: Any) -> WaveTag | None:
    """A :class:`~survey.waves.WaveTag` with a known wave and well-formed ids, or ``None``."""
    if tag is None:
        return None
    if not isinstance(tag, WaveTag):
        raise _refuse("wave", f"expected a survey.waves.WaveTag, got {shown(tag)}")
    check_wave(tag.wave, allow_none=False)
    for name in ("subject", "link_hash"):
        value = getattr(tag, name)
        if value is not None and (not isinstance(value, str) or not _ID.fullmatch(value)):
            raise _refuse(name, f"expected 1-64 letters, digits or _.:-, got {shown(value)}")
    return tag
