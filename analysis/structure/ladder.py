"""One invariance ladder for every estimator: steps, difference tests, decision rule.

Groups (:func:`analysis.structure.invariance`, ML, FIML and WLSMV) and waves
(``analysis.longitudinal.longitudinal_invariance``) fit their own models per step;
the step table, its difference-test columns (``delta_chi2``, ``delta_df``,
``delta_p``) and the decision rule (Chen 2007) come from :func:`ladder_table`
(in the spirit of lavaan's ``lav_test_diff_*`` plus semTools' ``compareFit``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["Rule", "Step", "CHEN", "CHEN_ORDINAL", "ladder_table", "LADDER_COLUMNS"]


@dataclass(frozen=True)
class Rule:
    """When a step of a ladder is *not* supported (Chen 2007).

    A step fails when CFI drops by ``delta_cfi`` or more together with RMSEA
    rising by ``delta_rmsea`` or more, or SRMR rising by ``delta_srmr[step]``
    or more; ``scaled``: CFI and RMSEA are the scaled (WLSMV) ones.
    """

    delta_cfi: float
    delta_rmsea: float
    delta_srmr: Mapping[str, float]
    scaled: bool
    text: str

    def cutoffs(self) -> dict[str, Any]:
        """The rule as plain data (kept in a ladder's ``attrs["cutoffs"]``)."""
        out = asdict(self)
        out.pop("text")
        out["delta_srmr"] = dict(self.delta_srmr)
        return out


#: Chen (2007) for the configural-metric-scalar-strict ladder.
CHEN = Rule(
    0.010,
    0.015,
    {"metric": 0.030, "scalar": 0.010, "strict": 0.010},
    False,
    "Chen (2007): a step is not supported when CFI drops by 0.010 or more together with "
    "RMSEA rising by 0.015 or more or SRMR rising by 0.030 or more (metric; 0.010 for "
    "scalar and strict)",
)
#: Chen (2007) on the scaled indices, for Wu & Estabrook's (2016) ordinal ladder.
CHEN_ORDINAL = Rule(
    0.010,
    0.015,
    {"thresholds": 0.010, "loadings": 0.030, "intercepts": 0.010},
    True,
    "Chen (2007) on the scaled (WLSMV) indices: a step is not supported when the "
    "scaled CFI drops by 0.010 or more together with the scaled RMSEA rising by "
    "0.015 or more or SRMR rising by 0.030 or more (loadings; 0.010 for thresholds "
    "and intercepts); the scaled difference test (delta_p) is reported beside it",
)

_FIT = ("chi2", "df", "p", "cfi", "tli", "rmsea", "srmr")
_SCALED = (
    *("chi2", "df", "p", "chi2_scaled", "df_scaled", "scaled_p", "cfi", "tli", "rmsea"),
    *("cfi_scaled", "tli_scaled", "rmsea_scaled", "srmr"),
)
#: The columns after the fit columns, in order.
LADDER_COLUMNS = (
    "delta_chi2",
    "delta_df",
    "delta_p",
    "delta_cfi",
    "delta_rmsea",
    "delta_srmr",
    "supported",
    "converged",
)


@dataclass(frozen=True)
class Step:
    """One fitted step: its name, its result (a :class:`~analysis.structure.CFAResult`)
    and, when it is not the plain chi-square difference, its difference test against
    the step before as ``(delta_chi2, delta_df, delta_p)``."""

    name: str
    result: Any
    difference: tuple[float, int, float] | None = None


def _plain_difference(d_chi2: float, d_df: int) -> float:
    return np.nan if (np.isnan(d_chi2) or d_df <= 0) else float(stats.chi2.sf(max(d_chi2, 0.0), d_df))


def _rows(steps: Sequence[Step], columns: tuple[str, ...]) -> pd.DataFrame:
    rows = []
    for i, st in enumerate(steps):
        fit = st.result.fit.iloc[0]
        row: dict[str, Any] = {"step": st.name, **{c: fit[c] for c in columns}}
        if i == 0:
            row.update(delta_chi2=np.nan, delta_df=pd.NA, delta_p=np.nan)
        elif st.difference is not None:
            row.update(zip(("delta_chi2", "delta_df", "delta_p"), st.difference))
        else:
            before = steps[i - 1].result.fit.iloc[0]
            d_chi2, d_df = float(fit["chi2"] - before["chi2"]), int(fit["df"] - before["df"])
            row.update(delta_chi2=d_chi2, delta_df=d_df, delta_p=_plain_difference(d_chi2, d_df))
        row["converged"] = bool(st.result.converged)
        rows.append(row)
    return pd.DataFrame(rows).set_index("step")


def ladder_table(steps: Sequence[Step], rule: Rule) -> pd.DataFrame:
    """The step table of a ladder.

    Parameters
    ----------
    steps : sequence of Step
        The fitted steps in order, each more constrained than the one before.
    rule : Rule
        The decision rule (:data:`CHEN`, :data:`CHEN_ORDINAL` or your own).

    Returns
    -------
    DataFrame
        Index ``step``; the fit columns ``chi2``, ``df``, ``p`` (with
        ``rule.scaled`` also ``chi2_scaled``, ``df_scaled``, ``scaled_p``),
        ``cfi``, ``tli``, ``rmsea`` (and their ``_scaled`` versions),
        ``srmr``; against the step before ``delta_chi2``, ``delta_df``,
        ``delta_p`` (the difference test), ``delta_cfi``, ``delta_rmsea`` (the
        scaled ones with ``rule.scaled``), ``delta_srmr``; ``supported`` (NA on
        the first row and when either model did not converge) and
        ``converged``.  ``attrs``: ``rule`` (in words) and ``cutoffs``.
    """
    columns = _SCALED if rule.scaled else _FIT
    out = _rows(steps, columns)
    for c in ("df", "df_scaled"):
        if c in out:
            out[c] = out[c].astype("int64")
    out["delta_df"] = out["delta_df"].astype("Int64")
    prev = out.shift(1)
    suffix = "_scaled" if rule.scaled else ""
    out["delta_cfi"] = out["cfi" + suffix] - prev["cfi" + suffix]
    out["delta_rmsea"] = out["rmsea" + suffix] - prev["rmsea" + suffix]
    out["delta_srmr"] = out["srmr"] - prev["srmr"]
    srmr_cut = pd.Series(dict(rule.delta_srmr), dtype=float).reindex(out.index)
    worse = (out["delta_cfi"] <= -rule.delta_cfi) & (
        (out["delta_rmsea"] >= rule.delta_rmsea) | (out["delta_srmr"] >= srmr_cut)
    )
    both = out["converged"] & prev["converged"].fillna(False).astype(bool)
    out["supported"] = pd.array(
        [pd.NA if (i == 0 or not both.iloc[i]) else not worse.iloc[i] for i in range(len(out))],
        dtype="boolean",
    )
    out = out[list(columns) + list(LADDER_COLUMNS)]
    out.attrs.update(rule=rule.text, cutoffs=rule.cutoffs())
    return out
