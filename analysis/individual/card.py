"""The personal card: scores with likely ranges, reference percentiles, workshop bands."""

from __future__ import annotations

import math
from collections.abc import Mapping
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from analysis.individual.bands import cohort_band
from analysis.individual.scorer import (
    FEEDBACK_SCORES,
    respondent_scorer,
    score_range,
)
from survey.errors import DataError
from survey.instrument import ORIENTATIONS, Instrument, Norms, load_instrument
from survey.schema import MIN_GROUP_SIZE

__all__ = ["score_rows", "individual_scores", "facet_rows", "facet_profile", "attention_result"]


# ------------------------------------------------------------- the card
def _norm_params(
    inst: Instrument, reliability: Any, norms: Mapping[str, tuple[float, float, float]] | None
) -> dict[str, tuple[float, float, float]]:
    """Score -> (mean, sd, reliability) from ``norms``, else the inline norms (NaN without)."""
    nan = float("nan")
    if norms is None:
        inline = inst.norms if isinstance(inst.norms, Norms) else None
        norms = {
            name: (
                (getattr(inline, name).mean, getattr(inline, name).sd, getattr(inline, name).reliability)
                if inline is not None
                else (nan, nan, nan)
            )
            for name in FEEDBACK_SCORES
        }
    out = {name: tuple(float(v) for v in norms.get(name, (nan, nan, nan))) for name in FEEDBACK_SCORES}
    if reliability is not None:
        rel = dict(reliability.items()) if hasattr(reliability, "items") else dict(reliability)
        out = {name: (m, sd, float(rel.get(name, nan))) for name, (m, sd, _r) in out.items()}
    return out  # type: ignore[return-value]


def score_rows(
    own: Mapping[str, Any],
    instrument: Instrument,
    *,
    peers: Mapping[str, np.ndarray] | None = None,
    reliability: Mapping[str, float] | pd.Series | None = None,
    norms: Mapping[str, tuple[float, float, float]] | None = None,
    ci: float = 0.95,
    min_group_size: int = MIN_GROUP_SIZE,
) -> list[dict[str, Any]]:
    """The rows of :func:`individual_scores` as plain dicts, from already computed scores.

    Parameters
    ----------
    own : mapping
        The participant's scores (:meth:`RespondentScorer.score_answers`).
    instrument : Instrument
    peers : mapping of arrays, optional
        The other cohort members' scores (:meth:`RespondentScorer.score_frame`).
    reliability, ci, min_group_size
        As in :func:`individual_scores`.
    norms : mapping, optional
        Score -> ``(mean, sd, reliability)``; default the instrument's inline
        ``norms:`` section (NaN when it has none).
    """
    if not 0 < ci < 1:
        raise DataError(f"ci: expected a confidence level between 0 and 1, got {ci!r}")
    params = _norm_params(instrument, reliability, norms)
    z = NormalDist().inv_cdf(0.5 + ci / 2)
    phi = NormalDist().cdf
    rows = []
    for name in FEEDBACK_SCORES:
        mean, sd, rel = params[name]
        lo, hi = score_range(instrument, name)
        est = own.get(name)
        est = float("nan") if est is None else float(est)
        sem = sd * math.sqrt(1 - rel) if rel <= 1 else float("nan")
        scored = not math.isnan(est)
        banded = scored and not math.isnan(sem)
        band = (
            cohort_band(est, peers[name], lo, hi, min_group_size=min_group_size)
            if peers is not None and scored
            else None
        )
        rows.append(
            dict(
                score=name,
                label=instrument.scales[name].label if name in instrument.scales else "Balance",
                estimate=est,
                reliability=rel,
                sem=sem,
                ci_low=max(lo, est - z * sem) if banded else float("nan"),
                ci_high=min(hi, est + z * sem) if banded else float("nan"),
                lo=lo,
                hi=hi,
                norm_mean=mean,
                norm_sd=sd,
                percentile_norm=100 * phi((est - mean) / sd) if scored and sd > 0 else float("nan"),
                cohort_band=band,
            )
        )
    return rows


def individual_scores(
    data: pd.DataFrame,
    instrument: Instrument | None = None,
    *,
    peers: pd.DataFrame | None = None,
    reliability: pd.Series | Mapping[str, float] | None = None,
    norms: Mapping[str, tuple[float, float, float]] | None = None,
    ci: float = 0.95,
    min_group_size: int = MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """One respondent's scores with an error band, a norm percentile and a coarse cohort band.

    Parameters
    ----------
    data : DataFrame
        A one-row wide table (see :func:`answers_frame`).
    instrument : Instrument, optional
    peers : DataFrame, optional
        Wide table of the *other* respondents of the participant's cohort.
    reliability : Series or mapping, optional
        Reliability per score; default the norms'.
    norms : mapping, optional
        Score -> ``(mean, sd, reliability)`` of the reference sample; default
        the instrument's inline ``norms:`` section (NaN when the instrument
        names a norms file instead: read it with :mod:`survey.norms` and pass
        its values here).
    ci : float, default 0.95
        Confidence level of the band.
    min_group_size : int, default :data:`survey.schema.MIN_GROUP_SIZE`
        See :func:`cohort_band`.

    Returns
    -------
    pandas.DataFrame
        One row per score in :data:`FEEDBACK_SCORES`, columns

        - ``score``: name; ``label``: its label from the instrument.
        - ``estimate``: the respondent's score (NaN if not scorable).
        - ``reliability``, ``sem``: reliability and ``norm_sd * sqrt(1 - reliability)``.
        - ``ci_low``, ``ci_high``: ``estimate -/+ z * sem`` cut to the range.
        - ``lo``, ``hi``: the score's possible range.
        - ``norm_mean``, ``norm_sd``: the reference norms.
        - ``percentile_norm``: ``100 * Phi((estimate - mean) / sd)``.
        - ``cohort_band``: ``"lower"``/``"middle"``/``"upper"`` third of the
          cohort (:func:`cohort_band`), or ``None``.
    """
    inst = instrument if instrument is not None else load_instrument()
    if not isinstance(data, pd.DataFrame) or len(data) != 1:
        raise DataError(
            f"data: expected a DataFrame with exactly one row, got "
            f"{type(data).__name__} of length {len(data)}"
        )
    scorer = respondent_scorer(inst)
    s = scorer.score_frame(data)
    own = {k: v[0] for k, v in s.items()}
    others = scorer.score_frame(peers) if peers is not None and len(peers) else None
    if peers is not None and others is None:
        others = {name: np.empty(0) for name in FEEDBACK_SCORES}
    out = pd.DataFrame(
        score_rows(
            own,
            inst,
            peers=others,
            reliability=reliability,
            norms=norms,
            ci=ci,
            min_group_size=min_group_size,
        )
    )
    out.attrs.update(
        ci=ci,
        z=NormalDist().inv_cdf(0.5 + ci / 2),
        min_group_size=min_group_size,
        norms_source=getattr(inst.norms, "source", None),
    )
    return out


def facet_rows(own: Mapping[str, Any], instrument: Instrument) -> list[dict[str, Any]]:
    """The rows of :func:`facet_profile` as plain dicts, from already computed scores."""
    rows = []
    for f, spec in instrument.facets.items():
        net, soc = (float(own[f"{o}_{f}"]) for o in ORIENTATIONS)
        rows.append(dict(facet=f, label=spec.label, networking=net, socializing=soc, difference=net - soc))
    return rows


def facet_profile(data: pd.DataFrame, instrument: Instrument | None = None) -> pd.DataFrame:
    """Networking and socializing on each facet for one respondent.

    Returns
    -------
    pandas.DataFrame
        One row per facet (instrument order), columns ``facet``, ``label``,
        ``networking``, ``socializing`` (facet means of the keyed items,
        NaN below the facet's answered share) and ``difference``
        (networking minus socializing).
    """
    inst = instrument if instrument is not None else load_instrument()
    s = respondent_scorer(inst).score_frame(data)
    return pd.DataFrame(facet_rows({k: v[0] for k, v in s.items()}, inst))


def attention_result(data: pd.DataFrame, instrument: Instrument | None = None) -> dict[str, Any]:
    """Attention checks of one respondent.

    Returns
    -------
    dict
        ``n_checks`` (answered checks), ``n_failed`` (answered otherwise than
        asked, as :func:`analysis.quality.flag_careless` counts them),
        ``failed`` (bool).
    """
    inst = instrument if instrument is not None else load_instrument()
    s = respondent_scorer(inst).score_frame(data)
    n_failed = int(s["attention_failures"][0])
    return dict(n_checks=int(s["attention_answered"][0]), n_failed=n_failed, failed=n_failed > 0)
