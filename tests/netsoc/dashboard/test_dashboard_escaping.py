"""Typed text on the dashboard stays text: hostile comments in the private preview, on the
projector after release, and in the exported slides (escaping, issue 9; moved from
tests/test_escaping.py with the dashboard's move to Starlette)."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from analysis.demo import make_demo
from netsoc.dashboard import Dashboard, DashboardSettings, dashboard_app
from survey.store import open_store
from tests.helpers import HOSTILE, assert_inert, keyed_answers

TOKEN = "escape-token-1"


@pytest.mark.fault("escaping: typed text shown as markup", expect="shown as text, no tag or link")
def test_hostile_comments_are_text_in_preview_projector_and_slides(tmp_path, instrument):
    with open_store(tmp_path / "d.sqlite", instrument=instrument) as store:
        for text in HOSTILE + ["=1+1", "plain"]:
            store.submit(keyed_answers(instrument, 4, 2, consent=True) | {"comment": text}, cohort="W1")
        df = make_demo(n=2, seed=3, instrument=instrument)
        df["cohort"] = "W1"
        store.import_frame(df, source="test")
        settings = DashboardSettings(db=store.url, cohort="W1", token=TOKEN, check_join=False)
        d = Dashboard(store, settings)
        client = TestClient(dashboard_app(settings, dashboard=d))
        client.get(f"/?token={TOKEN}")
        preview = client.get("/control").text.split("<ul class='preview'>")[1].split("</ul>")[0]
        assert_inert(preview, HOSTILE)
        projector = client.get("/deck").json()["html"]
        assert not any(h in projector for h in HOSTILE)  # nothing before the release
        client.post("/control/release")
        projector = client.get("/deck").json()["html"]
        assert_inert(re.sub(r"<svg.*?</svg>", "", projector, flags=re.S), HOSTILE)
        slides = client.get("/export/slides.html").text
        body = slides.split("<body", 1)[1].rsplit("<script", 2)[0]
        assert_inert(re.sub(r"<svg.*?</svg>", "", body, flags=re.S), HOSTILE)
        assert slides.count("<script") == 2  # only reveal.js and its initialisation
        page = client.get("/").text
        assert "<script type='module' src='assets/presenter.js'></script>" in page
        assert page.count("<script") == 1 and "style=" not in page
