"""Languages of an instrument: which strings are translatable, tags, negotiation.

An instrument file names its ``default_language`` (a BCP 47 tag) and lists
every language it offers under ``languages`` (tag -> name, translator, date,
review status).  Every string a participant or facilitator sees may be a
plain string (the default language) or a map ``{tag: text}``.  Which strings
those are is fixed by :data:`TEXT_PATHS`; :func:`text_slots` walks them in a
parsed file and gives each a stable id such as ``items.net_purpose_1.text``
or ``ui.next`` (the ids of the translators' CSV, see
:mod:`survey.translations`).

This module imports nothing of ours but the exception types.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any, NamedTuple

__all__ = [
    "TEXT_PATHS",
    "TAG_PATTERN",
    "TextSlot",
    "text_slots",
    "is_language_tag",
    "placeholders",
    "parse_accept_language",
    "match_language",
]

#: Where translatable strings live.  ``name[]`` walks a list whose elements
#: are named by their ``id``; ``*`` walks every key of a mapping.
TEXT_PATHS: tuple[str, ...] = (
    "title",
    "description",
    "consent.text",
    "consent.agree_label",
    "consent.decline_label",
    "response_scales.*.label",
    "response_scales.*.values.*",
    "scales.*.label",
    "scales.*.description",
    "facets.*.label",
    "facets.*.description",
    "items[].text",
    "attention_checks[].text",
    "fields[].label",
    "fields[].options.*",
    "cohort.label",
    "comment.label",
    "scoring.engagement_levels[].label",
    "scoring.intentionality_levels[].label",
    "profiles[].label",
    "profiles[].summary",
    "profiles[].interpretation",
    "profiles[].advice",
    "feedback.orientations.*",
    "feedback.balance",
    "feedback.intentionality.*",
    "feedback.attention_warning",
    "ui.*",
)

#: A well-formed BCP 47 tag in its canonical case: language (2-3 letters),
#: optional script (Latn), optional region (CH, 419), optional variants.
TAG_PATTERN = r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-(?:[A-Z]{2}|[0-9]{3}))?(-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*$"
_TAG = re.compile(TAG_PATTERN)


class TextSlot(NamedTuple):
    """One translatable string of a parsed instrument file.

    Attributes
    ----------
    id : str
        Stable id, e.g. ``items.net_purpose_1.text`` or ``ui.next``.
    container : dict
        The mapping that holds the value (so the value can be replaced).
    key : object
        The key of the value in ``container``.
    """

    id: str
    container: MutableMapping[Any, Any]
    key: Any

    @property
    def value(self) -> Any:
        """The value as written: a plain string or a map ``{tag: text}``."""
        return self.container[self.key]


def _walk(node: Any, tokens: list[str], prefix: list[str]) -> Iterator[TextSlot]:
    head, rest = tokens[0], tokens[1:]
    if not isinstance(node, Mapping):
        return
    if head == "*":
        keys = list(node)
    elif head.endswith("[]"):
        name = head[:-2]
        seq = node.get(name)
        if not isinstance(seq, list):
            return
        for element in seq:
            if isinstance(element, Mapping) and isinstance(element.get("id"), str):
                yield from _walk(element, rest, [*prefix, name, element["id"]])
        return
    else:
        keys = [head] if head in node else []
    for key in keys:
        path = [*prefix, str(key)]
        if rest:
            yield from _walk(node[key], rest, path)
        elif node[key] is not None:
            yield TextSlot(".".join(path), node, key)  # type: ignore[arg-type]


def text_slots(raw: Any) -> Iterator[TextSlot]:
    """Every translatable string of a parsed instrument, in file order of :data:`TEXT_PATHS`.

    Parameters
    ----------
    raw : mapping
        The parsed YAML document (plain dicts or ruamel's round-trip maps).

    Yields
    ------
    TextSlot
    """
    for path in TEXT_PATHS:
        yield from _walk(raw, path.split("."), [])


def is_language_tag(tag: Any) -> bool:
    """Whether ``tag`` is a well-formed BCP 47 tag in canonical case (``de``, ``pt-BR``)."""
    return isinstance(tag, str) and _TAG.fullmatch(tag) is not None


def placeholders(text: str) -> set[str]:
    """Names of the ``{name}`` placeholders of a UI text (``str.format`` syntax).

    Raises
    ------
    ValueError
        The braces are unbalanced.
    """
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def parse_accept_language(header: str | None) -> list[str]:
    """The tags of an HTTP ``Accept-Language`` header, most preferred first.

    ``q`` weights order the list (ties keep header order); ``q=0`` entries
    and malformed pieces are dropped; ``*`` is kept.

    Examples
    --------
    >>> parse_accept_language("de-CH,de;q=0.9,en;q=0.8,fr;q=0")
    ['de-CH', 'de', 'en']
    """
    if not header or not isinstance(header, str):
        return []
    weighted: list[tuple[float, int, str]] = []
    for pos, piece in enumerate(header[:2000].split(",")):
        tag, _, params = piece.strip().partition(";")
        tag = tag.strip()
        if not tag or not re.fullmatch(r"\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", tag):
            continue
        q = 1.0
        m = re.search(r"q\s*=\s*([0-9.]+)", params)
        if m:
            try:
                q = float(m.group(1))
            except ValueError:
                continue
        if q <= 0:
            continue
        weighted.append((-min(q, 1.0), pos, tag))
    return [tag for _, _, tag in sorted(weighted)]


def match_language(wanted: str | None, offered: tuple[str, ...]) -> str | None:
    """The offered tag that serves a wanted one, or ``None``.

    Exact match (case-insensitive) first, then the wanted tag cut back
    subtag by subtag (``de-CH`` -> ``de``), then an offered regional
    variant of the same language (``pt`` -> ``pt-BR``).
    """
    if not wanted or not isinstance(wanted, str):
        return None
    lower = {t.lower(): t for t in offered}
    parts = wanted.strip().lower().replace("_", "-").split("-")
    for n in range(len(parts), 0, -1):
        hit = lower.get("-".join(parts[:n]))
        if hit is not None:
            return hit
    for t in offered:
        if t.lower().split("-")[0] == parts[0]:
            return t
    return None
