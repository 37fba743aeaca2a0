"""The form in JupyterLab: one anywidget per participant, driven through its messages.

The widget's messages are the ones the front-end module sends
(``model.send``); replies go back through ``widget.send``.  A real SQLite store.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from netsoc.form.widget import ASSETS, SurveyForm, survey_app
from survey.store import open_store


@pytest.fixture
def form(tmp_path, instrument):
    f = survey_app(str(tmp_path / "nb.sqlite"), query="", instrument=instrument, environ={})
    replies = []
    f.send = replies.append  # what the front end would receive
    f.replies = replies
    return f


def say(form, msg):
    form._on_msg(form, msg, [])
    return form.replies[-1] if form.replies else None


def test_the_widget_is_the_form_module_with_the_instrument_description(form, instrument):
    assert isinstance(form, SurveyForm)
    assert set(form.spec["questions"]) == set(instrument.question_ids)
    assert form.state["page"] == 0 and form.state["cohort"]["ask"] is True  # no code set: asked
    assert len(form.state["pages"]) == 8


def test_a_whole_questionnaire_through_messages_is_stored_once(form, instrument, tmp_path):
    rng = np.random.default_rng(5)
    pages = form.state["pages"]
    reply = say(
        form,
        {
            "type": "page",
            "seq": 1,
            "page": 1,
            "consent": True,
            "go": "next",
            "answers": {"role": "research"},
            "cohort": "NB-7",
        },
    )
    assert reply["page"] == 2 and reply["errors"] == {}
    seq = 2
    while reply["page"] < len(pages) - 1:
        k = reply["page"]
        answers = {q: int(rng.integers(1, 6)) for q in pages[k][1]}
        reply = say(form, {"type": "page", "seq": seq, "page": k, "answers": answers, "go": "next"})
        seq += 1
    reply = say(
        form, {"type": "submit", "seq": seq, "page": reply["page"], "answers": {"comment": "<b>hi</b>"}}
    )
    assert reply["state"] == "submitted" and "<h2" in reply["feedback"]["html"]
    say(form, {"type": "submit", "seq": seq + 1, "page": reply["page"], "answers": {}})
    with open_store(tmp_path / "nb.sqlite", instrument=instrument) as store:
        df = store.to_frame()
    assert len(df) == 1 and df.loc[0, "cohort"] == "NB-7" and df.loc[0, "comment"] == "<b>hi</b>"


def test_language_switch_sends_the_other_description(form):
    say(form, {"type": "describe", "lang": "de"})
    assert form.spec["lang"] == "de"
    say(form, {"type": "describe", "lang": "xx"})  # not offered: nothing changes
    assert form.spec["lang"] == "de"


def test_messages_that_are_not_the_forms_change_nothing(form):
    for junk in ([1, 2], "x", {"type": "eval"}, {"no": "type"}):
        form._on_msg(form, junk, [])
    assert form.replies == [] and form.model.page == 0


def test_the_module_writes_participants_text_as_text():
    """form.js builds every element with textContent; the only HTML it inserts is the
    feedback, which netsoc.feedback escapes on the server."""
    js = (ASSETS / "form.js").read_text()
    assert len(re.findall(r"innerHTML\s*=", js)) == 1
    assert "innerHTML = fb.html" in js
    assert "eval(" not in js and "new Function" not in js
