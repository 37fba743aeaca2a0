"""Numbers for one participant's feedback: scores with error bands, percentiles, coarse cohort bands.

Scoring one respondent
----------------------
:class:`RespondentScorer` precomputes, once per instrument, everything
:func:`analysis.scoring.score` derives from the instrument (reverse-keying
mask, a 0/1 item-membership matrix per scale and facet, the minimum number
of answered items, level and profile thresholds, attention-check codes).
Scoring then takes a handful of numpy operations on an answer vector and
gives exactly the values of :func:`analysis.scoring.score` (sums of integer
codes are exact in floating point, and every later step is the same
operation); a test checks this on many random answer vectors.

Measurement error
-----------------
Each score gets a band from the classical standard error of measurement,
``sem = sd * sqrt(1 - reliability)``, and ``estimate -/+ z * sem`` (``z``
the normal quantile of the confidence level ``ci``, 1.96 for 95 %), cut to
the score's range.  ``sd`` is the reference norm's standard deviation from
the instrument's ``norms`` section, and so is ``reliability``: Cronbach's
alpha of the scale in the reference sample the norms come from, as
:func:`analysis.psychometrics.reliability` computes it; for the balance
index the classical difference-score reliability.  Percentiles against the
norms assume a normal distribution (``100 * Phi((x - mean) / sd)``).

Cohort comparison (privacy)
---------------------------
A participant is never given an exact percentile or a count within their
cohort: with a handful of known peers and repeated probe submissions an exact
rank pins down one unknown person's score.  :func:`cohort_band` first
coarsens every score to a grid of :data:`COARSE_BINS` equal bins of the
score's range (whole scale points on a 1-5 scale), then says in which third
of the peers' coarse scores the participant's coarse score lies ("lower",
"middle", "upper"), and only when the cohort, participant included, has at
least ``2 * min_group_size`` responses.  The answer depends on any other
person's score only through the bin it falls in, so no sequence of probes can
locate a score more finely than one bin (``(hi - lo) / COARSE_BINS``).

Pure functions: arrays and DataFrames in, plain values or tidy DataFrames
out; nothing is printed.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable, Mapping
from statistics import NormalDist
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from survey.errors import DataError
from survey.instrument import ORIENTATIONS, Instrument, Norms, load_instrument
from survey.schema import MIN_GROUP_SIZE, check_min_group_size

__all__ = [
    "COARSE_BINS",
    "BANDS",
    "FEEDBACK_SCORES",
    "RespondentScorer",
    "respondent_scorer",
    "per_instrument",
    "score_rows",
    "facet_rows",
    "answers_frame",
    "reference_reliability",
    "score_range",
    "cohort_band",
    "individual_scores",
    "facet_profile",
    "attention_result",
]

#: Bins of a score's range that cohort comparisons coarsen every score to.
COARSE_BINS = 4
#: The cohort bands, lowest first.
BANDS: tuple[str, ...] = ("lower", "middle", "upper")
#: The scores reported, in order.
FEEDBACK_SCORES: tuple[str, ...] = ("networking", "socializing", "balance", "intentionality")

_T = TypeVar("_T")
_CACHE_LOCK = threading.Lock()
_CACHES: dict[tuple[str, int], tuple[weakref.ref, Any]] = {}


def per_instrument(name: str, instrument: Instrument, build: Callable[[Instrument], _T]) -> _T:
    """``build(instrument)``, computed once per instrument object and kept while it lives.

    Instruments are frozen but not hashable, so the cache is keyed by
    identity and entries are dropped when the instrument is collected.
    """
    key = (name, id(instrument))
    hit = _CACHES.get(key)
    if hit is not None and hit[0]() is instrument:
        return hit[1]
    value = build(instrument)
    caches = _CACHES  # bound now: module globals may be gone when the callback runs at exit

    def forget(_ref: weakref.ref, k: tuple[str, int] = key) -> None:
        caches.pop(k, None)

    with _CACHE_LOCK:
        _CACHES[key] = (weakref.ref(instrument, forget), value)
    return value


# ------------------------------------------------------------------ scoring
def _membership(ids: list[str], groups: list[list[str]]) -> np.ndarray:
    col = {iid: j for j, iid in enumerate(ids)}
    m = np.zeros((len(groups), len(ids)))
    for g, members in enumerate(groups):
        m[g, [col[i] for i in members]] = 1.0
    return m


class RespondentScorer:
    """Scores of answer vectors for one instrument, precomputed once.

    Use :func:`respondent_scorer` to get the cached scorer of an instrument.

    Parameters
    ----------
    instrument : Instrument
    """

    def __init__(self, instrument: Instrument) -> None:
        inst = instrument
        self.instrument = inst
        self.item_ids = inst.item_ids
        self.question_ids = inst.question_ids
        self.lo, self.hi = (float(v) for v in inst.response_range(self.item_ids[0]))
        ranges = np.array([inst.response_range(q) for q in self.question_ids], dtype=float)
        self._q_lo, self._q_hi = ranges[:, 0], ranges[:, 1]
        self._n_items = len(self.item_ids)
        self._reverse = np.array([i.keying == "reverse" for i in inst.items])
        # scales then facets (orientation-major), one 0/1 row each
        groups: list[list[str]] = []
        self._names: list[str] = []
        shares: list[float] = []
        for name, spec in inst.scales.items():
            groups.append([i.id for i in inst.scale_items(name)])
            self._names.append(name)
            shares.append(spec.min_answered_share)
        for orient in ORIENTATIONS:
            for facet, spec in inst.facets.items():
                groups.append([i.id for i in inst.scale_items(orient, facet)])
                self._names.append(f"{orient}_{facet}")
                shares.append(spec.min_answered_share)
        self._n_scales = len(inst.scales)
        self._members = _membership(self.item_ids, groups).T.copy()  # items x groups
        sizes = self._members.sum(axis=0)
        self._need = np.ceil(np.array(shares) * sizes - 1e-9)
        self._expected = np.array([c.expected for c in inst.attention_checks], dtype=float)
        self.facets = list(inst.facets)

    # -------------------------------------------------------------- input
    def vector(self, answers: Mapping[str, Any]) -> np.ndarray:
        """One participant's answers as a float vector over :attr:`question_ids`.

        Items first, then attention checks; NaN where not answered.

        Raises
        ------
        DataError
            A code is not a whole number in its scale's range (names the question).
        """
        x = np.full(len(self.question_ids), np.nan)
        for j, qid in enumerate(self.question_ids):
            v = answers.get(qid)
            if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
                continue
            lo, hi = self._q_lo[j], self._q_hi[j]
            try:
                if isinstance(v, (bool, np.bool_)):
                    raise TypeError
                f = float(v)
            except (TypeError, ValueError):
                raise DataError(
                    f"answers: {qid!r} must be a whole-number code {lo:g}..{hi:g}, got {v!r}"
                ) from None
            if not (lo <= f <= hi) or f != math.floor(f):
                raise DataError(f"answers: {qid!r} must be a whole-number code {lo:g}..{hi:g}, got {v!r}")
            x[j] = f
        return x

    def matrix(self, data: pd.DataFrame) -> np.ndarray:
        """The question columns of a wide table as a float matrix (checked codes, NaN missing)."""
        from analysis.scoring import item_matrix

        items = item_matrix(data, self.item_ids, int(self.lo), int(self.hi))
        if not self._expected.size:
            return items
        present = [q for q in self.question_ids[self._n_items :] if q in data.columns]
        checks = np.full((len(data), len(self._expected)), np.nan)
        if present:
            lo, hi = self._q_lo[self._n_items], self._q_hi[self._n_items]
            idx = [self.question_ids.index(q) - self._n_items for q in present]
            checks[:, idx] = item_matrix(data, present, int(lo), int(hi))
        return np.hstack([items, checks])

    # ------------------------------------------------------------- scores
    def scores(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Scores of answer vectors, exactly as :func:`analysis.scoring.score`.

        Parameters
        ----------
        x : ndarray
            ``(n, len(question_ids))`` or one vector; codes, NaN missing.

        Returns
        -------
        dict
            Arrays of length ``n`` under the column names of
            :func:`analysis.scoring.score`; ``engagement_level``,
            ``intentionality_level`` and ``profile`` hold ids or ``None``;
            also ``attention_answered`` and ``attention_failures``.
        """
        x = np.atleast_2d(np.asarray(x, dtype=float))
        items = x[:, : self._n_items]
        keyed = np.where(self._reverse, self.lo + self.hi - items, items)
        answered = ~np.isnan(keyed)
        totals = np.where(answered, keyed, 0.0) @ self._members
        counts = answered.astype(float) @ self._members
        ok = (counts >= self._need) & (counts > 0)
        means = np.full(totals.shape, np.nan)
        np.divide(totals, counts, out=means, where=ok)
        out: dict[str, np.ndarray] = {n: means[:, g] for g, n in enumerate(self._names)}
        net, soc = out["networking"], out["socializing"]
        out["balance"] = (net - soc) / (self.hi - self.lo)
        out["engagement"] = (net + soc) / 2
        scoring = self.instrument.scoring
        out["engagement_level"] = self._levels(out["engagement"], scoring.engagement_levels)
        out["intentionality_level"] = self._levels(out["intentionality"], scoring.intentionality_levels)
        out["profile"] = self._profile(out["balance"], out["engagement"])
        for g, name in enumerate(self._names[: self._n_scales]):
            out[f"n_answered_{name}"] = counts[:, g].astype(np.int64)
        checks = x[:, self._n_items :]
        done = ~np.isnan(checks)
        out["attention_answered"] = done.sum(axis=1)
        out["attention_failures"] = (done & (checks != self._expected)).sum(axis=1)
        return out

    @staticmethod
    def _ids(cat: pd.Categorical) -> np.ndarray:
        ids = np.asarray(cat.categories, dtype=object)
        return np.where(cat.codes >= 0, ids[cat.codes], None)

    def _levels(self, values: np.ndarray, levels: Any) -> np.ndarray:
        from analysis.scoring import assign_levels  # one definition of the [min, max) rule

        return self._ids(assign_levels(values, levels, self.hi))

    def _profile(self, balance: np.ndarray, engagement: np.ndarray) -> np.ndarray:
        from analysis.scoring import assign_profiles

        return self._ids(assign_profiles(balance, engagement, self.instrument, self.hi))

    def score_answers(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Scores of one participant's answers dict (plain floats, ids or ``None``)."""
        s = self.scores(self.vector(answers))
        return {k: (v[0].item() if isinstance(v[0], np.generic) else v[0]) for k, v in s.items()}

    def score_frame(self, data: pd.DataFrame) -> dict[str, np.ndarray]:
        """Scores of every row of a wide table (see :meth:`scores`)."""
        return self.scores(self.matrix(data))


def respondent_scorer(instrument: Instrument | None = None) -> RespondentScorer:
    """The cached :class:`RespondentScorer` of an instrument (built on first use)."""
    inst = instrument if instrument is not None else load_instrument()
    return per_instrument("scorer", inst, RespondentScorer)


# ------------------------------------------------------------------- inputs
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


def reference_reliability(
    reference: pd.DataFrame | None = None, instrument: Instrument | None = None
) -> pd.Series:
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
        if not isinstance(inst.norms, Norms):
            raise DataError(
                "reference: the instrument has no inline norms to take reliabilities "
                "from; pass a reference sample (or read its norms file with "
                "survey.norms)"
            )
        return pd.Series(
            {name: getattr(inst.norms, name).reliability for name in FEEDBACK_SCORES},
            dtype=float,
            name="reliability",
        ).rename_axis("scale")
    rel = reliability(reference, inst)
    whole = rel[rel["facet"].isna()].set_index("scale")["alpha"]
    return whole.reindex(list(FEEDBACK_SCORES)).astype(float).rename("reliability")


def score_range(instrument: Instrument, name: str) -> tuple[float, float]:
    """The possible range of a feedback score (``-1..1`` for balance)."""
    if name == "balance":
        return -1.0, 1.0
    lo, hi = instrument.response_range(instrument.item_ids[0])
    return float(lo), float(hi)


# ----------------------------------------------------------- cohort bands
def _coarse(values: np.ndarray, lo: float, hi: float, bins: int) -> np.ndarray:
    return np.clip(np.floor((values - lo) / (hi - lo) * bins), 0, bins - 1)


def cohort_band(
    value: float,
    peers: np.ndarray,
    lo: float,
    hi: float,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
    bins: int = COARSE_BINS,
) -> str | None:
    """The third of the cohort a score lies in, on coarsened scores.

    Parameters
    ----------
    value : float
        The participant's score.
    peers : array
        The scores of the *other* members of the cohort (NaN ignored).
    lo, hi : float
        The score's possible range.
    min_group_size : int, default :data:`survey.schema.MIN_GROUP_SIZE`
        The comparison needs at least ``2 * min_group_size`` scored members,
        the participant included.
    bins : int, default :data:`COARSE_BINS`
        Equal bins of ``lo..hi`` every score is coarsened to first.

    Returns
    -------
    str or None
        ``"lower"``, ``"middle"`` or ``"upper"``: the mid-rank share of peers
        whose coarse score is below the participant's (ties count half) is
        below 1/3, between 1/3 and 2/3, or above 2/3.  ``None`` when the
        score is missing or the cohort is too small.
    """
    check_min_group_size(min_group_size)
    others = np.asarray(peers, dtype=float)
    others = others[~np.isnan(others)]
    if value is None or np.isnan(value) or len(others) + 1 < 2 * min_group_size:
        return None
    own = _coarse(np.array([value]), lo, hi, bins)[0]
    theirs = _coarse(others, lo, hi, bins)
    share = ((theirs < own).sum() + 0.5 * (theirs == own).sum()) / len(theirs)
    if share < 1 / 3:
        return BANDS[0]
    return BANDS[2] if share > 2 / 3 else BANDS[1]


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
