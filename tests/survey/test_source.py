"""survey.store.ResponseSource: the read protocol the apps type their store with."""

from __future__ import annotations

import pandas as pd

from survey.store import ResponseSource, ResponseStore


def test_the_store_is_a_response_source(sqlite_store):
    assert isinstance(sqlite_store, ResponseSource)
    assert sqlite_store.count() == 0 and sqlite_store.cohorts() == []
    assert isinstance(sqlite_store.to_frame(), pd.DataFrame)


def test_a_reader_needs_only_the_protocol(instrument):
    class Frozen:
        """A read-only source over a fixed table (e.g. a snapshot)."""

        def __init__(self, frame: pd.DataFrame) -> None:
            self.instrument, self.frame = instrument, frame

        def count(self, cohort=None, *, include_drafts=False):
            return len(self.to_frame(cohort))

        def version(self, cohort=None):
            return self.count(cohort), None

        def cohorts(self):
            return sorted(self.frame["cohort"].dropna().unique())

        def to_frame(self, cohort=None, include_drafts=False):
            return self.frame if cohort is None else self.frame[self.frame["cohort"] == cohort]

    frozen = Frozen(pd.DataFrame({"cohort": ["A", "A", "B"]}))
    assert isinstance(frozen, ResponseSource) and frozen.count("A") == 2
    assert not isinstance(object(), ResponseSource)
    assert not issubclass(ResponseStore, type(frozen))
