"""Response quality: careless and too-fast responding.

Four standard indices (Curran 2016, "Methods for the detection of carelessly
invalid responses in survey data"; Dunn et al. 2018 for IRV):

* ``attention_failures`` - instructed-response items answered otherwise than
  asked;
* ``longstring`` - the longest run of identical consecutive answers over the
  scored items in questionnaire order (a missing answer breaks a run);
* ``irv`` - intra-individual response variability, the standard deviation
  (n - 1) of a respondent's raw (un-keyed) item answers, as R's
  ``careless::irv``; very low values indicate straight-lining;
* ``duration_s`` - seconds from ``started_at`` to ``submitted_at``.

Which cut-offs make a respondent "careless" is the researcher's decision;
:func:`flag_careless` applies the cut-offs it is given, writes the rule it
used into ``result.attrs["rule"]``, and :func:`describe_exclusions` turns the
result into a table for a report.  Nothing is dropped here: the caller
decides whether to filter on ``exclude``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from analysis._checks import check_frame, check_numeric, numeric_matrix
from survey.errors import DataError

if TYPE_CHECKING:
    from survey.instrument import Instrument

__all__ = ["flag_careless", "describe_exclusions", "longstring", "irv"]

AUTO = "auto"
SECONDS_PER_QUESTION = 2.0  # Huang et al. 2012; Wood et al. 2017


def longstring(x: np.ndarray) -> np.ndarray:
    """Longest run of identical consecutive values in each row.

    Vectorised over rows: one pass over the columns.  NaN never equals
    anything, so a missing answer ends a run; a row with no answer has 0.
    """
    n, k = x.shape
    best = np.zeros(n, dtype=np.int64)
    if k == 0:
        return best
    run = (~np.isnan(x[:, 0])).astype(np.int64)
    best = run.copy()
    for j in range(1, k):
        same = x[:, j] == x[:, j - 1]
        present = ~np.isnan(x[:, j])
        run = np.where(same, run + 1, present.astype(np.int64))
        np.maximum(best, run, out=best)
    return best


def irv(x: np.ndarray) -> np.ndarray:
    """Row standard deviation (ddof 1) over answered values; NaN below 2 answers."""
    answered = ~np.isnan(x)
    m = answered.sum(axis=1)
    x0 = np.where(answered, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = x0.sum(axis=1) / m
        ss = (np.where(answered, x - mean[:, None], 0.0) ** 2).sum(axis=1)
        out = np.sqrt(ss / (m - 1))
    out[m < 2] = np.nan
    return out


def _duration(data: pd.DataFrame, start: str, end: str) -> pd.Series:
    if start not in data.columns or end not in data.columns:
        return pd.Series(np.nan, index=data.index, dtype="float64")
    out = []
    for col, arg in ((start, "started_at"), (end, "submitted_at")):
        try:
            out.append(pd.to_datetime(data[col], utc=True, format="ISO8601"))
        except (ValueError, TypeError) as exc:
            raise DataError(
                f"{arg}: column {col!r} holds values that are not timestamps "
                f"({exc}); expected ISO 8601 date-times"
            ) from None
    seconds = (out[1] - out[0]).dt.total_seconds()
    return seconds.astype("float64")


def _threshold(value: Any, auto: float, argument: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, str) and value == AUTO:
        return auto
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise DataError(f"{argument}: got {value!r}; expected a number, 'auto' or None")
    if value < 0:
        raise DataError(f"{argument}: got {value!r}; expected a non-negative number")
    return float(value)


def flag_careless(
    data: pd.DataFrame,
    instrument: Instrument | None = None,
    *,
    max_attention_failures: int | None = 0,
    max_longstring: float | str | None = AUTO,
    min_irv: float | None = None,
    min_seconds: float | str | None = AUTO,
    rule: Literal["any", "all"] | int = "any",
    started_at: str = "started_at",
    submitted_at: str = "submitted_at",
) -> pd.DataFrame:
    """Careless-responding indices, flags and a recommended exclusion.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide response table (one row per respondent) with the instrument's
        item and attention-check columns; optional timestamp columns.
    instrument : Instrument, optional
        Default: the shipped instrument.
    max_attention_failures : int or None, default 0
        Flag when more attention checks than this are failed.  None: not used.
    max_longstring : number, "auto" or None, default "auto"
        Flag when the longest run of identical answers exceeds this.
        ``"auto"``: half the number of scored items, rounded down (Curran 2016's
        rule of thumb).  None: not used.
    min_irv : number or None, default None
        Flag when the IRV is below this.  None (default): not used, as there
        is no scale-free cut-off.
    min_seconds : number, "auto" or None, default "auto"
        Flag when the duration is below this.  ``"auto"``: 2 seconds per
        question (items and checks).  None: not used.
    rule : "any", "all" or int, default "any"
        ``exclude`` is true when any / all of the used flags are raised, or when
        at least this many are.
    started_at, submitted_at : str
        Timestamp columns.  If either is absent, ``duration_s`` is NA and the
        speed flag is false.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``data.index``, with columns

        - ``attention_failures`` (int): checks answered otherwise than asked;
          an unanswered check is not a failure.
        - ``attention_answered`` (int): checks answered.
        - ``longstring`` (int): longest run of identical consecutive item
          answers (items in questionnaire order; NA breaks a run).
        - ``irv`` (float): SD (n - 1) of the raw item answers; NA below 2.
        - ``duration_s`` (float): completion time in seconds; NA if unknown.
        - ``flag_attention``, ``flag_longstring``, ``flag_irv``,
          ``flag_speed`` (bool): a criterion is false when it is not used or
          its index is NA.
        - ``n_flags`` (int): number of flags raised.
        - ``exclude`` (bool): the recommendation under ``rule``.

        ``attrs["rule"]`` holds the rule in words, ``attrs["thresholds"]`` the
        cut-offs used (None = not used).

    Raises
    ------
    DataError
        Missing or non-numeric item / check columns, unparseable timestamps,
        bad thresholds or rule.

    Examples
    --------
    >>> from analysis import make_demo
    >>> from survey.instrument import load_instrument
    >>> instrument = load_instrument()
    >>> data = make_demo(200, seed=1)
    >>> flags = flag_careless(data, instrument)
    >>> len(flags) == len(data), str(flags["exclude"].dtype)
    (True, 'bool')
    """
    from survey.instrument import load_instrument

    inst = instrument if instrument is not None else load_instrument()
    check_frame(data, "data")
    items = check_numeric(data, inst.item_ids, "data")
    checks = check_numeric(data, inst.attention_ids, "data")
    n_questions = len(items) + len(checks)
    thr = {
        "attention": _threshold(max_attention_failures, 0, "max_attention_failures"),
        "longstring": _threshold(max_longstring, len(items) // 2, "max_longstring"),
        "irv": _threshold(min_irv, 0.0, "min_irv"),
        "speed": _threshold(min_seconds, SECONDS_PER_QUESTION * n_questions, "min_seconds"),
    }
    used = [name for name, v in thr.items() if v is not None]
    need = _flags_needed(rule, len(used))

    x = numeric_matrix(data, items)
    a = numeric_matrix(data, checks)
    expected = np.array([c.expected for c in inst.attention_checks], dtype="float64")
    answered = ~np.isnan(a)
    failures = (answered & (a != expected)).sum(axis=1)
    out = pd.DataFrame(
        {
            "attention_failures": failures.astype("int64"),
            "attention_answered": answered.sum(axis=1).astype("int64"),
            "longstring": longstring(x),
            "irv": irv(x),
            "duration_s": _duration(data, started_at, submitted_at).to_numpy(),
        },
        index=data.index,
    )
    out["flag_attention"] = _above(out["attention_failures"], thr["attention"])
    out["flag_longstring"] = _above(out["longstring"], thr["longstring"])
    out["flag_irv"] = _below(out["irv"], thr["irv"])
    out["flag_speed"] = _below(out["duration_s"], thr["speed"])
    flags = ["flag_attention", "flag_longstring", "flag_irv", "flag_speed"]
    out["n_flags"] = out[flags].sum(axis=1).astype("int64")
    out["exclude"] = (out["n_flags"] >= need) if used else False

    words = _criteria_words(thr)
    out.attrs["rule"] = _rule_text(rule, need, [w for w in words.values() if w])
    out.attrs["thresholds"] = {k: thr[k] for k in thr}
    out.attrs["criteria"] = {f"flag_{k}": words[k] for k in words}
    return out


def _flags_needed(rule: Any, n_used: int) -> int:
    """How many raised flags exclude a respondent under ``rule`` (``n_used`` criteria in use)."""
    if isinstance(rule, str):
        if rule not in ("any", "all"):
            raise DataError(f"rule: got {rule!r}; expected 'any', 'all' or a number of flags")
        return 1 if rule == "any" else max(n_used, 1)
    if isinstance(rule, (int, np.integer)) and not isinstance(rule, bool) and 1 <= rule <= 4:
        return int(rule)
    raise DataError(f"rule: got {rule!r}; expected 'any', 'all' or a number of flags from 1 to 4")


def _above(index: pd.Series, t: float | None) -> np.ndarray:
    """Whether each value exceeds ``t`` (never for NA; all false when the criterion is off)."""
    v = index.to_numpy(dtype="float64")
    return np.zeros(len(v), bool) if t is None else np.nan_to_num(v, nan=-np.inf) > t


def _below(index: pd.Series, t: float | None) -> np.ndarray:
    """Whether each value is below ``t`` (never for NA; all false when the criterion is off)."""
    v = index.to_numpy(dtype="float64")
    return np.zeros(len(v), bool) if t is None else np.nan_to_num(v, nan=np.inf) < t


def _criteria_words(thr: dict[str, float | None]) -> dict[str, str | None]:
    """Each criterion's cut-off in words (None when the criterion is off)."""
    form = {
        "attention": "attention failures > {:g}",
        "longstring": "longstring > {:g} items",
        "irv": "IRV < {:g}",
        "speed": "duration < {:g} s",
    }
    return {k: (None if thr[k] is None else f.format(thr[k])) for k, f in form.items()}


def _rule_text(rule: Any, need: int, parts: list[str]) -> str:
    """The exclusion rule in words."""
    if not parts:
        return "no criterion used; nobody excluded"
    if isinstance(rule, str):
        return f"exclude if {rule} of: " + "; ".join(parts)
    return f"exclude if at least {need} of: " + "; ".join(parts)


def describe_exclusions(flags: pd.DataFrame) -> pd.DataFrame:
    """Tidy summary of :func:`flag_careless` for a report.

    Parameters
    ----------
    flags : pandas.DataFrame
        The result of :func:`flag_careless`.

    Returns
    -------
    pandas.DataFrame
        One row per criterion and a last row ``exclude``, with columns

        - ``criterion``: ``attention``, ``longstring``, ``irv``, ``speed``,
          ``exclude``.
        - ``rule``: the cut-off in words (``"not used"`` when off); for
          ``exclude`` the whole rule.
        - ``n_flagged``: respondents flagged; ``n``: respondents;
          ``share``: ``n_flagged / n``.

    Examples
    --------
    >>> from analysis import make_demo
    >>> from survey.instrument import load_instrument
    >>> instrument = load_instrument()
    >>> data = make_demo(200, seed=1)
    >>> table = describe_exclusions(flag_careless(data, instrument))
    >>> table["criterion"].tolist()
    ['attention', 'longstring', 'irv', 'speed', 'exclude']
    >>> list(table.columns)
    ['criterion', 'rule', 'n_flagged', 'n', 'share']
    """
    check_frame(flags, "flags")
    needed = ["flag_attention", "flag_longstring", "flag_irv", "flag_speed", "exclude"]
    missing = [c for c in needed if c not in flags.columns]
    if missing or "rule" not in flags.attrs:
        raise DataError(f"flags: expected the result of flag_careless(); missing {missing or ['attrs rule']}")
    criteria = flags.attrs.get("criteria", {})
    n = len(flags)
    rows = []
    for col in needed[:-1]:
        name = col.removeprefix("flag_")
        rows.append(
            dict(criterion=name, rule=criteria.get(col) or "not used", n_flagged=int(flags[col].sum()), n=n)
        )
    rows.append(
        dict(criterion="exclude", rule=flags.attrs["rule"], n_flagged=int(flags["exclude"].sum()), n=n)
    )
    out = pd.DataFrame(rows)
    out["share"] = out["n_flagged"] / n
    return out
