"""A study bundle of a before-and-after workshop keeps ``wave`` and ``subject`` (and its data package
describes them); respondent ids and linking-code hashes stay out."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from analysis.demo import make_demo
from netsoc.cli import main
from survey.store import open_store
from survey.waves import WaveTag

pytestmark = pytest.mark.slow


def test_a_two_wave_bundle_keeps_wave_and_subject(tmp_path):
    db = str(tmp_path / "s.sqlite")
    data = make_demo(160, seed=8).drop(columns=["respondent_id"])  # the data of test_bundle.py
    data["wave"] = ["pre"] * 80 + ["post"] * 80
    data["subject"] = [f"subj{i:02d}" for i in range(80)] * 2
    with open_store(db) as store:
        store.import_frame(data, source="test")
        answers = {q: 3 for q in store.instrument.question_ids} | {"consent": True}
        for a in store.instrument.attention_checks:
            answers[a.id] = a.expected
        store.submit(answers, cohort="WS-1", wave=WaveTag("pre", "live1", link_hash="f" * 64))
    out = tmp_path / "study.zip"
    assert main(["export", "--db", db, "--bundle", str(out)]) == 0
    with zipfile.ZipFile(out) as zf:
        zf.extractall(tmp_path / "unpacked")
        csv = zf.read("data/responses.csv").decode("utf-8")
    from frictionless import Package, validate

    package_path = tmp_path / "unpacked" / "datapackage.json"
    report = validate(str(package_path))
    assert report.valid, report.flatten(["type", "note"])
    fields = {f.name: f for f in Package(str(package_path)).get_resource("responses").schema.fields}
    assert fields["wave"].to_descriptor()["constraints"]["enum"] == ["pre", "post", "single"]
    assert "waves" in fields["subject"].description
    frame = pd.read_csv(tmp_path / "unpacked" / "data" / "responses.csv", dtype=str)
    assert frame["wave"].value_counts().to_dict() == {"pre": 81, "post": 80}
    assert frame["subject"].str.startswith("subj").sum() == 160
    assert "f" * 64 not in csv and "link_hash" not in csv and "respondent_id" not in csv
