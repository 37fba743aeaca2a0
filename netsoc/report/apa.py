"""Numbers as journals print them (APA 7).

- p values: ``< .001`` or three decimals without the leading zero (``.034``);
- statistics bounded by 1 (correlations, alpha, omega, CFI, RMSEA, shares of
  variance, loadings in standardized form): no leading zero (``.81``, ``−.12``);
- other statistics: two decimals with the leading zero; a true minus sign;
- not applicable or not computable: an en dash, never ``NaN``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd

__all__ = [
    "DASH",
    "MINUS",
    "p_value",
    "number",
    "bounded",
    "integer",
    "percent",
    "interval",
    "format_columns",
]

DASH = "\u2013"
MINUS = "\u2212"


def _missing(x: Any) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return bool(math.isnan(float(x)))
    except (TypeError, ValueError):
        return False


def number(x: Any, digits: int = 2) -> str:
    """``1.23``, ``−0.40``; a dash when missing."""
    if _missing(x):
        return DASH
    text = f"{float(x):.{digits}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", MINUS)


def bounded(x: Any, digits: int = 2) -> str:
    """A statistic that cannot exceed 1 in size: ``.81``, ``−.12``, ``1.00``."""
    text = number(x, digits)
    return text.replace("0.", ".", 1) if text not in (DASH,) and abs(float(x)) < 1 else text


def p_value(p: Any) -> str:
    """``< .001`` or ``.034`` (three decimals, no leading zero)."""
    if _missing(p):
        return DASH
    return "< .001" if float(p) < 0.001 else bounded(p, 3)


def integer(x: Any) -> str:
    return DASH if _missing(x) else f"{int(round(float(x))):d}"


def percent(share: Any, digits: int = 1) -> str:
    """A share (0..1) as a percentage number without the sign (``12.5``)."""
    return DASH if _missing(share) else number(100 * float(share), digits)


def interval(low: Any, high: Any, fmt: Callable[[Any], str] = number) -> str:
    """``[0.12, 0.40]``; a dash when either end is missing."""
    if _missing(low) or _missing(high):
        return DASH
    return f"[{fmt(low)}, {fmt(high)}]"


def format_columns(frame: pd.DataFrame, formats: dict[str, Callable[[Any], str]]) -> pd.DataFrame:
    """Every column as text: ``formats[column]`` where given, else ``str`` (missing: dash)."""
    out = pd.DataFrame(index=frame.index)
    for c in frame.columns:
        f = formats.get(c)
        out[c] = [f(v) if f else (DASH if _missing(v) or v == "" else str(v)) for v in frame[c]]
    return out.reset_index(drop=True)
