"""Reading response files (CSV, Excel, Parquet, SPSS) into a validated wide table."""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from survey.config import max_import_bytes
from survey.errors import DataError
from survey.instrument import Instrument
from survey.io.sheets import format_of, unneutralise
from survey.validate import META_COLUMNS, answer_columns, validate_frame

__all__ = ["read_mapping", "read_responses"]


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


def _delimiter(text: str) -> str:
    """The header line's separator: comma, semicolon (Excel in German, French and
    other locales with a decimal comma) or tab, whichever it holds most of."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max((",", ";", "\t"), key=header.count)


def _read_csv(path: Path, encoding: str | None) -> pd.DataFrame:
    text = _decode(path.read_bytes(), path, encoding)
    if not text.strip():
        raise DataError(f"{path}: the file is empty")
    try:
        table = pd.read_csv(
            io.StringIO(text),
            sep=_delimiter(text),
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


def _check_file(p: Path, max_bytes: int | None) -> None:
    """Refuse a path that is missing, not a file, empty or over the import limit."""
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


def _read_table(p: Path, fmt: str, encoding: str | None) -> tuple[pd.DataFrame, int]:
    """The file's table and the file row number of its first data row."""
    if fmt == "csv":
        return _split_header(_read_csv(p, encoding), p), 2
    if fmt == "xlsx":
        return _split_header(_read_xlsx(p), p), 2
    if fmt == "parquet":
        return _read_parquet(p), 1
    return _read_sav(p, encoding), 1


def _undo_escapes(df: pd.DataFrame) -> None:
    """Undo the spreadsheet escape (a leading ``'``) in the text columns, in place."""
    for col in range(df.shape[1]):
        s = df.iloc[:, col]
        if (
            pd.api.types.infer_dtype(s, skipna=True) == "string"
            and s.astype("string").str.startswith("'").fillna(False).any()
        ):
            df.isetitem(col, unneutralise(s))


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
        CSV and Excel files is the header (a CSV file may be separated by
        commas, semicolons or tabs: the header line's separator is used);
        columns are instrument variable
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
    _check_file(p, max_bytes)
    df, first = _read_table(p, fmt, encoding)
    if len(df) == 0:
        raise DataError(f"{p}: the file has no data rows")
    if fmt in ("csv", "xlsx", "sav"):
        _undo_escapes(df)
    if mapping is not None:
        mp = mapping if isinstance(mapping, Mapping) else read_mapping(mapping)
        df = _apply_mapping(df, mp, instrument, p)
    if validate:
        df = validate_frame(df, instrument, row_numbers=range(first, first + len(df)), source=str(p))
    df.attrs["first_row"] = first  # small: pandas copies attrs on every operation
    return df
