"""Reading an instrument file: safe YAML, no aliases, no duplicate keys, size-limited.

:func:`read_yaml` is also used by :mod:`survey.translations`, which edits the
same files.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from survey.errors import InstrumentError

__all__ = ["DEFAULT_INSTRUMENT", "MAX_FILE_BYTES", "safe_load", "read_yaml"]

#: The shipped questionnaire, package data of :mod:`survey` (importlib.resources).
DEFAULT_INSTRUMENT = Path(str(resources.files("survey") / "instruments" / "netsoc.yaml"))
#: Instrument files larger than this are refused before they are parsed.
MAX_FILE_BYTES = 1_000_000


class _NoDuplicateKeys:
    """Refuse a mapping that names one key twice (YAML keeps the last one silently)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


class _StrictCLoader(  # the base is chosen at import time
    _NoDuplicateKeys,
    *((yaml.CSafeLoader,) if getattr(yaml, "__with_libyaml__", False) else (yaml.SafeLoader,)),  # type: ignore[misc]
):
    """libyaml's safe loader (10x faster), refusing duplicate keys."""


class _SafeNoAliasLoader(_NoDuplicateKeys, yaml.SafeLoader):
    """A safe loader that refuses anchors/aliases (no alias bombs)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                "YAML aliases (*name) are not allowed in instruments",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def safe_load(text: str) -> Any:
    """Safe YAML without aliases; libyaml's C parser when present (10x faster)."""
    if not getattr(yaml, "__with_libyaml__", False):
        return yaml.load(text, Loader=_SafeNoAliasLoader)
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed in instruments", event.start_mark
            )
    return yaml.load(text, Loader=_StrictCLoader)


def read_yaml(path: Path) -> Any:
    """The parsed YAML document of an instrument file, or an :class:`InstrumentError`
    naming the file and the problem (missing, a folder, too large, not UTF-8,
    malformed, nested too deeply)."""
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
        return safe_load(text)
    except yaml.YAMLError as exc:
        if "maximum nesting depth" in str(exc):  # libyaml's own limit
            raise InstrumentError(f"{path}: malformed YAML: nested too deeply") from None
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InstrumentError(f"{path}: malformed YAML{where}: {problem}") from None
    except RecursionError:
        raise InstrumentError(f"{path}: malformed YAML: nested too deeply") from None
