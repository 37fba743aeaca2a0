"""netsoc.dashboard (model) and netsoc.dashboard.view (widgets) without a browser:
the privacy rules (k threshold, small-group suppression, comments only after
reveal and escaped), refresh on new responses, and the exports."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.demo import make_demo
from netsoc.dashboard import Dashboard, settings_from_env, slides_html
from survey.errors import NetsocError
from tests.helpers import needs_zbar

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
    assert set(d.figures(snap)) == {"balance", "quadrant", "profiles", "groups", "norms"}


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


def test_view_refreshes_only_when_the_responses_change(store, instrument, rng):
    from netsoc.dashboard.view import DashboardView

    _fill(store, 6)
    view = DashboardView(_dash(store))
    assert 'data-n=\'6\'' in view.count.html
    first = view.panels["balance"].value
    assert "<svg" in first and view.panels["balance"].layout.display == "block"
    assert view.refresh() is False
    for _ in range(3):
        store.submit(_answers(instrument, rng), cohort="W1")
    assert view.refresh() is True
    assert 'data-n=\'9\'' in view.count.html
    assert view.panels["balance"].value != first
    # one response erased while another arrives: same count, new picture
    drawn = view.panels["balance"].value
    store.erase(store.to_frame(cohort="W1")["respondent_id"].iloc[0])
    store.submit(_answers(instrument, rng), cohort="W1")
    assert view.refresh() is True
    assert 'data-n=\'9\'' in view.count.html and view.panels["balance"].value != drawn


def test_view_hides_panels_below_k_and_reveal_button(store, instrument, rng):
    from netsoc.dashboard.view import DashboardView

    store.submit(_answers(instrument, rng, comment=SCRIPT), cohort="W1")
    view = DashboardView(_dash(store))
    assert all(p.layout.display == "none" and not p.value for p in view.panels.values())
    assert "Waiting for at least 5 responses" in view.status.value
    assert "Waiting for at least 5 responses" in view.count.html  # announced politely
    _fill(store, 5)
    view.refresh()
    assert "script" not in view.comments.value
    view.reveal.value = True
    assert "&lt;script&gt;" in view.comments.value and "<script>" not in view.comments.value
    view.group.value = "work_mode"
    assert view.dashboard.group_field == "work_mode"


def test_exports_png_and_slides(store, instrument, rng):
    from netsoc.dashboard.view import DashboardView

    _fill(store, 8)
    store.submit(_answers(instrument, rng, comment=SCRIPT), cohort="W1")
    view = DashboardView(_dash(store))
    png = view.export_png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    slides = view.export_slides()
    assert slides.count("<svg") == 5 and "9 responses in W1" in slides
    assert "<img" not in slides
    assert "Your comments" not in slides             # not revealed
    view.reveal.value = True
    slides = view.export_slides()
    assert "&lt;script&gt;" in slides and "<script>alert" not in slides
    view.export("png")
    assert "download='netsoc-dashboard-" in view.download.value


def test_slides_html_escapes_everything():
    text = slides_html(title="<b>W</b>", count="3", panels={}, comments=["<i>x</i>"], note="",
                       status="<s>")
    assert "<b>W</b>" not in text and "&lt;b&gt;W&lt;/b&gt;" in text
    assert "&lt;i&gt;x&lt;/i&gt;" in text and "<i>x</i>" not in text


def test_slides_carry_reveal_js_and_fetch_nothing():
    text = slides_html(title="W", count="3", panels={})
    assert "Reveal.initialize" in text and "function" in text  # reveal.js embedded
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), "a remote reference"
    assert "cdn" not in text.lower() and "@import" not in text


def test_settings_from_env_and_query_string():
    s = settings_from_env({"NETSOC_COHORT": "WS-A", "NETSOC_DASHBOARD_K": "7",
                           "NETSOC_DASHBOARD_INTERVAL": "1.5", "QUERY_STRING": "cohort=WS-B&x=1"})
    # the server's code wins over the address (issue 12): WS-B is not adopted
    assert (s.cohort, s.min_group_size, s.interval, s.group_field) == ("WS-A", 7, 1.5, "role")
    assert settings_from_env({"NETSOC_COHORT": "WS-A"}, cohort="WS-C").cohort == "WS-C"
    assert settings_from_env({"QUERY_STRING": "cohort=WS-B"}, cohort="WS-C").cohort == "WS-C"
    # without a server code the address may choose, but only a valid code
    assert settings_from_env({"QUERY_STRING": "cohort=WS-B"}).cohort == "WS-B"
    assert settings_from_env({"QUERY_STRING": "cohort=%3Cscript%3E"}).cohort is None
    assert settings_from_env({}).cohort is None
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


# ------------------------------------------------ issue 12: the server's workshop code wins
@pytest.mark.parametrize(("server", "query", "expected"), [
    ("WS-A", {"cohort": "WS-B"}, "WS-A"),        # a different code is not adopted
    ("WS-A", {"cohort": "WS-A"}, "WS-A"),
    ("WS-A", {"cohort": "<b>x"}, "WS-A"),        # an invalid one changes nothing either
    ("WS-A", {}, "WS-A"),
    (None, {"cohort": "WS-B"}, "WS-B"),          # no server code: a valid ?cohort= counts
    (None, {"cohort": "<b>x"}, None),            # ... an invalid one never does
    (None, {}, None),
    (None, "cohort=WS-B&lang=de", "WS-B"),       # the raw query string works the same
])
def test_server_cohort_wins_over_the_address(server, query, expected, instrument):
    from netsoc.dashboard import dashboard_cohort

    assert dashboard_cohort(server, query, instrument) == expected


def test_solara_dashboard_page_follows_the_same_rule(tmp_path, instrument):
    from netsoc.server.config import ServerConfig
    from netsoc.server.pages import make_dashboard
    from survey.store import open_store

    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    with open_store(db, instrument=instrument) as s:
        _fill(s, 6, cohort="WS-A")
        _fill(s, 7, seed=2, cohort="WS-B")
    views = []
    for cohort, query, shown in (("WS-A", {"cohort": "WS-B"}, ("WS-A", 6)),
                                 (None, {"cohort": "WS-B"}, ("WS-B", 7)),
                                 (None, {"cohort": "not a code!"}, (None, 13))):
        view = make_dashboard(ServerConfig(kind="dashboard", db=db, cohort=cohort), query)
        views.append(view)
        view.stop()
        assert (view.dashboard.settings.cohort, view.snapshot.n) == shown


# ------------------------------------------------ issue 15: the facilitator's language
def test_german_dashboard_has_german_headings_and_controls(store):
    from netsoc.dashboard.view import DashboardView

    _fill(store, 8)
    view = DashboardView(_dash(store, lang="de"))
    de = store.instrument.localized("de").ui
    assert "<h1>" in view.heading.value and "der Raum, live" in view.heading.value
    assert "<h2 id='netsoc-h-balance'>Wo der Raum steht</h2>" in view.panels["balance"].value
    assert "Nach Gruppen" in view.panels["groups"].value
    assert "8</span> Antworten in W1" in view.count.html and view.count.lang == "de"
    assert (view.group.description, view.reveal.description, view.png_button.description) == \
        (de["compare_by"], de["reveal_comments"], de["export_png"])
    assert "Die Zahlen" in view.panels["balance"].value
    view.reveal.value = True
    assert view.reveal.description == "Kommentare ausblenden"


def test_dashboard_command_rejects_unknown_language_and_bad_address(capsys):
    from netsoc.cli import main

    assert main(["dashboard", "--lang", "xx"]) == 1
    err = capsys.readouterr().err
    assert "'xx'" in err and "en, de, fr" in err and err.count("\n") == 1
    assert main(["dashboard", "--survey-url", "javascript:alert(1)"]) == 1
    err = capsys.readouterr().err
    assert "survey_url" in err and "http://" in err and err.count("\n") == 1


# ------------------------------------------------ issue 13: text alternatives; issue 12: no buffers
def test_every_chart_has_a_summary_and_its_numbers(store):
    import re

    import numpy as np

    from netsoc.dashboard.view import DashboardView

    df = _fill(store, 12)
    view = DashboardView(_dash(store))
    snap = view.snapshot
    for name, box in view.panels.items():
        markup = box.value
        assert markup.count("<h2") == 1, name
        svg = re.search(r"<svg[^>]*>", markup).group(0)
        assert "role='img'" in svg and f"aria-labelledby='netsoc-summary-{name}'" in svg
        assert f"<figcaption id='netsoc-summary-{name}'" in markup
        assert "<table>" in markup and "<th scope='col'>" in markup
    # the balance numbers are the room's, worked out here from the scores' definition
    inst = store.instrument
    lo, hi = inst.response_range(inst.item_ids[0])
    assert len(df) == snap.n == 12
    bal = snap.scores["balance"].astype(float)
    assert np.allclose(bal, (snap.scores["networking"] - snap.scores["socializing"]) / (hi - lo))
    table = view.panels["balance"].value
    assert "<th scope='row'>People</th><td>12</td>" in table
    assert f"<th scope='row'>Room mean</th><td>{bal.mean():.2f}".replace("-", "\u2212") in table
    counts = snap.scores["profile"].value_counts()
    for p in inst.profiles:
        assert f"<th scope='row'>{p.label}</th><td>{int(counts.get(p.id, 0))}</td>" in \
            view.panels["profiles"].value


def test_refreshes_send_no_binary_buffers(store, instrument, rng):
    import ipywidgets as widgets
    from ipywidgets.widgets.widget import _remove_buffers

    from netsoc.dashboard.view import DashboardView

    _fill(store, 8)
    view = DashboardView(_dash(store))
    store.submit(_answers(instrument, rng), cohort="W1")
    assert view.refresh() is True
    stack, seen = [view], 0
    while stack:
        w = stack.pop()
        assert not isinstance(w, widgets.Image)
        _state, _paths, buffers = _remove_buffers(w.get_state())
        assert buffers == [], type(w).__name__
        seen += 1
        stack.extend(getattr(w, "children", ()))
    assert seen > 10


def test_viewers_of_one_cohort_share_one_rendering(store, instrument, rng):
    from netsoc.dashboard import SHARED
    from netsoc.dashboard.view import DashboardView

    _fill(store, 8)
    before = SHARED.builds
    views = [DashboardView(_dash(store)) for _ in range(5)]
    assert SHARED.builds == before + 1
    store.submit(_answers(instrument, rng), cohort="W1")
    assert all(v.refresh() for v in views)
    assert SHARED.builds == before + 2
    assert len({v.panels["balance"].value for v in views}) == 1
    # a viewer that changes the comparison gets its own rendering, the others keep theirs
    views[0].group.value = "work_mode"
    assert SHARED.builds == before + 3 and views[1].dashboard.group_field == "role"


# ------------------------------------------------ issue 16: room over norms, QR code
def test_room_over_norms_hides_small_bins(store):
    import numpy as np

    from netsoc.dashboard.view import DashboardView

    _fill(store, 9)
    d = _dash(store, min_group_size=5)
    view = DashboardView(d)
    snap = view.snapshot
    bins = d.room_over_norms(snap)
    counts, _ = np.histogram(snap.scores["balance"].astype(float).clip(-1, 1),
                             bins=np.linspace(-1, 1, 11))
    small = (counts > 0) & (counts < 5)
    assert small.any()  # the test needs a bin to hide
    assert bins["suppressed"].tolist() == small.tolist()
    shown = ~small
    assert np.allclose(bins["room_share"].to_numpy()[shown], counts[shown] / 9)
    markup = view.panels["norms"].value
    assert markup.count("hidden (fewer than 5)") == int(small.sum())
    assert f"{int(small.sum())} band(s) with fewer than 5 people" in markup
    assert abs(bins["norm_share"].sum() - 1) < 1e-9
    # below k there is no norms panel at all
    d9 = _dash(store, min_group_size=10)
    assert d9.room_over_norms(d9.snapshot()) is None and "norms" not in d9.figures(d9.snapshot())


@needs_zbar
def test_join_panel_qr_decodes_to_the_survey_address(store, tmp_path):
    import re

    from netsoc.dashboard.view import DashboardView
    from tests.helpers import decode_matrix, svg_matrix

    url = "http://192.0.2.7:8866/?cohort=W1&token=Ab_3-x"
    view = DashboardView(_dash(store, survey_url=url))
    join = view.join.value
    assert "<h2 id='netsoc-h-join'>Join the survey</h2>" in join
    assert "192.0.2.7:8866?cohort=W1&amp;token=Ab_3-x" in join  # the short address, as text
    svg = re.search(r"<svg.*?</svg>", join, re.S).group(0)
    assert 'role="img"' in svg and "QR code of the survey address" in svg
    assert decode_matrix(svg_matrix(svg), tmp_path) == url
    assert DashboardView(_dash(store)).join.value == ""  # no address, no panel
    with pytest.raises(NetsocError, match="survey_url"):
        _dash(store, survey_url="javascript:alert(1)")
