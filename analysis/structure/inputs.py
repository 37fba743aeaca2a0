"""The inputs of a CFA: checked factors, equalities, groups and the item matrix.

Shared by the ML (:mod:`analysis.structure.cfa`), FIML and WLSMV
(:mod:`analysis.structure.ordinal_cfa`) fits so that they refuse the same
inputs with the same messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from analysis._checks import check_columns, check_frame, numeric_matrix
from analysis.structure._engine import EQUALITY
from survey.errors import DataError

__all__ = [
    "check_factors",
    "check_equal",
    "group_codes",
    "ModelData",
    "model_data",
    "used_rows",
    "used_counts",
]


def rows_used(x: np.ndarray, missing: str = "listwise") -> np.ndarray:
    """Which rows of the item matrix ``x`` (NaN = missing) an estimator uses: complete
    ones (``"listwise"``: ML and WLSMV) or those with an answer (``"ml"``: FIML)."""
    missing_at = np.isnan(x)
    return ~missing_at.any(axis=1) if missing == "listwise" else ~missing_at.all(axis=1)


def used_rows(
    data: pd.DataFrame, items: Sequence[str], group: str | None = None, missing: str = "listwise"
) -> np.ndarray:
    """The rows of ``data`` the estimator uses (:func:`rows_used`), with a group when grouped."""
    used = rows_used(data[list(items)].to_numpy(dtype=float, na_value=np.nan), missing)
    return used & data[group].notna().to_numpy() if group is not None else used


def used_counts(
    data: pd.DataFrame, items: Sequence[str], group: str | None = None, missing: str = "listwise"
) -> pd.Series:
    """Rows the estimator uses (:func:`used_rows`) per level of ``group`` in order of first
    appearance (one entry ``"all"`` without ``group``)."""
    used = used_rows(data, items, group, missing)
    if group is None:
        return pd.Series({"all": int(used.sum())})
    counts = data.loc[used, group].value_counts(sort=False)
    return counts.reindex(pd.unique(data[group].dropna())).fillna(0).astype(int)


def check_factors(data: pd.DataFrame, factors: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    if not isinstance(factors, Mapping) or not factors:
        raise DataError(f"factors: expected a non-empty mapping {{factor: [item, ...]}}, got {factors!r}")
    out: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    for name, items in factors.items():
        items = [items] if isinstance(items, str) else list(items)
        if len(items) < 2:
            raise DataError(
                f"factors: factor {name!r} has {len(items)} item(s) {items!r}; expected at least 2. "
                "The factor's scale is set by fixing its first loading to 1, so with one item "
                "the factor variance and that item's residual variance share one observed "
                "variance and are not identified"
            )
        for item in items:
            if item in owner:
                where = (
                    "twice in factor " + repr(name)
                    if owner[item] == name
                    else f"in factors {owner[item]!r} and {name!r}"
                )
                raise DataError(
                    f"factors: item {item!r} appears {where}; expected each item in "
                    "exactly one factor (simple structure)"
                )
            owner[item] = name
        out[str(name)] = items
    items = list(owner)
    check_columns(data, items, "factors")
    for c in items:
        col = data[c]
        if pd.api.types.is_bool_dtype(col.dtype) or not pd.api.types.is_numeric_dtype(col.dtype):
            raise DataError(
                f"data: item column {c!r} is not numeric (dtype {col.dtype}); "
                "expected numbers (convert answer labels to codes first)"
            )
    return out


def check_equal(equal: str | Iterable[str], group: str | None) -> tuple[str, ...]:
    eq = (equal,) if isinstance(equal, str) else tuple(equal)
    bad = [e for e in eq if e not in EQUALITY]
    if bad:
        raise DataError(f"equal: got {bad!r}; expected a subset of {list(EQUALITY)}")
    if eq and group is None:
        raise DataError(
            f"equal: {list(eq)!r} constrains parameters across groups; "
            "expected group= to name the grouping column"
        )
    return tuple(e for e in EQUALITY if e in eq)


def group_codes(data: pd.DataFrame, group: str, keep: np.ndarray) -> tuple[list, np.ndarray]:
    check_columns(data, group, "group")
    values = data[group]
    if isinstance(values, pd.DataFrame):
        raise DataError(f"group: column {group!r} appears more than once")
    keep &= values.notna().to_numpy()
    present = list(pd.unique(values.dropna()))  # first appearance, as lavaan's group.label
    if len(present) < 2:
        raise DataError(
            f"group: column {group!r} has {len(present)} level(s) "
            f"{list(present)!r}; expected at least 2 groups"
        )
    codes = pd.Categorical(values, categories=present).codes
    return list(present), np.where(keep, codes, -1)


class ModelData(NamedTuple):
    """The checked data of a simple-structure CFA (see :func:`model_data`)."""

    names: list[str]
    items: list[str]
    factor_of: np.ndarray
    x: np.ndarray
    keep: np.ndarray
    labels: list
    codes: np.ndarray


def model_data(data: pd.DataFrame, factors: Mapping[str, Sequence[str]], group: str | None) -> ModelData:
    """Check ``data`` and ``factors`` and lay the items out for a CFA.

    Returns the factor names, the items in model order, each item's factor,
    the items as a float matrix (NaN missing), the complete rows, the group
    labels (``[None]`` without ``group``) and each row's group (-1: left out).
    """
    data = check_frame(data)
    factors = check_factors(data, factors)
    names = list(factors)
    items = [i for f in factors.values() for i in f]
    factor_of = np.repeat(np.arange(len(names)), [len(factors[f]) for f in names])
    x = numeric_matrix(data, items)
    keep = rows_used(x, "listwise")
    if group is None:
        labels, codes = [None], np.where(keep, 0, -1)
    else:
        labels, codes = group_codes(data, group, keep)
    return ModelData(names, items, factor_of, x, keep, labels, codes)
