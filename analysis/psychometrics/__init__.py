"""Reliability of scales: Cronbach's alpha, item statistics, omega total.

Conventions follow R's ``psych`` package so that numbers agree with it:

* Missing answers.  By default every statistic is computed from the
  *pairwise-complete* covariance matrix ``C`` (R: ``cov(x, use = "pairwise")``,
  the default of ``psych::alpha``).  ``missing="listwise"`` uses only the
  respondents who answered every item (R: ``use = "complete.obs"``).  Nothing is
  imputed (unlike ``psych::scoreItems``, which imputes item medians by default).
* Raw alpha ``= k/(k-1) * (1 - tr(C)/sum(C))``; standardised alpha uses
  ``R = cov2cor(C)``: ``k/(k-1) * (1 - k/sum(R))``.
* Item-rest correlation (psych ``r.drop``) and alpha if the item is dropped
  (psych ``alpha.drop$raw_alpha``) are computed algebraically from ``C``;
  with ``listwise`` the item is removed from the listwise ``C`` and rows are not
  re-selected.
* The confidence interval of alpha is Feldt's (Feldt, Woodruff & Salih 1987),
  exact F quantiles, as ``psych::alpha.ci``.
* Omega total ``= 1 - sum(1 - lambda^2) / sum(R)`` with ``R`` the pairwise
  correlation matrix and ``lambda`` one-factor minres (unweighted least
  squares) loadings, as ``psych::fa(R, 1, fm = "minres")``.

Input is wide: one row per respondent, one numeric column per item, already
keyed (reverse-keyed items reflected).  :func:`reliability` does the keying for
a whole instrument.

The package's rooms: :mod:`~analysis.psychometrics.items` (shared steps),
:mod:`~analysis.psychometrics.alpha`, :mod:`~analysis.psychometrics.omega` and
:mod:`~analysis.psychometrics.scales` (a whole instrument).  Import from here.
"""

from __future__ import annotations

from analysis.psychometrics.alpha import cronbach_alpha, item_statistics
from analysis.psychometrics.items import feldt_ci
from analysis.psychometrics.omega import minres_loadings, omega_total
from analysis.psychometrics.scales import difference_score_reliability, reliability

__all__ = [
    "cronbach_alpha",
    "item_statistics",
    "omega_total",
    "reliability",
    "difference_score_reliability",
    "minres_loadings",
    "feldt_ci",
]
