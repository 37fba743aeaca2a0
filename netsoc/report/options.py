"""The options of one report run: the one home of their defaults.

:class:`ReportOptions` is what ``netsoc report`` builds from its command line,
what the analysis notebook builds from its parameters (``None`` there means
"the default here"), what :func:`netsoc.report.build_report` and the study
bundle take, and what :class:`netsoc.report.Study` carries.  Its values are
checked once, when it is made.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from survey.errors import DataError
from survey.schema import MIN_GROUP_SIZE

__all__ = [
    "ReportOptions",
    "DEFAULT_GROUPS",
    "DEFAULT_OUTCOMES",
    "EXCLUSION_RULES",
    "CORRECTIONS",
    "MISSING",
    "FORMATS",
    "names",
]

DEFAULT_GROUPS = ("role", "career_stage", "work_mode")
DEFAULT_OUTCOMES = ("balance", "networking", "socializing", "intentionality")
EXCLUSION_RULES = ("any", "all", "none")
CORRECTIONS = ("holm", "fdr_bh", "bonferroni")
#: How the structural models treat missing answers: full-information ML or complete cases.
MISSING = ("ml", "listwise")
FORMATS = ("html", "docx", "pdf")


def names(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``"a, b"`` or ``["a", "b"]`` -> ``("a", "b")`` (papermill passes strings)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return tuple(str(v) for v in value)


@dataclass(frozen=True)
class ReportOptions:
    """Everything that shapes a report besides its data.

    Attributes
    ----------
    group_fields : tuple of str
        Choice fields to compare groups by.
    outcomes : tuple of str
        Score columns to describe and compare.
    exclusion : {"any", "all", "none"}
        Exclude a response when any / all careless-responding flags are raised, or nobody.
    alpha : float
        Significance level.
    correction : {"holm", "fdr_bh", "bonferroni"}
        Adjustment of p values for multiple comparisons.
    min_group_size : int
        Smallest group shown or tested.
    seed : int
        Seed of every random step.
    missing : {"ml", "listwise"}
        Missing answers in the factor models: full-information maximum likelihood
        (every response used) or complete cases only.
    lang : str or None
        Language of the report's labels (profiles, answer levels); None: the
        instrument's default language.
    """

    group_fields: tuple[str, ...] = DEFAULT_GROUPS
    outcomes: tuple[str, ...] = DEFAULT_OUTCOMES
    exclusion: str = "any"
    alpha: float = 0.05
    correction: str = "holm"
    min_group_size: int = MIN_GROUP_SIZE
    seed: int = 2026
    missing: str = "ml"
    lang: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "group_fields", names(self.group_fields))
        set_(self, "outcomes", names(self.outcomes))
        if self.exclusion not in EXCLUSION_RULES:
            raise DataError(f"exclusion: got {self.exclusion!r}; expected one of {list(EXCLUSION_RULES)}")
        try:
            alpha = float(self.alpha)
        except (TypeError, ValueError):
            alpha = float("nan")
        if not 0 < alpha < 1:
            raise DataError(f"alpha: got {self.alpha!r}; expected a significance level between 0 and 1")
        set_(self, "alpha", alpha)
        if self.correction not in CORRECTIONS:
            raise DataError(f"correction: got {self.correction!r}; expected one of {list(CORRECTIONS)}")
        if isinstance(self.min_group_size, bool) or int(self.min_group_size) < 2:
            raise DataError(f"min_group_size: got {self.min_group_size!r}; expected an integer of at least 2")
        set_(self, "min_group_size", int(self.min_group_size))
        set_(self, "seed", int(self.seed))
        if self.missing not in MISSING:
            raise DataError(f"missing: got {self.missing!r}; expected one of {list(MISSING)}")

    @classmethod
    def from_parameters(cls, **values: Any) -> ReportOptions:
        """Options from notebook parameters: ``None`` keeps the default."""
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - fields)
        if unknown:
            raise DataError(f"report options: unknown {unknown}; expected some of {sorted(fields)}")
        return cls(**{k: v for k, v in values.items() if v is not None})

    def replace(self, **changes: Any) -> ReportOptions:
        """A copy with ``changes`` (checked like a new one)."""
        return dataclasses.replace(self, **changes)

    def parameters(self) -> dict[str, Any]:
        """The notebook's parameters (JSON-safe; lists as comma-separated text)."""
        out = dataclasses.asdict(self)
        out["group_fields"] = ", ".join(self.group_fields)
        out["outcomes"] = ", ".join(self.outcomes)
        return out

    def stamped(self) -> dict[str, Any]:
        """The options as the report's stamp records them."""
        out = dataclasses.asdict(self)
        out["group_fields"], out["outcomes"] = list(self.group_fields), list(self.outcomes)
        return out

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> ReportOptions:
        """Options from a mapping with exactly the field names (others are refused)."""
        return cls.from_parameters(**dict(values))
