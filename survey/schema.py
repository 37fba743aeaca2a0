"""The shape of the data: metadata columns of the wide table and respondent ids.

Everything that names a column or makes an id lives here, below the store,
the importers and the statistics, so that each of them agrees on one format.

Respondent ids double as resume codes: ten characters of Crockford base32
(``0-9``, ``A-Z`` without I, L, O, U), 50 random bits, nothing personal.
"""

from __future__ import annotations

import re
import secrets

import numpy as np

from survey.errors import DataError

__all__ = [
    "META_COLUMNS",
    "ID_ALPHABET",
    "ID_LENGTH",
    "random_ids",
    "new_respondent_id",
    "new_respondent_ids",
    "normalise_code",
    "RESERVED_IDS",
    "MIN_GROUP_SIZE",
    "check_min_group_size",
]

#: Metadata columns of the wide table, in order (docs/architecture.md).  ``language``
#: is the BCP 47 tag of the questionnaire's language the participant answered in; ``wave``
#: is ``pre``, ``post`` or ``single`` and ``subject`` the random id linking one person's
#: waves within a cohort (NA when unlinked; :mod:`survey.waves`).
META_COLUMNS: tuple[str, ...] = (
    "respondent_id",
    "cohort",
    "instrument_id",
    "instrument_version",
    "started_at",
    "submitted_at",
    "language",
    "wave",
    "subject",
)
#: Ids an instrument may not give a question: the metadata columns and the
#: store's own fields.
RESERVED_IDS: frozenset[str] = frozenset({*META_COLUMNS, "status", "note"})

#: The minimum group size (k): no group, room or cohort smaller than this is
#: broken down, shown or compared anywhere (dashboard, report, feedback).
MIN_GROUP_SIZE = 5


def check_min_group_size(value: object) -> int:
    """``value`` as a minimum group size, or a clear error.

    Parameters
    ----------
    value : int
        The smallest group for which anything is shown.

    Returns
    -------
    int
        ``value`` itself.

    Raises
    ------
    DataError
        ``value`` is not a whole number of at least 2 (a group of one would
        show a person's own answers).  ``DataError`` is a ``ValueError``.

    Examples
    --------
    >>> check_min_group_size(MIN_GROUP_SIZE)
    5
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 2:
        raise DataError(
            f"min_group_size: got {value!r}; expected a whole number of at "
            "least 2 (the smallest group shown; default "
            f"{MIN_GROUP_SIZE})"
        )
    return int(value)


#: Respondent ids (also the resume codes): Crockford base32, no I, L, O, U.
ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_LENGTH = 10
_ALPHABET_ARRAY = np.array(list(ID_ALPHABET), dtype="<U1")


def random_ids(n: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """``n`` random respondent ids, as an array of strings.

    Parameters
    ----------
    n : int
        How many.
    rng : numpy.random.Generator, optional
        Seeded generator (demo data, tests): the ids are reproducible and
        distinct.  ``None`` draws from :mod:`secrets` (live responses).
    """
    if rng is None:
        # 256 is a multiple of 32, so the low 5 bits of a random byte are uniform
        codes = np.frombuffer(secrets.token_bytes(n * ID_LENGTH), dtype=np.uint8) & 31
        return _ALPHABET_ARRAY[codes].reshape(n, ID_LENGTH).view(f"<U{ID_LENGTH}").ravel()
    while True:
        codes = rng.integers(0, len(ID_ALPHABET), size=(n, ID_LENGTH))
        ids = _ALPHABET_ARRAY[codes].view(f"<U{ID_LENGTH}").ravel()
        if len(np.unique(ids)) == n:
            return ids


def new_respondent_ids(n: int) -> list[str]:
    """``n`` random respondent ids from :mod:`secrets` (see :func:`random_ids`)."""
    return random_ids(n).tolist()


def new_respondent_id() -> str:
    """A random respondent id that doubles as a resume code.

    Ten characters of Crockford base32 (``0-9``, ``A-Z`` without I, L, O, U:
    50 random bits from :mod:`secrets`); nothing personal goes into it.
    """
    return new_respondent_ids(1)[0]


_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})


def normalise_code(code: str) -> str:
    """Read a resume code the way a person types it.

    Spaces and dashes are dropped, letters upper-cased, and the look-alikes
    I and L read as 1, O as 0.
    """
    return re.sub(r"[\s-]", "", code).upper().translate(_LOOKALIKES)
