"""Longitudinal measurement invariance: does the scale measure the same thing at both waves?

The model has one factor per construct and wave, each wave's items loading only
on their own wave's factor, one residual covariance per item across the two
waves, and all factors correlated: ``semTools::measEq.syntax(ID.fac = "std.lv",
longFacNames =, longIndNames =, auto = 1, long.equal = ...)`` fitted by lavaan.

Continuous items (ML; ``missing="ml"`` for full-information ML)
    ``configural``: first-wave factor variances 1, every loading, residual
    (co)variance and intercept free, latent means 0.  ``metric``: each item's
    loading equal at both waves, second-wave factor variances free.  ``scalar``:
    intercepts equal too, second-wave latent means free (the latent change, in
    first-wave standard deviations).
Ordinal items (``ordered=True``, WLSMV, delta parameterization)
    Wu & Estabrook's (2016) steps with ``ID.cat = "Wu.Estabrook.2016"``, the
    second wave in the place of a second group: ``configural`` (first-wave and
    second-wave factor variances 1, thresholds free, intercepts 0, scale factors
    1), ``thresholds`` (each item's thresholds equal; second-wave intercepts free,
    and scale factors for items with two or more thresholds), ``loadings``
    (second-wave factor variances free), ``intercepts`` (intercepts equal,
    second-wave latent means free).

The model is a :class:`~analysis.structure.general_model.Spec` fitted by
:mod:`analysis.structure.general_fit`; differences are ``lavTestLRT``'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.longitudinal.waves import by_person
from analysis.structure.general_fit import (
    GeneralFit,
    difference,
    estimates,
    fit_fiml,
    fit_ml,
    fit_wlsmv,
    sample_moments,
)
from analysis.structure.general_model import Spec, values
from analysis.structure.inputs import check_factors
from analysis.structure.ladder import CHEN, CHEN_ORDINAL, Step, ladder_table
from analysis.structure.missing_stats import fiml_group
from analysis.structure.ordinal_data import category_levels, recode
from analysis.structure.polychoric import correlation_matrix
from analysis.structure.wlsmv import OrdGroup, group_stats
from survey.errors import DataError

__all__ = ["longitudinal_invariance", "LONGITUDINAL_STEPS", "ORDINAL_STEPS", "MEANS_STEP"]

#: The continuous ladder: what is equal across the waves at each step.
LONGITUDINAL_STEPS: dict[str, tuple[str, ...]] = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
}
#: The ordinal (Wu & Estabrook) ladder.
ORDINAL_STEPS: dict[str, tuple[str, ...]] = {
    "configural": (),
    "thresholds": ("thresholds",),
    "loadings": ("thresholds", "loadings"),
    "intercepts": ("thresholds", "loadings", "intercepts"),
}
#: The step whose latent means are the latent change, per ladder.
MEANS_STEP = {"continuous": "scalar", "ordinal": "intercepts"}


def build_spec(item_counts: Sequence[int], equal: tuple[str, ...], ncat: np.ndarray | None = None) -> Spec:
    """The two-wave model of constructs with ``item_counts`` items each (wave-1 items
    first, construct by construct, then the same at wave 2; factor ``t * C + c``)."""
    m, c = int(sum(item_counts)), len(item_counts)
    spec = Spec.empty(2 * m, 2 * c, None if ncat is None else np.tile(ncat, 2))
    _loadings(spec, np.repeat(np.arange(c), item_counts), equal)
    _factor_covariances(spec, c, equal)
    _residuals(spec, m, ordinal=ncat is not None)
    if ncat is not None:
        _ordinal_blocks(spec, m, c, equal)
    else:
        for i in range(m):
            first = spec.free("nu", (i,))
            spec.free("nu", (m + i,), first if "intercepts" in equal else None)
    if "intercepts" in equal:
        for j in range(c, 2 * c):
            spec.free("alpha", (j,))
    return spec


def _loadings(spec: Spec, construct: np.ndarray, equal: tuple[str, ...]) -> None:
    """Each item loads on its construct's factor at its wave (shared across waves when
    the loadings are equal)."""
    m, c = construct.size, spec.k // 2
    for t in range(2):
        for i in range(m):
            share = t == 1 and "loadings" in equal
            spec.free(
                "lam", (t * m + i, t * c + construct[i]), spec.idx["lam"][i, construct[i]] if share else None
            )


def _factor_covariances(spec: Spec, c: int, equal: tuple[str, ...]) -> None:
    """Every factor covariance free; variances 1, but the second wave's free once the
    loadings are equal."""
    for a in range(2 * c):
        for b in range(a + 1):
            if a != b or (a >= c and "loadings" in equal):
                spec.free("psi", (a, b))
            else:
                spec.fixed["psi"][a, a] = 1.0


def _residuals(spec: Spec, m: int, *, ordinal: bool) -> None:
    """Residual variances (continuous items only) and each item's covariance across waves."""
    for i in range(m):
        if not ordinal:
            spec.free("theta", (i, i))
            spec.free("theta", (m + i, m + i))
        spec.free("theta", (m + i, i))


def _ordinal_blocks(spec: Spec, m: int, c: int, equal: tuple[str, ...]) -> None:
    """Thresholds, intercepts and scale factors of the Wu & Estabrook identification."""
    assert spec.ncat is not None
    nthr = spec.ncat[:m] - 1
    t_first = int(nthr.sum())
    for t in range(t_first):
        spec.free("tau", (t,))
    for t in range(t_first):
        spec.free("tau", (t_first + t,), spec.idx["tau"][t] if "thresholds" in equal else None)
    if "thresholds" not in equal:
        return
    for i in range(m):
        if "intercepts" not in equal:
            spec.free("nu", (m + i,))
        if nthr[i] >= 2 or "intercepts" in equal:
            spec.free("delta", (m + i,))


def start_values(spec: Spec, cov: np.ndarray, mean: np.ndarray | None, factor_of: np.ndarray) -> np.ndarray:
    """Starting values: each factor's first principal component as its loadings (unit
    factor variances), factor covariances the median loading-scaled cross covariance
    (within +-0.9), residual variances what the loadings leave (at least a tenth of the
    item's variance), residual covariances 0, intercepts the means, scale factors 1."""
    x = np.zeros(spec.npar)
    load = np.zeros(spec.p)
    for j in reversed(range(spec.k)):  # the first wave last: shared numbers keep its values
        items = np.flatnonzero(factor_of == j)
        vals, vecs = np.linalg.eigh(cov[np.ix_(items, items)])
        vec = vecs[:, -1] * np.sqrt(max(vals[-1], 1e-6))
        load[items] = vec if vec.sum() >= 0 else -vec
        x[spec.idx["lam"][items, j]] = load[items]
    for a in range(spec.k):
        for b in range(a):
            ia, ib = np.flatnonzero(factor_of == a), np.flatnonzero(factor_of == b)
            ratio = cov[np.ix_(ia, ib)] / np.outer(load[ia], load[ib])
            x[spec.idx["psi"][a, b]] = np.clip(np.median(ratio), -0.9, 0.9)
    for f in np.flatnonzero(np.diag(spec.idx["psi"]) >= 0):
        x[spec.idx["psi"][f, f]] = 1.0
    diag = np.diag(spec.idx["theta"])
    free = diag >= 0
    x[diag[free]] = np.maximum(np.diag(cov) - load**2, 0.1 * np.diag(cov))[free]
    if mean is not None:
        for i in reversed(range(spec.p)):
            if spec.idx["nu"][i] >= 0:
                x[spec.idx["nu"][i]] = mean[i]
    x[spec.idx["delta"][spec.idx["delta"] >= 0]] = 1.0
    return x


def _factor_of(item_counts: Sequence[int]) -> np.ndarray:
    c = len(item_counts)
    one = np.repeat(np.arange(c), item_counts)
    return np.concatenate([one, one + c])


def _wide(
    data: pd.DataFrame, factors: dict[str, list[str]], time: str, subject: str
) -> tuple[np.ndarray, list[str], list]:
    """The people as rows, the items at wave 1 then at wave 2 as columns (NaN missing)."""
    items = [i for f in factors.values() for i in f]
    wide, waves = by_person(data, items, time=time, subject=subject)
    cols = [(t, i) for t in (1, 2) for i in items]
    x = wide.reindex(columns=pd.MultiIndex.from_tuples(cols)).to_numpy(dtype=float, na_value=np.nan)
    return x, [f"{i}@{w}" for w in waves for i in items], waves


def _continuous(x: np.ndarray, names: list[str], counts: list[int], missing: str, steps: dict) -> dict:
    factor_of = _factor_of(counts)
    if missing == "ml":
        grp = fiml_group(x[~np.isnan(x).all(axis=1)], "all", names)
        cov, mean = grp.h1.cov, grp.h1.mean
    else:
        rows = x[~np.isnan(x).any(axis=1)]
        _need(rows.shape[0], names)
        mom = sample_moments(rows, names)
        cov, mean = mom.cov, mom.mean
    fits: dict[str, GeneralFit] = {}
    for step, equal in steps.items():
        spec = build_spec(counts, equal)
        x0 = _warm(spec, fits) if fits else start_values(spec, cov, mean, factor_of)
        last = step == list(steps)[-1]
        fits[step] = fit_fiml(spec, grp, x0, se=last) if missing == "ml" else fit_ml(spec, mom, x0)
    return fits


def _ordinal(x: np.ndarray, names: list[str], counts: list[int], steps: dict) -> dict:
    rows = x[~np.isnan(x).any(axis=1)]
    _need(rows.shape[0], names)
    levels = category_levels(rows, names)
    ncat = np.array([lv.size for lv in levels])
    m = len(names) // 2
    for i in range(m):
        a, b = ncat[i], ncat[m + i]
        if a != b:
            raise DataError(
                f"data: item {names[i].split('@')[0]!r} has {a} categories at one wave and {b} at "
                "the other; equal thresholds need the same categories at both waves (merge rare ones)"
            )
    grp: OrdGroup = group_stats(recode(rows, levels), ncat)
    cors = correlation_matrix(grp.rho, len(names))
    factor_of = _factor_of(counts)
    fits: dict[str, GeneralFit] = {}
    for step, equal in steps.items():
        spec = build_spec(counts, equal, ncat[:m])
        if fits:
            x0 = _warm(spec, fits)
        else:
            x0 = start_values(spec, cors, None, factor_of)
            x0[spec.idx["tau"][::-1]] = grp.sample.flat_thresholds[::-1]  # shared: the first wave's
        fits[step] = fit_wlsmv(spec, grp, x0)
    return fits


def _warm(spec: Spec, fits: dict[str, GeneralFit]) -> np.ndarray:
    """Start a step from the estimates of the step before (the ladder's models are nested:
    a shared parameter starts at the value of its first-wave entry, a newly free one at
    the value it was fixed to)."""
    before = list(fits.values())[-1]
    matrices = values(before.spec, before.x)
    x = np.zeros(spec.npar)
    for block, ids in spec.idx.items():
        free = ids >= 0
        x[ids[free][::-1]] = matrices[block][free][::-1]
    return x


def _need(n: int, names: list[str]) -> None:
    if n < len(names) + 2:
        raise DataError(
            f"data: {n} person(s) answered every item at both waves; expected at least "
            f"{len(names) + 2} (the items at both waves plus two)"
        )


def longitudinal_invariance(
    data: pd.DataFrame,
    factors: Mapping[str, Sequence[str]],
    *,
    time: str,
    subject: str,
    ordered: bool = False,
    missing: str = "listwise",
) -> pd.DataFrame:
    """Fit the longitudinal invariance ladder of ``factors`` across the two waves of ``time``.

    Parameters
    ----------
    data : DataFrame
        Stacked table, one row per person per wave: the (keyed) item columns,
        ``time`` and ``subject``.
    factors : mapping of str to list of str
        ``{construct: [item, ...]}``, each item in one construct, at least 2 items
        each; the same item columns hold both waves' answers.
    time : str
        The wave column: two values, numbers (ascending) or ``pre`` and ``post``.
    subject : str
        The column linking one person's rows (missing: a person seen at one wave).
    ordered : bool
        True: ordinal items, WLSMV and Wu & Estabrook's steps (module docstring).
    missing : {"listwise", "ml"}
        ``"listwise"``: people who answered every item at both waves.  ``"ml"``
        (continuous items only): full-information ML over every person with an
        answer, linked or not.

    Returns
    -------
    DataFrame
        One row per step, index ``step`` (``configural``, ``metric``, ``scalar``;
        ordered: ``configural``, ``thresholds``, ``loadings``, ``intercepts``).
        The columns of :func:`analysis.structure.ladder.ladder_table`, as every
        ladder of the package: ``chi2``, ``df``, ``p`` (the model test; ordered
        also ``chi2_scaled``, ``df_scaled``, ``scaled_p``, the scaled-shifted
        test), ``cfi``, ``tli``, ``rmsea`` (ordered also ``cfi_scaled``,
        ``tli_scaled``, ``rmsea_scaled``), ``srmr``; against the step before, as
        ``lavTestLRT``: ``delta_chi2``, ``delta_df``, ``delta_p`` (plain for ML
        and FIML, scaled-shifted for WLSMV; NaN/NA in the first row);
        ``delta_cfi``, ``delta_rmsea`` (scaled ones when ordered), ``delta_srmr``;
        ``supported`` (Chen 2007, :data:`~analysis.structure.ladder.CHEN` or
        ``CHEN_ORDINAL``; NA for the first row and when a model did not
        converge) and ``converged``.  Unrounded.  ``attrs``: ``rule`` and
        ``cutoffs`` (of the ladder table), ``waves``, ``n`` (people used),
        ``estimator``, ``missing`` and ``latent_change``: a table with one row per
        construct of the last step's second-wave latent mean (``factor``,
        ``estimate``, ``se``, ``z``, ``p``), the change in first-wave standard
        deviations, meaningful only when the last step is supported.

    Raises
    ------
    DataError
        A missing or non-numeric column, bad ``factors``, not exactly two waves, a
        person with two rows in one wave, too few complete people, an ordinal item
        with different categories at the two waves, ``missing="ml"`` with
        ``ordered=True``.

    Examples
    --------
    >>> from analysis import make_demo
    >>> data = make_demo(300, seed=1, waves=True)  # a documented latent change, seeded
    >>> items = {"networking": ["net_purpose_1", "net_purpose_2", "net_context_1", "net_context_2"]}
    >>> ladder = longitudinal_invariance(data, items, time="wave", subject="subject")
    >>> ladder[["df", "delta_df", "supported"]]
                df  delta_df  supported
    step
    configural  15      <NA>       <NA>
    metric      18         3       True
    scalar      21         3       True
    """
    if missing not in ("listwise", "ml"):
        raise DataError(f'missing: got {missing!r}; expected "listwise" or "ml"')
    if ordered and missing != "listwise":
        raise DataError('missing: WLSMV uses complete cases; use missing="listwise" with ordered=True')
    checked = check_factors(data, factors)
    x, names, waves = _wide(data, checked, time, subject)
    counts = [len(v) for v in checked.values()]
    steps = ORDINAL_STEPS if ordered else LONGITUDINAL_STEPS
    fits = _ordinal(x, names, counts, steps) if ordered else _continuous(x, names, counts, missing, steps)
    table = _ladder_table(fits, ordered)
    last = fits[list(steps)[-1]]
    table.attrs.update(
        waves=waves,
        n=int(last.fit["n"].iloc[0]),
        estimator="WLSMV" if ordered else "ML",
        missing=missing,
        latent_change=_latent_change(last, list(checked)),
    )
    return table


def _ladder_table(fits: dict[str, GeneralFit], ordered: bool) -> pd.DataFrame:
    """The step table by :func:`analysis.structure.ladder.ladder_table` (the scaled-shifted
    difference for WLSMV, the plain one for ML and FIML)."""
    steps, previous = [], None
    for name, fit in fits.items():
        diff: tuple[float, int, float] | None = None
        if ordered and previous is not None:
            diff = difference(previous, fit)
        steps.append(Step(name, fit, diff))
        previous = fit
    return ladder_table(steps, CHEN_ORDINAL if ordered else CHEN)


def _latent_change(fit: GeneralFit, constructs: list[str]) -> pd.DataFrame:
    """The second-wave latent means of the last step (first-wave means are 0)."""
    est, se = estimates(fit, "alpha")
    c = len(constructs)
    z = est[c:] / se[c:]
    return pd.DataFrame(
        {
            "factor": constructs,
            "estimate": est[c:],
            "se": se[c:],
            "z": z,
            "p": 2 * stats.norm.sf(np.abs(z)),
        }
    )
