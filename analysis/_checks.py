"""Shared input checks for the analysis functions.

Every public analysis function validates its arguments here, up front, so
that the messages read the same everywhere: they name the argument, the value
and what was expected, e.g.
``DataError("dv: column 'x' is not numeric (dtype object); expected numbers")``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import DataError

__all__ = [
    "check_frame",
    "check_columns",
    "check_numeric",
    "check_levels",
    "check_min_n",
    "check_choice",
    "check_probability",
    "as_list",
    "numeric_columns",
    "numeric_matrix",
]


def check_frame(data: Any, argument: str = "data") -> pd.DataFrame:
    """Return ``data`` if it is a non-empty DataFrame, else raise DataError."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"{argument}: expected a pandas DataFrame, got {type(data).__name__}")
    if data.shape[0] == 0:
        raise DataError(f"{argument}: the table has no rows; expected at least one respondent")
    return data


def as_list(value: str | Iterable[str] | None, argument: str) -> list[str]:
    """Turn a column name or an iterable of names into a list of names."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        out = list(value)
    except TypeError:
        raise DataError(
            f"{argument}: expected a column name or a list of column names, got {value!r}"
        ) from None
    if not out:
        raise DataError(f"{argument}: the list of columns is empty; expected at least one name")
    return out


def check_columns(data: pd.DataFrame, columns: str | Sequence[str], argument: str) -> list[str]:
    """Check that every name in ``columns`` is a column of ``data``."""
    cols = as_list(columns, argument)
    missing = [c for c in cols if c not in data.columns]
    if missing:
        shown = ", ".join(repr(c) for c in missing)
        available = list(map(str, data.columns[:12]))
        more = " ..." if data.shape[1] > 12 else ""
        raise DataError(f"{argument}: column {shown} not found in the data (available: {available}{more})")
    dup = sorted({c for c in cols if cols.count(c) > 1})
    if dup:
        raise DataError(f"{argument}: column(s) {dup} listed more than once")
    return cols


def check_numeric(data: pd.DataFrame, columns: str | Sequence[str], argument: str) -> list[str]:
    """Check that the columns exist and hold numbers (bool is refused)."""
    cols = check_columns(data, columns, argument)
    for c in cols:
        dtype = data[c].dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            raise DataError(f"{argument}: column {c!r} is not numeric (dtype {dtype}); expected numbers")
    return cols


def numeric_columns(data: pd.DataFrame, columns: Sequence[str]) -> list[np.ndarray]:
    """The columns as float64 arrays with NaN for every missing value.

    A float64 column is returned as it is stored (no copy); other numpy dtypes are
    cast (no missing-value scan: they hold none, or NaN already); extension dtypes
    (nullable ``Int64`` included) are converted with ``pd.NA`` as NaN, one copy per
    column.
    """
    out = []
    for c in columns:
        s = data[c]
        if s.dtype == np.float64:
            out.append(s.to_numpy())
        elif isinstance(s.dtype, np.dtype) and s.dtype.kind in "iuf":
            out.append(s.to_numpy().astype(np.float64))
        else:
            out.append(s.to_numpy(dtype="float64", na_value=np.nan))
    return out


def numeric_matrix(data: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """The columns as one float64 array with NaN for every missing value.

    Filled column by column into a Fortran-ordered array: one cheap copy per
    column whatever the dtypes (nullable ``Int64`` included).
    """
    cols = list(columns)
    out = np.empty((len(data), len(cols)), dtype="float64", order="F")
    for j, values in enumerate(numeric_columns(data, cols)):
        out[:, j] = values
    return out


def check_levels(
    values: pd.Series, argument: str, *, min_levels: int = 2, max_levels: int | None = None
) -> list[Any]:
    """Check the number of distinct non-missing levels of a grouping column."""
    levels = list(pd.unique(values.dropna()))
    try:
        levels = sorted(levels)
    except TypeError:
        pass
    if len(levels) < min_levels:
        raise DataError(
            f"{argument}: column {values.name!r} has {len(levels)} level(s) "
            f"{levels!r} among non-missing values; expected at least {min_levels}"
        )
    if max_levels is not None and len(levels) > max_levels:
        raise DataError(
            f"{argument}: column {values.name!r} has {len(levels)} levels "
            f"{levels!r}; expected at most {max_levels}"
        )
    return levels


def check_min_n(n: int, minimum: int, argument: str, what: str = "respondents") -> None:
    """Raise DataError if fewer than ``minimum`` usable observations remain."""
    if n < minimum:
        raise DataError(f"{argument}: only {n} {what} with complete data; expected at least {minimum}")


def check_choice(value: Any, allowed: Iterable[Any], argument: str) -> Any:
    """Check that ``value`` is one of ``allowed``."""
    allowed = list(allowed)
    if value not in allowed:
        raise DataError(f"{argument}: got {value!r}; expected one of {allowed}")
    return value


def check_probability(value: Any, argument: str) -> float:
    """Check a confidence level or alpha strictly between 0 and 1."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{argument}: got {value!r}; expected a number between 0 and 1") from None
    if not 0 < v < 1:
        raise DataError(f"{argument}: got {value!r}; expected a number between 0 and 1 (exclusive)")
    return v
