"""The comparison sample of the feedback page: norms, their description and percentiles.

:func:`reference_for` is the one place that knows where the norms come from.
Today that is the instrument's inline ``norms:`` section (normal
percentiles); when :mod:`survey.norms` provides a norms model (loaded from a
norms YAML with empirical percentiles and their confidence intervals), only
:func:`reference_for` changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, Protocol

from analysis.individual import FEEDBACK_SCORES, per_instrument
from survey.instrument import Instrument, Norms

__all__ = ["Reference", "reference_for", "NormalNorms"]

_PHI = NormalDist().cdf


class PercentileLookup(Protocol):
    def __call__(self, score: str, value: float, low: float, high: float
                 ) -> tuple[float, float, float] | None: ...


@dataclass(frozen=True)
class NormalNorms:
    """Percentiles under a normal model of the reference scores.

    ``lookup(score, value, low, high)`` returns the percentile of ``value``
    and, as its uncertainty, the percentiles of the ends ``low``/``high`` of
    the participant's measurement-error band.
    """

    params: Mapping[str, tuple[float, float]]  # score -> (mean, sd)

    def __call__(self, score: str, value: float, low: float, high: float
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

    def percentile(self, score: str, value: float, low: float, high: float
                   ) -> tuple[float, float, float] | None:
        """Percentile of ``value`` with its interval, or ``None`` without norms."""
        return None if self.lookup is None else self.lookup(score, value, low, high)


def _from_inline(norms: Norms) -> Reference:
    source = norms.source
    m = re.search(r"\bn\s*=\s*([\d,]+)", source)
    params = {name: (getattr(norms, name).mean, getattr(norms, name).sd,
                     getattr(norms, name).reliability) for name in FEEDBACK_SCORES}
    return Reference(
        population=source, n=int(m.group(1).replace(",", "")) if m else None, collected=None,
        synthetic="synthetic" in source.lower(), params=params,
        lookup=NormalNorms({k: (v[0], v[1]) for k, v in params.items()}))


def _build(instrument: Instrument) -> Reference:
    norms: Any = instrument.norms
    if isinstance(norms, Norms):
        return _from_inline(norms)
    # a norms file (survey.norms) plugs in here
    return Reference(population="", n=None, collected=None, synthetic=False)


def reference_for(instrument: Instrument) -> Reference:
    """The cached :class:`Reference` of an instrument."""
    return per_instrument("reference", instrument, _build)
