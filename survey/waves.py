"""Waves of a workshop (before and after) and how one person's waves are linked without identity.

A workshop may collect its questionnaire twice: a ``pre`` wave at the start
and a ``post`` wave at the end.  Responses stored before waves existed, and
responses of a workshop that runs once, read as wave :data:`SINGLE`.

Linking
-------
The wide table's ``subject`` column links one person's waves within one
cohort.  It is a random id (:func:`new_subject_id`), never derived from
anything the person is or says:

- the same browser: the signed token the browser keeps carries the subject id
  from the pre wave into the post wave;
- another device: the participant gives the pre wave's personal code (the
  respondent id, 50 random bits, shown after the pre wave), or the same
  *self-generated linking code* in both waves (:data:`LINK_QUESTIONS`).

The self-generated code is three answers only the participant knows and that
are not a name: the second letter of their mother's (or the person who raised
them) first name, the day of the month they were born, and how many older
siblings they have.  It is kept only as :func:`link_hash`, an HMAC-SHA-256
keyed with a random per-cohort salt, so the same code in two cohorts gives
unrelated hashes and nothing links across cohorts.

Collision and guessing risk (docs/security.md, "Residual risks", repeats it): the three answers
carry about 10 bits in practice (second letters and birthdays are not
uniform), so in a room of 100 two people share a code with high probability.
A code that matches more than one pre response of the cohort, or a pre
response already linked, links nothing (the post response stays unlinked).
Someone who guesses another person's code can at worst attach their own post
answers to that person's pre answers; they never see them: the earlier result
is shown only in the same browser or with the 50-bit personal code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

import pandas as pd

from survey.errors import Problem, ResponseValidationError, column_problem, shown

__all__ = [
    "WAVES",
    "SINGLE",
    "LINK_QUESTIONS",
    "WaveTag",
    "check_wave",
    "new_subject_id",
    "new_salt",
    "link_code",
    "link_hash",
    "wave_columns",
]

#: The waves a workshop can run, in time order.
WAVES: tuple[str, ...] = ("pre", "post")
#: The wave of a response stored outside any wave (and of every response stored before waves).
SINGLE = "single"
#: The self-generated linking code's questions: id -> the answers allowed.
LINK_QUESTIONS: dict[str, tuple[str, ...]] = {
    "letter": tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    "day": tuple(str(d) for d in range(1, 32)),
    "siblings": ("0", "1", "2", "3", "4", "5+"),
}


@dataclass(frozen=True)
class WaveTag:
    """The wave of one response and how it is linked.

    Attributes
    ----------
    wave : str
        ``pre`` or ``post``.
    subject : str or None
        The random id linking this person's waves in the cohort (None: unlinked).
    link_hash : str or None
        :func:`link_hash` of the self-generated linking code, if one was given.
    """

    wave: str
    subject: str | None = None
    link_hash: str | None = None


def check_wave(wave: Any, *, allow_none: bool = True) -> str | None:
    """``wave`` as stored (``pre`` or ``post``), ``None`` for no wave, or a clear error.

    Raises
    ------
    ResponseValidationError
        Anything else.

    Examples
    --------
    >>> check_wave("post"), check_wave(None)
    ('post', None)
    """
    if wave is None and allow_none:
        return None
    if not isinstance(wave, str) or wave not in WAVES:
        raise ResponseValidationError(
            "1 problem(s) in the answers",
            [Problem("wave", f"expected one of {list(WAVES)}, got {shown(wave)}")],
        )
    return wave


def new_subject_id() -> str:
    """A random subject id: 16 hex characters from :mod:`secrets`, nothing personal."""
    return secrets.token_hex(8)


def new_salt() -> str:
    """A random per-cohort salt for :func:`link_hash`."""
    return secrets.token_hex(16)


def link_code(answers: Any) -> str | None:
    """The self-generated linking code from its answers, or ``None`` when not all three are given.

    Parameters
    ----------
    answers : mapping
        ``letter``, ``day`` and ``siblings`` as in :data:`LINK_QUESTIONS`
        (case and spaces of the letter ignored).

    Raises
    ------
    ResponseValidationError
        An answer is not one of the allowed ones.

    Examples
    --------
    >>> link_code({"letter": "a", "day": "7", "siblings": "0"})
    'A-7-0'
    >>> link_code({"letter": "A"}) is None
    True
    """
    if not isinstance(answers, dict):
        return None
    values = {k: str(answers.get(k) or "").strip().upper() for k in LINK_QUESTIONS}
    bad = [k for k, v in values.items() if v and v not in LINK_QUESTIONS[k]]
    if bad:
        raise ResponseValidationError(
            "1 problem(s) in the answers",
            [Problem(f"link_{k}", f"expected one of {list(LINK_QUESTIONS[k])}") for k in bad],
        )
    if not all(values.values()):
        return None
    return "-".join(values[k] for k in LINK_QUESTIONS)


def link_hash(code: str, salt: str) -> str:
    """HMAC-SHA-256 (hex) of a linking code under the cohort's salt (the code itself is never kept)."""
    return hmac.new(salt.encode("ascii"), code.encode("utf-8"), hashlib.sha256).hexdigest()


def wave_columns(df: pd.DataFrame, rows: Any, problems: list[Problem]) -> dict[str, pd.Series]:
    """The ``wave`` and ``subject`` columns of an imported table, checked.

    Empty or missing ``wave`` cells read as :data:`SINGLE`; ``subject`` must be
    1-64 letters, digits or ``_.:-`` (NA when unlinked).
    """
    index = df.index
    if "wave" in df:
        wave = df["wave"].astype("string").str.strip().str.lower().fillna(SINGLE)
        bad = ~wave.isin([*WAVES, SINGLE])
        if bad.any():
            problems.append(
                column_problem(
                    "wave", f"expected one of {[*WAVES, SINGLE]}", rows[bad.to_numpy()], wave[bad].tolist()
                )
            )
    else:
        wave = pd.Series(SINGLE, index=index, dtype="string")
    if "subject" in df:
        subject = df["subject"].astype("string").str.strip().replace("", pd.NA)
        bad = subject.notna() & ~subject.str.fullmatch(r"[0-9A-Za-z_.:-]{1,64}").fillna(False)
        if bad.any():
            problems.append(
                column_problem(
                    "subject",
                    "ids must be 1-64 letters, digits or _.:-",
                    rows[bad.to_numpy()],
                    subject[bad].tolist(),
                )
            )
    else:
        subject = pd.Series(pd.NA, index=index, dtype="string")
    return {"wave": wave.astype("string"), "subject": subject.astype("string")}
