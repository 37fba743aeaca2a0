"""Loading an instrument: read, check structure, consistency and languages, build every version.

:func:`load_instrument` reads a file (cached by path, modification time and
size); :func:`instrument_from_dict` validates an already parsed mapping.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from survey.errors import InstrumentError, pydantic_problems
from survey.instrument.consistency import consistency_problems
from survey.instrument.localize import language_problems, resolved, with_shipped_ui
from survey.instrument.model import Instrument, LanguageVersions
from survey.instrument.reading import DEFAULT_INSTRUMENT, read_yaml

__all__ = ["instrument_from_dict", "load_instrument"]


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
            f"{origin}: expected a mapping of sections at the top level, got {type(raw).__name__}"
        )
    raw = with_shipped_ui(dict(raw), origin)
    default, tags, listed, found = language_problems(raw)
    raw.pop("language", None)
    raw.pop("languages", None)
    raw["default_language"] = default
    info = {t: listed[t] for t in tags if t in listed}
    versions = LanguageVersions()
    for tag in tags:
        data = {
            **resolved(raw, tag, default),
            "language": tag,
            "languages": tags,
            "language_info": info,
            "source_path": origin,
        }
        try:
            inst = Instrument.model_validate(data)
        except ValidationError as exc:
            problems = found + pydantic_problems(raw, exc)
            where = "" if tag == default else f" (the {tag!r} version)"
            raise InstrumentError(
                f"{origin}: {len(problems)} problem(s) in the instrument{where}", problems
            ) from None
        if tag == default:
            problems = found + consistency_problems(inst)
            if problems:
                raise InstrumentError(f"{origin}: {len(problems)} problem(s) in the instrument", problems)
        inst._versions = versions
        versions.by_tag[tag] = inst
    return versions.by_tag[default]


@functools.lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int, size: int) -> Instrument:
    p = Path(path)
    return instrument_from_dict(read_yaml(p), origin=str(p))


def load_instrument(path: str | os.PathLike[str] | None = None) -> Instrument:
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
