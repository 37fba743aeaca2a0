"""Norms files on disk: reading and checking them, writing them rounded, finding an instrument's."""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from survey.errors import DataError
from survey.norms.model import FORMAT, SIGNIFICANT_DIGITS, SYNTHETIC_NOTE, TOO_SMALL_NOTE, NormsFile

__all__ = ["norms_from_dict", "load_norms", "round_significant", "dump_norms", "norms_for"]


def norms_from_dict(data: Any, *, origin: str = "norms") -> NormsFile:
    """Validate a parsed norms mapping.

    Raises
    ------
    DataError
        Not a norms mapping; the message names the field and the problem.
    """
    if not isinstance(data, dict):
        raise DataError(
            f"{origin}: expected a mapping with format, meta and scores, got {type(data).__name__}"
        )
    if data.get("format") != FORMAT:
        raise DataError(f"{origin}: format: expected {FORMAT!r}, got {data.get('format')!r}")
    try:
        return NormsFile.model_validate({**data, "source_path": origin})
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise DataError(f"{origin}: not a valid norms file", problems) from None


@functools.lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int, size: int) -> NormsFile:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: not valid YAML ({exc})") from None
    return norms_from_dict(data, origin=path)


def load_norms(path: str | Path, instrument: Any = None) -> NormsFile:
    """Load and validate a norms file.

    Parameters
    ----------
    path : str or Path
        A norms YAML file (written by :func:`dump_norms` / ``netsoc norms``).
    instrument : Instrument, optional
        When given, the norms must be for its id and version.

    Returns
    -------
    NormsFile
        Immutable; cached per file (path, modification time, size).

    Raises
    ------
    DataError
        The file is missing or not a valid norms file.
    InstrumentError
        The norms are for another instrument or version.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: norms file not found")
    st = p.stat()
    norms = _load_cached(str(p), st.st_mtime_ns, st.st_size)
    if instrument is not None:
        norms.check_instrument(instrument)
    return norms


def round_significant(value: float, digits: int = SIGNIFICANT_DIGITS) -> float:
    """``value`` rounded to ``digits`` significant digits (NaN and infinities unchanged).

    Examples
    --------
    >>> round_significant(0.9319084976165695)
    0.931908
    >>> round_significant(1234.56789, 3)
    1230.0
    """
    if not math.isfinite(value) or value == 0:
        return value
    return float(f"{value:.{digits}g}")


def _rounded(data: Any) -> Any:
    """Every float in a nested dict/list structure rounded by :func:`round_significant`."""
    if isinstance(data, float):
        return round_significant(data)
    if isinstance(data, dict):
        return {key: _rounded(item) for key, item in data.items()}
    if isinstance(data, list):
        return [_rounded(item) for item in data]
    return data


def dump_norms(norms: NormsFile, path: str | Path | None = None) -> str:
    """Norms as YAML text; written to ``path`` when given.

    Every real number is written rounded to :data:`SIGNIFICANT_DIGITS`
    significant digits, so the text does not depend on the machine that
    computed it.

    The caller decides about overwriting (the CLI refuses without --force).
    """
    data = _rounded(norms.model_dump(mode="json"))
    text = f"# netsoc reference norms ({FORMAT}); written by {norms.meta.software or 'netsoc'}\n"
    if norms.meta.synthetic:
        text += f"# SYNTHETIC: {SYNTHETIC_NOTE}\n"
    if norms.meta.too_small:
        text += f"# {TOO_SMALL_NOTE.upper()}\n"
    text += yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def norms_for(instrument: Any) -> NormsFile | None:
    """The norms file an instrument points at (``norms: <path>``), loaded and checked.

    Returns ``None`` when the instrument names no norms file (inline
    ``norms:`` or none).  Cached per file.

    Raises
    ------
    DataError
        The file is missing or invalid.
    InstrumentError
        It holds norms for another instrument or version.
    """
    path = getattr(instrument, "norms_path", None)
    if path is None:
        return None
    return load_norms(path, instrument)
