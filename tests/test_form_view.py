"""The questionnaire widgets, driven without a browser (set values, click buttons)."""

from __future__ import annotations

import ipywidgets as widgets
import pytest

from netsoc.form.view import SurveyView, survey_app
from survey.store import open_store


def classes(w):
    return set(w._dom_classes)


def walk(w):
    yield w
    for c in getattr(w, "children", ()):
        yield from walk(c)


def find(view, cls):
    return [w for w in walk(view) if cls in getattr(w, "_dom_classes", ())]


@pytest.fixture
def app(tmp_path, instrument):
    db = tmp_path / "s.sqlite"
    view = survey_app(str(db), environ={"QUERY_STRING": "cohort=W-9"}, instrument=instrument,
                      warm_up=False)
    yield view, db


def answer_shown_page(view, rng):
    clicked = {}
    for w in walk(view.body):
        for c in classes(w) if hasattr(w, "_dom_classes") else ():
            if not c.startswith("netsoc-item-"):
                continue
            qid = c.removeprefix("netsoc-item-")
            if isinstance(w, widgets.ToggleButtons):
                label = w.options[int(rng.integers(len(w.options)))][0]
                w.value = dict(w.options)[label]
            elif isinstance(w, widgets.Dropdown):
                w.value = w.options[int(rng.integers(1, len(w.options)))][1]
            else:
                w.value = "Thanks & <bye>"
            clicked[qid] = w.value
    return clicked


def test_hooks_and_labels_on_every_page(app, instrument, rng):
    view, _ = app
    assert find(view, "netsoc-consent") and find(view, "netsoc-resume-input")
    assert not view.progress.layout.display is None  # no progress on the welcome page
    find(view, "netsoc-consent")[0].click()
    assert "Page 1 of 7" in view.progress_text.value and "netsoc-progress" in classes(view.progress)
    # cohort came from the address: not asked, shown escaped
    assert not find(view.body, "netsoc-cohort") and "W-9" in view.body.children[0].children[-1].value
    for f in instrument.fields:
        (w,) = find(view.body, f"netsoc-item-{f.id}")
        assert isinstance(w, widgets.Dropdown) and w.description == f.label
    view.next_button.click()
    seen = set()
    while not view.model.is_last:
        for w in walk(view.body):
            for c in getattr(w, "_dom_classes", ()):
                if c.startswith("netsoc-item-"):
                    assert isinstance(w, widgets.ToggleButtons)
                    assert [o[0] for o in w.options] == list(instrument.value_labels(c[12:]).values())
                    seen.add(c[12:])
        answer_shown_page(view, rng)
        view.next_button.click()
    assert seen == set(instrument.question_ids)
    assert find(view.body, "netsoc-item-comment")
    assert view.submit_button.layout.display is None and view.next_button.layout.display == "none"


def test_missing_answer_shows_error_and_blocks_next(app):
    view, _ = app
    find(view, "netsoc-consent")[0].click()
    view.next_button.click()
    page = view.model.page
    first = view.model.current.ids[0]
    view.next_button.click()
    assert view.model.page == page
    err = view.errors[first]
    assert "netsoc-error" in classes(err) and "required" in err.value and err.layout.display is None
    assert "netsoc-invalid" in classes(view.boxes[first])
    assert "need your attention" in view.page_error.value
    view.inputs[first].value = 3
    assert err.layout.display == "none" and "netsoc-invalid" not in classes(view.boxes[first])


def test_full_run_submits_once_and_shows_feedback(app, instrument, rng):
    view, db = app
    find(view, "netsoc-consent")[0].click()
    clicked = answer_shown_page(view, rng)
    while not view.model.is_last:
        view.next_button.click()
        clicked |= answer_shown_page(view, rng)
    assert view.resume_code.value == view.model.respondent_id  # drafts were saved on Next
    view.submit_button.click()
    view.submit_button.click()  # a double click stores nothing new
    (fb,) = find(view, "netsoc-feedback")
    text = " ".join(w.value for w in walk(fb) if isinstance(w, widgets.HTML))
    assert "Your profile" in text and "data:image/png;base64" in text
    assert "Thanks &amp; &lt;bye&gt;" not in text  # the comment is not echoed
    with open_store(db, instrument=instrument) as s:
        df = s.to_frame()
    assert len(df) == 1 and df.loc[0, "cohort"] == "W-9"
    for qid, value in clicked.items():
        assert df.loc[0, qid] == value, qid


def test_decline_and_store_down_messages(tmp_path, instrument, rng):
    view = survey_app(str(tmp_path / "no" / "such" / "dir.sqlite"), environ={},
                      instrument=instrument, warm_up=False)
    find(view, "netsoc-decline")[0].click()
    assert "nothing has been stored" in view.body.children[0].value

    view = survey_app(str(tmp_path / "no" / "dir.sqlite"), environ={"QUERY_STRING": "cohort=<b>x"},
                      instrument=instrument, warm_up=False)
    assert "&lt;b&gt;x" in view.body.children[0].children[0].value  # escaped note
    find(view, "netsoc-consent")[0].click()
    assert find(view.body, "netsoc-cohort")  # asked for, since the address had none valid
    while not view.model.is_last:
        answer_shown_page(view, rng)
        view.next_button.click()
    view.submit_button.click()
    assert "could not reach the response store" in view.message.value
    assert view.model.state == "active" and not find(view, "netsoc-feedback")
    assert view.submit_button.disabled is False


def test_resume_from_the_welcome_page(tmp_path, instrument, rng):
    db = str(tmp_path / "r.sqlite")
    first = survey_app(db, environ={}, instrument=instrument, warm_up=False)
    find(first, "netsoc-consent")[0].click()
    first.next_button.click()
    answers = answer_shown_page(first, rng)
    first.save_button.click()
    code = first.resume_code.value
    assert len(code) == 10 and code in first.message.value

    again = survey_app(db, environ={}, instrument=instrument, warm_up=False)
    again.inputs["resume"].value = "nonsense"
    find(again, "netsoc-resume")[0].click()
    assert "No unfinished answers" in again.errors["resume"].value
    again.inputs["resume"].value = code.lower()
    find(again, "netsoc-resume")[0].click()
    assert again.model.page == 3 and "restored" in again.message.value  # page 2 was complete
    again.back_button.click()
    for qid, value in answers.items():
        assert again.inputs[qid].value == value


def test_view_is_a_vbox_and_does_not_display_itself(instrument):
    from netsoc.form.model import SurveyModel

    view = SurveyView(SurveyModel(instrument), warm_up=False)
    assert isinstance(view, widgets.VBox) and "netsoc-app" in classes(view)
