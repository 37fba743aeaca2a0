"""Feedback tests see every change of a room at once (the server reuses a room's summary
for :data:`netsoc.feedback.room.ROOM_REFRESH_S` seconds; one test checks that)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_rooms(monkeypatch):
    monkeypatch.setattr("netsoc.feedback.room.ROOM_REFRESH_S", 0.0)
