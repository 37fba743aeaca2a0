"""Reliability of an instrument's scales and facets, and of a difference score."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis._checks import (
    check_frame,
    check_numeric,
)
from analysis.psychometrics.alpha import cronbach_alpha
from analysis.psychometrics.items import Missing
from analysis.psychometrics.omega import omega_total

if TYPE_CHECKING:
    from survey.instrument import Instrument

__all__ = ["reliability", "difference_score_reliability"]


def difference_score_reliability(
    var_a: float, var_b: float, rel_a: float, rel_b: float, r_ab: float
) -> float:
    """Classical reliability of a difference score ``A - B``.

    ``(s_a^2 rel_a + s_b^2 rel_b - 2 s_a s_b r_ab) / (s_a^2 + s_b^2 - 2 s_a s_b r_ab)``
    (Lord 1963; Williams & Zimmerman 1977).  Invariant to a common linear
    rescaling of the difference, so it applies to the balance index.
    """
    sa, sb = np.sqrt(var_a), np.sqrt(var_b)
    cross = 2 * sa * sb * r_ab
    return float((var_a * rel_a + var_b * rel_b - cross) / (var_a + var_b - cross))


# ------------------------------------------------------------------ instrument
def reliability(
    data: pd.DataFrame,
    instrument: Instrument | None = None,
    *,
    ci: float = 0.95,
    missing: Missing = "pairwise",
) -> pd.DataFrame:
    """Reliability of every scale and facet of an instrument, and of the balance.

    Reverse-keyed items are reflected as ``(min + max) - x`` using the
    item's response range before anything is computed.  Nothing is imputed.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide response table (one row per respondent, one column per item).
    instrument : Instrument, optional
        Default: the shipped instrument (``load_instrument()``).
    ci : float, default 0.95
        Level of the Feldt interval.
    missing : {"pairwise", "listwise"}, default "pairwise"
        Passed to :func:`cronbach_alpha` for each scale.

    Returns
    -------
    pandas.DataFrame
        One row per scale (``facet`` NA), per orientation x facet, and one for
        the balance (difference) score, with columns

        - ``scale``, ``facet``: what is measured (``scale == "balance"`` for
          the difference score networking - socializing).
        - ``k``: items; ``n``: respondents used.
        - ``alpha``, ``std_alpha``, ``ci_low``, ``ci_high``: as
          :func:`cronbach_alpha`.  For 2-item facets ``std_alpha`` equals the
          Spearman-Brown coefficient ``2r/(1+r)`` of the inter-item
          correlation.  For the balance row ``alpha`` holds the classical
          difference-score reliability
          (:func:`difference_score_reliability`) from the two scale alphas,
          the variances of the two scale scores (``analysis.scoring.score``:
          mean of the keyed items answered, NA below the instrument's
          minimum answered share) and their correlation, over respondents with
          both scores;
          its other statistics are NA.
        - ``omega_total``: one-factor minres omega (NA for fewer than 3
          items and for the balance row).
        - ``method``: ``"alpha"``, ``"difference score"``, or ``"one item"``
          for a scale or facet measured by a single item (its statistics NA:
          a single item has no internal consistency).

    Examples
    --------
    >>> from analysis import make_demo
    >>> from survey.instrument import load_instrument
    >>> table = reliability(make_demo(300, seed=1), load_instrument())
    >>> table.loc[table["facet"].isna(), "scale"].tolist()
    ['networking', 'socializing', 'intentionality', 'balance']
    >>> bool(table["alpha"].between(0, 1).all())
    True
    """
    from analysis.scoring import keyed_items
    from survey.instrument import load_instrument

    inst = instrument if instrument is not None else load_instrument()
    check_frame(data, "data")
    check_numeric(data, inst.item_ids, "data")
    keyed = keyed_items(data, inst)
    rows = [_consistency_row(keyed, scale, facet, its, ci, missing) for scale, facet, its in _groups(inst)]
    rel = {r["scale"]: r["alpha"] for r in rows if r["facet"] is None}
    if "networking" in rel and "socializing" in rel:
        rows.append(_balance_row(data, inst, rel["networking"], rel["socializing"]))
    out = pd.DataFrame(rows)
    out["facet"] = out["facet"].astype("object")
    out.attrs.update(missing=missing, ci_level=ci, note="reverse-keyed items reflected; no imputation")
    return out


def _groups(inst: Instrument) -> list[tuple[str, str | None, list[str]]]:
    """``(scale, facet, item ids)``: every scale (facet None), then every scale x facet with items."""
    groups: list[tuple[str, str | None, list[str]]] = [
        (scale, None, [i.id for i in inst.scale_items(scale)]) for scale in inst.scales
    ]
    for scale in inst.scales:
        for facet_id in inst.facets:
            its = [i.id for i in inst.scale_items(scale, facet_id)]
            if its:
                groups.append((scale, facet_id, its))
    return groups


def _row(scale: str, facet: str | None, k: int, n: int, method: str, **stats: float) -> dict[str, Any]:
    """One row of the reliability table, its statistics NaN unless given."""
    nan = dict(alpha=np.nan, std_alpha=np.nan, ci_low=np.nan, ci_high=np.nan, omega_total=np.nan)
    return dict(scale=scale, facet=facet, k=k, n=n, **{**nan, **stats}, method=method)


def _consistency_row(
    keyed: pd.DataFrame, scale: str, facet: str | None, its: list[str], ci: float, missing: Missing
) -> dict[str, Any]:
    """Alpha (with its interval) and, from 3 items, omega of one scale or facet."""
    if len(its) < 2:  # one item: no internal consistency to estimate; the row says so
        return _row(scale, facet, len(its), int(keyed[its].notna().all(axis=1).sum()), "one item")
    a = cronbach_alpha(keyed, ci, columns=its, missing=missing).iloc[0]
    om = np.nan
    if len(its) >= 3:
        om = omega_total(keyed, columns=its, missing=missing)["omega_total"].iloc[0]
    stats = {c: a[c] for c in ("alpha", "std_alpha", "ci_low", "ci_high")}
    return _row(scale, facet, len(its), int(a["n"]), "alpha", **stats, omega_total=om)


def _balance_row(data: pd.DataFrame, inst: Instrument, rel_net: float, rel_soc: float) -> dict[str, Any]:
    """The difference score's reliability from the scale alphas and the two scores' (co)variances."""
    from analysis.scoring import score

    scores = score(data, inst)
    both = scores["networking"].notna() & scores["socializing"].notna()
    net, soc = scores.loc[both, "networking"], scores.loc[both, "socializing"]
    rd = difference_score_reliability(
        net.var(), soc.var(), rel_net, rel_soc, float(np.corrcoef(net, soc)[0, 1])
    )
    k_bal = len(inst.scale_items("networking")) + len(inst.scale_items("socializing"))
    return _row("balance", None, k_bal, int(both.sum()), "difference score", alpha=rd)
