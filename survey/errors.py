"""The project's exception types.

Every error a user can cause (a bad file, a bad instrument definition, a bad
answer, a bad argument) is raised as one of these, with a message that names
the field, the value and what was expected.  The command line turns them into
one line on stderr and a non-zero exit status.

This module imports nothing of ours; every other module may import it.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "NetsocError",
    "InstrumentError",
    "ResponseValidationError",
    "DataError",
    "StoreError",
]


class NetsocError(Exception):
    """Base class of every error netsoc raises on purpose.

    Parameters
    ----------
    message : str
        Summary line.
    problems : iterable of str, optional
        Individual problems; all of them are listed in ``str(error)``.
    """

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        self.problems: list[str] = list(problems)
        self.summary = message
        text = message
        if self.problems:
            text += "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(text)


class InstrumentError(NetsocError):
    """An instrument (questionnaire) file is malformed or inconsistent."""


class ResponseValidationError(NetsocError, ValueError):
    """Submitted answers do not fit the instrument."""


class DataError(NetsocError, ValueError):
    """A data table or an argument of an analysis function is unusable."""


class StoreError(NetsocError):
    """The response store cannot be reached or refused an operation."""
