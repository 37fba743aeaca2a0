"""Measurement invariance: the configural-metric-scalar-strict ladder."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from analysis.structure._threads import single_blas
from analysis.structure.cfa import cfa
from analysis.structure.fiml import fiml_groups, fiml_ladder
from analysis.structure.inputs import used_counts
from analysis.structure.ladder import CHEN, Step, ladder_table
from analysis.structure.ordinal_invariance import invariance_ordinal
from survey.errors import DataError

__all__ = [
    "invariance",
    "invariance_groups",
    "invariance_level",
    "invariance_sentence",
    "STEPS",
    "DELTA_CFI",
    "DELTA_RMSEA",
    "DELTA_SRMR",
    "RULE",
]

#: The ladder: each step adds equality constraints across groups to the one before.
STEPS: dict[str, tuple[str, ...]] = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}
#: The decision rule's cut-offs (Chen 2007), kept as names for readers of the docs.
DELTA_CFI = CHEN.delta_cfi
DELTA_RMSEA = CHEN.delta_rmsea
DELTA_SRMR = dict(CHEN.delta_srmr)
RULE = CHEN.text

_WHAT = {
    "configural": "the same factor structure",
    "metric": "equal loadings",
    "scalar": "equal loadings and intercepts",
    "strict": "equal loadings, intercepts and residual variances",
    # the ordinal (Wu & Estabrook 2016) ladder
    "thresholds": "equal thresholds",
    "loadings": "equal thresholds and loadings",
    "intercepts": "equal thresholds, loadings and intercepts",
}
#: The steps after which comparing means is warranted (scalar invariance or beyond).
_MEANS_OK = ("scalar", "strict", "intercepts")


@single_blas
def invariance(
    data: pd.DataFrame,
    factors: Mapping[str, Sequence[str]],
    group: str,
    *,
    ordered: bool | Sequence[str] = False,
    missing: str = "listwise",
) -> pd.DataFrame:
    """Fit the measurement-invariance ladder across the groups of ``group``.

    Parameters
    ----------
    data : DataFrame
        Wide table: the (keyed) item columns and the grouping column.
    factors : mapping of str to list of str
        ``{factor: [item, ...]}`` as for :func:`~analysis.structure.cfa`.
    group : str
        The grouping column (two or more groups).
    ordered : bool or list of str
        True (or a list naming every item): ordinal items, and the ladder is
        Wu & Estabrook's (2016) by WLSMV -- steps ``configural``,
        ``thresholds``, ``loadings``, ``intercepts``, with scaled fit and the
        scaled difference test (``delta_chi2``, ``delta_df``, ``delta_p``);
        see :func:`analysis.structure.ordinal_invariance.invariance_ordinal`.
    missing : {"listwise", "ml"}
        As :func:`~analysis.structure.cfa`: complete cases, or full-information ML.

    Returns
    -------
    DataFrame
        One row per step, index ``step``: ``configural``; ``metric``
        (loadings equal); ``scalar`` (intercepts equal too, latent means free
        in all groups but the first); ``strict`` (residual variances equal
        too).  Columns ``chi2``, ``df``, ``p``, ``cfi``, ``tli``, ``rmsea``,
        ``srmr``; the change from the step before: ``delta_chi2``,
        ``delta_df``, ``delta_p`` (the chi-square difference test),
        ``delta_cfi``, ``delta_rmsea``, ``delta_srmr``; ``supported`` and
        ``converged``.  ``supported`` follows Chen (2007): a step is *not*
        supported when CFI drops by :data:`DELTA_CFI` (0.010) or more together
        with RMSEA rising by :data:`DELTA_RMSEA` (0.015) or more, or SRMR
        rising by :data:`DELTA_SRMR` (0.030 for metric, 0.010 for scalar and
        strict) or more; it is NA for the configural row (judge that by its
        own fit) and when either model did not converge.  ``attrs``:
        ``groups`` (labels in model order), ``n`` (responses per group as the
        estimator uses them: complete cases, or with ``missing="ml"`` every
        response with an answer), ``missing`` and ``rule``.

    Raises
    ------
    DataError
        As :func:`~analysis.structure.cfa`.

    Examples
    --------
    >>> from analysis import instrument_model, invariance, make_demo
    >>> data, factors = instrument_model(make_demo(3000, seed=1), group="work_mode")
    >>> invariance(data[data.work_mode != "na"], factors, "work_mode")  # doctest: +SKIP
    """
    if ordered is not False:
        if missing != "listwise":
            raise DataError(
                "missing: the ordinal (WLSMV) ladder uses complete cases; "
                "expected missing='listwise' with ordered="
            )
        return invariance_ordinal(data, factors, group, ordered=ordered)
    if missing == "ml":  # patterns and h1 once for the four steps; fit only, no SEs
        prep = fiml_groups(data, factors, group)
        fits = fiml_ladder(prep, STEPS)
    else:
        fits = [
            Step(step, cfa(data, factors, group=group, equal=equal, missing=missing))
            for step, equal in STEPS.items()
        ]
    out = ladder_table(fits, CHEN)
    out.attrs.update(
        groups=[str(g) for g in fits[0].result.groups],
        n=dict(
            zip(
                map(str, fits[0].result.groups),
                used_counts(data, [i for f in factors.values() for i in f], group, missing).tolist(),
            )
        ),
        missing=missing,
    )
    return out


def invariance_groups(
    data: pd.DataFrame,
    factors: Mapping[str, Sequence[str]],
    group: str,
    *,
    min_n: int = 0,
    missing: str = "listwise",
) -> dict[object, int]:
    """The levels of ``group`` with enough responses for the ladder.

    A level qualifies with at least ``max(min_n, q)`` responses as the
    estimator uses them (complete cases over the items, or with
    ``missing="ml"`` responses with at least one answer), ``q`` being the free
    parameters of one group's configural model
    (loadings, factor (co)variances, residual variances and intercepts).

    Returns
    -------
    dict
        ``{level: complete cases}`` in order of first appearance, qualifying
        levels only.
    """
    p, k = sum(len(f) for f in factors.values()), len(factors)
    need = max(int(min_n), 3 * p - k + k * (k + 1) // 2)
    counts = used_counts(data, [i for f in factors.values() for i in f], group, missing)
    return {level: int(n) for level, n in counts.items() if n >= need}


def invariance_level(ladder: pd.DataFrame) -> str | None:
    """The highest step reached with every step up to it supported.

    ``"configural"`` when its model converged (its fit is for the reader to
    judge), ``None`` when even that did not converge.
    """
    if not bool(ladder.loc["configural", "converged"]):
        return None
    level = "configural"
    for step in list(ladder.index)[1:]:
        ok = ladder.loc[step, "supported"]
        if pd.isna(ok) or not bool(ok):
            break
        level = step
    return level


def invariance_sentence(ladder: pd.DataFrame, field: str) -> str:
    """One sentence: is comparing the factor means across ``field`` warranted?

    Warranted when scalar invariance holds (:func:`invariance_level` is
    ``"scalar"`` or ``"strict"``); otherwise only with caution, naming the
    step that failed.
    """
    level = invariance_level(ladder)
    groups = ", ".join(ladder.attrs.get("groups", []))
    across = f"{field} ({groups})" if groups else field
    if level is None:
        return (
            f"Comparing means across {across} can be made only with caution: the configural "
            "model did not converge, so measurement invariance could not be checked."
        )
    if level in _MEANS_OK:
        return (
            f"Comparing means across {across} is warranted: {level} invariance holds "
            f"({_WHAT[level]}, by the rule of Chen 2007)."
        )
    steps = list(ladder.index)
    failed = steps[steps.index(level) + 1]
    why = (
        "its model did not converge"
        if pd.isna(ladder.loc[failed, "supported"])
        else f"CFI changed by {ladder.loc[failed, 'delta_cfi']:+.3f}, RMSEA by "
        f"{ladder.loc[failed, 'delta_rmsea']:+.3f} and SRMR by "
        f"{ladder.loc[failed, 'delta_srmr']:+.3f}"
    )
    return (
        f"Comparing means across {across} can be made only with caution: {failed} "
        f"invariance ({_WHAT[failed]}) is not supported ({why}), so a difference in means "
        "may come from the items rather than from the people."
    )
