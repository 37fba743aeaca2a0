"""Writing a wide table: value labels in SPSS files, formulas neutralised, no partial file."""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

import pandas as pd

from survey.codebook import codebook_labels
from survey.errors import DataError
from survey.instrument import Instrument
from survey.io.sheets import FORMATS, format_of, neutralise, neutralise_text
from survey.validate import META_COLUMNS, answer_columns

__all__ = ["write_responses"]


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
        column_labels={c: neutralise_text(col_labels.get(c, c))[:255] for c in out.columns},
        variable_value_labels={
            c: {k: neutralise_text(str(label)) for k, label in v.items()}
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
