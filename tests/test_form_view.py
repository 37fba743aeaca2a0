"""The questionnaire widgets, driven without a browser (set values, click buttons)."""

from __future__ import annotations

import ipywidgets as widgets
import pytest

from netsoc.form.view import SurveyView, survey_app
from netsoc.form.widgets import BrowserToken, PageChrome, RadioGroup, ResumeForm
from survey.store import open_store


def classes(w):
    return set(w._dom_classes)


def walk(w):
    yield w
    for c in getattr(w, "children", ()):
        yield from walk(c)


def find(view, cls):
    return [w for w in walk(view) if cls in getattr(w, "_dom_classes", ())]


def page_text(view):
    return " ".join(w.value for w in walk(view.body) if isinstance(w, widgets.HTML))


@pytest.fixture
def app(tmp_path, instrument):
    db = tmp_path / "s.sqlite"
    view = survey_app(str(db), query={"cohort": "W-9"}, environ={}, instrument=instrument,
                      warm_up=False)
    yield view, db


def answer_shown_page(view, rng):
    clicked = {}
    for w in walk(view.body):
        for c in classes(w) if hasattr(w, "_dom_classes") else ():
            if not c.startswith("netsoc-item-"):
                continue
            qid = c.removeprefix("netsoc-item-")
            if isinstance(w, RadioGroup):
                w.value = w.options[int(rng.integers(len(w.options)))][0]
            elif isinstance(w, widgets.Dropdown):
                w.value = w.options[int(rng.integers(1, len(w.options)))][1]
            else:
                w.value = "Thanks & <bye>"
            clicked[qid] = w.value
    return clicked


def finish(view, rng):
    find(view, "netsoc-consent")[0].click()
    clicked = answer_shown_page(view, rng)
    while not view.model.is_last:
        view.next_button.click()
        clicked |= answer_shown_page(view, rng)
    return clicked


def test_every_statement_is_a_radio_group_named_by_its_statement(app, instrument, rng):
    view, _ = app
    assert find(view, "netsoc-consent") and isinstance(view.inputs["resume"], ResumeForm)
    assert isinstance(view.chrome, PageChrome) and view.chrome.title == instrument.title
    assert view.chrome.heading == "Consent" and not view.chrome.show_progress
    find(view, "netsoc-consent")[0].click()
    assert view.chrome.progress_text == "Page 1 of 7" and view.chrome.show_progress
    assert (view.chrome.value, view.chrome.max) == (1, 7) and view.chrome.heading == "About you"
    # cohort came from the address: not asked, shown escaped
    assert not find(view.body, "netsoc-cohort") and "Workshop: W-9" in page_text(view)
    for f in instrument.fields:
        (w,) = find(view.body, f"netsoc-item-{f.id}")
        assert isinstance(w, widgets.Dropdown) and w.description == f.label
    view.next_button.click()
    seen, headings = [], set()
    while not view.model.is_last:
        headings.add(view.chrome.heading)
        for w in walk(view.body):
            for c in getattr(w, "_dom_classes", ()):
                if c.startswith("netsoc-item-"):
                    qid = c[12:]
                    assert isinstance(w, RadioGroup)
                    assert w.statement == instrument.item(qid).text
                    assert w.options == [[k, v] for k, v in instrument.value_labels(qid).items()]
                    assert w.number == f"{len(seen) + 1}." and w.required and w.lang == "en"
                    assert w.position == f"Question {len(seen) + 1} of 39"
                    seen.append(qid)
        answer_shown_page(view, rng)
        view.next_button.click()
    assert sorted(seen) == sorted(instrument.question_ids) and len(seen) == len(set(seen))
    assert headings == {"How far do you agree with each statement?"}
    assert view.chrome.heading == "Almost done" and view.chrome.progress_text == "Page 7 of 7"
    assert find(view.body, "netsoc-item-comment")
    assert view.submit_button.layout.display is None and view.next_button.layout.display == "none"


def test_a_radio_group_refuses_a_code_it_does_not_offer(app):
    view, _ = app
    find(view, "netsoc-consent")[0].click()
    view.next_button.click()
    group = view.inputs[view.model.current.ids[0]]
    with pytest.raises(Exception, match="expected one of"):
        group.value = 9
    assert group.value is None


def test_missing_answer_marks_the_statement_and_announces_the_count(app):
    view, _ = app
    find(view, "netsoc-consent")[0].click()
    view.next_button.click()
    page = view.model.page
    ids = view.model.current.ids
    for qid in ids[1:]:
        view.inputs[qid].value = 4
    view.next_button.click()
    assert view.model.page == page
    group = view.inputs[ids[0]]
    assert group.error == "Please answer this question - it is required."
    assert all(view.inputs[q].error == "" for q in ids[1:])
    assert view.page_error.text.startswith("1 answer on this page needs your attention")
    assert view.page_error.politeness == "assertive" and view.message.politeness == "polite"
    assert group.focus_request == 1  # the focus goes to the unanswered statement
    assert all(view.inputs[q].focus_request == 0 for q in ids[1:])
    group.value = 3
    assert group.error == "" and view.page_error.text == ""


def test_the_page_heading_takes_the_focus_on_every_page_change(app):
    view, _ = app
    find(view, "netsoc-consent")[0].click()
    view.next_button.click()
    view.back_button.click()
    assert view.chrome.focus_request == 3


def test_full_run_submits_once_and_shows_feedback(app, instrument, rng):
    view, db = app
    clicked = finish(view, rng)
    assert view.resume_code.code == ""  # autosaved, but the code is shown only on request
    view.submit_button.click()
    view.submit_button.click()  # a double click stores nothing new
    (fb,) = find(view, "netsoc-feedback")
    text = " ".join(w.value for w in walk(fb) if isinstance(w, widgets.HTML))
    assert "Your profile" in text
    assert "Thanks &amp; &lt;bye&gt;" not in text  # the comment is not echoed
    assert "so far" not in text  # cohort sizes are not shown to participants
    assert view.chrome.heading.startswith("Thank you")
    with open_store(db, instrument=instrument) as s:
        df = s.to_frame()
    assert len(df) == 1 and df.loc[0, "cohort"] == "W-9" and df.loc[0, "language"] == "en"
    for qid, value in clicked.items():
        assert df.loc[0, qid] == value, qid


def test_one_submission_per_browser(tmp_path, instrument, rng):
    db = str(tmp_path / "b.sqlite")
    first = survey_app(db, query={}, environ={}, instrument=instrument, warm_up=False)
    first.token.token = "ab" * 16  # the browser's localStorage token arrives
    assert first.model.browser == "ab" * 16
    finish(first, rng)
    first.submit_button.click()
    assert first.model.state == "submitted"

    again = survey_app(db, query={}, environ={}, instrument=instrument, warm_up=False)
    again.token.token = "ab" * 16  # same browser, new tab
    finish(again, rng)
    again.submit_button.click()
    assert again.model.state == "active" and "already been submitted" in again.message.text
    other = survey_app(db, query={}, environ={}, instrument=instrument, warm_up=False)
    other.token.token = "cd" * 16
    finish(other, rng)
    other.submit_button.click()
    assert other.model.state == "submitted"
    with open_store(db, instrument=instrument) as s:
        assert s.count() == 2
    with pytest.raises(Exception, match="hexadecimal"):
        BrowserToken().token = "x" * 32


def test_decline_and_store_down_messages(tmp_path, instrument, rng):
    view = survey_app(str(tmp_path / "no" / "such" / "dir.sqlite"), environ={},
                      instrument=instrument, warm_up=False)
    find(view, "netsoc-decline")[0].click()
    assert "nothing has been stored" in page_text(view) and view.chrome.heading == "Thank you"

    view = survey_app(str(tmp_path / "no" / "dir.sqlite"), query={"cohort": "<b>x"}, environ={},
                      instrument=instrument, warm_up=False)
    assert "&lt;b&gt;x" in page_text(view)  # escaped note
    find(view, "netsoc-consent")[0].click()
    assert not find(view.body, "netsoc-cohort")  # an invalid code never opens the box
    while not view.model.is_last:
        answer_shown_page(view, rng)
        view.next_button.click()
    view.submit_button.click()
    assert "could not reach the response store" in view.message.text
    assert view.model.state == "active" and not find(view, "netsoc-feedback")
    assert view.submit_button.disabled is False


def test_the_servers_cohort_wins_and_the_box_opens_only_without_any_code(tmp_path, instrument):
    db = str(tmp_path / "c.sqlite")
    view = survey_app(db, cohort="WS-A", query={"cohort": "WS-B"}, instrument=instrument,
                      warm_up=False)
    assert "link is for another workshop" in page_text(view) and view.model.cohort == "WS-A"
    find(view, "netsoc-consent")[0].click()
    assert "Workshop: WS-A" in page_text(view) and not find(view.body, "netsoc-cohort")
    view = survey_app(db, environ={"NETSOC_COHORT": "WS-A", "QUERY_STRING": "cohort=%3Cx"},
                      instrument=instrument, warm_up=False)
    find(view, "netsoc-consent")[0].click()
    assert view.model.cohort == "WS-A" and not find(view.body, "netsoc-cohort")
    view = survey_app(db, query={}, environ={}, instrument=instrument, warm_up=False)
    find(view, "netsoc-consent")[0].click()
    assert find(view.body, "netsoc-cohort")  # no code anywhere: the participant may type one


def test_resume_code_shown_once_with_copy_and_resume_warns(tmp_path, instrument, rng):
    db = str(tmp_path / "r.sqlite")
    first = survey_app(db, environ={}, instrument=instrument, warm_up=False)
    find(first, "netsoc-consent")[0].click()
    first.next_button.click()
    answers = answer_shown_page(first, rng)
    assert first.resume_code.code == ""
    first.save_button.click()
    code = first.resume_code.code
    assert len(code) == 10 and code == first.model.respondent_id
    assert code not in first.message.text and "password" in first.message.text
    assert first.resume_code.copy_label == "Copy" and "netsoc-resume-box" in classes(first.resume_code)
    first.back_button.click()
    assert first.resume_code.code == "" and first.resume_code.layout.display == "none"

    again = survey_app(db, environ={}, instrument=instrument, warm_up=False)
    form = again.inputs["resume"]
    assert isinstance(form, ResumeForm) and form.label == "Resume code"
    form._handle_custom_msg({"do": "resume", "code": "nonsense"}, [])  # as the browser sends it
    assert "No unfinished answers" in form.error and form.focus_request == 1
    form._handle_custom_msg({"do": "resume", "code": code.lower()}, [])
    assert again.model.page == 3 and "restored" in again.message.text  # page 2 was complete
    assert "replaces the answers saved there" in again.message.text
    again.back_button.click()
    for qid, value in answers.items():
        assert again.inputs[qid].value == value


def test_page_changes_reuse_widgets_and_stay_cheap(app, rng):
    """Pages are built once per session; going back and forth rebuilds nothing."""
    view, _ = app
    find(view, "netsoc-consent")[0].click()
    view.next_button.click()
    built = view.body.children[0]
    answer_shown_page(view, rng)
    view.next_button.click()
    view.back_button.click()
    assert view.body.children[0] is built
    for _ in range(3):
        view.model.page = 3
        view.model.page = 2
    assert view.body.children[0] is built


def test_two_views_share_nothing(tmp_path, instrument, rng):
    """Two participants in one process: answers, cohorts and languages stay apart."""
    db = str(tmp_path / "iso.sqlite")
    a = survey_app(db, query={"cohort": "A1", "lang": "de"}, environ={}, instrument=instrument,
                   warm_up=False)
    b = survey_app(db, query={"cohort": "B2", "lang": "fr"}, environ={}, instrument=instrument,
                   warm_up=False)
    find(a, "netsoc-consent")[0].click()
    a.next_button.click()
    qid = a.model.current.ids[0]
    a.inputs[qid].value = 5
    assert qid not in b.model.answers and b.model.page == 0
    assert a.model.respondent_id != b.model.respondent_id
    assert a.chrome is not b.chrome and a.chrome.title != b.chrome.title
    given_b = finish(b, rng)
    given_a = answer_shown_page(a, rng)
    while not a.model.is_last:
        a.next_button.click()
        given_a |= answer_shown_page(a, rng)
    a.submit_button.click()
    b.submit_button.click()
    with open_store(db, instrument=instrument) as s:
        df = s.to_frame().set_index("respondent_id")
    for view, given, cohort, lang in ((a, given_a, "A1", "de"), (b, given_b, "B2", "fr")):
        row = df.loc[view.model.respondent_id]
        assert (row["cohort"], row["language"]) == (cohort, lang)
        assert all(row[q] == v for q, v in given.items() if q in instrument.question_ids)


def test_view_is_a_vbox_and_does_not_display_itself(instrument):
    from netsoc.form.model import SurveyModel

    view = SurveyView(SurveyModel(instrument), warm_up=False)
    assert isinstance(view, widgets.VBox) and "netsoc-app" in classes(view)


def test_language_from_the_address_and_the_switcher(tmp_path, instrument, rng):
    db = str(tmp_path / "lang.sqlite")
    de = instrument.localized("de")
    view = survey_app(db, query={"lang": "de"}, environ={}, instrument=instrument, warm_up=False)
    assert view.language == "de" and view.chrome.lang == "de" and view.chrome.title == de.title
    assert view.next_button.description == de.ui["next"]
    view = survey_app(db, query={}, accept_language="fr-CH,fr;q=0.9,en;q=0.5", environ={},
                      instrument=instrument, warm_up=False)
    assert view.language == "fr"
    view = survey_app(db, query={"lang": "xx"}, accept_language="", environ={},
                      instrument=instrument, warm_up=False)
    assert view.language == instrument.default_language
    switcher = view.inputs["language"]
    assert "netsoc-language" in classes(switcher)
    assert [tag for _, tag in switcher.options] == list(instrument.languages)
    switcher.value = "de"
    assert view.chrome.heading == de.ui["consent_heading"]
    find(view, "netsoc-consent")[0].click()
    view.next_button.click()
    qid = view.model.current.ids[0]
    assert view.inputs[qid].statement == de.item(qid).text and view.inputs[qid].lang == "de"
    assert view.chrome.progress_text == de.ui["progress"].format(page=2, pages=7)
    answer_shown_page(view, rng)
    view.save_button.click()
    with open_store(db, instrument=instrument) as s:
        assert s.to_frame(include_drafts=True)["language"].tolist() == ["de"]


def test_widget_scripts_write_text_never_html():
    """Statements, labels, messages and codes reach the page through textContent only."""
    from netsoc.form import widgets as w

    for cls in (w.RadioGroup, w.PageChrome, w.LiveRegion, w.ResumeCode, w.ResumeForm,
                w.BrowserToken):
        esm = cls._esm if isinstance(cls._esm, str) else str(cls._esm)
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in esm, (cls.__name__, sink)


def test_a_choice_arrives_as_a_message_and_forged_ones_change_nothing(app):
    view, _ = app
    find(view, "netsoc-consent")[0].click()
    view.next_button.click()
    qid = view.model.current.ids[0]
    group = view.inputs[qid]
    group._handle_custom_msg({"do": "choose", "value": 4}, [])
    assert view.model.answers[qid] == 4
    for forged in ({"do": "choose", "value": 99}, {"do": "choose", "value": "4; drop"}, ["x"]):
        group._handle_custom_msg(forged, [])
    assert group.value == 4 and view.model.answers[qid] == 4
