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

The package's rooms: :mod:`~analysis.individual.scorer` (scoring one
participant, the card's inputs), :mod:`~analysis.individual.bands` (workshop
bands) and :mod:`~analysis.individual.card` (the card).  Import from here.
"""

from __future__ import annotations

from analysis.individual.bands import cohort_band
from analysis.individual.card import (
    attention_result,
    facet_profile,
    facet_rows,
    individual_scores,
    score_rows,
)
from analysis.individual.scorer import (
    BANDS,
    COARSE_BINS,
    FEEDBACK_SCORES,
    RespondentScorer,
    answers_frame,
    per_instrument,
    reference_reliability,
    respondent_scorer,
    score_range,
)

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
