"""Check answers against an instrument: one response (a dict) or a table.

Pure functions, no SQL and no widgets: the store, the importer and the form
all use them, so a value is judged the same way wherever it comes from.

- :func:`validate_answers` checks one response (the dict the form builds).
- :func:`validate_frame` checks a whole wide table at once (vectorised) and
  converts text labels such as ``"Agree"`` into their codes.

The package's rooms: :mod:`~survey.validate.columns` (which columns an
instrument defines), :mod:`~survey.validate.answers` and
:mod:`~survey.validate.frame`.  Import from here.

Both collect *every* problem and raise one
:class:`~survey.errors.ResponseValidationError` carrying them all as
:class:`~survey.errors.Problem` records (the field, the message and, for
tables, the file rows), so a form can show each beside its question.
"""

from __future__ import annotations

from survey.errors import MAX_LISTED, column_problem, format_rows, shown
from survey.schema import META_COLUMNS
from survey.validate.answers import validate_answers
from survey.validate.columns import answer_columns, default_language, field_columns, is_missing, language_tags
from survey.validate.frame import validate_frame

__all__ = [
    "META_COLUMNS",
    "MAX_LISTED",
    "answer_columns",
    "field_columns",
    "default_language",
    "language_tags",
    "is_missing",
    "validate_answers",
    "validate_frame",
    "format_rows",
    "column_problem",
    "shown",
]
