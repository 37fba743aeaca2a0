"""Privacy: nothing personal collected, ids only when asked, erase and retention,
and the minimum group size in every breakdown of the report and dashboard."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
import pytest

from analysis.demo import make_demo
from netsoc.cli import main
from survey.errors import StoreError
from survey.instrument import ChoiceField
from survey.io import write_responses
from survey.store import open_store

DAY = dt.timedelta(days=1)


def _answers(instrument, i=0, **extra):
    a = {q: 1 + (i + j) % 5 for j, q in enumerate(instrument.question_ids)}
    a.update({c.id: c.expected for c in instrument.attention_checks})
    a["consent"] = True
    return a | extra


# ------------------------------------------------------- nothing personal
def test_no_personal_identifiers_are_asked_for(instrument):
    assert all(isinstance(f, ChoiceField) for f in instrument.fields)  # no free-text field
    words = ("name", "mail", "phone", "address", "birth", "linkedin", "company")
    for f in instrument.fields:
        assert not any(w in f.id.lower() or w in f.label.lower() for w in words), f.id
    assert "do not include names" in instrument.comment.label
    assert "do not ask for your name" in instrument.consent.text
    for f in instrument.choice_fields.values():  # every question can be declined
        assert "na" in f.options and not f.required


def test_no_ids_in_exports_and_report_tables_unless_asked(tmp_path, instrument):
    demo = make_demo(n=80, seed=9, instrument=instrument)
    with open_store(tmp_path / "p.sqlite", instrument=instrument) as store:
        store.import_frame(demo)
        frame = store.to_frame()
    for fmt in ("csv", "xlsx", "parquet", "sav"):
        path = write_responses(frame, tmp_path / f"out.{fmt}", instrument)
        data = path.read_bytes()
        assert not any(rid.encode() in data for rid in demo["respondent_id"]), fmt
    with_ids = write_responses(frame, tmp_path / "ids.csv", instrument, with_ids=True)
    assert pd.read_csv(with_ids)["respondent_id"].isin(demo["respondent_id"]).all()

    from netsoc import report

    study = report.prepare(db=str(tmp_path / "p.sqlite"))
    for table in (study.scores, report.descriptives(study)):
        assert "respondent_id" not in table.columns
        text = table.to_csv()
        assert not any(rid in text for rid in demo["respondent_id"])


# ------------------------------------------------------- erase, retention
@pytest.mark.fault("privacy: erase and retention", expect="only the named or expired rows deleted")
def test_erase_removes_exactly_one_person(store_url, instrument):
    with open_store(store_url, instrument=instrument) as store:
        ids = [store.submit(_answers(instrument, i)) for i in range(3)]
        store.erase(ids[1])
        assert sorted(store.to_frame()["respondent_id"]) == sorted([ids[0], ids[2]])
        with pytest.raises(StoreError, match="nothing was erased"):
            store.erase(ids[1])


@pytest.mark.fault("privacy: erase and retention", expect="only the named or expired rows deleted")
def test_purge_deletes_old_drafts_and_submitted_only_when_asked(store_url, instrument):
    with open_store(store_url, instrument=instrument) as store:
        draft = store.save_draft(None, {"consent": True})
        done = store.submit(_answers(instrument))
        store.import_frame(
            make_demo(n=4, seed=1, instrument=instrument).drop(columns=["submitted_at"])
        )  # no submission time
        now = dt.datetime.now(dt.UTC)
        assert store.purge(30 * DAY) == {"drafts": 0, "submitted": 0}  # nothing old yet
        assert store.count(include_drafts=True) == 6
        later = now + 31 * DAY
        assert store.purge(30 * DAY, now=later) == {"drafts": 1, "submitted": 0}
        assert store.count(include_drafts=True) == 5 and store.count() == 5
        with pytest.raises(StoreError, match="no saved draft"):
            store.load_draft(draft)
        assert store.purge(30 * DAY, now=now + 10 * DAY, submitted=True) == {"drafts": 0, "submitted": 0}
        assert store.purge(30 * DAY, now=later, submitted=True) == {"drafts": 0, "submitted": 5}
        assert store.count(include_drafts=True) == 0
        assert done  # the submitted one went only with submitted=True


@pytest.mark.fault("privacy: erase and retention", expect="only the named or expired rows deleted")
@pytest.mark.parametrize("span", [dt.timedelta(0), -DAY, 30, "30 days", None])
def test_purge_needs_a_positive_span(tmp_path, instrument, span):
    with open_store(tmp_path / "p.sqlite", instrument=instrument) as store:
        store.save_draft(None, {"consent": True})
        with pytest.raises(StoreError, match="older_than: expected a positive time span"):
            store.purge(span)
        assert store.count(include_drafts=True) == 1


def test_purge_command(tmp_path, instrument, capsys):
    db = str(tmp_path / "c.sqlite")
    with open_store(db, instrument=instrument) as store:
        store.save_draft(None, {"consent": True})
        store.submit(_answers(instrument))
    assert main(["purge", "--older-than", "30", "--db", db]) == 0
    assert "deleted 0 draft(s) older than 30 days" in capsys.readouterr().out
    assert main(["purge", "--older-than", "0", "--db", db]) == 1
    assert "--older-than: expected a number of days above 0" in capsys.readouterr().err
    time.sleep(0.2)  # the draft is now older than 0.000001 days (86 ms)
    assert main(["purge", "--older-than", "0.000001", "--db", db]) == 0
    assert "deleted 1 draft(s)" in capsys.readouterr().out
    with open_store(db, instrument=instrument) as store:
        assert store.count(include_drafts=True) == 1  # the submitted response stays
    assert main(["purge", "--older-than", "0.000001", "--submitted-too", "--db", db]) == 0
    assert "and 1 submitted response(s)" in capsys.readouterr().out


# ------------------------------------------------------ minimum group size
@pytest.fixture
def small_group_study(tmp_path, instrument):
    """Demo data where 'student' (role) has 3 people and 'remote' (work_mode) 2."""
    from netsoc import report

    demo = make_demo(n=200, seed=11, instrument=instrument)
    role = demo["role"].astype("object").where(demo["role"].astype("object") != "student", "sales")
    role.iloc[:3] = "student"
    mode = demo["work_mode"].astype("object").where(demo["work_mode"].astype("object") != "remote", "hybrid")
    mode.iloc[3:5] = "remote"
    demo["role"] = pd.Categorical(role, categories=demo["role"].cat.categories)
    demo["work_mode"] = pd.Categorical(mode, categories=demo["work_mode"].cat.categories)
    path = tmp_path / "small.csv"
    demo.to_csv(path, index=False)
    return report.prepare(data=path, group_fields="role, work_mode", exclusion="none")


def _labels_in(fig):
    return {
        t.get_text() for ax in fig.axes for t in [*ax.get_xticklabels(), *ax.get_yticklabels(), *ax.texts]
    }


@pytest.mark.fault("privacy: groups smaller than k", expect="left out of every breakdown")
def test_report_breakdowns_leave_out_small_groups(small_group_study, instrument):
    from analysis.compare import compare_groups
    from netsoc import report

    study = small_group_study
    assert (study.scores["role"] == "student").sum() == 3
    cmp = compare_groups(study.scores, study.outcomes, study.groups, "holm", min_group_size=5)
    assert cmp[cmp["group"] == "role"]["suppressed"].str.contains("student").all()
    for g, small in (("role", "student"), ("work_mode", "remote")):
        row = cmp[cmp["group"] == g].iloc[0]
        assert small not in row["levels"].split("; ") and small in row["suppressed"]
    student, remote = (
        instrument.value_labels("role")["student"],
        instrument.value_labels("work_mode")["remote"],
    )
    for fig in report.group_figures(study, min_group_size=5):
        shown = " ".join(_labels_in(fig))
        assert student not in shown and remote not in shown
    reg = report.regression_data(study, min_group_size=5)
    assert reg["role"].eq("student").sum() == 0 and reg["work_mode"].eq("remote").sum() == 0


@pytest.mark.fault("privacy: groups smaller than k", expect="left out of every breakdown")
def test_dashboard_breakdowns_leave_out_small_groups(tmp_path, instrument):
    from netsoc.dashboard import Dashboard, DashboardSettings
    from netsoc.dashboard.panels import room_panels

    rng = np.random.default_rng(3)
    with open_store(tmp_path / "d.sqlite", instrument=instrument) as store:
        for i in range(12):
            role = "student" if i < 2 else "sales"
            store.submit(_answers(instrument, int(rng.integers(0, 5)), role=role), cohort="W")
        for field in instrument.choice_fields:
            d = Dashboard(store, DashboardSettings(cohort="W", min_group_size=5, group_field=field))
            state = d.state()
            low, high = d.response_range
            shown = "".join(
                c.html() for c in room_panels(state, d.t, min_group_size=5, low=low, high=high, cohort="W")
            )
            for label in instrument.choice_fields[field].options.values():
                if field == "role" and label == instrument.value_labels("role")["sales"]:
                    continue
                assert label not in shown, (field, label)  # never shown, never named
            if field == "role":
                assert "Groups with fewer than 5 people are not shown." in shown
