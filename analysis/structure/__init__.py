"""Structure before comparison: confirmatory factor analysis and measurement invariance.

:func:`cfa` fits a maximum-likelihood CFA with lavaan 0.6's defaults, and
:func:`invariance` the multi-group ladder, so that the numbers agree with
``lavaan::cfa(model, data, group=, group.equal=)`` (tests/reference/lavaan_cfa.R
holds the reference run).  :func:`instrument_model` builds the instrument's own
model.

Conventions
-----------
Data
    Complete cases over the model's items (and the group): lavaan's listwise
    deletion.  Sample covariances use the divisor ``N`` (not ``N - 1``).
Model
    Simple structure, every factor scaled by its first item (marker loading
    fixed to 1), all factors correlated, diagonal residual covariances.  With
    ``group=``: a mean structure (free intercepts, latent means 0), groups in
    order of first appearance.  ``equal`` sets loadings, intercepts (latent
    means then free in all groups but the first) and residual variances equal
    across groups, like lavaan's ``group.equal``.
Estimation
    ``F = sum_g (N_g / N) [log|Sigma_g| + tr(S_g Sigma_g^-1) - log|S_g| - p
    + (m_g - mu_g)' Sigma_g^-1 (m_g - mu_g)]`` is minimised by Fisher scoring
    with analytic gradients and the expected information, from default
    starting values (first-principal-component loadings scaled to the
    marker, factor covariances from the cross covariances, residual variances
    half the observed variances, intercepts the sample means); iterations stop when a step
    changes ``chi2`` by less than 1e-10 and the predicted further decrease is
    smaller still, far inside ``|delta chi2| < 1e-6``.  Standard errors come
    from the expected information (lavaan's default for complete data):
    ``vcov = (sum_g N_g I_g)^-1``.
Non-convergence and Heywood cases
    No convergence in 500 iterations, a negative residual variance, a factor
    covariance matrix that is not positive definite, or a standardized
    loading beyond 1 give a :class:`CFAWarning` naming the problem and
    ``converged=False``; the numbers are still returned, never silently.
Fit
    ``chi2 = N F`` (likelihood "normal"), ``df`` = moments (``p(p+1)/2`` per
    group, plus ``p`` means when grouped) minus free parameters.  Baseline for
    CFI/TLI: the independence model (free variances; free means per group
    when grouped), ``chi2_b = sum_g N_g (sum log diag S_g - log|S_g|)``.
    ``CFI = 1 - max(chi2 - df, 0) / max(chi2 - df, chi2_b - df_b, 0)``;
    ``TLI = (chi2_b/df_b - chi2/df) / (chi2_b/df_b - 1)``.
    ``RMSEA = sqrt(G) sqrt(max(chi2 - df, 0) / (df N))`` with ``G`` groups; its
    90 % interval inverts the noncentral chi-square cdf in its noncentrality
    (lavaan's ``lav_fit_rmsea_ci``).  SRMR is lavaan's default (Bentler):
    the root mean square of ``(s_ij - sigma_ij) / sqrt(s_ii s_jj)`` over the
    lower triangle with the diagonal, plus ``(m_i - mu_i) / sqrt(s_ii)`` with a
    mean structure, averaged over groups with weights ``N_g / N``.
    ``AIC = -2 logL + 2 npar``, ``BIC = -2 logL + npar log N``, where ``logL``
    is the normal log-likelihood and ``npar`` the free parameters (without
    the saturated means of a one-group model, as lavaan).
Invariance
    configural, metric (loadings), scalar (+ intercepts), strict (+ residual
    variances); the change from the step before with the chi-square
    difference test; a step is *not* supported when CFI drops by 0.010 or
    more together with RMSEA rising by 0.015 or more, or SRMR rising by 0.030
    (metric) or 0.010 (scalar, strict) or more (Chen 2007, sample sizes
    above 300; with small groups the cut-offs are lenient).
    Comparing means is warranted when scalar invariance holds.
Ordinal items (``ordered=True``)
    :func:`polychoric` (lavaan's two-step estimate or psych's),
    ``cfa(..., ordered=True)`` by WLSMV and ``invariance(..., ordered=True)``
    by Wu & Estabrook's (2016) ladder, as lavaan 0.6.14 and semTools 0.5.6
    compute them (see :mod:`analysis.structure.ordinal_cfa` and
    :mod:`analysis.structure.ordinal_invariance`);
    :func:`omega_categorical` (Green & Yang 2009) and :func:`ordinal_alpha`.
"""

from analysis.structure.cfa import FIT_COLUMNS, CFAResult, CFAWarning, cfa
from analysis.structure.invariance import (
    STEPS,
    invariance,
    invariance_groups,
    invariance_level,
    invariance_sentence,
)
from analysis.structure.model import instrument_model
from analysis.structure.ordinal_reliability import omega_categorical, ordinal_alpha
from analysis.structure.polychoric import PolychoricResult, polychoric
from analysis.structure.summary import fit_sentence, structure_methods

__all__ = [
    "cfa",
    "CFAResult",
    "CFAWarning",
    "FIT_COLUMNS",
    "invariance",
    "invariance_groups",
    "invariance_level",
    "fit_sentence",
    "structure_methods",
    "invariance_sentence",
    "instrument_model",
    "STEPS",
    "polychoric",
    "PolychoricResult",
    "omega_categorical",
    "ordinal_alpha",
]
