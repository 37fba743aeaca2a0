"""The comparison sample of the feedback page: norms, their description and percentiles.

:func:`reference_for` is the one place that knows where the norms come from:

- a norms file the instrument points at (``norms: <path>``, read by
  :func:`survey.norms.norms_for`): empirical percentile ranks;
- the instrument's inline ``norms:`` section: normal percentiles from mean
  and SD.

The interval shown with a percentile covers the participant's measurement
error: it runs from the percentile of the lower end of the score's band to
that of the upper end.  With a norms file it also covers the norm sample's
size: the ends are the lower / upper Wilson limits of those two percentiles
(:meth:`survey.norms.NormsFile.percentile`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, Protocol

from analysis.individual import FEEDBACK_SCORES, per_instrument
from survey.instrument import Instrument, Norms

__all__ = ["Reference", "reference_for", "NormalNorms", "FileNorms"]

_PHI = NormalDist().cdf


class PercentileLookup(Protocol):
    def __call__(
        self, score: str, value: float, low: float, high: float
    ) -> tuple[float, float, float] | None: ...


@dataclass(frozen=True)
class NormalNorms:
    """Percentiles under a normal model of the reference scores.

    ``lookup(score, value, low, high)`` returns the percentile of ``value``
    and, as its uncertainty, the percentiles of the ends ``low``/``high`` of
    the participant's measurement-error band.
    """

    params: Mapping[str, tuple[float, float]]  # score -> (mean, sd)

    def __call__(
        self, score: str, value: float, low: float, high: float
    ) -> tuple[float, float, float] | None:
        if score not in self.params or value != value:
            return None
        mean, sd = self.params[score]
        return tuple(100 * _PHI((v - mean) / sd) for v in (value, low, high))  # type: ignore[return-value]


@dataclass(frozen=True)
class Reference:
    """What the feedback compares a participant with.

    Attributes
    ----------
    population : str
        Who the sample is ("participants of ...").
    n : int or None
        Sample size, when known.
    collected : str or None
        Collection dates as text, when known.
    synthetic : bool
        The norms are illustrations from generated data, not real norms.
    params : mapping
        Score -> ``(mean, sd, reliability)``, for the measurement-error band.
    lookup : callable
        ``lookup(score, value, low, high) -> (percentile, low, high)`` or ``None``.
    """

    population: str
    n: int | None
    collected: str | None
    synthetic: bool
    params: Mapping[str, tuple[float, float, float]] = field(default_factory=dict)
    lookup: PercentileLookup | None = None

    def percentile(
        self, score: str, value: float, low: float, high: float
    ) -> tuple[float, float, float] | None:
        """Percentile of ``value`` with its interval, or ``None`` without norms."""
        return None if self.lookup is None else self.lookup(score, value, low, high)


def _from_inline(norms: Norms) -> Reference:
    source = norms.source
    m = re.search(r"\bn\s*=\s*([\d,]+)", source)
    params = {
        name: (getattr(norms, name).mean, getattr(norms, name).sd, getattr(norms, name).reliability)
        for name in FEEDBACK_SCORES
    }
    return Reference(
        population=source,
        n=int(m.group(1).replace(",", "")) if m else None,
        collected=None,
        synthetic="synthetic" in source.lower(),
        params=params,
        lookup=NormalNorms({k: (v[0], v[1]) for k, v in params.items()}),
    )


@dataclass(frozen=True)
class FileNorms:
    """Percentiles from a :class:`survey.norms.NormsFile` model (see the module docstring)."""

    model: Any

    def __call__(
        self, score: str, value: float, low: float, high: float
    ) -> tuple[float, float, float] | None:
        if score not in self.model.scores or value != value:
            return None
        pct = self.model.percentile(score, value)[0]
        lo = self.model.percentile(score, low)[1] if low == low else math.nan
        hi = self.model.percentile(score, high)[2] if high == high else math.nan
        return pct, lo, hi


def _from_file(model: Any) -> Reference:
    nan = math.nan
    params = {
        name: (s.mean, s.sd, nan if s.reliability is None else s.reliability)
        for name, s in model.scores.items()
        if name in FEEDBACK_SCORES
    }
    return Reference(
        population=model.meta.population or "",
        n=model.n,
        collected=model.collected,
        synthetic=model.synthetic,
        params=params,
        lookup=FileNorms(model),
    )


def _build(instrument: Instrument) -> Reference:
    norms: Any = instrument.norms
    if isinstance(norms, Norms):
        return _from_inline(norms)
    if isinstance(norms, str):
        from survey.norms import norms_for

        return _from_file(norms_for(instrument))
    return Reference(population="", n=None, collected=None, synthetic=False)


def reference_for(instrument: Instrument) -> Reference:
    """The cached :class:`Reference` of an instrument."""
    return per_instrument("reference", instrument, _build)
