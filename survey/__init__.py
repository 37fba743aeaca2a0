"""netsoc's participant side: the instrument, the response store, the form.

``survey.load_instrument`` and ``survey.open_store`` are the entry points; the
store and the form are imported lazily so that the instrument layer stays light.
"""

from __future__ import annotations

from typing import Any

from survey.errors import (
    AlreadySubmitted,
    DataError,
    DraftNotFound,
    InstrumentError,
    NetsocError,
    Problem,
    ResponseValidationError,
    StoreError,
)
from survey.instrument import Instrument, load_instrument

__all__ = [
    "AlreadySubmitted",
    "DataError",
    "DraftNotFound",
    "Instrument",
    "InstrumentError",
    "NetsocError",
    "Problem",
    "ResponseValidationError",
    "StoreError",
    "load_instrument",
    "open_store",
]


def __getattr__(name: str) -> Any:
    if name == "open_store":
        from survey.store import open_store

        return open_store
    raise AttributeError(f"module 'survey' has no attribute {name!r}")
