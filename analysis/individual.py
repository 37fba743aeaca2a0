"""Numbers for one participant's feedback: scores with error bands and percentiles.

Measurement error
-----------------
Each score gets a band from the classical standard error of measurement,
``sem = sd * sqrt(1 - reliability)``, and ``ci = estimate -/+ z * sem``
(``z`` the normal quantile of the level, 1.96 for 95 %), cut to the score's
range.  ``sd`` is the reference norm's standard deviation from the
instrument's ``norms`` section, and so is ``reliability``: Cronbach's alpha
of the scale in the reference sample the norms come from (see
``norms.source``), as :func:`analysis.psychometrics.reliability` computes it;
for the balance index the classical difference-score reliability.
Percentiles against the norms assume a normal distribution
(``100 * Phi((x - mean) / sd)``); against a cohort they are empirical
(mid-rank, ``scipy.stats.percentileofscore(kind="mean")``) and are given
only when at least :data:`MIN_COHORT` other people of the cohort answered.

Pure functions: DataFrames in, tidy DataFrames out; nothing is printed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from survey.errors import DataError
from survey.instrument import ORIENTATIONS, Instrument, load_instrument

__all__ = [
    "MIN_COHORT",
    "FEEDBACK_SCORES",
    "answers_frame",
    "reference_reliability",
    "individual_scores",
    "facet_profile",
    "attention_result",
]

#: Others in the cohort needed before a cohort percentile is shown.
MIN_COHORT = 5
#: The scores reported, in order.
FEEDBACK_SCORES: tuple[str, ...] = ("networking", "socializing", "balance", "intentionality")


def answers_frame(answers: Mapping[str, Any], instrument: Instrument | None = None) -> pd.DataFrame:
    """One participant's answers dict as a one-row wide table.

    Parameters
    ----------
    answers : mapping
        ``{question id: int code, field id: option code, "comment": text}``;
        other keys (``consent``) are ignored, absent questions are NA.

    Returns
    -------
    pandas.DataFrame
        One row; an ``Int64`` column per item and attention check, an
        ``object`` column per field present.
    """
    inst = instrument if instrument is not None else load_instrument()
    row: dict[str, Any] = {q: [answers.get(q)] for q in inst.question_ids}
    out = pd.DataFrame(row, dtype="object")
    try:
        num = out.astype("Float64")
    except (TypeError, ValueError) as exc:
        raise DataError(f"answers: question codes must be whole numbers ({exc})") from None
    frac = (num.notna() & (num != num.round())).fillna(False).to_numpy().any(axis=0)
    if frac.any():
        bad = [q for q, b in zip(inst.question_ids, frac) if b]
        raise DataError(f"answers: question codes must be whole numbers; got fractions for {bad}")
    out = num.astype("Int64")
    for f in inst.field_ids:
        if f in answers:
            out[f] = [answers[f]]
    return out


def reference_reliability(reference: pd.DataFrame | None = None,
                          instrument: Instrument | None = None) -> pd.Series:
    """Reliability of each feedback score in a reference sample.

    Parameters
    ----------
    reference : DataFrame, optional
        Wide response table to compute them from.  Default: the values stored
        in the instrument's ``norms`` section (computed from the reference
        sample the norms come from; a test recomputes them).
    instrument : Instrument, optional

    Returns
    -------
    pandas.Series
        Indexed by :data:`FEEDBACK_SCORES`: Cronbach's alpha of networking,
        socializing and intentionality, and the difference-score reliability
        of the balance index (:func:`analysis.psychometrics.reliability`).
    """
    from analysis.psychometrics import reliability

    inst = instrument if instrument is not None else load_instrument()
    if reference is None:
        return pd.Series({name: getattr(inst.norms, name).reliability for name in FEEDBACK_SCORES},
                         dtype=float, name="reliability").rename_axis("scale")
    rel = reliability(reference, inst)
    whole = rel[rel["facet"].isna()].set_index("scale")["alpha"]
    return whole.reindex(list(FEEDBACK_SCORES)).astype(float).rename("reliability")


def _range(inst: Instrument, name: str) -> tuple[float, float]:
    if name == "balance":
        return -1.0, 1.0
    lo, hi = inst.response_range(inst.item_ids[0])
    return float(lo), float(hi)


def individual_scores(respondent: pd.DataFrame, instrument: Instrument | None = None, *,
                      cohort: pd.DataFrame | None = None,
                      reliability: pd.Series | Mapping[str, float] | None = None,
                      level: float = 0.95) -> pd.DataFrame:
    """One respondent's scores with an error band and percentiles.

    Parameters
    ----------
    respondent : DataFrame
        A one-row wide table (see :func:`answers_frame`).
    instrument : Instrument, optional
    cohort : DataFrame, optional
        Wide table of the *other* respondents of the participant's cohort.
    reliability : Series or mapping, optional
        Reliability per score; default :func:`reference_reliability`.
    level : float, default 0.95
        Coverage of the band.

    Returns
    -------
    pandas.DataFrame
        One row per score in :data:`FEEDBACK_SCORES`, columns

        - ``score``: name; ``label``: its label from the instrument.
        - ``estimate``: the respondent's score (NA if not scorable).
        - ``reliability``, ``sem``: reliability and ``norm_sd * sqrt(1 - reliability)``.
        - ``ci_low``, ``ci_high``: ``estimate -/+ z * sem`` cut to the range.
        - ``lo``, ``hi``: the score's possible range.
        - ``norm_mean``, ``norm_sd``: the reference norms.
        - ``percentile_norm``: ``100 * Phi((estimate - mean) / sd)``.
        - ``n_cohort``: others in the cohort with this score (0 without a cohort).
        - ``percentile_cohort``: mid-rank percentile among them; NA when
          ``n_cohort`` is below :data:`MIN_COHORT`.
    """
    from analysis.scoring import score

    inst = instrument if instrument is not None else load_instrument()
    if not isinstance(respondent, pd.DataFrame) or len(respondent) != 1:
        raise DataError(f"respondent: expected a DataFrame with exactly one row, got "
                        f"{type(respondent).__name__} of length {len(respondent)}")
    if not 0 < level < 1:
        raise DataError(f"level: expected a probability between 0 and 1, got {level!r}")
    own = score(respondent, inst).iloc[0]
    rel = (reference_reliability(None, inst) if reliability is None
           else pd.Series(reliability, dtype=float))
    others = score(cohort, inst) if cohort is not None and len(cohort) else None
    z = stats.norm.ppf(0.5 + level / 2)
    rows = []
    for name in FEEDBACK_SCORES:
        norm = getattr(inst.norms, name)
        lo, hi = _range(inst, name)
        est = float(own[name]) if pd.notna(own[name]) else np.nan
        r = float(rel.get(name, np.nan))
        sem = norm.sd * np.sqrt(1 - r)
        peers = (others[name].dropna().to_numpy(dtype=float) if others is not None
                 else np.empty(0))
        pct_cohort = (stats.percentileofscore(peers, est, kind="mean")
                      if len(peers) >= MIN_COHORT and not np.isnan(est) else np.nan)
        rows.append(dict(
            score=name,
            label=inst.scales[name].label if name in inst.scales else "Balance",
            estimate=est, reliability=r, sem=sem,
            ci_low=max(lo, est - z * sem), ci_high=min(hi, est + z * sem), lo=lo, hi=hi,
            norm_mean=norm.mean, norm_sd=norm.sd,
            percentile_norm=100 * stats.norm.cdf((est - norm.mean) / norm.sd),
            n_cohort=int(len(peers)), percentile_cohort=pct_cohort,
        ))
    out = pd.DataFrame(rows)
    out.attrs.update(level=level, z=float(z), min_cohort=MIN_COHORT,
                     norms_source=inst.norms.source)
    return out


def facet_profile(respondent: pd.DataFrame, instrument: Instrument | None = None) -> pd.DataFrame:
    """Networking and socializing on each facet for one respondent.

    Returns
    -------
    pandas.DataFrame
        One row per facet (instrument order), columns ``facet``, ``label``,
        ``networking``, ``socializing`` (facet means of the keyed items,
        NA below the facet's answered share) and ``difference``
        (networking minus socializing).
    """
    from analysis.scoring import score

    inst = instrument if instrument is not None else load_instrument()
    s = score(respondent, inst).iloc[0]
    facets = list(inst.facets)
    out = pd.DataFrame({
        "facet": facets,
        "label": [inst.facets[f].label for f in facets],
        **{o: [float(s[f"{o}_{f}"]) for f in facets] for o in ORIENTATIONS},
    })
    out["difference"] = out["networking"] - out["socializing"]
    return out


def attention_result(respondent: pd.DataFrame, instrument: Instrument | None = None) -> dict[str, Any]:
    """Attention checks of one respondent.

    Returns
    -------
    dict
        ``n_checks`` (answered checks), ``n_failed`` (answered otherwise than
        asked, :func:`analysis.quality.flag_careless`), ``failed`` (bool).
    """
    from analysis.quality import flag_careless

    inst = instrument if instrument is not None else load_instrument()
    flags = flag_careless(respondent, inst, max_longstring=None, min_seconds=None)
    n_failed = int(flags["attention_failures"].iloc[0])
    return dict(n_checks=int(flags["attention_answered"].iloc[0]), n_failed=n_failed,
                failed=n_failed > 0)
