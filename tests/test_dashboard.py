"""netsoc.dashboard (model) and netsoc.dashboard_view (widgets) without a browser:
the privacy rules (k threshold, small-group suppression, comments only after
reveal and escaped), refresh on new responses, and the exports."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.demo import make_demo
from netsoc.dashboard import Dashboard, settings_from_env, slides_html
from survey.errors import NetsocError

SCRIPT = "<script>alert('x')</script> great session"


@pytest.fixture
def store(tmp_path, instrument):
    from survey.store import open_store

    with open_store(f"sqlite:///{tmp_path / 'd.sqlite'}", instrument=instrument) as s:
        yield s


def _fill(store, n, *, seed=1, cohort="W1", **fields):
    df = make_demo(n=n, seed=seed, instrument=store.instrument)
    df["cohort"] = cohort
    for k, v in fields.items():
        df[k] = pd.Categorical([v] * n, categories=df[k].cat.categories) if not callable(v) else v(n)
    store.import_frame(df, source="test")
    return df


def _answers(instrument, rng, **extra):
    a = {q: int(rng.integers(1, 6)) for q in instrument.item_ids}
    a.update({c.id: c.expected for c in instrument.attention_checks})
    a[instrument.consent.id] = True
    a.update(extra)
    return a


def _dash(store, **kw):
    return Dashboard(store, settings_from_env({}, cohort="W1", **kw))


def test_nothing_is_shown_below_k(store, instrument, rng):
    for _ in range(4):
        store.submit(_answers(instrument, rng, comment="hi"), cohort="W1")
    d = _dash(store, min_group_size=5)
    snap = d.snapshot()
    assert snap.n == 4 and d.count() == 4
    assert d.figures(snap) == {}
    assert "at least 5 responses" in d.status(snap) and "1 more needed" in d.status(snap)
    d.reveal_comments()
    assert "hi" not in d.comments_html(snap)
    store.submit(_answers(instrument, rng), cohort="W1")
    snap = d.snapshot()
    assert set(d.figures(snap)) == {"balance", "quadrant", "profiles", "groups"}


def test_snapshot_is_anonymous_and_only_the_cohort(store):
    _fill(store, 12, cohort="W1")
    _fill(store, 7, seed=2, cohort="W2")
    d = _dash(store)
    snap = d.snapshot()
    assert snap.n == 12
    assert "respondent_id" not in snap.scores.columns
    assert not any("id" == c or c.endswith("_id") for c in snap.scores.columns)


def test_small_groups_are_suppressed_in_the_comparison(store):
    roles = lambda n: pd.Categorical(["sales"] * 8 + ["research"] * 3 + ["na"] * (n - 11),  # noqa: E731
                                     categories=list(store.instrument.choice_fields["role"].options))
    _fill(store, 15, role=roles)
    d = _dash(store, min_group_size=5, group_field="role")
    snap = d.snapshot()
    fig = d.figures(snap)["groups"]
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks == ["Sales or business development"]
    assert fig.netsoc_suppressed == ["research (n<5)"]
    note = d.group_note(snap)
    assert "fewer than 5 respondents are not shown" in note and "Research or academia" in note
    # with k = 3 the research group appears
    d3 = _dash(store, min_group_size=3, group_field="role")
    ticks = [t.get_text() for t in d3.figures(d3.snapshot())["groups"].axes[0].get_yticklabels()]
    assert ticks == ["Sales or business development", "Research or academia"]


def test_no_group_large_enough_says_so(store):
    _fill(store, 6, work_mode=lambda n: pd.Categorical(
        ["remote", "hybrid", "onsite"] * 2, categories=["remote", "hybrid", "onsite", "na"]))
    d = _dash(store, group_field="work_mode")
    assert "no comparison is shown" in d.group_note(d.snapshot())


def test_comments_only_after_reveal_and_escaped(store, instrument, rng):
    _fill(store, 6)
    store.submit(_answers(instrument, rng, comment=SCRIPT), cohort="W1")
    d = _dash(store)
    snap = d.snapshot()
    hidden = d.comments_html(snap)
    assert "script" not in hidden and "hidden" in hidden
    d.reveal_comments()
    shown = d.comments_html(snap)
    assert "<script>" not in shown
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; great session" in shown


def test_view_refreshes_only_when_the_count_changes(store, instrument, rng):
    from netsoc.dashboard_view import DashboardView

    _fill(store, 6)
    view = DashboardView(_dash(store))
    assert 'data-n=\'6\'' in view.count.value
    first = view.images["balance"].value
    assert first[:4] == b"\x89PNG" and view.images["balance"].layout.display == "block"
    assert view.refresh() is False
    for _ in range(3):
        store.submit(_answers(instrument, rng), cohort="W1")
    assert view.refresh() is True
    assert 'data-n=\'9\'' in view.count.value
    assert view.images["balance"].value != first


def test_view_hides_panels_below_k_and_reveal_button(store, instrument, rng):
    from netsoc.dashboard_view import DashboardView

    store.submit(_answers(instrument, rng, comment=SCRIPT), cohort="W1")
    view = DashboardView(_dash(store))
    assert all(img.layout.display == "none" for img in view.images.values())
    assert "Waiting for at least 5 responses" in view.status.value
    _fill(store, 5)
    view.refresh()
    assert "script" not in view.comments.value
    view.reveal.value = True
    assert "&lt;script&gt;" in view.comments.value and "<script>" not in view.comments.value
    view.group.value = "work_mode"
    assert view.dashboard.group_field == "work_mode"


def test_exports_png_and_slides(store, instrument, rng):
    from netsoc.dashboard_view import DashboardView

    _fill(store, 8)
    store.submit(_answers(instrument, rng, comment=SCRIPT), cohort="W1")
    view = DashboardView(_dash(store))
    png = view.export_png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    slides = view.export_slides()
    assert slides.count("data:image/png;base64,") == 4 and "9 responses" in slides
    assert "Your comments" not in slides             # not revealed
    view.reveal.value = True
    slides = view.export_slides()
    assert "&lt;script&gt;" in slides and "<script>alert" not in slides
    view.export("png")
    assert "download='netsoc-dashboard-" in view.download.value


def test_slides_html_escapes_everything():
    text = slides_html(title="<b>W</b>", n=3, pngs={}, comments=["<i>x</i>"], note="", status="<s>")
    assert "<b>W</b>" not in text and "&lt;b&gt;W&lt;/b&gt;" in text
    assert "&lt;i&gt;x&lt;/i&gt;" in text and "<i>x</i>" not in text


def test_settings_from_env_and_query_string():
    s = settings_from_env({"NETSOC_COHORT": "A", "NETSOC_DASHBOARD_K": "7",
                           "NETSOC_DASHBOARD_INTERVAL": "1.5", "QUERY_STRING": "cohort=B&x=1"})
    assert (s.cohort, s.min_group_size, s.interval, s.group_field) == ("B", 7, 1.5, "role")
    assert settings_from_env({"NETSOC_COHORT": "A"}, cohort="C").cohort == "C"
    with pytest.raises(NetsocError, match="min_group_size: got 1"):
        settings_from_env({}, min_group_size=1)
    with pytest.raises(NetsocError, match="interval: got 0"):
        settings_from_env({}, interval=0)


def test_unknown_group_field(store):
    with pytest.raises(NetsocError, match="group_field: 'shoe' is not a choice field"):
        _dash(store, group_field="shoe")


def test_dashboard_command_rejects_bad_group(capsys):
    from netsoc.cli import main

    assert main(["dashboard", "--group", "shoe"]) == 1
    assert "--group: 'shoe' is not a choice field" in capsys.readouterr().err


def test_dashboard_notebook_runs_with_papermill(tmp_path, instrument):
    import nbformat
    import papermill as pm

    from survey.store import open_store

    db = f"sqlite:///{tmp_path / 'nb.sqlite'}"
    with open_store(db, instrument=instrument) as s:
        _fill(s, 9, cohort="NB")
    out = tmp_path / "dash.ipynb"
    from tests.conftest import ROOT

    pm.execute_notebook(str(ROOT / "notebooks" / "03_workshop_dashboard.ipynb"), str(out),
                        parameters=dict(db=db, cohort="NB", auto_refresh=False),
                        kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
    nb = nbformat.read(out, as_version=4)
    outs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outs if o.get("name") == "stderr" or o["output_type"] == "error"]
    widget = [o for o in outs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widget) == 1
    # the widget state nbclient saved holds the count the page showed
    import json

    state = json.dumps(nb.metadata["widgets"])
    assert "data-n='9'" in state and "9</span> responses in NB" in state
