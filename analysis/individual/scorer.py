"""Scoring one participant fast: :class:`RespondentScorer`, built once per instrument.

Also the inputs of the personal card: one answer dict as a table
(:func:`answers_frame`), the reliabilities a card uses
(:func:`reference_reliability`) and a score's possible range (:func:`score_range`).
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from survey.errors import DataError
from survey.instrument import ORIENTATIONS, Instrument, Norms, load_instrument

__all__ = [
    "COARSE_BINS",
    "BANDS",
    "FEEDBACK_SCORES",
    "per_instrument",
    "RespondentScorer",
    "respondent_scorer",
    "answers_frame",
    "reference_reliability",
    "score_range",
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
        return np.asarray(np.where(cat.codes >= 0, ids[cat.codes], None))

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
