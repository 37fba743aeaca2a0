"""The norms-file model: :class:`NormsFile`, its metadata and one :class:`ScoreNorms` per score.

The format and the vocabulary are described in :mod:`survey.norms`.
"""

from __future__ import annotations

import datetime as dt
import math
from statistics import NormalDist
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from survey.errors import DataError, InstrumentError

__all__ = [
    "FORMAT",
    "SYNTHETIC_NOTE",
    "TOO_SMALL_NOTE",
    "SIGNIFICANT_DIGITS",
    "Percentile",
    "ScoreNorms",
    "NormsMeta",
    "NormsFile",
    "wilson_interval",
]

#: The ``format`` tag every norms file carries.
FORMAT: Literal["netsoc-norms/1"] = "netsoc-norms/1"
#: What synthetic norms are, in words for people.
SYNTHETIC_NOTE = "illustrations, not real norms"
#: What norms below the minimum sample size are, in words for people.
TOO_SMALL_NOTE = "too small: fewer respondents than the minimum for norms"
#: Significant digits of every real number a norms file holds.  Six is far more
#: than a norm from a few hundred people is known to, and far fewer than the
#: 15-16 digits where machines differ (BLAS kernels chosen per CPU change the last
#: one or two), so the same data give the same text on any machine.
SIGNIFICANT_DIGITS = 6


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Percentile(_Model):
    """One row of a percentile table.

    Attributes
    ----------
    p : float
        The percentile (5, 10, ..., 95).
    value : float
        The score at that percentile (R type 7 / numpy ``linear`` quantile).
    low, high : float
        Distribution-free confidence interval of that quantile from order
        statistics (see :func:`analysis.norms.quantile_ci`).
    """

    p: float = Field(gt=0, lt=100)
    value: float
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Percentile:
        if not self.low <= self.value <= self.high:
            raise ValueError(
                f"percentile {self.p}: expected low <= value <= high, "
                f"got {self.low}, {self.value}, {self.high}"
            )
        return self


class ScoreNorms(_Model):
    """The reference distribution of one score.

    Attributes
    ----------
    n : int
        Respondents with this score.
    mean, sd : float
        Mean and standard deviation (``ddof=1``).
    reliability : float or None
        Cronbach's alpha of the score in this sample (for ``balance`` the
        difference-score reliability).
    omega : float or None
        McDonald's omega total (NA for fewer than 3 items and for balance).
    min, max : float
        Smallest and largest score.
    percentiles : list of Percentile
        Increasing ``p``.
    """

    n: int = Field(ge=0)
    mean: float
    sd: float = Field(ge=0)
    reliability: float | None = None
    omega: float | None = None
    min: float
    max: float
    percentiles: list[Percentile] = Field(min_length=1)

    @field_validator("reliability", "omega", mode="before")
    @classmethod
    def _nan_is_none(cls, v: Any) -> Any:
        return None if isinstance(v, float) and math.isnan(v) else v

    @model_validator(mode="after")
    def _monotone(self) -> ScoreNorms:
        ps = [q.p for q in self.percentiles]
        vs = [q.value for q in self.percentiles]
        if ps != sorted(set(ps)):
            raise ValueError(f"percentiles: expected increasing p, got {ps}")
        if vs != sorted(vs) or not (self.min <= vs[0] and vs[-1] <= self.max):
            raise ValueError("percentiles: expected values non-decreasing and within min..max")
        return self


class NormsMeta(_Model):
    """Where a reference sample comes from.

    Attributes
    ----------
    instrument_id, instrument_version : str
        The instrument (and version) the norms were computed for.
    n : int
        Respondents in the norm sample (after exclusions).
    population : str
        Who they are, as a noun phrase after "participants of"
        ("12 career workshops in Berlin").
    collected_from, collected_to : str or None
        First and last submission date (ISO 8601).
    cohort : str or None
        The workshop code the sample was restricted to, if any.
    exclusions : str
        The exclusion rule applied (careless responding).
    n_excluded : int
        Respondents excluded by it.
    synthetic : bool
        True for norms computed from generated data: illustrations, not
        real norms.
    seed : int or None
        The generator's seed, for synthetic norms.
    too_small : bool
        Written with ``n`` below ``min_n`` (``netsoc norms --force``):
        not fit to be used as norms.
    min_n : int
        The minimum sample size that was required.
    ci : float
        Level of every interval in the file.
    percentile_method, ci_method : str
        How percentiles and their intervals were computed.
    created : str
        When the file was written (ISO 8601, UTC).
    software : str
        The program and version that wrote it.
    """

    instrument_id: str
    instrument_version: str
    n: int = Field(ge=0)
    population: str = ""
    collected_from: str | None = None
    collected_to: str | None = None
    cohort: str | None = None
    exclusions: str = "none"
    n_excluded: int = Field(0, ge=0)
    synthetic: bool = False
    seed: int | None = None
    too_small: bool = False
    min_n: int = Field(100, ge=1)
    ci: float = Field(0.95, gt=0, lt=1)
    percentile_method: str = ""
    ci_method: str = ""
    created: str = ""
    software: str = ""

    @field_validator("collected_from", "collected_to", "created", mode="before")
    @classmethod
    def _date_as_text(cls, v: Any) -> Any:
        return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v


def wilson_interval(rank: float, n: int, ci: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a percentile rank (in percent) at sample size ``n``.

    Parameters
    ----------
    rank : float
        Percentile rank, 0..100.
    n : int
        Sample size (> 0).
    ci : float, default 0.95
        Confidence level.

    Returns
    -------
    (low, high) : tuple of float
        In percent.  Example: ``wilson_interval(50, 100)`` is ``(40.38, 59.62)``.
    """
    if n <= 0:
        raise DataError(f"n: expected a positive sample size, got {n}")
    p = min(max(rank / 100.0, 0.0), 1.0)
    z = NormalDist().inv_cdf(1 - (1 - ci) / 2)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return 100 * max(centre - half, 0.0), 100 * min(centre + half, 1.0)


class NormsFile(_Model):
    """A reference sample: metadata and one :class:`ScoreNorms` per score.

    Scores are named as :func:`analysis.score` names them: ``networking``,
    ``socializing``, ``balance``, ``intentionality`` and
    ``<orientation>_<facet>``.
    """

    format: Literal["netsoc-norms/1"] = FORMAT
    meta: NormsMeta
    scores: dict[str, ScoreNorms] = Field(min_length=1)
    source_path: str | None = Field(None, exclude=True)

    # ----------------------------------------------------------- description
    @property
    def n(self) -> int:
        """Respondents in the norm sample."""
        return self.meta.n

    @property
    def synthetic(self) -> bool:
        """True for illustrations from generated data, not real norms."""
        return self.meta.synthetic

    @property
    def collected(self) -> str | None:
        """Collection dates as text (``"2026-01-05 to 2026-03-30"``), if known."""
        a, b = self.meta.collected_from, self.meta.collected_to
        if not a and not b:
            return None
        a, b = (a or b or "")[:10], (b or a or "")[:10]
        return a if a == b else f"{a} to {b}"

    def describe(self) -> str:
        """One line naming the sample, e.g. for the feedback page's small print.

        ``"compared with 1,240 participants of <population>, collected
        2026-01-05 to 2026-03-30"``, followed by ``" - illustrations, not real norms"``
        for synthetic norms and ``" - too small: ..."`` when so marked.
        """
        who = f"participants of {self.meta.population}" if self.meta.population else "participants"
        text = f"compared with {self.n:,} {who}"
        if self.collected:
            text += f", collected {self.collected}"
        if self.synthetic:
            text += f" - {SYNTHETIC_NOTE}"
        if self.meta.too_small:
            text += f" - {TOO_SMALL_NOTE}"
        return text

    # --------------------------------------------------------------- look-ups
    def _score(self, score: str) -> ScoreNorms:
        try:
            return self.scores[score]
        except KeyError:
            raise DataError(
                f"score: {score!r} has no norms; expected one of {', '.join(self.scores)}"
            ) from None

    def rank(self, score: str, value: float) -> float:
        """Percentile rank (0..100) of ``value`` in the reference sample.

        Linear interpolation in the percentile table, mid-rank over ties
        (see the module docstring).  NaN for a missing ``value``.

        Raises
        ------
        DataError
            No norms for ``score``.
        """
        s = self._score(score)
        if value is None or value != value:
            return math.nan
        xs = [s.min] + [q.value for q in s.percentiles] + [s.max]
        ps = [0.0] + [q.p for q in s.percentiles] + [100.0]
        if value < xs[0]:
            return 0.0
        if value > xs[-1]:
            return 100.0
        equal = [p for x, p in zip(xs, ps) if x == value]
        if equal:
            return (min(equal) + max(equal)) / 2
        # xs[i] < value < xs[i + 1], the last point below and the first above
        i = max(j for j, x in enumerate(xs) if x < value)
        x0, x1, p0, p1 = xs[i], xs[i + 1], ps[i], ps[i + 1]
        return p0 + (p1 - p0) * (value - x0) / (x1 - x0)

    def percentile(self, score: str, value: float) -> tuple[float, float, float]:
        """Percentile rank of ``value`` with its interval.

        Parameters
        ----------
        score : str
            A score name (``"balance"``, ``"networking"``, ...).
        value : float
            The participant's score.

        Returns
        -------
        (percentile, low, high) : tuple of float
            Rank (:meth:`rank`) and its Wilson interval at the score's ``n``
            and the file's ``ci``, in percent; all NaN for a missing value.

        Raises
        ------
        DataError
            No norms for ``score``.
        """
        pct = self.rank(score, value)
        if pct != pct:
            return (math.nan, math.nan, math.nan)
        low, high = wilson_interval(pct, self._score(score).n, self.meta.ci)
        return (pct, low, high)

    # ---------------------------------------------------------------- checks
    def check_instrument(self, instrument: Any) -> None:
        """Refuse norms computed for another instrument or version.

        Raises
        ------
        InstrumentError
            ``instrument.id``/``instrument.version`` differ from the norms'.
        """
        got = (self.meta.instrument_id, self.meta.instrument_version)
        want = (instrument.id, instrument.version)
        if got != want:
            where = f"{self.source_path}: " if self.source_path else ""
            raise InstrumentError(
                f"{where}norms are for instrument {got[0]!r} version {got[1]!r}; "
                f"expected {want[0]!r} version {want[1]!r} (compute norms for this version "
                "with netsoc norms)"
            )
