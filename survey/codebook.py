"""The codebook: what every column of the wide response table means.

:func:`codebook` gives one row per question with its text, scale, keying and
value labels (``netsoc instrument codebook``, the demo set and the study
bundle write it); :func:`codebook_labels` gives the column and value labels
that SPSS files and the bundle's table schema carry.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from survey.instrument import ChoiceField, Instrument

__all__ = ["codebook", "codebook_labels"]


def _labels(d: dict[Any, str]) -> str:
    """Value labels as ``code=label`` pairs joined by ``; ``."""
    return "; ".join(f"{k}={v}" for k, v in d.items())


def _row(
    variable: str,
    kind: str,
    text: str,
    required: bool,
    *,
    scale: str | None = None,
    facet: str | None = None,
    keying: str | None = None,
    value_labels: str | None = None,
    expected: int | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """One codebook row, its columns in the codebook's order (what a kind lacks is None)."""
    return dict(
        variable=variable,
        kind=kind,
        text=text,
        scale=scale,
        facet=facet,
        keying=keying,
        required=required,
        value_labels=value_labels,
        expected=expected,
        source=source,
    )


def codebook(instrument: Instrument) -> pd.DataFrame:
    """One row per variable of the wide response table (the study's codebook).

    Returns
    -------
    pandas.DataFrame
        Columns ``variable``, ``kind`` (item, attention, field, comment),
        ``text``, ``scale``, ``facet``, ``keying``, ``required``,
        ``value_labels`` (``code=label`` pairs joined by ``; ``),
        ``expected`` (attention checks) and ``source``.
    """
    items = [
        _row(
            i.id,
            "item",
            i.text,
            i.required,
            scale=i.scale,
            facet=i.facet,
            keying=i.keying,
            value_labels=_labels(instrument.value_labels(i.id)),
            source=f"seed {i.source.seed}: {i.source.idea}",
        )
        for i in instrument.items
    ]
    checks = [
        _row(
            a.id,
            "attention",
            a.text,
            a.required,
            value_labels=_labels(instrument.value_labels(a.id)),
            expected=a.expected,
        )
        for a in instrument.attention_checks
    ]
    fields = [
        _row(
            f.id,
            "field",
            f.label,
            f.required,
            value_labels=_labels(f.options) if isinstance(f, ChoiceField) else None,
        )
        for f in instrument.fields
    ]
    comment = instrument.comment
    comments = [] if comment is None else [_row(comment.id, "comment", comment.label, False)]
    rows = [*items, *checks, *fields, *comments]
    out = pd.DataFrame(rows)
    out["expected"] = out["expected"].astype("Int64")
    return out


def codebook_labels(instrument: Instrument) -> tuple[dict[str, str], dict[str, dict[Any, str]]]:
    """Labels for every exported column and the value labels of the coded ones.

    Returns
    -------
    column_labels : dict
        Column name -> label (statement text, or the meaning of a metadata column).
    value_labels : dict
        Column name -> {code: label} for answers with a scale or options.
    """
    book = codebook(instrument)
    col_labels = dict(zip(book["variable"], book["text"].astype(str)))
    col_labels.update(
        {
            "respondent_id": "Random respondent code",
            "cohort": "Cohort (workshop or study code)",
            "instrument_id": "Instrument id",
            "instrument_version": "Instrument version",
            "started_at": "Started (UTC)",
            "submitted_at": "Submitted (UTC)",
            "language": "Language answered in (BCP 47 tag)",
            "wave": "Wave (pre, post; single outside waves)",
            "subject": "Random id linking one person's waves within the cohort (empty: unlinked)",
        }
    )
    value_labels: dict[str, dict[Any, str]] = {}
    for var in instrument.question_ids:
        value_labels[var] = {float(k): v for k, v in instrument.value_labels(var).items()}
    for var, field in instrument.choice_fields.items():
        value_labels[var] = dict(field.options)
    return col_labels, value_labels
