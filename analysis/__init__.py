"""netsoc's researcher side: pure functions, DataFrame in, tidy DataFrame out.

The public functions are importable from here; their modules load lazily, so
``import analysis`` stays fast and pulls in statsmodels only when a comparison
is first used.

=================  ============================================================
scoring            :func:`score`
quality            :func:`flag_careless`, :func:`describe_exclusions`
psychometrics      :func:`cronbach_alpha`, :func:`item_statistics`,
                   :func:`omega_total`, :func:`reliability`
compare            :func:`two_groups`, :func:`many_groups`, :func:`posthoc`,
                   :func:`crosstab`, :func:`regress`, :func:`compare_groups`
summary            :func:`group_means`, :func:`profile_counts`
demo               :func:`make_demo`
structure          :func:`cfa`, :func:`invariance`, :func:`instrument_model`,
                   :func:`polychoric`, :func:`omega_categorical`, :func:`ordinal_alpha`
longitudinal       :func:`longitudinal_invariance`, :func:`retest_reliability`,
                   :func:`paired_change`, :func:`reliable_change`
=================  ============================================================
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "score": "analysis.scoring",
    "flag_careless": "analysis.quality",
    "describe_exclusions": "analysis.quality",
    "cronbach_alpha": "analysis.psychometrics",
    "item_statistics": "analysis.psychometrics",
    "omega_total": "analysis.psychometrics",
    "reliability": "analysis.psychometrics",
    "two_groups": "analysis.compare",
    "many_groups": "analysis.compare",
    "posthoc": "analysis.compare",
    "crosstab": "analysis.compare",
    "regress": "analysis.compare",
    "compare_groups": "analysis.compare",
    "group_means": "analysis.summary",
    "profile_counts": "analysis.summary",
    "make_demo": "analysis.demo",
    "cfa": "analysis.structure",
    "invariance": "analysis.structure",
    "instrument_model": "analysis.structure",
    "polychoric": "analysis.structure",
    "omega_categorical": "analysis.structure",
    "ordinal_alpha": "analysis.structure",
    "longitudinal_invariance": "analysis.longitudinal",
    "retest_reliability": "analysis.longitudinal",
    "paired_change": "analysis.longitudinal",
    "reliable_change": "analysis.longitudinal",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
