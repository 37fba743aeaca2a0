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
    rows: list[dict[str, Any]] = []

    def labels(d: dict[Any, str]) -> str:
        return "; ".join(f"{k}={v}" for k, v in d.items())

    for i in instrument.items:
        rows.append(
            dict(
                variable=i.id,
                kind="item",
                text=i.text,
                scale=i.scale,
                facet=i.facet,
                keying=i.keying,
                required=i.required,
                value_labels=labels(instrument.value_labels(i.id)),
                expected=None,
                source=f"seed {i.source.seed}: {i.source.idea}",
            )
        )
    for a in instrument.attention_checks:
        rows.append(
            dict(
                variable=a.id,
                kind="attention",
                text=a.text,
                scale=None,
                facet=None,
                keying=None,
                required=a.required,
                value_labels=labels(instrument.value_labels(a.id)),
                expected=a.expected,
                source=None,
            )
        )
    for f in instrument.fields:
        rows.append(
            dict(
                variable=f.id,
                kind="field",
                text=f.label,
                scale=None,
                facet=None,
                keying=None,
                required=f.required,
                value_labels=labels(f.options) if isinstance(f, ChoiceField) else None,
                expected=None,
                source=None,
            )
        )
    if instrument.comment is not None:
        rows.append(
            dict(
                variable=instrument.comment.id,
                kind="comment",
                text=instrument.comment.label,
                scale=None,
                facet=None,
                keying=None,
                required=False,
                value_labels=None,
                expected=None,
                source=None,
            )
        )
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
