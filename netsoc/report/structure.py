"""Structure before comparison: the CFA of the instrument's model and the
invariance ladder per grouping field."""

from __future__ import annotations

from typing import Any

import pandas as pd

from netsoc.report.study import Study, md_text
from survey.errors import DataError

__all__ = ["INVARIANCE_MIN_N", "ladder", "structure_fit", "structure_ladders", "structure_note",
           "structure_methods"]

#: Fewest analysed respondents per group for an invariance ladder (a two-factor
#: CFA of 32 items per group; with fewer the multi-group fit is unstable).
#: ``min_group_size`` applies too.
INVARIANCE_MIN_N = 100


def _quiet(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a CFA function with its CFAWarning silenced (the report states
    ``converged`` and the problems in words instead)."""
    import warnings

    from analysis.structure import CFAWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CFAWarning)
        return func(*args, **kwargs)


def ladder(study: Study, field: str, values: pd.Series, *,
            min_group_size: int = 5) -> pd.DataFrame | None:
    """The invariance ladder of the instrument's model across ``values``.

    Only groups with at least ``max(min_group_size, INVARIANCE_MIN_N)``
    complete responses (and at least the free parameters of one group's
    model) take part, and "na" (prefer not to say) is never a group; ``None``
    when fewer than two groups qualify.
    """
    from analysis.structure import instrument_model, invariance, invariance_groups

    data, factors = instrument_model(study.included, study.instrument)
    data[field] = values.where(values.astype("string") != "na")
    keep = invariance_groups(data, factors, field,
                             min_n=max(int(min_group_size), INVARIANCE_MIN_N))
    if len(keep) < 2:
        return None
    data = data[data[field].isin(list(keep))].reset_index(drop=True)
    data[field] = data[field].astype(object)
    return _quiet(invariance, data, factors, field)


def structure_fit(study: Study) -> Any:
    """The CFA of the instrument's model (networking and socializing, correlated)
    on the analysed responses; ``None`` when too few are complete."""
    from analysis.structure import cfa, instrument_model

    data, factors = instrument_model(study.included, study.instrument)
    try:
        return _quiet(cfa, data, factors)
    except DataError:
        return None


def structure_ladders(study: Study, *, min_group_size: int = 5) -> dict[str, pd.DataFrame | None]:
    """The invariance ladder for every grouping field of the study (None: too few cases)."""
    return {f: ladder(study, f, study.included[f], min_group_size=min_group_size)
            for f in study.groups if f in study.included.columns}


def structure_note(study: Study, fit: Any, ladders: dict[str, pd.DataFrame | None], *,
                   min_group_size: int = 5) -> str:
    """Markdown: the CFA in one sentence, then one sentence per grouping field
    on whether comparing its means is warranted."""
    from analysis.structure import fit_sentence, invariance_sentence

    minimum = max(int(min_group_size), INVARIANCE_MIN_N)
    if fit is None:
        lines = ["Too few complete responses for a confirmatory factor analysis of the "
                 "instrument's model."]
    else:
        lines = [f"Two correlated factors, networking and socializing: {fit_sentence(fit)} "
                 f"(n = {int(fit.fit.n.iloc[0])} complete responses)."]
        if not fit.converged:
            lines.append("**The solution is not trustworthy:** " + md_text("; ".join(fit.problems))
                         + ".")
    for field, ladder in ladders.items():
        if ladder is None:
            lines.append(f"- **{md_text(field)}**: no invariance ladder - it needs two groups "
                         f"with at least {minimum} complete responses each; compare its means "
                         "with caution.")
        else:
            lines.append(f"- **{md_text(field)}**: " + md_text(invariance_sentence(ladder, field)))
    return "\n".join(lines)


def structure_methods(fit: Any, ladders: dict[str, pd.DataFrame | None]) -> str:
    """The structure sentences of the methods paragraph."""
    from analysis.structure import structure_methods as sentences

    return sentences(fit, ladders)
