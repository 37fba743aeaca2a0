"""Check a whole wide table at once (vectorised), converting text labels into codes.

:func:`validate_frame` reads what importers and the store hand it: codes as
numbers or text, labels such as ``"Agree"``, choice labels, free text and
language tags.  Every problem names the column and the file rows.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import Problem, ResponseValidationError, column_problem
from survey.instrument import ChoiceField, Instrument
from survey.schema import META_COLUMNS
from survey.validate.columns import answer_columns, default_language, is_missing, language_tags
from survey.waves import wave_columns

__all__ = ["validate_frame"]


def _label_map(labels: Mapping[Any, str]) -> dict[str, Any]:
    """Lower-cased label and code text -> code."""
    out: dict[str, Any] = {}
    for code, label in labels.items():
        out[str(label).strip().casefold()] = code
        out[str(code).strip().casefold()] = code
    return out


def _cell_text(value: Any) -> Any:
    if is_missing(value) or (isinstance(value, float) and math.isnan(value)):
        return pd.NA
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _as_text(col: pd.Series) -> pd.Series:
    """Cells as stripped ``string`` values; numbers as their text, ``""`` as NA."""
    kind = pd.api.types.infer_dtype(col, skipna=True)
    if isinstance(col.dtype, pd.CategoricalDtype):
        kind = pd.api.types.infer_dtype(col.cat.categories, skipna=True)
    if kind in ("string", "empty"):
        text = col.astype("string").str.strip()
    else:
        text = col.astype("object").map(_cell_text).astype("string")
    return text.mask(text == "")


def _factorized(col: pd.Series, convert: Any) -> tuple[np.ndarray, list[Any], np.ndarray]:
    """Apply ``convert`` to each distinct cell value only (vectorised by factorize).

    Returns the per-row position of the value (-1 for missing), the converted
    distinct values and a mask of rows whose value could not be converted
    (``convert`` returned ``_BAD``).
    """
    positions, uniques = pd.factorize(col, use_na_sentinel=True)
    converted = [convert(u) for u in uniques]
    bad_u = np.array([c is _BAD for c in converted] + [False], dtype=bool)
    bad = bad_u[positions]  # position -1 picks the trailing False
    return positions, converted, bad


_BAD = object()


def _numbers_from_text(
    col: pd.Series,
    labels: Mapping[int, str],
    lo: int,
    hi: int,
    name: str,
    rows: np.ndarray,
    problems: list[Problem],
) -> np.ndarray:
    """Each cell as a number: a label as its code, numeric text as its value.

    Empty cells are NaN; so are cells that are neither (booleans, other text,
    ``"nan"`` or ``"inf"`` typed as text), which are reported in ``problems``.
    """
    lookup = _label_map(labels)

    def convert(value: Any) -> Any:
        if isinstance(value, (bool, np.bool_)):
            return _BAD
        if isinstance(value, numbers.Real):
            return float(value)
        text = str(value).strip()
        if text == "":
            return np.nan
        code = lookup.get(text.casefold())
        if code is not None:
            return float(code)
        try:
            number = float(text)
        except ValueError:
            return _BAD
        # "nan", "inf" typed as text are not answers (an empty cell is missing)
        return number if math.isfinite(number) else _BAD

    positions, converted, bad = _factorized(col, convert)
    table = np.array([np.nan if c is _BAD else c for c in converted] + [np.nan], dtype="float64")
    if bad.any():
        shown = col[bad].map(lambda v: str(v).strip()).tolist()
        problems.append(
            column_problem(
                name,
                f"not a code {lo}..{hi} or a label on the scale ({', '.join(map(repr, labels.values()))})",
                rows[bad],
                shown,
            )
        )
    return table[positions]


def _codes(
    col: pd.Series,
    labels: Mapping[int, str],
    lo: int,
    hi: int,
    name: str,
    rows: np.ndarray,
    problems: list[Problem],
) -> pd.Series:
    """Integer codes from numbers, numeric text or labels; vectorised."""
    if pd.api.types.is_bool_dtype(col.dtype):
        problems.append(
            Problem(
                name,
                f"holds true/false values, expected codes {lo}..{hi}",
                rows=tuple(int(r) for r in rows),
                where=f"column {name!r}",
            )
        )
        return pd.Series(pd.NA, index=col.index, dtype="Int64")
    if pd.api.types.is_numeric_dtype(col.dtype):
        vals = (
            pd.to_numeric(col, errors="coerce").astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
        )
    else:
        vals = _numbers_from_text(col, labels, lo, hi, name, rows, problems)
    present = ~np.isnan(vals)
    with np.errstate(invalid="ignore"):
        nonint = present & (np.mod(vals, 1) != 0)
        outside = present & ~nonint & ((vals < lo) | (vals > hi))
    for mask, what in (
        (nonint, f"not a whole number, expected codes {lo}..{hi}"),
        (outside, f"outside the response scale {lo}..{hi}"),
    ):
        if mask.any():
            shown = [int(x) if float(x).is_integer() else float(x) for x in vals[mask]]
            problems.append(column_problem(name, what, rows[mask], shown))
    ok = present & ~nonint & ~outside
    data = np.where(ok, vals, 0).astype("int64")
    return pd.Series(pd.arrays.IntegerArray(data, ~ok), index=col.index)


def _choices(
    col: pd.Series, options: Mapping[str, str], name: str, rows: np.ndarray, problems: list[Problem]
) -> pd.Categorical:
    lookup = _label_map(options)

    def convert(value: Any) -> Any:
        if is_missing(value) or (isinstance(value, float) and math.isnan(value)):
            return None
        text = _cell_text(value)
        if text is pd.NA or text == "":
            return None
        return lookup.get(text.casefold(), _BAD)

    positions, converted, bad = _factorized(col, convert)
    if bad.any():
        shown = col[bad].map(lambda v: str(v).strip()).tolist()
        problems.append(
            column_problem(
                name, f"not one of the options {list(options)} (codes or labels)", rows[bad], shown
            )
        )
    categories = list(options)
    index = {c: i for i, c in enumerate(categories)}
    table = np.array([-1 if (c is _BAD or c is None) else index[c] for c in converted] + [-1], dtype="int64")
    return pd.Categorical.from_codes(table[positions], categories=categories)


def _texts(
    col: pd.Series, max_length: int, pattern: str | None, name: str, rows: np.ndarray, problems: list[Problem]
) -> pd.Series:
    text = _as_text(col)
    text = text.astype("string")
    too_long = (text.str.len() > max_length).fillna(False).to_numpy(dtype=bool)
    if too_long.any():
        problems.append(column_problem(name, f"text longer than {max_length} characters", rows[too_long]))
    if pattern is not None:
        fits = text.str.fullmatch(pattern).fillna(True).to_numpy(dtype=bool)
        if (~fits).any():
            problems.append(
                column_problem(
                    name, f"does not match the pattern {pattern}", rows[~fits], text[~fits].tolist()
                )
            )
    return text


def _languages(
    col: pd.Series | None, instrument: Instrument, rows: np.ndarray, problems: list[Problem], index: pd.Index
) -> pd.Series:
    """Language tags as the instrument spells them; empty cells get the default language."""
    default = default_language(instrument)
    if col is None:
        return pd.Series(default, index=index, dtype="string")
    text = _as_text(col)
    tags = language_tags(instrument)
    canonical = text.str.casefold().map(tags, na_action="ignore").astype("string")
    bad = (text.notna() & canonical.isna()).to_numpy(dtype=bool)
    if bad.any():
        problems.append(
            column_problem(
                "language",
                f"not one of the instrument's languages {list(tags.values())}",
                rows[bad],
                text[bad].tolist(),
            )
        )
    return canonical.fillna(default)


def validate_frame(
    df: pd.DataFrame,
    instrument: Instrument,
    *,
    row_numbers: Sequence[int] | None = None,
    source: str = "table",
) -> pd.DataFrame:
    """Check a wide response table and convert it to the store's dtypes.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per respondent.  Every item and attention-check column must
        be present; demographic fields, the comment and the metadata columns
        (:data:`META_COLUMNS`) are optional.  Item cells may be codes,
        numeric text (``"4"``) or labels (``"Agree"``, case and surrounding
        spaces ignored); choice cells may be option codes or labels.  Empty
        cells are missing answers.
    instrument : Instrument
        The questionnaire.
    row_numbers : sequence of int, optional
        Row number of each row as the user sees it in the file (used in
        messages).  Default ``1..len(df)``.
    source : str
        What the table is called in the error summary (usually a file name).

    Returns
    -------
    pandas.DataFrame
        Columns ``respondent_id`` (string, NA when absent), ``cohort``
        (string), ``instrument_id``, ``instrument_version`` (string),
        ``started_at``, ``submitted_at`` (UTC timestamps to the
        millisecond), ``language`` (string: a tag the instrument lists,
        matched case-insensitively; the default language where the table has
        no such column or an empty cell), ``wave`` (string: ``pre``, ``post``
        or ``single`` for an empty cell or no column) and ``subject`` (string,
        NA when unlinked; :func:`survey.waves.wave_columns`), the question
        columns (``Int64``), the choice fields (categorical, categories = the
        option codes in instrument order), text fields and the comment
        (``string``).  Index ``0..n-1``.

    Raises
    ------
    ResponseValidationError
        Listing, by column and file row, every problem: an empty table,
        duplicate, unknown or missing columns, values not on the scale,
        unknown options, text too long, bad timestamps, repeated respondent
        ids, a different instrument.
    """
    cols = [str(c) for c in df.columns]
    problems = _column_problems(df, cols, instrument)
    if problems:
        raise ResponseValidationError(f"{source}: cannot import", problems)
    df = df.reset_index(drop=True)
    df.columns = cols
    rows = np.asarray(row_numbers if row_numbers is not None else range(1, len(df) + 1))
    out: dict[str, Any] = {
        "respondent_id": _respondent_ids(df, rows, problems),
        "cohort": _cohorts(df, instrument, rows, problems),
        **_instrument_columns(df, instrument, rows, problems),
        "started_at": _timestamps(df, "started_at", rows, problems),
        "submitted_at": _timestamps(df, "submitted_at", rows, problems),
    }
    out["language"] = _languages(
        df["language"] if "language" in df else None, instrument, rows, problems, df.index
    )
    out.update(wave_columns(df, rows, problems))
    out.update(_answers(df, instrument, rows, problems))
    if problems:
        raise ResponseValidationError(f"{source}: {len(problems)} problem(s); nothing was imported", problems)
    return pd.DataFrame(out, index=pd.RangeIndex(len(df)))


def _column_problems(df: pd.DataFrame, cols: list[str], instrument: Instrument) -> list[Problem]:
    """What is wrong with the table as a whole: its columns, or no rows at all."""
    problems: list[Problem] = []
    dups = sorted({c for c in cols if cols.count(c) > 1})
    if dups:
        problems.append(Problem(None, f"duplicate column(s) {dups}: each variable may appear only once"))
    known = set(META_COLUMNS) | set(answer_columns(instrument))
    unknown = [c for c in dict.fromkeys(cols) if c not in known]
    if unknown:
        problems.append(
            Problem(
                None,
                f"unknown column(s) {unknown}: not variables of instrument "
                f"{instrument.id} {instrument.version} (use a mapping file to rename)",
            )
        )
    missing = [q for q in instrument.question_ids if q not in cols]
    if missing:
        problems.append(
            Problem(
                None,
                f"missing column(s) {missing}: every item and attention "
                "check needs a column (empty cells are allowed)",
            )
        )
    if len(df) == 0:
        problems.append(Problem(None, "no data rows"))
    return problems


def _cohorts(
    df: pd.DataFrame, instrument: Instrument, rows: np.ndarray, problems: list[Problem]
) -> pd.Series:
    """Cohort codes as text (NA when the table has none), checked against the instrument's pattern."""
    if "cohort" not in df:
        return pd.Series(pd.NA, index=df.index, dtype="string")
    spec = instrument.cohort
    return _texts(df["cohort"], spec.max_length, spec.pattern, "cohort", rows, problems)


def _respondent_ids(df: pd.DataFrame, rows: np.ndarray, problems: list[Problem]) -> pd.Series:
    """Respondent ids as text (NA when absent); malformed and repeated ids are problems."""
    if "respondent_id" not in df:
        return pd.Series(pd.NA, index=df.index, dtype="string")
    rid = _as_text(df["respondent_id"]).astype("string")
    bad = rid.notna() & ~rid.str.fullmatch(r"[0-9A-Za-z_.:-]{1,64}").fillna(False)
    if bad.any():
        problems.append(
            column_problem(
                "respondent_id",
                "ids must be 1-64 letters, digits or _.:-",
                rows[bad.to_numpy()],
                rid[bad].tolist(),
            )
        )
    dup = rid.notna() & rid.duplicated(keep=False)
    if dup.any():
        problems.append(
            column_problem(
                "respondent_id",
                "the same id appears more than once",
                rows[dup.to_numpy()],
                rid[dup].tolist(),
            )
        )
    return rid


def _instrument_columns(
    df: pd.DataFrame, instrument: Instrument, rows: np.ndarray, problems: list[Problem]
) -> dict[str, pd.Series]:
    """``instrument_id`` (rows of another instrument are problems) and ``instrument_version``."""
    if "instrument_id" in df:
        iid = _as_text(df["instrument_id"])
        bad = iid.notna() & (iid != instrument.id)
        if bad.any():
            problems.append(
                column_problem(
                    "instrument_id",
                    f"responses to another instrument (this is {instrument.id!r})",
                    rows[bad.to_numpy()],
                    iid[bad].tolist(),
                )
            )
    if "instrument_version" in df:
        version = _as_text(df["instrument_version"]).astype("string").fillna(instrument.version)
    else:
        version = pd.Series(instrument.version, index=df.index, dtype="string")
    return {
        "instrument_id": pd.Series(instrument.id, index=df.index, dtype="string"),
        "instrument_version": version,
    }


def _timestamps(df: pd.DataFrame, name: str, rows: np.ndarray, problems: list[Problem]) -> pd.Series:
    """UTC timestamps to the millisecond from datetimes or ISO 8601 text (other text is a problem).

    NaT throughout when the table has no column ``name``.
    """
    if name not in df:
        return pd.Series(pd.NaT, index=df.index, dtype="datetime64[us, UTC]")
    raw = df[name]
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        parsed = raw.dt.tz_localize("UTC") if raw.dt.tz is None else raw.dt.tz_convert("UTC")
    else:
        text = _as_text(raw)
        parsed = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
        bad = text.notna() & parsed.isna()
        if bad.any():
            problems.append(
                column_problem(
                    name,
                    "not a date and time (ISO 8601 expected)",
                    rows[bad.to_numpy()],
                    text[bad].tolist(),
                )
            )
    # milliseconds are kept; SPSS stores times as float seconds
    return parsed.astype("datetime64[us, UTC]").dt.round("ms")


def _answers(
    df: pd.DataFrame, instrument: Instrument, rows: np.ndarray, problems: list[Problem]
) -> dict[str, Any]:
    """The answer columns: question codes, choice fields, text fields and the comment."""
    out: dict[str, Any] = {}
    for qid in instrument.question_ids:
        lo, hi = instrument.response_range(qid)
        out[qid] = _codes(df[qid], instrument.value_labels(qid), lo, hi, qid, rows, problems)
    for f in instrument.fields:
        if f.id in META_COLUMNS:
            continue
        col = df[f.id] if f.id in df else pd.Series(pd.NA, index=df.index, dtype="object")
        if isinstance(f, ChoiceField):
            out[f.id] = _choices(col, f.options, f.id, rows, problems)
        else:
            out[f.id] = _texts(col, f.max_length, f.pattern, f.id, rows, problems)
    if instrument.comment is not None:
        cid = instrument.comment.id
        col = df[cid] if cid in df else pd.Series(pd.NA, index=df.index, dtype="object")
        out[cid] = _texts(col, instrument.comment.max_length, None, cid, rows, problems)
    return out
