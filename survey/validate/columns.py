"""The columns of the wide response table an instrument defines, and what counts as no answer."""

from __future__ import annotations

from typing import Any

import pandas as pd

from survey.instrument import Instrument
from survey.schema import META_COLUMNS

__all__ = ["is_missing", "field_columns", "default_language", "language_tags", "answer_columns"]


def is_missing(value: Any) -> bool:
    """None, pandas.NA or NaT: no answer."""
    return value is None or value is pd.NA or value is pd.NaT


def field_columns(instrument: Instrument) -> list[str]:
    """Demographic field ids that get their own column.

    (Field ids never clash with the metadata columns; the instrument
    reserves those names.)
    """
    return [f for f in instrument.field_ids if f not in META_COLUMNS]


def default_language(instrument: Instrument) -> str:
    """The language a response is in when nobody says otherwise.

    The language of the instrument's texts: its default language, unless the
    instrument was localized (:meth:`~survey.instrument.Instrument.localized`).
    """
    return getattr(instrument, "language", None) or getattr(instrument, "default_language", None) or "en"


def language_tags(instrument: Instrument) -> dict[str, str]:
    """``{tag.casefold(): tag}`` for every language the instrument offers.

    BCP 47 tags are case-insensitive: ``"DE"`` is read as the instrument's ``"de"``.
    """
    tags = list(getattr(instrument, "languages", None) or ()) or [default_language(instrument)]
    return {str(t).casefold(): str(t) for t in tags}


def answer_columns(instrument: Instrument) -> list[str]:
    """Answer columns of the wide table: questions, fields, then the comment."""
    cols = instrument.question_ids + field_columns(instrument)
    if instrument.comment is not None:
        cols.append(instrument.comment.id)
    return cols
