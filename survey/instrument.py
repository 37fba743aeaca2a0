"""The questionnaire as validated data.

An instrument is a YAML file (``survey/instruments/netsoc.yaml`` by default)
that holds every item, scale, facet, grouping field, scoring threshold,
profile and feedback text.  :func:`load_instrument` reads it with a safe
loader, checks its structure with pydantic and its internal consistency with
:func:`_consistency_problems`, and returns a frozen :class:`Instrument`.

Languages: the file names its ``default_language`` and ``languages``; any
visible text may be a map ``{tag: text}`` (see :mod:`survey.languages`).
The loader checks that every listed language has every text, then builds
and validates one :class:`Instrument` per language whose texts are plain
strings; :func:`load_instrument` returns the default-language one and
:meth:`Instrument.localized` the others.  :func:`negotiate_language` picks a
participant's language.

This is the lowest layer of netsoc: it imports nothing of ours except the
exception types and :mod:`survey.languages`.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from importlib import resources
import re
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from survey.errors import InstrumentError
from survey.languages import (
    is_language_tag,
    match_language,
    parse_accept_language,
    placeholders,
    text_slots,
)

__all__ = [
    "DEFAULT_INSTRUMENT",
    "Instrument",
    "LanguageInfo",
    "load_instrument",
    "negotiate_language",
    "ORIENTATIONS",
]

#: The shipped questionnaire, package data of :mod:`survey` (importlib.resources).
DEFAULT_INSTRUMENT = Path(str(resources.files("survey") / "instruments" / "netsoc.yaml"))
ORIENTATIONS: tuple[str, str] = ("networking", "socializing")
REQUIRED_SCALES = ("networking", "socializing", "intentionality")
MAX_FILE_BYTES = 1_000_000
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
        return (isinstance(code, str) and len(code) <= self.max_length
                and re.fullmatch(self.pattern, code) is not None)


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


class _Versions:
    """The language versions of one loaded instrument, shared by all of them.

    Kept out of equality: two instruments are equal when their fields are.
    """

    def __init__(self) -> None:
        self.by_tag: dict[str, Instrument] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Versions)

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
    _versions: _Versions = PrivateAttr(default_factory=_Versions)

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
            f"it offers {', '.join(self.languages)}")

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
        for q in [*self.items, *self.attention_checks]:
            if q.id == item_id:
                return q
        raise KeyError(item_id)

    def scale_items(self, scale: str, facet: str | None = None) -> list[Item]:
        """Items of one scale, optionally restricted to one facet."""
        return [
            i for i in self.items
            if i.scale == scale and (facet is None or i.facet == facet)
        ]

    def response_range(self, item_id: str) -> tuple[int, int]:
        """Lowest and highest answer code of an item."""
        rs = self.response_scales[self.item(item_id).response_scale]
        return rs.min, rs.max

    def value_labels(self, variable: str) -> dict[Any, str]:
        """Code -> label for an item, attention check or choice field."""
        if variable in self.choice_fields:
            return dict(self.choice_fields[variable].options)
        return dict(self.response_scales[self.item(variable).response_scale].values)

    def codebook(self) -> pd.DataFrame:
        """One row per variable of the wide response table.

        Returns
        -------
        pandas.DataFrame
            Columns ``variable``, ``kind`` (item, attention, field, comment),
            ``text``, ``scale``, ``facet``, ``keying``, ``required``,
            ``value_labels`` (``code=label`` pairs joined by ``; ``),
            ``expected`` (attention checks) and ``source``.
        """
        rows: list[dict[str, Any]] = []

        def labels(d: dict[Any, str]) -> str:
            return "; ".join(f"{k}={v}" for k, v in d.items())

        for i in self.items:
            rows.append(dict(
                variable=i.id, kind="item", text=i.text, scale=i.scale,
                facet=i.facet, keying=i.keying, required=i.required,
                value_labels=labels(self.value_labels(i.id)), expected=None,
                source=f"seed {i.source.seed}: {i.source.idea}",
            ))
        for a in self.attention_checks:
            rows.append(dict(
                variable=a.id, kind="attention", text=a.text, scale=None,
                facet=None, keying=None, required=a.required,
                value_labels=labels(self.value_labels(a.id)), expected=a.expected,
                source=None,
            ))
        for f in self.fields:
            rows.append(dict(
                variable=f.id, kind="field", text=f.label, scale=None, facet=None,
                keying=None, required=f.required,
                value_labels=labels(f.options) if isinstance(f, ChoiceField) else None,
                expected=None, source=None,
            ))
        if self.comment is not None:
            rows.append(dict(
                variable=self.comment.id, kind="comment", text=self.comment.label,
                scale=None, facet=None, keying=None, required=False,
                value_labels=None, expected=None, source=None,
            ))
        out = pd.DataFrame(rows)
        out["expected"] = out["expected"].astype("Int64")
        return out


# ---------------------------------------------------------------- loading
class _NoDuplicateKeys:
    """Refuse a mapping that names one key twice (YAML keeps the last one silently)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict:  # type: ignore[override]
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


class _StrictCLoader(_NoDuplicateKeys, *((yaml.CSafeLoader,) if getattr(yaml, "__with_libyaml__", False)
                                          else (yaml.SafeLoader,))):
    """libyaml's safe loader (10x faster), refusing duplicate keys."""


class _SafeNoAliasLoader(_NoDuplicateKeys, yaml.SafeLoader):
    """A safe loader that refuses anchors/aliases (no alias bombs)."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed in instruments",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def _safe_load(text: str) -> Any:
    """Safe YAML without aliases; libyaml's C parser when present (10x faster)."""
    if not getattr(yaml, "__with_libyaml__", False):
        return yaml.load(text, Loader=_SafeNoAliasLoader)  # noqa: S506 - safe subclass
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed in instruments", event.start_mark)
    return yaml.load(text, Loader=_StrictCLoader)  # noqa: S506 - the safe loader


def _read_yaml(path: Path) -> Any:
    if not path.exists():
        raise InstrumentError(f"{path}: instrument file not found")
    if path.is_dir():
        raise InstrumentError(f"{path}: is a directory, expected a YAML file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InstrumentError(
            f"{path}: file is {size:,} bytes; instruments are limited to {MAX_FILE_BYTES:,}"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InstrumentError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        return _safe_load(text)
    except yaml.YAMLError as exc:
        if "maximum nesting depth" in str(exc):  # libyaml's own limit
            raise InstrumentError(f"{path}: malformed YAML: nested too deeply") from None
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InstrumentError(f"{path}: malformed YAML{where}: {problem}") from None
    except RecursionError:
        raise InstrumentError(f"{path}: malformed YAML: nested too deeply") from None


def _describe_loc(raw: Any, loc: tuple[Any, ...]) -> str:
    """Turn a pydantic location into ``items[3] (id 'x').keying``."""
    parts: list[str] = []
    node = raw
    for part in loc:
        if isinstance(part, int):
            label = f"[{part}]"
            if isinstance(node, list) and part < len(node):
                node = node[part]
                if isinstance(node, dict) and "id" in node:
                    label += f" (id {node['id']!r})"
            parts.append(label)
        else:
            if part in ("ChoiceField", "TextField") or str(part).startswith("function-"):
                continue
            parts.append(("." if parts else "") + str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return "".join(parts) or "<top level>"


def _pydantic_problems(raw: Any, exc: ValidationError) -> list[str]:
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        value = err.get("input")
        shown = "" if err["type"] == "missing" or isinstance(value, (dict, list)) else f" (got {value!r})"
        problems.append(f"{_describe_loc(raw, loc)}: {msg}{shown}")
    return problems


def _tiling_problems(name: str, intervals: list[tuple[str, float, float]],
                     lo: float, hi: float) -> list[str]:
    """Check that [min, max) intervals cover [lo, hi] with no gap or overlap."""
    problems = []
    for iid, a, b in intervals:
        if not a < b:
            problems.append(f"{name} {iid!r}: min {a} must be below max {b}")
    if problems:
        return problems
    ordered = sorted(intervals, key=lambda t: t[1])
    edge = lo
    for iid, a, b in ordered:
        if a > edge + 1e-12:
            problems.append(f"{name}: values from {edge} to {a} are not covered by any level (gap before {iid!r})")
        elif a < edge - 1e-12:
            problems.append(f"{name} {iid!r}: starts at {a}, overlapping the level that ends at {edge}")
        edge = max(edge, b)
    if ordered[0][1] > lo + 1e-12 and not any(a <= lo for _, a, _ in ordered):
        pass  # already reported as a gap
    if edge < hi - 1e-12:
        problems.append(f"{name}: values from {edge} to {hi} are not covered by any level")
    return problems


def _profile_problems(inst: Instrument, emin: float, emax: float) -> list[str]:
    """Profiles must tile balance [-1, 1] x engagement [emin, emax]."""
    problems = []
    for p in inst.profiles:
        (b0, b1), (e0, e1) = p.balance, p.engagement
        if not (b0 < b1 and e0 < e1):
            problems.append(f"profiles {p.id!r}: each range needs min below max, got balance {list(p.balance)}, engagement {list(p.engagement)}")
        if b0 < -1 or b1 > 1:
            problems.append(f"profiles {p.id!r}: balance range {list(p.balance)} lies outside [-1, 1]")
        if e0 < emin or e1 > emax:
            problems.append(f"profiles {p.id!r}: engagement range {list(p.engagement)} lies outside [{emin}, {emax}]")
    if problems:
        return problems
    bs = sorted({-1.0, 1.0, *(v for p in inst.profiles for v in p.balance)})
    es = sorted({emin, emax, *(v for p in inst.profiles for v in p.engagement)})
    for b0, b1 in zip(bs, bs[1:]):
        for e0, e1 in zip(es, es[1:]):
            bm, em = (b0 + b1) / 2, (e0 + e1) / 2
            hits = [p.id for p in inst.profiles
                    if p.balance[0] <= bm < p.balance[1] and p.engagement[0] <= em < p.engagement[1]]
            if not hits:
                problems.append(f"profiles: no profile covers balance {b0}..{b1} with engagement {e0}..{e1} (a gap)")
            elif len(hits) > 1:
                problems.append(f"profiles: {hits} overlap at balance {b0}..{b1}, engagement {e0}..{e1}")
    return problems


def _consistency_problems(inst: Instrument) -> list[str]:
    problems: list[str] = []
    seen: dict[str, str] = {}
    every = [("items", q.id) for q in inst.items]
    every += [("attention_checks", q.id) for q in inst.attention_checks]
    every += [("fields", f.id) for f in inst.fields]
    every += [("consent", inst.consent.id)]
    if inst.comment is not None:
        every.append(("comment", inst.comment.id))
    for section, qid in every:
        if qid in seen:
            problems.append(f"{section}: duplicate id {qid!r} (already used in {seen[qid]})")
        seen.setdefault(qid, section)
    reserved = {"respondent_id", "instrument_id", "instrument_version", "started_at",
                "submitted_at", "status", "note", "cohort", "language"}
    for section, qid in every:
        if qid in reserved:
            problems.append(f"{section}: id {qid!r} is reserved for response metadata")

    for s in REQUIRED_SCALES:
        if s not in inst.scales:
            problems.append(f"scales: the {s!r} scale is required by scoring but not defined")
    for q in inst.items:
        if q.scale not in inst.scales:
            problems.append(f"items (id {q.id!r}): scale {q.scale!r} is not defined in scales (defined: {sorted(inst.scales)})")
        if q.facet is not None and q.facet not in inst.facets:
            problems.append(f"items (id {q.id!r}): facet {q.facet!r} is not defined in facets (defined: {sorted(inst.facets)})")
        if q.scale in ORIENTATIONS and q.facet is None:
            problems.append(f"items (id {q.id!r}): {q.scale} items need a facet")
    for q in [*inst.items, *inst.attention_checks]:
        if q.response_scale not in inst.response_scales:
            problems.append(f"{'items' if isinstance(q, Item) else 'attention_checks'} (id {q.id!r}): response_scale {q.response_scale!r} is not defined in response_scales")
    for a in inst.attention_checks:
        rs = inst.response_scales.get(a.response_scale)
        if rs is not None and a.expected not in rs.values:
            problems.append(f"attention_checks (id {a.id!r}): expected answer {a.expected} is outside the response values {sorted(rs.values)}")
    for s in inst.scales:
        if not inst.scale_items(s):
            problems.append(f"scales {s!r}: no item measures this scale")
    for orient in ORIENTATIONS:
        for f in inst.facets:
            if orient in inst.scales and not inst.scale_items(orient, f):
                problems.append(f"facets {f!r}: has no {orient} item")
    if problems:
        return problems

    ranges = {(inst.response_scales[q.response_scale].min, inst.response_scales[q.response_scale].max)
              for q in inst.items}
    if len(ranges) > 1:
        return [f"items: scored items must share one response range, found {sorted(ranges)}"]
    (lo, hi), = ranges
    problems += _tiling_problems(
        "scoring.engagement_levels",
        [(lv.id, lv.min, lv.max) for lv in inst.scoring.engagement_levels], lo, hi)
    problems += _tiling_problems(
        "scoring.intentionality_levels",
        [(lv.id, lv.min, lv.max) for lv in inst.scoring.intentionality_levels], lo, hi)
    problems += _profile_problems(inst, lo, hi)
    ids = [p.id for p in inst.profiles]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"profiles: duplicate id {dup!r}")
    want = {lv.id for lv in inst.scoring.intentionality_levels}
    if set(inst.feedback.intentionality) != want:
        problems.append(f"feedback.intentionality: needs a text for each level {sorted(want)}, got {sorted(inst.feedback.intentionality)}")
    if set(inst.feedback.orientations) != set(ORIENTATIONS):
        problems.append(f"feedback.orientations: needs texts for {list(ORIENTATIONS)}, got {sorted(inst.feedback.orientations)}")
    if isinstance(inst.norms, Norms):
        for name in ("networking", "socializing", "intentionality"):
            n = getattr(inst.norms, name)
            if not (lo <= n.mean <= hi):
                problems.append(f"norms.{name}: mean {n.mean} lies outside the response range {lo}..{hi}")
        if not (-1 <= inst.norms.balance.mean <= 1):
            problems.append(f"norms.balance: mean {inst.norms.balance.mean} lies outside [-1, 1]")
    return problems


@functools.lru_cache(maxsize=1)
def _shipped_ui() -> dict[str, Any]:
    """The ``ui:`` section of the shipped questionnaire (fallback for other files)."""
    raw = _read_yaml(DEFAULT_INSTRUMENT)
    ui = raw.get("ui") if isinstance(raw, dict) else None
    return dict(ui) if isinstance(ui, dict) else {}


def _with_shipped_ui(raw: dict[str, Any], origin: str) -> dict[str, Any]:
    """Fill UI words the file does not define from the shipped questionnaire.

    Only the texts in languages the file lists are taken, so a file in
    another language still has to give its own UI words.
    """
    ui = raw.get("ui")
    if (ui is not None and not isinstance(ui, dict)) or Path(origin) == DEFAULT_INSTRUMENT:
        return raw
    listed = raw.get("languages")
    tags = set(listed) if isinstance(listed, dict) else {raw.get("default_language",
                                                              raw.get("language", "en"))}
    shipped = {key: ({t: v for t, v in text.items() if t in tags} if isinstance(text, dict) else text)
               for key, text in _shipped_ui().items() if key not in (ui or {})}
    raw["ui"] = {**shipped, **(ui or {})}
    return raw


def _language_problems(raw: dict[str, Any]
                       ) -> tuple[str, tuple[str, ...], dict[str, LanguageInfo], list[str]]:
    """Check ``default_language``, ``languages`` and every translatable text.

    Returns
    -------
    (default, tags, info, problems)
        ``info`` maps each listed tag to its metadata.
    """
    problems: list[str] = []
    default = raw.get("default_language", raw.get("language", "en"))
    if not is_language_tag(default):
        problems.append(f"default_language: {default!r} is not a BCP 47 language tag "
                        "(expected e.g. 'en', 'de' or 'pt-BR')")
        default = "en"
    listed = raw.get("languages")
    if listed is None:
        listed = {default: {"name": default}}
    if not isinstance(listed, dict) or not listed:
        problems.append("languages: expected a mapping of language tags to "
                        "{name, translator, date, review_status}")
        listed = {default: {"name": default}}
    info: dict[str, LanguageInfo] = {}
    for tag, meta in listed.items():
        if not is_language_tag(tag):
            problems.append(f"languages: {tag!r} is not a BCP 47 language tag "
                            "(expected e.g. 'en', 'de' or 'pt-BR')")
        try:
            info[tag] = LanguageInfo.model_validate(meta)
        except ValidationError as exc:
            info[tag] = LanguageInfo.model_construct(name=str(tag))
            problems += [f"languages.{tag}.{p}".replace(".<top level>", "")
                         for p in _pydantic_problems(meta, exc)]
    if default not in listed:
        problems.append(f"languages: the default language {default!r} is not listed "
                        f"(listed: {', '.join(map(str, listed))})")
    tags = (default, *(t for t in listed if t != default and is_language_tag(t)))
    names = {t: (v.get("name") if isinstance(v, dict) else None) or t for t, v in listed.items()}
    for slot in text_slots(raw):
        value = slot.value
        if isinstance(value, str):
            missing = [t for t in tags if t != default]
        elif isinstance(value, dict):
            for t in value:
                if not is_language_tag(t):
                    problems.append(f"{slot.id}: {t!r} is not a BCP 47 language tag "
                                    "(expected e.g. 'en', 'de' or 'pt-BR')")
                elif t not in listed:
                    problems.append(f"{slot.id}: has a text in {t!r}, which is not listed in "
                                    f"languages (listed: {', '.join(tags)})")
            missing = [t for t in tags if not (isinstance(value.get(t), str) and value[t].strip())]
        else:
            continue  # not text at all: the structure check reports it
        for t in missing:
            problems.append(f"{slot.id}: no text in {t!r} ({names.get(t, t)})")
        if slot.id.startswith("ui.") and isinstance(value, dict) and default in value \
                and isinstance(value[default], str):
            try:
                want = placeholders(value[default])
                for t in tags:
                    if isinstance(value.get(t), str) and placeholders(value[t]) != want:
                        problems.append(
                            f"{slot.id}: the {t!r} text has placeholders "
                            f"{sorted(placeholders(value[t]))}, the {default!r} text {sorted(want)}")
            except ValueError as exc:
                problems.append(f"{slot.id}: unbalanced braces ({exc})")
    return default, tags, info, problems


def _resolved(raw: dict[str, Any], tag: str, default: str) -> dict[str, Any]:
    """A copy of ``raw`` with every text map replaced by its ``tag`` text."""
    out = copy.deepcopy(raw)
    for slot in text_slots(out):
        value = slot.value
        if isinstance(value, dict) and (tag in value or default in value):
            slot.container[slot.key] = value.get(tag, value.get(default))
    return out


def instrument_from_dict(raw: Any, *, origin: str = "<instrument>") -> Instrument:
    """Validate an already parsed instrument mapping.

    Parameters
    ----------
    raw : dict
        The parsed YAML document.
    origin : str
        Name used in error messages (usually the file path).

    Raises
    ------
    InstrumentError
        Listing every structural or consistency problem found.
    """
    if not isinstance(raw, dict):
        raise InstrumentError(
            f"{origin}: expected a mapping of sections at the top level, got {type(raw).__name__}")
    raw = _with_shipped_ui(dict(raw), origin)
    default, tags, listed, language_problems = _language_problems(raw)
    raw.pop("language", None)
    raw.pop("languages", None)
    raw["default_language"] = default
    info = {t: listed[t] for t in tags if t in listed}
    versions = _Versions()
    for tag in tags:
        data = {**_resolved(raw, tag, default), "language": tag, "languages": tags,
                "language_info": info, "source_path": origin}
        try:
            inst = Instrument.model_validate(data)
        except ValidationError as exc:
            problems = language_problems + _pydantic_problems(raw, exc)
            where = "" if tag == default else f" (the {tag!r} version)"
            raise InstrumentError(
                f"{origin}: {len(problems)} problem(s) in the instrument{where}", problems) from None
        if tag == default:
            problems = language_problems + _consistency_problems(inst)
            if problems:
                raise InstrumentError(f"{origin}: {len(problems)} problem(s) in the instrument",
                                      problems)
        inst._versions = versions
        versions.by_tag[tag] = inst
    return versions.by_tag[default]


def negotiate_language(instrument: Instrument, requested: str | None = None,
                       accept_language: str | None = None) -> str:
    """The language to show a participant.

    Parameters
    ----------
    instrument : Instrument
    requested : str, optional
        An explicit choice (``?lang=xx`` in the page address); ignored when
        the instrument does not offer it.
    accept_language : str, optional
        The browser's ``Accept-Language`` header (``q`` weights honoured).

    Returns
    -------
    str
        One of ``instrument.languages``: the requested one, else the
        browser's most preferred offered one (``de-CH`` is served by ``de``),
        else ``instrument.default_language``.
    """
    offered = instrument.languages
    hit = match_language(requested, offered)
    if hit is not None:
        return hit
    for wanted in parse_accept_language(accept_language):
        if wanted == "*":
            return instrument.default_language
        hit = match_language(wanted, offered)
        if hit is not None:
            return hit
    return instrument.default_language


@functools.lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int, size: int) -> Instrument:
    p = Path(path)
    return instrument_from_dict(_read_yaml(p), origin=str(p))


def load_instrument(path: str | Path | None = None) -> Instrument:
    """Load and validate a questionnaire definition.

    Parameters
    ----------
    path : str or Path, optional
        A YAML instrument file.  Default: the shipped ``netsoc.yaml``.

    Returns
    -------
    Instrument
        The validated, immutable instrument.

    Raises
    ------
    InstrumentError
        The file is missing, is not safe YAML, or is inconsistent; the message
        names the file, the item and the problem.
    """
    p = Path(path) if path is not None else DEFAULT_INSTRUMENT
    if not p.exists():
        raise InstrumentError(f"{p}: instrument file not found")
    st = p.stat()
    return _load_cached(str(p), st.st_mtime_ns, st.st_size)

