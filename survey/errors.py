"""The project's exception types.

Every error a user can cause (a bad file, a bad instrument definition, a bad
answer, a bad argument) is raised as one of these, with a message that names
the field, the value and what was expected.  The command line turns them into
one line on stderr and a non-zero exit status.

Errors carry their individual problems as :class:`Problem` records (the
field, a message, the rows of a table), so that a form can show each message
beside its question and a program can react to a kind of error by its type
(:class:`DraftNotFound`): no code needs to parse an error message.

The helpers at the end write the parts of messages every reader shares: a
value cut to a readable length (:func:`shown`), a list of rows
(:func:`format_rows`), a column's problem (:func:`column_problem`) and
pydantic's errors located in the input (:func:`pydantic_problems`).

This module imports nothing of ours; every other module may import it.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = [
    "MAX_LISTED",
    "Problem",
    "NetsocError",
    "InstrumentError",
    "ResponseValidationError",
    "DataError",
    "StoreError",
    "DraftNotFound",
    "AlreadySubmitted",
    "shown",
    "format_rows",
    "column_problem",
    "describe_location",
    "pydantic_problems",
]

#: At most this many problems are listed in one error message (all are kept
#: in ``error.problems``).
MAX_LISTED = 20


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input.

    Attributes
    ----------
    field : str or None
        The question, field, column or argument at fault (``None`` when the
        problem concerns the whole input, e.g. "no data rows").
    message : str
        What is wrong, for a person, without the field's name: ``"17 is
        outside the response scale 1..5"``.
    rows : tuple of int
        For tables: every row number (as the user sees the file) with this
        problem; empty otherwise.
    where : str or None
        How the message names the field when it is printed; default the
        field itself (tables say ``column 'q1'``).
    """

    field: str | None
    message: str
    rows: tuple[int, ...] = ()
    where: str | None = None

    @property
    def row(self) -> int | None:
        """The first row with this problem, or ``None``."""
        return self.rows[0] if self.rows else None

    def __str__(self) -> str:
        name = self.where if self.where is not None else self.field
        return f"{name}: {self.message}" if name else self.message


def _as_problem(p: Problem | str) -> Problem:
    return p if isinstance(p, Problem) else Problem(None, str(p))


class NetsocError(Exception):
    """Base class of every error netsoc raises on purpose.

    Parameters
    ----------
    message : str
        Summary line.
    problems : iterable of Problem or str, optional
        Individual problems (text becomes a :class:`Problem` without a
        field); the first :data:`MAX_LISTED` are listed in ``str(error)``.

    Attributes
    ----------
    summary : str
        The summary line.
    problems : tuple of Problem
        Every problem.
    """

    def __init__(self, message: str, problems: Iterable[Problem | str] = ()) -> None:
        self.problems: tuple[Problem, ...] = tuple(_as_problem(p) for p in problems)
        self.summary = message
        text = message
        if self.problems:
            lines = [str(p) for p in self.problems[:MAX_LISTED]]
            if len(self.problems) > MAX_LISTED:
                lines.append(f"... and {len(self.problems) - MAX_LISTED} more problem(s)")
            text += "\n" + "\n".join(f"  - {line}" for line in lines)
        super().__init__(text)

    @property
    def fields(self) -> dict[str, str]:
        """``{field: message}`` of the problems that concern one field (the first per field)."""
        out: dict[str, str] = {}
        for p in self.problems:
            if p.field is not None:
                out.setdefault(p.field, p.message)
        return out


class InstrumentError(NetsocError):
    """An instrument (questionnaire) file is malformed or inconsistent."""


class ResponseValidationError(NetsocError, ValueError):
    """Submitted answers do not fit the instrument."""


class DataError(NetsocError, ValueError):
    """A data table or an argument of an analysis function is unusable."""


class StoreError(NetsocError):
    """The response store cannot be reached or refused an operation."""


class DraftNotFound(StoreError):
    """No saved draft has this resume code.

    Parameters
    ----------
    code : str
        The code as given.
    submitted : bool
        ``True`` when the code belongs to a response that was already
        submitted (it can no longer be resumed); ``False`` when no
        response has it.
    """

    def __init__(self, code: str, *, submitted: bool, message: str) -> None:
        self.code = code
        self.submitted = submitted
        super().__init__(message)


class AlreadySubmitted(StoreError):
    """This browser has already submitted a response; another one is not stored.

    Parameters
    ----------
    respondent_id : str
        The id the refused submission was made under.
    """

    def __init__(self, respondent_id: str, message: str) -> None:
        self.respondent_id = respondent_id
        super().__init__(message)


# ------------------------------------------------------- message helpers
#: At most this many rows are named in one problem's message.
_ROWS_SHOWN = 8
_REPR = reprlib.Repr()
_REPR.maxstring, _REPR.maxlong, _REPR.maxother = 60, 40, 60
_REPR.maxlist = _REPR.maxdict = _REPR.maxtuple = 4


def shown(value: Any) -> str:
    """``repr(value)`` cut to about 60 characters, for error messages.

    A 5 MB string sent as an answer must not become a 5 MB error message.
    """
    return _REPR.repr(value)


def format_rows(rows: Sequence[int], values: Sequence[Any] | None = None) -> str:
    """``rows 3, 7 ('x'), ... and 12 more`` for error messages."""
    items = []
    for i, r in enumerate(rows[:_ROWS_SHOWN]):
        items.append(f"{r} ({shown(values[i])})" if values is not None else str(r))
    word = "row" if len(rows) == 1 else "rows"
    text = f"{word} " + ", ".join(items)
    if len(rows) > _ROWS_SHOWN:
        text += f" and {len(rows) - _ROWS_SHOWN} more"
    return text


def column_problem(name: str, what: str, rows: Sequence[int], values: Sequence[Any] | None = None) -> Problem:
    """A problem of some cells of one column: ``column 'q1': <what> in rows 3 ('x'), ...``."""
    return Problem(
        name,
        f"{what} in {format_rows(rows, values)}",
        rows=tuple(int(r) for r in rows),
        where=f"column {name!r}",
    )


def describe_location(raw: Any, loc: tuple[Any, ...]) -> str:
    """Turn a pydantic location into ``items[3] (id 'x').keying``."""
    parts: list[str] = []
    node = raw
    for part in loc:
        if isinstance(part, int):
            label = f"[{part}]"
            if isinstance(node, list) and part < len(node):
                node = node[part]
                if isinstance(node, dict) and "id" in node:
                    label += f" (id {node['id']!r})"
            parts.append(label)
        else:
            if part in ("ChoiceField", "TextField") or str(part).startswith("function-"):
                continue
            parts.append(("." if parts else "") + str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return "".join(parts) or "<top level>"


def pydantic_problems(raw: Any, exc: ValidationError) -> list[str]:
    """One message per error of a pydantic validation, located in ``raw`` (the input)."""
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        value = err.get("input")
        got = "" if err["type"] == "missing" or isinstance(value, (dict, list)) else f" (got {value!r})"
        problems.append(f"{describe_location(raw, loc)}: {msg}{got}")
    return problems
