"""Where a result came from: the data's hash, the file's hash, the software's versions.

A report, a bundle and a norms file carry a stamp so that a reader can tell
which responses and which software produced them.  This module computes its
parts, once, for every app.

The data hash is the SHA-256 of a canonical table: one line per response with
the answer and metadata columns the instrument defines (``respondent_id``
left out, so that re-importing the same answers under new ids gives the same
hash), answers as whole numbers, times as UTC ISO 8601, lines sorted.  The
same responses give the same hash whichever file format or store they came
from.  ``language`` counts only when some response is not in the default
language (data in one language keep the hash they had before languages
existed).
"""

from __future__ import annotations

import hashlib
import os
import platform
from collections.abc import Iterable
from importlib import metadata
from typing import TYPE_CHECKING

from survey.schema import META_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

    from survey.instrument import Instrument

__all__ = ["PACKAGES", "canonical_lines", "data_hash", "file_hash", "package_versions", "netsoc_version"]

#: The packages whose versions a stamp records (with Python's).
PACKAGES: tuple[str, ...] = (
    "netsoc",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "seaborn",
    "matplotlib",
    "papermill",
    "nbconvert",
)
#: Metadata columns of the canonical table (``language``, ``wave`` and ``subject`` are added
#: when they matter, so that tables from before they existed keep their hash).
_CANONICAL_META = tuple(c for c in META_COLUMNS if c not in ("respondent_id", "language", "wave", "subject"))


def canonical_lines(data: pd.DataFrame, instrument: Instrument) -> list[str]:
    """The canonical table of ``data`` as CSV lines: the header, then the sorted rows.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide responses (one row per respondent).
    instrument : Instrument
        Which columns are answers.

    Returns
    -------
    list of str
    """
    import pandas as pd

    from survey.validate import answer_columns, default_language

    meta, default = list(_CANONICAL_META), default_language(instrument)
    if "language" in data.columns and (data["language"].astype("string").fillna(default) != default).any():
        meta.append("language")
    if "wave" in data.columns and (data["wave"].astype("string").fillna("single") != "single").any():
        meta.extend(["wave", "subject"])
    cols = [c for c in (*meta, *answer_columns(instrument)) if c in data.columns]
    out = pd.DataFrame(index=data.index)
    question = set(instrument.question_ids)
    for c in cols:
        s = data[c]
        if c in question:
            s = pd.to_numeric(s.astype("object"), errors="coerce").astype("Float64").astype("Int64")
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            s = pd.to_datetime(s, utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
        out[c] = s.astype("string")
    text = out.to_csv(index=False, header=False, na_rep="", lineterminator="\n")
    return [",".join(cols)] + sorted(text.splitlines())


def data_hash(data: pd.DataFrame, instrument: Instrument) -> str:
    """SHA-256 (hex) of the canonical table of ``data`` (see the module docstring).

    Examples
    --------
    >>> from analysis.demo import make_demo
    >>> from survey.instrument import load_instrument
    >>> inst = load_instrument()
    >>> data = make_demo(n=20, seed=1)
    >>> data_hash(data, inst) == data_hash(data.sample(frac=1, random_state=2), inst)
    True
    """
    return hashlib.sha256("\n".join(canonical_lines(data, instrument)).encode("utf-8")).hexdigest()


def file_hash(path: str | os.PathLike[str]) -> str:
    """SHA-256 (hex) of a file's bytes, read in blocks (stamped as ``file_sha256``).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def package_versions(packages: Iterable[str] = PACKAGES) -> dict[str, str]:
    """Versions of Python and of ``packages`` (``"not installed"`` for a missing one).

    Examples
    --------
    >>> versions = package_versions(["pandas", "no-such-package"])
    >>> sorted(versions), versions["no-such-package"]
    (['no-such-package', 'pandas', 'python'], 'not installed')
    """
    out = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def netsoc_version() -> str:
    """The installed netsoc's version (``"0+unknown"`` in a checkout that is not installed).

    Examples
    --------
    >>> from netsoc import __version__
    >>> netsoc_version() == __version__
    True
    """
    try:
        return metadata.version("netsoc")
    except metadata.PackageNotFoundError:  # pragma: no cover - a bare checkout
        return "0+unknown"
