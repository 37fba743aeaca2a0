"""File formats, and formula neutralisation for spreadsheets (both directions).

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
(after any number of ``'``) gets one more leading ``'`` on export
(:func:`neutralise`); reading removes exactly one (:func:`unneutralise`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from survey.errors import DataError

__all__ = ["FORMATS", "format_of", "neutralise", "neutralise_text", "unneutralise"]

#: Supported formats and their file suffixes.
FORMATS: dict[str, tuple[str, ...]] = {
    "csv": (".csv",),
    "xlsx": (".xlsx",),
    "parquet": (".parquet", ".pq"),
    "sav": (".sav",),
}
_TRIGGER = r"^'*[=+\-@\t\r]"
_ESCAPED = r"^'+[=+\-@\t\r]"


def format_of(path: str | os.PathLike[str]) -> str:
    """The format of a file, from its suffix."""
    suffix = Path(path).suffix.lower()
    for fmt, suffixes in FORMATS.items():
        if suffix in suffixes:
            return fmt
    known = ", ".join(s for ss in FORMATS.values() for s in ss)
    raise DataError(f"{path}: unsupported file type {suffix or '(none)'!r}; use one of {known}")


def neutralise(text: pd.Series) -> pd.Series:
    """Prefix ``'`` to text cells a spreadsheet would run as a formula."""
    s = text.astype("string")
    hit = s.str.contains(_TRIGGER, regex=True).fillna(False)
    return s.mask(hit, "'" + s)


def neutralise_text(text: str) -> str:
    """:func:`neutralise` for one label."""
    return "'" + text if re.match(_TRIGGER, text) else text


def unneutralise(text: pd.Series) -> pd.Series:
    """Undo :func:`neutralise` (drop one ``'`` from escaped cells)."""
    s = text.astype("string")
    hit = s.str.contains(_ESCAPED, regex=True).fillna(False)
    return s.mask(hit, s.str.slice(1))
