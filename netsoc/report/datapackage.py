"""The Frictionless Data Package of a study bundle: the responses' table schema
(types, value labels, missing values) and the codebook, validated before anything
is written (:mod:`netsoc.report.bundle`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from survey.errors import DataError
from survey.instrument import Instrument

__all__ = ["table_schema", "write_datapackage", "DATETIME_FORMAT"]

#: How survey.io writes timestamps in CSV (``2026-03-23T11:22:55.000000+0000``).
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f%z"
_META_TYPES = {
    "cohort": "string",
    "instrument_id": "string",
    "instrument_version": "string",
    "language": "string",
    "respondent_id": "string",
    "subject": "string",
}


def table_schema(columns: list[str], instrument: Instrument) -> dict[str, Any]:
    """Frictionless Table Schema of the responses CSV.

    Items and attention checks are integers whose allowed codes are an
    ``enum`` constraint and whose value labels are ``categories``
    (Data Package v2) with ``categoriesOrdered``; choice fields are strings
    with their option codes likewise; timestamps are datetimes; an empty
    cell is missing.  Every field carries its codebook text as
    ``description``.
    """
    from survey.codebook import codebook_labels

    col_labels, _ = codebook_labels(instrument)
    questions = set(instrument.question_ids)
    fields = []
    for c in columns:
        f: dict[str, Any] = {"name": c, "description": col_labels.get(c, c)}
        if c in questions:
            labels = instrument.value_labels(c)
            f.update(
                type="integer",
                constraints={"enum": [int(k) for k in labels]},
                categories=[{"value": int(k), "label": v} for k, v in labels.items()],
                categoriesOrdered=True,
            )
        elif c in instrument.choice_fields:
            labels = dict(instrument.choice_fields[c].options)
            f.update(
                type="string",
                constraints={"enum": [str(k) for k in labels]},
                categories=[{"value": str(k), "label": v} for k, v in labels.items()],
            )
        elif c == "wave":
            f.update(type="string", constraints={"enum": ["pre", "post", "single"]})
        elif c in ("started_at", "submitted_at"):
            f.update(type="datetime", format=DATETIME_FORMAT)
        else:
            f.update(type=_META_TYPES.get(c, "string"))
        fields.append(f)
    return {"fields": fields, "missingValues": [""]}


def _codebook_schema(book: pd.DataFrame) -> dict[str, Any]:
    types = {"required": "boolean"}
    return {
        "fields": [{"name": c, "type": types.get(c, "string")} for c in book.columns],
        "missingValues": [""],
        "primaryKey": ["variable"],
    }


def write_datapackage(
    stage: Path,
    columns: list[str],
    book: pd.DataFrame,
    instrument: Instrument,
    instrument_files: dict[str, str],
    created: str,
    software: str,
) -> None:
    from frictionless import Package, validate

    descriptor = {
        "name": f"{instrument.id}-study",
        "title": f"{instrument.title} - responses",
        "description": (
            f"Submitted responses to {instrument.id} {instrument.version}, "
            "without respondent ids, with the codebook generated from the "
            "instrument file."
        ),
        "created": created,
        "resources": [
            {
                "name": "responses",
                "path": "data/responses.csv",
                "profile": "tabular-data-resource",
                "description": "One row per respondent (integer answer codes; empty = missing)",
                "schema": table_schema(columns, instrument),
            },
            {
                "name": "codebook",
                "path": "data/codebook.csv",
                "profile": "tabular-data-resource",
                "description": "One row per variable of the responses",
                "schema": _codebook_schema(book),
            },
        ],
        "netsoc:instrument": {
            "id": instrument.id,
            "version": instrument.version,
            "files": [{"path": p, "sha256": h} for p, h in instrument_files.items()],
        },
        "netsoc:software": software,
    }
    package = Package.from_descriptor(descriptor, basepath=str(stage))
    package.to_json(str(stage / "datapackage.json"))
    report = validate(str(stage / "datapackage.json"))
    if not report.valid:
        problems = [f"{row[0]}: {row[1]}" for row in report.flatten(["type", "note"])]
        raise DataError("bundle: the Data Package does not validate", problems)
