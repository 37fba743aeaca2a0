"""Response files in and out: CSV, Excel (.xlsx), SPSS (.sav) and Parquet.

- :func:`read_responses` reads a file into a validated wide table, refusing
  oversized, badly encoded, empty or malformed files with a message that
  names the rows and columns.
- :func:`write_responses` writes a wide table, with value labels in SPSS
  files and spreadsheet formula injection neutralised in CSV, Excel and SPSS
  (text cells, variable labels and value labels: a .sav file is often
  converted to a spreadsheet).

Formula neutralisation is reversible: a text cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return (after any number of ``'``) gets one
more leading ``'`` on export; :func:`read_responses` removes exactly one from
such cells, so import -> export -> import gives back the same text.

Respondent ids are left out of exports unless ``with_ids=True``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from survey.codebook import codebook_labels
from survey.config import max_import_bytes
from survey.errors import DataError
from survey.instrument import Instrument
from survey.validate import META_COLUMNS, answer_columns, validate_frame

__all__ = [
    "FORMATS",
    "format_of",
    "neutralise",
    "unneutralise",
    "read_mapping",
    "read_responses",
    "write_responses",
]

#: Supported formats and their file suffixes.
FORMATS: dict[str, tuple[str, ...]] = {
    "csv": (".csv",),
    "xlsx": (".xlsx",),
    "parquet": (".parquet", ".pq"),
    "sav": (".sav",),
}
_TRIGGER = r"^'*[=+\-@\t\r]"
_ESCAPED = r"^'+[=+\-@\t\r]"


def format_of(path: str | os.PathLike[str]) -> str:
    """The format of a file, from its suffix."""
    suffix = Path(path).suffix.lower()
    for fmt, suffixes in FORMATS.items():
        if suffix in suffixes:
            return fmt
    known = ", ".join(s for ss in FORMATS.values() for s in ss)
    raise DataError(f"{path}: unsupported file type {suffix or '(none)'!r}; use one of {known}")


def neutralise(text: pd.Series) -> pd.Series:
    """Prefix ``'`` to text cells a spreadsheet would run as a formula."""
    s = text.astype("string")
    hit = s.str.contains(_TRIGGER, regex=True).fillna(False)
    return s.mask(hit, "'" + s)


def _neutral(text: str) -> str:
    """:func:`neutralise` for one label."""
    return "'" + text if re.match(_TRIGGER, text) else text


def unneutralise(text: pd.Series) -> pd.Series:
    """Undo :func:`neutralise` (drop one ``'`` from escaped cells)."""
    s = text.astype("string")
    hit = s.str.contains(_ESCAPED, regex=True).fillna(False)
    return s.mask(hit, s.str.slice(1))


# ------------------------------------------------------------------ reading
def read_mapping(path: str | os.PathLike[str]) -> dict[str, str]:
    """Read a column mapping: file column -> instrument variable.

    A CSV with the columns ``column`` and ``variable``, or a YAML mapping
    ``{file column: variable}``.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: mapping file not found")
    if p.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            raw = yaml.safe_load(p.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise DataError(f"{p}: not a readable YAML mapping ({exc})") from None
        if not isinstance(raw, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
        ):
            raise DataError(f"{p}: expected a YAML mapping of file column -> variable (text to text)")
        return dict(raw)
    try:
        table = pd.read_csv(p, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{p}: not a readable mapping CSV ({exc})") from None
    if list(table.columns[:2]) != ["column", "variable"]:
        raise DataError(f"{p}: a mapping CSV needs the header 'column,variable', got {list(table.columns)}")
    dup = table["column"][table["column"].duplicated()].tolist()
    if dup:
        raise DataError(f"{p}: file column(s) {dup} are mapped more than once")
    return dict(zip(table["column"], table["variable"]))


def _decode(raw: bytes, path: Path, encoding: str | None) -> str:
    if encoding is not None:
        try:
            return raw.decode(encoding)
        except LookupError:
            raise DataError(f"{path}: unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise DataError(
                f"{path}: not valid {encoding} at byte {exc.start} (line {line}): {exc.reason}"
            ) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{path}: not UTF-8 text: byte {exc.start} (line {line}) is "
            f"{raw[exc.start : exc.start + 1]!r}; save the file as UTF-8, or name its encoding "
            "with --encoding (e.g. --encoding cp1252 for Excel on Windows)"
        ) from None


def _read_csv(path: Path, encoding: str | None) -> pd.DataFrame:
    text = _decode(path.read_bytes(), path, encoding)
    if not text.strip():
        raise DataError(f"{path}: the file is empty")
    try:
        table = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=True,
        )
    except pd.errors.ParserError as exc:
        raise DataError(f"{path}: not a well-formed CSV file ({exc})") from None
    return table


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        return pd.read_excel(path, header=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for corrupt files
        raise DataError(f"{path}: not a readable Excel .xlsx file ({type(exc).__name__}: {exc})") from None


def _split_header(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Use the first row as the header, keeping duplicates visible."""
    if table.shape[0] == 0:
        raise DataError(f"{path}: the file is empty")
    header = ["" if pd.isna(h) else str(h).strip() for h in table.iloc[0]]
    blank = [i + 1 for i, h in enumerate(header) if h == ""]
    body = table.iloc[1:].reset_index(drop=True)
    if blank:
        # trailing empty columns are harmless; others are not
        filled = [i for i in blank if body.iloc[:, i - 1].notna().any()]
        if filled:
            raise DataError(f"{path}: column(s) {filled} have data but no header")
        keep = [i for i, h in enumerate(header) if h != ""]
        body = body.iloc[:, keep]
        header = [header[i] for i in keep]
    body.columns = header
    if len(body) == 0:
        raise DataError(f"{path}: the file has a header but no data rows")
    return body


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        import pyarrow.parquet as pq

        names = pq.read_schema(path).names
        dups = sorted({n for n in names if names.count(n) > 1})
        if dups:
            raise DataError(f"{path}: duplicate column(s) {dups}: each variable may appear only once")
        return pd.read_parquet(path)
    except DataError:
        raise
    except Exception as exc:  # pyarrow's errors for corrupt files vary
        raise DataError(f"{path}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None


def _read_sav(path: Path, encoding: str | None) -> pd.DataFrame:
    import pyreadstat

    try:
        df, _meta = pyreadstat.read_sav(str(path), apply_value_formats=False, encoding=encoding)
    except Exception as exc:  # pyreadstat.ReadstatError and friends
        raise DataError(f"{path}: not a readable SPSS .sav file ({type(exc).__name__}: {exc})") from None
    for col in df.columns:  # SPSS has no missing text: empty strings are missing
        if pd.api.types.is_string_dtype(df[col].dtype):
            df[col] = df[col].mask(df[col] == "")
    return df


def _apply_mapping(
    df: pd.DataFrame, mapping: Mapping[str, str], instrument: Instrument, path: Path
) -> pd.DataFrame:
    problems = []
    absent = [c for c in mapping if c not in df.columns]
    if absent:
        problems.append(
            f"mapping names column(s) {absent} that the file does not have (file columns: {list(df.columns)})"
        )
    known = set(META_COLUMNS) | set(answer_columns(instrument))
    bad = sorted({v for v in mapping.values() if v not in known})
    if bad:
        problems.append(f"mapping targets {bad} are not variables of instrument {instrument.id}")
    if problems:
        raise DataError(f"{path}: the column mapping does not fit", problems)
    return df.rename(columns=dict(mapping))


def read_responses(
    path: str | os.PathLike[str],
    instrument: Instrument,
    *,
    mapping: Mapping[str, str] | str | os.PathLike[str] | None = None,
    encoding: str | None = None,
    max_bytes: int | None = None,
    validate: bool = True,
) -> pd.DataFrame:
    """Read and validate a response file.

    Parameters
    ----------
    path : str or path-like
        ``.csv``, ``.xlsx``, ``.parquet`` or ``.sav``.  The first row of
        CSV and Excel files is the header; columns are instrument variable
        ids (or renamed by ``mapping``); cells may hold codes or labels.
    instrument : Instrument
        The questionnaire.
    mapping : dict or path, optional
        File column -> instrument variable, or a mapping file
        (:func:`read_mapping`).
    encoding : str, optional
        Text encoding of CSV (and SPSS) files; default UTF-8 (with or
        without a byte-order mark).
    max_bytes : int, optional
        Refuse larger files (default :func:`survey.config.max_import_bytes`).
    validate : bool, default True
        Check the cells with :func:`survey.validate.validate_frame`.  Pass
        ``False`` when the table goes straight to
        :meth:`survey.store.ResponseStore.import_frame`, which validates it
        (so an import checks every cell once, not twice).

    Returns
    -------
    pandas.DataFrame
        The validated wide table (see :func:`survey.validate.validate_frame`),
        or with ``validate=False`` the file's table as read (columns renamed
        by ``mapping``, spreadsheet escapes undone);
        ``df.attrs["first_row"]`` is the file row number of the first data
        row (2 for CSV and Excel, whose header is row 1; 1 otherwise), for
        ``ResponseStore.import_frame(row_numbers=...)``.

    Raises
    ------
    DataError
        The file is missing, too large, not decodable, empty or malformed.
    ResponseValidationError
        Cells or columns do not fit the instrument (rows and columns named).
    """
    p = Path(path)
    fmt = format_of(p)
    if not p.exists():
        raise DataError(f"{p}: file not found")
    if not p.is_file():
        raise DataError(f"{p}: not a regular file")
    limit = max_bytes if max_bytes is not None else max_import_bytes()
    size = p.stat().st_size
    if size > limit:
        raise DataError(
            f"{p}: file is {size:,} bytes, larger than the import limit of "
            f"{limit:,} bytes (set NETSOC_MAX_IMPORT_MB to raise it)"
        )
    if size == 0:
        raise DataError(f"{p}: the file is empty")
    if fmt == "csv":
        df = _split_header(_read_csv(p, encoding), p)
        first = 2
    elif fmt == "xlsx":
        df = _split_header(_read_xlsx(p), p)
        first = 2
    elif fmt == "parquet":
        df, first = _read_parquet(p), 1
    else:
        df, first = _read_sav(p, encoding), 1
    if len(df) == 0:
        raise DataError(f"{p}: the file has no data rows")
    if fmt in ("csv", "xlsx", "sav"):
        for col in range(df.shape[1]):
            s = df.iloc[:, col]
            if (
                pd.api.types.infer_dtype(s, skipna=True) == "string"
                and s.astype("string").str.startswith("'").fillna(False).any()
            ):
                df.isetitem(col, unneutralise(s))
    if mapping is not None:
        mp = mapping if isinstance(mapping, Mapping) else read_mapping(mapping)
        df = _apply_mapping(df, mp, instrument, p)
    if validate:
        df = validate_frame(df, instrument, row_numbers=range(first, first + len(df)), source=str(p))
    df.attrs["first_row"] = first  # small: pandas copies attrs on every operation
    return df


# ------------------------------------------------------------------ writing
def _check_target(path: Path, force: bool) -> None:
    if path.is_dir():
        raise DataError(f"{path}: is a directory; give a file name")
    if not path.parent.is_dir():
        raise DataError(f"{path}: directory {path.parent} does not exist")
    if path.exists() and not force:
        raise DataError(f"{path}: already exists; use --force (force=True) to overwrite it")


def _export_frame(df: pd.DataFrame, instrument: Instrument, with_ids: bool) -> pd.DataFrame:
    cols = [c for c in [*META_COLUMNS, *answer_columns(instrument)] if c in df.columns]
    if not with_ids:
        cols = [c for c in cols if c != "respondent_id"]
    return df[cols].copy()


def _text_columns(df: pd.DataFrame) -> list[str]:
    return [
        c
        for c in df.columns
        if isinstance(df[c].dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(df[c].dtype)
    ]


def _to_sheet(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in _text_columns(out):
        out[c] = neutralise(out[c].astype("string"))
    return out


def _write_sav(df: pd.DataFrame, path: Path, instrument: Instrument) -> None:
    import pyreadstat

    out = pd.DataFrame(index=df.index)
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            out[c] = s.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
        elif pd.api.types.is_integer_dtype(s.dtype):
            out[c] = s.astype("Float64").astype("float64")
        else:
            out[c] = neutralise(s.astype("string")).fillna("").astype(object)
    col_labels, value_labels = codebook_labels(instrument)
    pyreadstat.write_sav(
        out,
        str(path),
        column_labels={c: _neutral(col_labels.get(c, c))[:255] for c in out.columns},
        variable_value_labels={
            c: {k: _neutral(str(label)) for k, label in v.items()}
            for c, v in value_labels.items()
            if c in out.columns
        },
    )


def write_responses(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    instrument: Instrument,
    *,
    format: str | None = None,
    force: bool = False,
    with_ids: bool = False,
) -> Path:
    """Write a wide response table to a file.

    Parameters
    ----------
    df : pandas.DataFrame
        A table from :meth:`survey.store.ResponseStore.to_frame`.
    path : str or path-like
        Output file.  It is written to a temporary file beside it and moved
        into place, so a failed export never leaves half a file.
    instrument : Instrument
        Supplies the SPSS variable and value labels (from the codebook).
    format : {"csv", "xlsx", "parquet", "sav"}, optional
        Default: from the file suffix.
    force : bool, default False
        Overwrite an existing file.
    with_ids : bool, default False
        Keep the ``respondent_id`` column (left out by default for privacy).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    DataError
        Unknown format, the file exists (without ``force``), or the
        directory does not exist.
    """
    p = Path(path)
    fmt = format or format_of(p)
    if fmt not in FORMATS:
        raise DataError(f"format: expected one of {list(FORMATS)}, got {fmt!r}")
    suffix = p.suffix.lower()
    if format is not None and suffix != "" and suffix not in FORMATS[fmt]:
        raise DataError(
            f"{p}: the suffix {suffix!r} does not match --format {fmt} (expected {' or '.join(FORMATS[fmt])})"
        )
    _check_target(p, force)
    table = _export_frame(df, instrument, with_ids)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if fmt == "csv":
            _to_sheet(table).to_csv(
                tmp,
                index=False,
                encoding="utf-8",
                quoting=csv.QUOTE_MINIMAL,
                date_format="%Y-%m-%dT%H:%M:%S.%f%z",
            )
        elif fmt == "xlsx":
            sheet = _to_sheet(table)
            for c in sheet.columns:
                s = sheet[c]
                if pd.api.types.is_datetime64_any_dtype(s.dtype):
                    sheet[c] = s.dt.strftime("%Y-%m-%dT%H:%M:%S.%f%z").astype(object)
                sheet[c] = sheet[c].astype(object).where(sheet[c].notna(), None)
            sheet.to_excel(tmp, index=False, engine="openpyxl")
        elif fmt == "parquet":
            table.to_parquet(tmp, index=False)
        else:
            _write_sav(table, tmp, instrument)
        os.replace(tmp, p)
    finally:
        if tmp.exists():
            tmp.unlink()
    return p
