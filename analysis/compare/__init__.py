"""Group comparisons that a researcher can publish.

Every function takes a pandas table plus column-name keywords and returns a
tidy DataFrame whose columns are listed in its docstring:

- :func:`two_groups` - Welch t, Cohen's d / Hedges' g, Mann-Whitney U.
- :func:`many_groups` - one-way ANOVA (type II SS), Welch's ANOVA, Kruskal-Wallis.
- :func:`posthoc` - Tukey HSD or Games-Howell, one row per pair.
- :func:`crosstab` - chi-square / Fisher's exact test with Cramer's V.
- :func:`regress` - OLS coefficient table, optionally HC3-robust.
- :func:`compare_groups` - outcomes x grouping fields with corrected p values
  and assumption checks.
"""

from __future__ import annotations

from analysis.compare.groups import many_groups, posthoc, two_groups
from analysis.compare.multi import compare_groups
from analysis.compare.tables import crosstab, regress

__all__ = ["two_groups", "many_groups", "posthoc", "crosstab", "regress", "compare_groups"]
