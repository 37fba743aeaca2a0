"""What a reader of responses needs of a store: the :class:`ResponseSource` protocol.

The dashboard, the feedback page's room comparison, the report and the start-up
checks only read responses.  They take a ``ResponseSource`` rather than the
concrete :class:`~survey.store.ResponseStore`, so a test double or another
backend that offers these few methods fits, and a type checker tells when a
caller needs more than reading.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd

    from survey.instrument import Instrument

__all__ = ["ResponseSource"]


@runtime_checkable
class ResponseSource(Protocol):
    """Read access to stored responses (what :class:`~survey.store.ResponseStore` offers).

    Attributes
    ----------
    instrument : Instrument
        The questionnaire the responses answer.
    """

    instrument: Instrument

    def count(self, cohort: str | None = None, *, include_drafts: bool = False) -> int:
        """Submitted responses (and drafts, if asked) of ``cohort`` (None: all)."""
        ...

    def version(self, cohort: str | None = None) -> tuple[int, str | None]:
        """The count and the time of the latest change: equal versions, equal data."""
        ...

    def cohorts(self) -> list[str]:
        """Every workshop code with a response."""
        ...

    def to_frame(self, cohort: str | None = None, include_drafts: bool = False) -> pd.DataFrame:
        """The wide response table of ``cohort`` (None: all)."""
        ...
