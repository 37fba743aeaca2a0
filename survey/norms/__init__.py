"""Reference norms: the model of a norms file, its YAML form and percentile look-ups.

A norms file describes one reference sample of one instrument version:

.. code-block:: yaml

    format: netsoc-norms/1
    meta:
      instrument_id: netsoc
      instrument_version: 1.0.0
      n: 600                       # respondents after exclusions
      population: a synthetic demo sample (analysis.make_demo, seed 2026)
      collected_from: 2026-01-05   # min / max submitted_at
      collected_to: 2026-03-30
      exclusions: "careless responding: exclude if any of ..."
      n_excluded: 12
      synthetic: true              # illustrations, not real norms
      seed: 2026
      ci: 0.95
      percentile_method: ...
      ci_method: ...
      created: ...
      software: netsoc 0.1.0
    scores:
      balance:
        n: 598
        mean: 0.08
        sd: 0.22
        reliability: 0.90          # alpha (difference-score reliability for balance)
        omega: null
        min: -0.6
        max: 0.7
        percentiles:
          - {p: 5, value: -0.28, low: -0.31, high: -0.25}
          ...

:func:`load_norms` reads and validates one; :func:`dump_norms` writes one,
with every real number rounded to :data:`SIGNIFICANT_DIGITS` (6) significant
digits: a norm from a few hundred people is not known to more, and the last of
16 digits differs between machines (numpy's BLAS kernels are chosen per CPU), so
the same data and seed give the same file everywhere;
:meth:`NormsFile.percentile` gives a participant's percentile rank in the
reference sample with its 95 % interval; :func:`norms_for` loads (cached) the
norms file an instrument points at.

Percentile rank and its interval
--------------------------------
The rank of a value ``x`` is read off the stored percentile table by linear
interpolation between the points ``(min, 0), (q5, 5), ..., (q95, 95),
(max, 100)``.  Where several percentiles share the value ``x`` (discrete
scores tie), the rank is the middle of their range (the mid-rank
convention); below ``min`` it is 0, above ``max`` 100.

The interval is the Wilson score interval of that proportion at the norm
sample's size ``n`` (Wilson 1927; Newcombe 1998, method 3)::

    p = rank / 100, z = Phi^-1(1 - (1 - ci) / 2)
    centre = (p + z^2 / (2n)) / (1 + z^2 / n)
    half   = z * sqrt(p (1 - p) / n + z^2 / (4 n^2)) / (1 + z^2 / n)

Hand-worked: rank 50 in a sample of n = 100, ci = 0.95 (z = 1.959964):
centre = 0.5, half = 1.959964 * sqrt(0.0025 + 0.00009604) / 1.038415 =
0.09617, so 50 (40.4 to 59.6).  It is the sampling uncertainty of the
reference sample's proportion below ``x``; it does not include the
participant's own measurement error.

This module is part of the lowest layer: it imports only :mod:`survey`.

The package's rooms: :mod:`~survey.norms.model` (the model) and
:mod:`~survey.norms.files` (reading and writing).  Import from here.
"""

from __future__ import annotations

from survey.norms.files import dump_norms, load_norms, norms_for, norms_from_dict, round_significant
from survey.norms.model import (
    FORMAT,
    SIGNIFICANT_DIGITS,
    SYNTHETIC_NOTE,
    TOO_SMALL_NOTE,
    NormsFile,
    NormsMeta,
    Percentile,
    ScoreNorms,
    wilson_interval,
)

__all__ = [
    "FORMAT",
    "SYNTHETIC_NOTE",
    "TOO_SMALL_NOTE",
    "SIGNIFICANT_DIGITS",
    "Percentile",
    "ScoreNorms",
    "NormsMeta",
    "NormsFile",
    "norms_from_dict",
    "load_norms",
    "dump_norms",
    "round_significant",
    "norms_for",
    "wilson_interval",
]
