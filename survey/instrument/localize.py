"""The languages of an instrument: checking every text, resolving one language, negotiating.

A file names its ``default_language`` and ``languages``; any visible text may
be a map ``{tag: text}`` (see :mod:`survey.languages`).  :func:`language_problems`
checks that every listed language has every text with the same placeholders,
:func:`resolved` gives the file with the texts of one language, and
:func:`negotiate_language` picks a participant's language.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from survey.errors import pydantic_problems
from survey.instrument.model import Instrument, LanguageInfo
from survey.instrument.reading import DEFAULT_INSTRUMENT, read_yaml
from survey.languages import (
    TextSlot,
    is_language_tag,
    match_language,
    parse_accept_language,
    placeholders,
    text_slots,
)

__all__ = ["shipped_ui", "with_shipped_ui", "language_problems", "resolved", "negotiate_language"]


@functools.lru_cache(maxsize=1)
def shipped_ui() -> dict[str, Any]:
    """The ``ui:`` section of the shipped questionnaire (fallback for other files)."""
    raw = read_yaml(DEFAULT_INSTRUMENT)
    ui = raw.get("ui") if isinstance(raw, dict) else None
    return dict(ui) if isinstance(ui, dict) else {}


def with_shipped_ui(raw: dict[str, Any], origin: str) -> dict[str, Any]:
    """Fill UI words the file does not define from the shipped questionnaire.

    Only the texts in languages the file lists are taken, so a file in
    another language still has to give its own UI words.
    """
    ui = raw.get("ui")
    if (ui is not None and not isinstance(ui, dict)) or Path(origin) == DEFAULT_INSTRUMENT:
        return raw
    listed = raw.get("languages")
    tags = (
        set(listed) if isinstance(listed, dict) else {raw.get("default_language", raw.get("language", "en"))}
    )
    shipped = {
        key: ({t: v for t, v in text.items() if t in tags} if isinstance(text, dict) else text)
        for key, text in shipped_ui().items()
        if key not in (ui or {})
    }
    raw["ui"] = {**shipped, **(ui or {})}
    return raw


def language_problems(raw: dict[str, Any]) -> tuple[str, tuple[str, ...], dict[str, LanguageInfo], list[str]]:
    """Check ``default_language``, ``languages`` and every translatable text.

    Returns
    -------
    (default, tags, info, problems)
        ``info`` maps each listed tag to its metadata.
    """
    default, listed, problems = _declared_languages(raw)
    info: dict[str, LanguageInfo] = {}
    for tag, meta in listed.items():
        info[tag], found = _language_info(tag, meta)
        problems += found
    if default not in listed:
        problems.append(
            f"languages: the default language {default!r} is not listed "
            f"(listed: {', '.join(map(str, listed))})"
        )
    tags = (default, *(t for t in listed if t != default and is_language_tag(t)))
    names = {t: (v.get("name") if isinstance(v, dict) else None) or t for t, v in listed.items()}
    for slot in text_slots(raw):
        problems += _slot_problems(slot, default, tags, listed, names)
    return default, tags, info, problems


def _not_a_tag(where: str, tag: Any) -> str:
    return f"{where}: {tag!r} is not a BCP 47 language tag (expected e.g. 'en', 'de' or 'pt-BR')"


def _declared_languages(raw: dict[str, Any]) -> tuple[str, dict[Any, Any], list[str]]:
    """The default tag and the ``languages`` mapping (one entry for the default when absent or wrong)."""
    problems: list[str] = []
    default = raw.get("default_language", raw.get("language", "en"))
    if not is_language_tag(default):
        problems.append(_not_a_tag("default_language", default))
        default = "en"
    listed = raw.get("languages")
    if listed is None:
        listed = {default: {"name": default}}
    if not isinstance(listed, dict) or not listed:
        problems.append(
            "languages: expected a mapping of language tags to {name, translator, date, review_status}"
        )
        listed = {default: {"name": default}}
    return default, listed, problems


def _language_info(tag: Any, meta: Any) -> tuple[LanguageInfo, list[str]]:
    """One listed language's metadata (just its name when the entry is wrong) and its problems."""
    problems = [] if is_language_tag(tag) else [_not_a_tag("languages", tag)]
    try:
        return LanguageInfo.model_validate(meta), problems
    except ValidationError as exc:
        problems += [f"languages.{tag}.{p}".replace(".<top level>", "") for p in pydantic_problems(meta, exc)]
        return LanguageInfo.model_construct(name=str(tag)), problems


def _slot_problems(
    slot: TextSlot, default: str, tags: tuple[str, ...], listed: dict[Any, Any], names: dict[Any, str]
) -> list[str]:
    """One text's problems: tags that are wrong or not listed, missing texts, mismatched placeholders."""
    value = slot.value
    if isinstance(value, str):
        return [f"{slot.id}: no text in {t!r} ({names.get(t, t)})" for t in tags if t != default]
    if not isinstance(value, dict):
        return []  # not text at all: the structure check reports it
    problems = []
    for t in value:
        if not is_language_tag(t):
            problems.append(_not_a_tag(slot.id, t))
        elif t not in listed:
            problems.append(
                f"{slot.id}: has a text in {t!r}, which is not listed in "
                f"languages (listed: {', '.join(tags)})"
            )
    problems += [
        f"{slot.id}: no text in {t!r} ({names.get(t, t)})"
        for t in tags
        if not (isinstance(value.get(t), str) and value[t].strip())
    ]
    if slot.id.startswith("ui.") and isinstance(value.get(default), str):
        problems += _placeholder_problems(slot.id, value, default, tags)
    return problems


def _placeholder_problems(
    slot_id: str, value: dict[str, Any], default: str, tags: tuple[str, ...]
) -> list[str]:
    """A UI text's translations must use the placeholders of its default-language text."""
    problems = []
    try:
        want = placeholders(value[default])
        for t in tags:
            if isinstance(value.get(t), str) and placeholders(value[t]) != want:
                problems.append(
                    f"{slot_id}: the {t!r} text has placeholders "
                    f"{sorted(placeholders(value[t]))}, the {default!r} text {sorted(want)}"
                )
    except ValueError as exc:
        problems.append(f"{slot_id}: unbalanced braces ({exc})")
    return problems


def resolved(raw: dict[str, Any], tag: str, default: str) -> dict[str, Any]:
    """A copy of ``raw`` with every text map replaced by its ``tag`` text."""
    out = copy.deepcopy(raw)
    for slot in text_slots(out):
        value = slot.value
        if isinstance(value, dict) and (tag in value or default in value):
            slot.container[slot.key] = value.get(tag, value.get(default))
    return out


def negotiate_language(
    instrument: Instrument, requested: str | None = None, accept_language: str | None = None
) -> str:
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
