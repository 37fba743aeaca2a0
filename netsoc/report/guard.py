"""A section that cannot be computed on the data at hand (a small workshop: an
item nobody varied on, a group of one) becomes a warning in the report, not a
failed report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from netsoc.report.study import md_text
from survey.errors import DataError

__all__ = ["attempt", "show", "warning_markdown"]

T = TypeVar("T")


def warning_markdown(what: str, why: str) -> str:
    """A visible warning paragraph (Markdown, text escaped)."""
    return f"> **Warning: {md_text(what)} could not be computed.** {md_text(why)}"


def attempt(what: str, func: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """``func(*args, **kwargs)``, or ``None`` after displaying a warning that names
    ``what`` and the reason (a data problem, never a programming error: those still raise)."""
    try:
        return func(*args, **kwargs)
    except (DataError, np.linalg.LinAlgError, ZeroDivisionError) as exc:
        from IPython.display import Markdown, display

        reason = str(exc).split("\n")[0]
        display(Markdown(warning_markdown(what, reason)))
        return None


def show(what: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """:func:`attempt`, and display the result when there is one (returns nothing, so a
    notebook cell ending with it shows the result once)."""
    result = attempt(what, func, *args, **kwargs)
    if result is not None:
        from IPython.display import display

        display(result)
