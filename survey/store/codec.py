"""Answers as JSON objects in the store, and back to the wide table.

Answers live in one JSON column rather than one row per answer: a response is
then a single row, written or not written as a whole, and 100,000 respondents
are stored in about a second, where inserting the 4.5 million rows of a
row-per-answer table took 7 s in SQLite on the 2-core reference machine (over
the 5 s import budget).  :func:`decode_frame` turns the column back into the
wide table with Arrow's JSON reader.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from survey.errors import StoreError
from survey.instrument import Instrument
from survey.schema import META_COLUMNS
from survey.store.tables import respondents
from survey.validate import answer_columns, default_language, field_columns
from survey.waves import SINGLE

__all__ = ["encode_answers", "encode_frame", "stored_columns", "decode_frame"]

#: What :func:`decode_frame` reads of each stored row.
STORED = [*META_COLUMNS, "status", "answers"]


def encode_answers(clean: Mapping[str, Any], instrument: Instrument) -> str:
    """One validated response as a JSON object, in the wide table's column order."""
    return json.dumps({k: clean[k] for k in answer_columns(instrument) if k in clean}, ensure_ascii=False)


def encode_frame(clean: pd.DataFrame, instrument: Instrument) -> list[str]:
    """One JSON object per row of a validated table, missing answers left out.

    The same objects :func:`encode_answers` makes, built column by column with
    Arrow's string kernels; text values are JSON-escaped once per distinct
    value.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    pieces = []
    for c in answer_columns(instrument):
        if c not in clean.columns:
            continue
        col = clean[c]
        key = json.dumps(c) + ":"
        if pd.api.types.is_integer_dtype(col.dtype):
            values = pc.cast(pa.array(col.astype("Int64"), type=pa.int64()), pa.string())
        else:
            positions, uniques = pd.factorize(col.astype("object"), use_na_sentinel=True)
            escaped = np.array(
                [json.dumps(str(u), ensure_ascii=False) for u in uniques] + [None], dtype=object
            )
            values = pa.array(escaped[positions], type=pa.string())
        pieces.append(pc.binary_join_element_wise(key, values, ""))
    if not pieces:
        return ["{}"] * len(clean)
    body = pc.binary_join_element_wise(*pieces, ",", null_handling="skip")
    return pc.binary_join_element_wise("{", body, "}", "").to_pylist()


def _parse_answers(texts: pd.Series, instrument: Instrument) -> pd.DataFrame:
    """The JSON answer objects as a table, parsed by Arrow's JSON reader."""
    import pyarrow as pa
    import pyarrow.json as pj

    questions = set(instrument.question_ids)
    columns = answer_columns(instrument)
    schema = pa.schema([(c, pa.int64() if c in questions else pa.string()) for c in columns])
    if len(texts) == 0:
        return schema.empty_table().to_pandas()
    data = "\n".join(texts).encode("utf-8")
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    try:
        table = pj.read_json(io.BytesIO(data), parse_options=options)
    except pa.ArrowInvalid as exc:
        raise StoreError(f"stored answers do not fit instrument {instrument.id}: {exc}") from None
    return table.to_pandas()


def stored_columns(dialect: str) -> list[Any]:
    """The columns :func:`decode_frame` needs, in :data:`STORED` order.

    SQLite timestamps are read as their text and parsed vectorised by pandas
    (SQLAlchemy would parse every value in Python).
    """
    out: list[Any] = []
    for name in STORED:
        col: Any = respondents.c[name]
        if dialect == "sqlite" and isinstance(col.type, sa.DateTime):
            col = sa.type_coerce(col, sa.Text).label(name)
        out.append(col)
    return out


def decode_frame(rows: Sequence[Any], instrument: Instrument, include_drafts: bool) -> pd.DataFrame:
    """The wide table from stored rows.

    Parameters
    ----------
    rows : sequence of rows
        Values of the :func:`stored_columns` (metadata, ``status`` and the
        ``answers`` JSON text), one row per respondent.
    instrument : Instrument
        Supplies the answer columns and their types.
    include_drafts : bool
        Keep the ``status`` column.
    """
    # column by column: pandas builds a frame from Row objects 3x slower
    columns: dict[str, Any] = dict(zip(STORED, zip(*rows))) if rows else {n: [] for n in STORED}
    raw = pd.DataFrame(columns)
    answers = _parse_answers(raw["answers"], instrument)
    out: dict[str, Any] = {}
    for c in ("respondent_id", "cohort", "instrument_id", "instrument_version"):
        out[c] = raw[c].astype("string")
    for c in ("started_at", "submitted_at"):
        out[c] = pd.to_datetime(raw[c], utc=True, format="ISO8601").astype("datetime64[us, UTC]")
    # rows stored before the language was recorded were in the default language
    out["language"] = raw["language"].astype("string").fillna(default_language(instrument))
    out["wave"] = raw["wave"].astype("string").fillna(SINGLE)  # stored outside waves or before them
    out["subject"] = raw["subject"].astype("string")
    if include_drafts:
        out["status"] = raw["status"].astype("string")
    for q in instrument.question_ids:
        out[q] = answers[q].astype("Float64").astype("Int64")
    choice = instrument.choice_fields
    for f in field_columns(instrument):
        if f in choice:
            out[f] = pd.Categorical(answers[f], categories=list(choice[f].options))
        else:
            out[f] = answers[f].astype("string")
    if instrument.comment is not None:
        out[instrument.comment.id] = answers[instrument.comment.id].astype("string")
    return pd.DataFrame(out, index=pd.RangeIndex(len(raw)))
