"""The stacked table of two waves: checks, the order of the waves, one row per person.

Every longitudinal function takes the stacked table (one row per person per
wave) with ``time=`` (the wave column) and ``subject=`` (the linking column),
checked here once so that all refuse the same inputs with the same messages.

* ``time`` holds exactly two values: numbers (earlier = smaller) or the texts
  ``pre`` and ``post``.  Rows with a missing ``time`` are refused.
* ``subject`` links one person's rows; a subject with two rows in one wave is
  refused.  A missing ``subject`` is a person who was not linked: their row
  counts as a person with one wave (full-information ML uses it, paired
  statistics cannot).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis._checks import check_columns, check_frame
from survey.errors import DataError

__all__ = ["wave_order", "by_person", "paired_scores"]


def wave_order(data: pd.DataFrame, time: str) -> list:
    """The two waves of ``time``, first wave first."""
    check_columns(data, time, "time")
    values = data[time]
    if values.isna().any():
        rows = list(np.flatnonzero(values.isna().to_numpy())[:5])
        raise DataError(f"time: column {time!r} is missing in row(s) {rows}; expected a wave in every row")
    levels = list(pd.unique(values))
    if len(levels) != 2:
        raise DataError(
            f"time: column {time!r} has {len(levels)} wave(s) {levels!r}; expected exactly two "
            "(e.g. 'pre' and 'post', or 1 and 2)"
        )
    if {str(v) for v in levels} == {"pre", "post"}:
        return sorted(levels, key=lambda v: str(v) != "pre")
    if all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in levels):
        return sorted(levels)
    raise DataError(
        f"time: column {time!r} holds {levels!r}; expected numbers (ordered ascending) "
        "or the texts 'pre' and 'post'"
    )


def by_person(
    data: pd.DataFrame, columns: Sequence[str], *, time: str, subject: str
) -> tuple[pd.DataFrame, list]:
    """One row per person: ``columns`` at the first wave, then at the second.

    Returns the wide table (columns a MultiIndex ``(wave number 1 or 2, column)``,
    index the subject; unlinked rows get their own index ``("unlinked", row)``)
    and the two wave labels.
    """
    data = check_frame(data)
    waves = wave_order(data, time)
    check_columns(data, [subject, *columns], "subject")
    ids = data[subject]
    linked = data[ids.notna()]
    twice = linked.duplicated([subject, time])
    if twice.any():
        dup = linked.loc[twice, [subject, time]].head(3).to_records(index=False).tolist()
        raise DataError(
            f"subject: {int(twice.sum())} person(s) have two rows in one wave, e.g. "
            f"(subject, time) {dup}; expected one row per person per wave"
        )
    key = ids.astype(object).where(
        ids.notna(), pd.Series([("unlinked", i) for i in range(len(data))], index=data.index)
    )
    parts = []
    for number, wave in enumerate(waves, start=1):
        rows = data[time] == wave
        part = data.loc[rows, list(columns)].set_axis(key[rows].to_numpy(), axis=0)
        part.columns = pd.MultiIndex.from_product([[number], list(columns)])
        part.attrs = {}  # the caller's attrs (arrays, say) are not the wide table's
        parts.append(part)
    return pd.concat(parts, axis=1, join="outer"), waves


def paired_scores(data: pd.DataFrame, *, dv: str, time: str, subject: str) -> tuple[pd.DataFrame, list]:
    """The complete pairs of ``dv``: columns ``pre`` and ``post`` (first and second
    wave), index the subject, sorted by subject."""
    check_columns(data, dv, "dv")
    col = data[dv]
    if pd.api.types.is_bool_dtype(col.dtype) or not pd.api.types.is_numeric_dtype(col.dtype):
        raise DataError(f"dv: column {dv!r} is not numeric (dtype {col.dtype}); expected scores")
    wide, waves = by_person(data, [dv], time=time, subject=subject)
    pairs = pd.DataFrame({"pre": wide[(1, dv)], "post": wide[(2, dv)]}).astype(float).dropna()
    pairs = pairs[[not isinstance(i, tuple) for i in pairs.index]]
    if len(pairs) < 3:
        raise DataError(
            f"subject: {len(pairs)} person(s) have {dv!r} at both waves {waves!r}; expected at least 3 pairs"
        )
    return pairs.sort_index(), waves
