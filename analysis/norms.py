"""Reference norms from a wide table: pure computation, no files.

- :func:`quantile_ci` - distribution-free confidence interval of a quantile
  from order statistics (binomial), as order-statistic ranks.
- :func:`norm_scores` - the scores norms are kept for (:func:`analysis.score`).
- :func:`score_summary` - per score: n, mean, SD, reliability, omega, min, max.
- :func:`percentile_table` - per score and percentile: value and its interval.
- :func:`room_over_norms` - the room's balance distribution over the norm
  distribution, with small-group suppression (for the dashboard).
- :func:`room_over_norms_figure` - the same as a figure.

:mod:`netsoc.report.norms` assembles these into a :class:`survey.norms.NormsFile` with its
metadata and writes the file.

Order-statistic interval
------------------------
For the ``p``-quantile ``xi_p`` of a continuous distribution, the number of
observations ``B`` at or below ``xi_p`` in a sample of ``n`` is
Binomial(``n``, ``p``), so with ``l = qbinom((1 - ci) / 2, n, p)`` and
``u = qbinom(1 - (1 - ci) / 2, n, p) + 1`` the interval between the order
statistics ``[X_(l), X_(u)]`` covers ``xi_p`` with probability
``pbinom(u - 1, n, p) - pbinom(l - 1, n, p) >= ci`` whatever the
distribution (Conover 1999, sec. 3.2; Hahn & Meeker 1991).  Ranks are
clipped to ``1..n`` (then the coverage is lower; only for tiny ``n``).

Hand-worked: the median of ``n = 20``: ``qbinom(0.025, 20, 0.5) = 6``
(``P(B <= 5) = 0.0207``, ``P(B <= 6) = 0.0577``) and
``qbinom(0.975, 20, 0.5) = 14`` (``P(B <= 13) = 0.9423``,
``P(B <= 14) = 0.9793``), so ``[X_(6), X_(15)]`` with coverage
``0.9793 - 0.0207 = 0.9586``, the textbook interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from analysis._checks import check_frame
from survey.errors import DataError
from survey.instrument import Instrument, load_instrument
from survey.schema import MIN_GROUP_SIZE, check_min_group_size

if TYPE_CHECKING:
    from analysis.plots.theme import Context

__all__ = [
    "PERCENTILES",
    "PERCENTILE_METHOD",
    "CI_METHOD",
    "quantile_ci",
    "norm_scores",
    "score_summary",
    "percentile_table",
    "room_over_norms",
    "room_over_norms_figure",
    "norm_cdf",
]

#: The percentiles a norms file keeps: 5, 10, ..., 95.
PERCENTILES: tuple[int, ...] = tuple(range(5, 100, 5))
#: How the percentile values are computed, in words (stored in the file).
PERCENTILE_METHOD = "sample quantile, linear interpolation between order statistics (R type 7)"
#: How their intervals are computed, in words (stored in the file).
CI_METHOD = (
    "distribution-free order-statistic interval [X_(l), X_(u)], "
    "l = qbinom((1-ci)/2, n, p), u = qbinom(1-(1-ci)/2, n, p) + 1"
)


def quantile_ci(
    n: int, p: float | Sequence[float] | np.ndarray, ci: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order-statistic ranks bounding the ``p``-quantile with confidence ``ci``.

    Parameters
    ----------
    n : int
        Sample size (>= 1).
    p : float or array of float
        Quantile levels in (0, 1).
    ci : float, default 0.95
        Confidence level.

    Returns
    -------
    (l, u, coverage) : tuple of arrays
        1-based ranks (clipped to 1..n) and the exact binomial coverage
        ``pbinom(u - 1, n, p) - pbinom(l - 1, n, p)``.  Example: ``n = 20,
        p = 0.5`` gives ``l = 6, u = 15``, coverage 0.9586.
    """
    if n < 1:
        raise DataError(f"n: expected at least 1 observation, got {n}")
    if not 0 < ci < 1:
        raise DataError(f"ci: expected a level between 0 and 1, got {ci}")
    p = np.atleast_1d(np.asarray(p, dtype="float64"))
    if np.any((p <= 0) | (p >= 1)):
        raise DataError(f"p: expected quantile levels strictly between 0 and 1, got {p.tolist()}")
    tail = (1 - ci) / 2
    lo = np.clip(stats.binom.ppf(tail, n, p), 1, n).astype("int64")
    hi = np.clip(stats.binom.ppf(1 - tail, n, p) + 1, 1, n).astype("int64")
    coverage = stats.binom.cdf(hi - 1, n, p) - stats.binom.cdf(lo - 1, n, p)
    return lo, hi, coverage


def norm_scores(data: pd.DataFrame, instrument: Instrument | None = None) -> pd.DataFrame:
    """The scores norms are kept for, one column each (NA where not scored).

    ``networking``, ``socializing``, ``balance``, ``intentionality`` and every
    ``<orientation>_<facet>`` of :func:`analysis.score`.
    """
    from analysis.scoring import ORIENTATIONS, score

    inst = instrument if instrument is not None else load_instrument()
    scored = score(data, inst)
    names = ["networking", "socializing", "balance", "intentionality"]
    names += [f"{o}_{f}" for o in ORIENTATIONS for f in inst.facets]
    return scored[names].astype("float64")


def _reliabilities(data: pd.DataFrame, inst: Instrument, names: list[str]) -> dict[str, tuple[float, float]]:
    from analysis.psychometrics import reliability

    rel = reliability(data, inst)
    out: dict[str, tuple[float, float]] = {}
    for row in rel.itertuples(index=False):  # one row per scale/facet, not per respondent
        name = row.scale if pd.isna(row.facet) else f"{row.scale}_{row.facet}"
        out[name] = (float(row.alpha), float(row.omega_total))
    return {n: out.get(n, (np.nan, np.nan)) for n in names}


def score_summary(data: pd.DataFrame, instrument: Instrument | None = None) -> pd.DataFrame:
    """Per score: size, location, spread and reliability of the norm sample.

    Parameters
    ----------
    data : DataFrame
        Wide response table (exclusions already applied).
    instrument : Instrument, optional
        Default: the shipped instrument.

    Returns
    -------
    DataFrame
        One row per score (:func:`norm_scores`), columns ``score``, ``n``,
        ``mean``, ``sd`` (ddof 1), ``reliability`` (Cronbach's alpha; the
        difference-score reliability for ``balance``), ``omega`` (omega total,
        NA below 3 items and for balance), ``min``, ``max``.
    """
    check_frame(data, "data")
    inst = instrument if instrument is not None else load_instrument()
    scores = norm_scores(data, inst)
    rel = _reliabilities(data, inst, list(scores.columns))
    out = pd.DataFrame(
        {
            "score": scores.columns,
            "n": scores.notna().sum().to_numpy(),
            "mean": scores.mean().to_numpy(),
            "sd": scores.std(ddof=1).to_numpy(),
            "reliability": [rel[c][0] for c in scores.columns],
            "omega": [rel[c][1] for c in scores.columns],
            "min": scores.min().to_numpy(),
            "max": scores.max().to_numpy(),
        }
    )
    return out


def percentile_table(
    data: pd.DataFrame,
    instrument: Instrument | None = None,
    *,
    ci: float = 0.95,
    percentiles: Sequence[float] = PERCENTILES,
) -> pd.DataFrame:
    """Percentiles of every score with distribution-free intervals.

    Parameters
    ----------
    data : DataFrame
        Wide response table (exclusions already applied).
    instrument : Instrument, optional
        Default: the shipped instrument.
    ci : float, default 0.95
        Level of the intervals (:func:`quantile_ci`).
    percentiles : sequence of float
        In percent; default 5, 10, ..., 95.

    Returns
    -------
    DataFrame
        One row per score and percentile: ``score``, ``p``, ``value`` (R
        type 7 quantile), ``low``, ``high`` (order statistics ``X_(l)``,
        ``X_(u)``), ``coverage`` (exact, >= ``ci`` unless clipped), ``n``.
        Scores nobody has are left out.
    """
    check_frame(data, "data")
    scores = norm_scores(data, instrument)
    pcts = np.asarray(percentiles, dtype="float64")
    levels = pcts / 100
    frames = []
    for name in scores.columns:  # one pass per score (~20), vectorised over respondents
        x = np.sort(scores[name].dropna().to_numpy())
        if len(x) == 0:
            continue
        lo, hi, cov = quantile_ci(len(x), levels, ci)
        frames.append(
            pd.DataFrame(
                {
                    "score": name,
                    "p": pcts,
                    "value": np.quantile(x, levels, method="linear"),
                    "low": x[lo - 1],
                    "high": x[hi - 1],
                    "coverage": cov,
                    "n": len(x),
                }
            )
        )
    if not frames:
        raise DataError("data: no respondent has any score; norms need scored responses")
    return pd.concat(frames, ignore_index=True)


def norm_cdf(values: np.ndarray, table: pd.DataFrame, lower: float, upper: float) -> np.ndarray:
    """Share (0..1) of the norm sample at or below ``values``, from a percentile table.

    Linear interpolation between ``(lower, 0)``, the table's
    ``(value, p / 100)`` points and ``(upper, 1)`` (ties take the largest
    share); 0 below ``lower``, 1 above ``upper``.

    Parameters
    ----------
    values : array
    table : DataFrame
        Columns ``p`` (percent) and ``value`` of one score, increasing.
    lower, upper : float
        The smallest and largest score of the sample.
    """
    xs = np.concatenate([[lower], table["value"].to_numpy(float), [upper]])
    ps = np.concatenate([[0.0], table["p"].to_numpy(float) / 100, [1.0]])
    # collapse ties to their largest share so the points increase strictly
    xs_u, last = np.unique(xs[::-1], return_index=True)
    ps_u = ps[::-1][last]
    return np.interp(np.asarray(values, float), xs_u, np.maximum.accumulate(ps_u), left=0.0, right=1.0)


def room_over_norms(
    data: pd.DataFrame,
    table: pd.DataFrame,
    *,
    lower: float,
    upper: float,
    balance: str = "balance",
    bins: int = 10,
    min_group_size: int = MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """The room's balance distribution next to the norm sample's, per bin.

    Parameters
    ----------
    data : DataFrame
        One row per respondent of the room, with a ``balance`` column
        (:func:`analysis.score`); NA rows are dropped.
    table : DataFrame
        The norms' balance percentiles (columns ``p``, ``value``).
    lower, upper : float
        The norm sample's smallest and largest balance.
    balance : str
        Column with the balance index.
    bins : int, default 10
        Equal-width bins over [-1, 1].
    min_group_size : int, default :data:`survey.schema.MIN_GROUP_SIZE`
        k: the room is shown only with at least k scored respondents, and a
        bin's room share only when it holds 0 or at least k respondents;
        smaller counts are suppressed (NA) so nobody is singled out.

    Returns
    -------
    DataFrame
        One row per bin: ``bin_low``, ``bin_high``, ``norm_share`` (share of
        the norm sample in the bin, from :func:`norm_cdf`), ``room_share``
        (NA when suppressed), ``suppressed`` (bool).  ``attrs``: ``n_room``
        (``None`` when the whole room is suppressed), ``min_group_size``.
    """
    check_frame(data, "data")
    check_min_group_size(min_group_size)
    if balance not in data.columns:
        raise DataError(f"data: expected a column {balance!r} (analysis.score), got {list(data.columns)[:8]}")
    edges = np.linspace(-1, 1, bins + 1)
    cdf = norm_cdf(edges, table, lower, upper)
    values = pd.to_numeric(data[balance], errors="coerce").dropna().to_numpy(float)
    counts, _ = np.histogram(np.clip(values, -1, 1), bins=edges)
    n = len(values)
    small = (counts > 0) & (counts < min_group_size)
    whole = n < min_group_size
    shares = np.where(small | whole, np.nan, counts / n if n else np.nan)
    out = pd.DataFrame(
        {
            "bin_low": edges[:-1],
            "bin_high": edges[1:],
            "norm_share": np.diff(cdf),
            "room_share": shares,
            "suppressed": small | whole,
        }
    )
    out.attrs.update(n_room=None if whole else n, min_group_size=min_group_size)
    return out


def room_over_norms_figure(
    bins: pd.DataFrame,
    *,
    context: Context = "notebook",
    room_label: str = "This room",
    norm_label: str = "Reference sample",
) -> Figure:
    """Bars of the room's balance shares over the norm sample's as a step outline.

    Parameters
    ----------
    bins : DataFrame
        The result of :func:`room_over_norms`.
    context : str
        seaborn plotting context.
    room_label, norm_label : str
        Legend labels.

    Returns
    -------
    Figure
        Suppressed bins are left empty and the title says how many.
    """
    from analysis.plots.scores import BALANCE_LABEL
    from analysis.plots.theme import NEUTRAL, PALETTE, new_axes, themed

    with themed(context):
        fig, ax = new_axes(None, (8, 4.5))
        width = (bins["bin_high"] - bins["bin_low"]).to_numpy()
        ax.bar(
            bins["bin_low"],
            bins["room_share"].fillna(0).to_numpy() * 100,
            width=width,
            align="edge",
            color=PALETTE[2],
            edgecolor="white",
            label=room_label,
        )
        edges = np.append(bins["bin_low"].to_numpy(), bins["bin_high"].iloc[-1])
        ax.stairs(bins["norm_share"].to_numpy() * 100, edges, color=PALETTE[4], lw=3, label=norm_label)
        ax.axvline(0, color=NEUTRAL, lw=1, ls=":")
        hidden = int(bins["suppressed"].sum())
        title = "This room over the reference sample"
        if bins.attrs.get("n_room") is None:
            title += " (room hidden: too few responses yet)"
        elif hidden:
            title += f" ({hidden} small bin(s) hidden)"
        ax.legend(loc="upper left", frameon=True)
        ax.set(xlim=(-1, 1), xlabel=BALANCE_LABEL, ylabel="Share of people (%)", title=title)
    return fig
