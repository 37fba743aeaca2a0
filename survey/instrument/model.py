"""The questionnaire's data model: pydantic models of every section and :class:`Instrument`.

Every model is frozen and refuses unknown keys.  An :class:`Instrument` holds
one language version; :meth:`Instrument.localized` gives the others (built by
:func:`survey.instrument.load.instrument_from_dict`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from survey.errors import InstrumentError

__all__ = [
    "ORIENTATIONS",
    "REQUIRED_SCALES",
    "Consent",
    "ResponseScale",
    "Scale",
    "Facet",
    "Source",
    "Item",
    "AttentionCheck",
    "ChoiceField",
    "TextField",
    "CohortSpec",
    "Comment",
    "Level",
    "Scoring",
    "Profile",
    "Feedback",
    "Norm",
    "Norms",
    "LanguageInfo",
    "LanguageVersions",
    "Instrument",
]

ORIENTATIONS: tuple[str, str] = ("networking", "socializing")
#: Scales the scoring needs; every instrument defines them.
REQUIRED_SCALES = ("networking", "socializing", "intentionality")
_ID = r"^[a-z][a-z0-9_]{0,62}$"
_SEMVER = r"^\d+\.\d+\.\d+$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Consent(_Model):
    id: str = Field("consent", pattern=_ID)
    text: str = Field(min_length=1)
    agree_label: str = "I agree"
    decline_label: str = "No, thanks"


class ResponseScale(_Model):
    label: str
    values: dict[int, str]

    @field_validator("values")
    @classmethod
    def _consecutive(cls, v: dict[int, str]) -> dict[int, str]:
        codes = sorted(v)
        if len(codes) < 2:
            raise ValueError("needs at least two response values")
        if codes != list(range(codes[0], codes[-1] + 1)):
            raise ValueError(f"codes must be consecutive integers, got {codes}")
        return v

    @property
    def min(self) -> int:
        return min(self.values)

    @property
    def max(self) -> int:
        return max(self.values)


class Scale(_Model):
    label: str
    description: str = ""
    min_answered_share: float = Field(0.75, gt=0, le=1)


class Facet(Scale):
    min_answered_share: float = Field(0.5, gt=0, le=1)


class Source(_Model):
    seed: str
    idea: str = Field(min_length=3)

    @field_validator("seed", mode="before")
    @classmethod
    def _seed_as_text(cls, v: Any) -> Any:
        return f"{v:03d}" if isinstance(v, int) else v


class Item(_Model):
    id: str = Field(pattern=_ID)
    text: str = Field(min_length=5)
    scale: str
    facet: str | None = None
    keying: Literal["forward", "reverse"]
    response_scale: str = "agree5"
    required: bool = True
    source: Source


class AttentionCheck(_Model):
    id: str = Field(pattern=_ID)
    text: str = Field(min_length=5)
    expected: int
    response_scale: str = "agree5"
    required: bool = True


class ChoiceField(_Model):
    id: str = Field(pattern=_ID)
    label: str
    type: Literal["choice"]
    options: dict[str, str] = Field(min_length=2)
    required: bool = False


class TextField(_Model):
    id: str = Field(pattern=_ID)
    label: str
    type: Literal["text"]
    max_length: int = Field(200, gt=0, le=10_000)
    pattern: str | None = None
    required: bool = False

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return v


class CohortSpec(_Model):
    label: str = "Workshop code"
    max_length: int = Field(32, gt=0, le=200)
    pattern: str = r"^[A-Za-z0-9_-]{1,32}$"

    def accepts(self, code: object) -> bool:
        """True when ``code`` is a string no longer than ``max_length`` matching ``pattern``."""
        return (
            isinstance(code, str)
            and len(code) <= self.max_length
            and re.fullmatch(self.pattern, code) is not None
        )


class Comment(_Model):
    id: str = Field("comment", pattern=_ID)
    label: str
    max_length: int = Field(1000, gt=0, le=10_000)


class Level(_Model):
    id: str = Field(pattern=_ID)
    label: str
    min: float
    max: float


class Scoring(_Model):
    engagement_levels: list[Level] = Field(min_length=1)
    intentionality_levels: list[Level] = Field(min_length=1)


class Profile(_Model):
    id: str = Field(pattern=_ID)
    label: str
    balance: tuple[float, float]
    engagement: tuple[float, float]
    summary: str
    interpretation: str
    advice: str


class Feedback(_Model):
    orientations: dict[str, str]
    balance: str
    intentionality: dict[str, str]
    attention_warning: str


class Norm(_Model):
    mean: float
    sd: float = Field(gt=0)
    reliability: float = Field(gt=0, lt=1)


class Norms(_Model):
    source: str
    networking: Norm
    socializing: Norm
    balance: Norm
    intentionality: Norm


class LanguageInfo(_Model):
    """Who translated one language version, when, and how far it is reviewed."""

    name: str = Field(min_length=1)
    translator: str = ""
    date: str = ""
    review_status: str = ""

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_text(cls, v: Any) -> Any:
        return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v


class LanguageVersions:
    """The language versions of one loaded instrument, shared by all of them.

    Kept out of equality: two instruments are equal when their fields are.
    """

    def __init__(self) -> None:
        self.by_tag: dict[str, Instrument] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LanguageVersions)

    __hash__ = object.__hash__


class Instrument(_Model):
    """A validated questionnaire in one language.

    Attributes mirror the sections of the YAML file, every text resolved to
    the plain string of :attr:`language`; the helpers below give the views
    that scoring, storage and the form need.  :meth:`localized` gives the
    same instrument in another of its :attr:`languages`.
    """

    id: str = Field(pattern=_ID)
    version: str = Field(pattern=_SEMVER)
    title: str
    description: str = ""
    #: The language of every text of this object (a BCP 47 tag).
    language: str = "en"
    #: The language of plain strings in the file.
    default_language: str = "en"
    #: Every language the file offers, the default first.
    languages: tuple[str, ...] = ("en",)
    #: Tag -> name (endonym), translator, date and review status.
    language_info: dict[str, LanguageInfo] = {}
    #: Fixed words of the form, feedback page and dashboard (key -> text).
    ui: dict[str, str] = {}
    estimated_minutes: int = Field(8, gt=0)
    consent: Consent
    response_scales: dict[str, ResponseScale] = Field(min_length=1)
    scales: dict[str, Scale]
    facets: dict[str, Facet]
    items: list[Item] = Field(min_length=1)
    attention_checks: list[AttentionCheck] = []
    fields: list[ChoiceField | TextField] = []
    cohort: CohortSpec = CohortSpec()
    comment: Comment | None = None
    scoring: Scoring
    profiles: list[Profile] = Field(min_length=1)
    feedback: Feedback
    #: Reference norms inline, or the path of a norms file relative to the
    #: instrument file (see :attr:`norms_path`).
    norms: Norms | str | None = None
    source_path: str | None = None
    _versions: LanguageVersions = PrivateAttr(default_factory=LanguageVersions)

    # -------------------------------------------------------------- languages
    def localized(self, tag: str) -> Instrument:
        """The same instrument with every text in language ``tag``.

        Ids, codes, thresholds and scoring are unchanged; the copies are
        built and validated once when the file is loaded.

        Raises
        ------
        InstrumentError
            ``tag`` is not one of :attr:`languages`.
        """
        versions = self._versions.by_tag
        if tag in versions:
            return versions[tag]
        if tag == self.language:
            return self
        folded = {t.lower(): t for t in versions}
        if isinstance(tag, str) and tag.lower() in folded:
            return versions[folded[tag.lower()]]
        raise InstrumentError(
            f"language {tag!r} is not offered by instrument {self.id!r}; "
            f"it offers {', '.join(self.languages)}"
        )

    @property
    def norms_path(self) -> Path | None:
        """The norms file named by ``norms:`` (relative to the instrument file), if any."""
        if not isinstance(self.norms, str):
            return None
        p = Path(self.norms)
        if not p.is_absolute() and self.source_path:
            p = Path(self.source_path).parent / p
        return p

    # ------------------------------------------------------------------ views
    @property
    def item_ids(self) -> list[str]:
        """Ids of the scored items, in questionnaire order."""
        return [i.id for i in self.items]

    @property
    def attention_ids(self) -> list[str]:
        """Ids of the attention-check items."""
        return [a.id for a in self.attention_checks]

    @property
    def question_ids(self) -> list[str]:
        """Every column holding an integer answer code (items, then checks)."""
        return self.item_ids + self.attention_ids

    @property
    def field_ids(self) -> list[str]:
        """Ids of the grouping / demographic fields."""
        return [f.id for f in self.fields]

    @property
    def choice_fields(self) -> dict[str, ChoiceField]:
        """Choice fields by id."""
        return {f.id: f for f in self.fields if isinstance(f, ChoiceField)}

    def item(self, item_id: str) -> Item | AttentionCheck:
        """The item or attention check with this id."""
        questions: list[Item | AttentionCheck] = [*self.items, *self.attention_checks]
        for q in questions:
            if q.id == item_id:
                return q
        raise KeyError(item_id)

    def scale_items(self, scale: str, facet: str | None = None) -> list[Item]:
        """Items of one scale, optionally restricted to one facet."""
        return [i for i in self.items if i.scale == scale and (facet is None or i.facet == facet)]

    def response_range(self, item_id: str) -> tuple[int, int]:
        """Lowest and highest answer code of an item."""
        rs = self.response_scales[self.item(item_id).response_scale]
        return rs.min, rs.max

    def value_labels(self, variable: str) -> dict[Any, str]:
        """Code -> label for an item, attention check or choice field."""
        if variable in self.choice_fields:
            return dict(self.choice_fields[variable].options)
        return dict(self.response_scales[self.item(variable).response_scale].values)
