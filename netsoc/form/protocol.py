"""The form's messages: one JSON vocabulary for the notebook widget and the phone server.

The front end (``netsoc/assets/form/form.js``) draws every page from
:func:`describe` (the instrument in one language, sent once) and the replies
of :func:`handle`.  :class:`~netsoc.form.model.SurveyModel` holds every rule;
this module only turns messages into calls on it and its state into replies.

Messages from the form (on phones validated first by :mod:`netsoc.server.messages`):

``{"type": "page", "seq": n, "page": k, "answers": {...}, "go": "next"|"back"|"stay"|"save",
"consent": true, "cohort": "...", "lang": "de"}``
    The answers of page ``k`` in one message; ``go`` says where to go.
    ``consent`` travels with the first page (agreeing needs no round trip).
``{"type": "submit", ..., "link": {...}}``
    As ``page`` for the last page, then the one submit (``link``: :mod:`netsoc.server.waves`).
``{"type": "resume", "code": "...", "lang": ...}``
    Continue a saved draft (with the lockout after failed codes).
``{"type": "decline"}``

Replies: ``{"type": "state", "seq": n, "state": "active"|"declined"|"submitted"|"taken"|"closed",
"page": k, "progress": [k, n], "errors": {id: {"code": c, "text": t}}, "message": "...", "code": "...",
"feedback": {...}, "wave": {...}}``; a full reply adds ``pages``, ``answers``, ``cohort``, ``lang``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from netsoc.form.model import REQUIRED_MESSAGE, SurveyModel
from survey.instrument import ChoiceField, Instrument
from survey.schema import MIN_GROUP_SIZE

if TYPE_CHECKING:
    from survey.store import ResponseStore

__all__ = [
    "SPEC_VERSION",
    "UI_DEFAULTS",
    "ui_texts",
    "LANGUAGE_NAMES",
    "describe",
    "state_reply",
    "handle",
    "feedback_payload",
    "room_payload",
    "error_entries",
    "apply_page",
    "restore",
]

#: Bumped when the description's shape changes (the front end checks it).
SPEC_VERSION = 1

#: Language names shown in the switcher when the instrument gives none.
LANGUAGE_NAMES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "it": "Italiano",
    "nl": "Nederlands",
    "pt": "Português",
}

#: English defaults of every interface text the front end shows; the
#: instrument's ``ui`` section translates them.
UI_DEFAULTS = {
    "question_of": "Question {number} of {total}",
    "choose_answer": "(choose an answer)",
    "language": "Language",
    "welcome_time": "About {minutes} minutes. You get your personal feedback straight after submitting.",
    "resume_label": "Resume code",
    "resume_placeholder": "e.g. {code}",
    "resume_button": "Continue where I left off",
    "resume_heading": "Started already?",
    "resume_hint": "Enter the resume code you were given.",
    "about_you_hint": "These questions are optional; they are used only for anonymous group comparisons.",
    "optional": "optional",
    "comment_hint": (
        "The facilitator may show comments on the projector to the whole workshop, without your name."
    ),
    "workshop": "Workshop: {cohort}",
    "submit_hint": "Press {submit} to send your answers and see your personal feedback.",
    "submit": "Submit",
    "declined_heading": "Thank you",
    "declined_text": "You chose not to take part, so nothing has been stored. You can close this page.",
    "results_thanks": "Thank you - your answers are stored",
    "back": "Back",
    "next": "Next",
    "save": "Save and finish later",
    "resume_code_label": "Your resume code:",
    "copy": "Copy",
    "copied": "Copied.",
    "copy_failed": "Copying did not work - please write the code down.",
    "progress": "Page {page} of {pages}",
    "page_errors_one": "1 answer on this page needs your attention.",
    "page_errors_other": "{n} answers on this page need your attention.",
    "no_answer_yet": "no answer yet",
    "sending": "Sending...",
    "consent_heading": "Consent",
    "about_you_heading": "About you",
    "items_prompt": "How far do you agree with each statement?",
    "almost_done": "Almost done",
    "required": REQUIRED_MESSAGE,
    "answer_invalid": "This answer is not one of the choices - please choose again.",
    "offline": "No connection just now. Your answers are kept on this phone and will be sent "
    "when the connection is back.",
    "back_online": "Connected again - your answers were sent.",
    "closed_heading": "This survey is closed",
    "closed_text": "The facilitator has closed this survey, so no more answers are being "
    "collected. Nothing you entered was stored. Thank you for your interest.",
    "taken_heading": "Already submitted",
    "taken_text": "These answers were already submitted from another device, so nothing more "
    "was stored here. You can keep a copy of the answers you gave on this device.",
    "keep_answers": "Keep a copy of my answers",
    "keep_result": "Keep my result",
    "keep_result_hint": "Saves this page as a file on your device; nothing is sent anywhere.",
    "busy": "The survey is very busy just now. Your answers are kept on this phone; we will "
    "try again in a moment.",
    "busy_open": "The survey is very busy just now. This page will try again by itself in a few seconds.",
    "rejected": "Something in this page's answers could not be read. Please check them and try again.",
    "my_answers_title": "My answers",
    "join_heading": "Join the survey",
    "join_label": "Join code (7 digits, shown by the facilitator)",
    "join_button": "Join",
    "join_wrong": "This code does not open a survey here. Please check the 7 digits and try again.",
    "join_no_code": "No code? Scan the QR code the facilitator shows, or open the link they gave you.",
    "join_wait": "Too many codes were tried from here just now. Please wait a minute, or scan the QR code "
    "instead.",
    "closed_kept": "The facilitator has closed the survey for now. Your answers so far are kept on the "
    "server; if the survey reopens, you can go on from here and send them.",
    "reopen_check": "Try again",
    "loading": "Loading the questionnaire… If nothing appears within a minute, please reload this page.",
    "load_failed": "Part of this page could not be loaded. It is trying again by itself; your answers are "
    "kept.",
    "restored": "The connection to the survey was set up again; your answers are kept.",
    "erase_heading": "Your erase code",
    "erase_text": "If you later want your answers erased, give this code to the facilitator: {code}. Only "
    "this code can find your answers, so keep it private.",
}


def ui_texts(inst: Instrument) -> dict[str, str]:
    """The form's texts in the instrument's language (English defaults for keys it lacks)."""
    return {**UI_DEFAULTS, **{k: v for k, v in inst.ui.items() if isinstance(v, str)}}


def describe(instrument: Instrument, lang: str) -> dict[str, Any]:
    """The instrument in one language, as the front end draws it.

    The same for every participant (their page order and cohort come with the
    replies), so a server writes it once per language as a static file.

    Parameters
    ----------
    instrument : Instrument
        The loaded instrument (any language).
    lang : str
        One of ``instrument.languages``.

    Returns
    -------
    dict
        JSON-safe: ``version``, ``id``, ``lang``, ``languages``, ``title``,
        ``description``, ``minutes``, ``consent``, ``fields``, ``cohort``,
        ``questions`` (id -> text, options, required), ``comment``, ``ui``.
    """
    inst = instrument.localized(lang)
    info = instrument.language_info
    questions = {}
    for qid in inst.question_ids:
        q = inst.item(qid)
        questions[qid] = {
            "text": q.text,
            "required": bool(q.required),
            "options": [[int(c), lab] for c, lab in inst.value_labels(qid).items()],
        }
    fields = []
    for f in inst.fields:
        entry: dict[str, Any] = {"id": f.id, "label": f.label, "required": bool(f.required)}
        if isinstance(f, ChoiceField):
            entry.update(kind="choice", options=[[c, lab] for c, lab in f.options.items()])
        else:
            entry.update(kind="text", max_length=getattr(f, "max_length", None))
        fields.append(entry)
    c = inst.consent
    cm = inst.comment
    return {
        "version": SPEC_VERSION,
        "id": inst.id,
        "lang": inst.language,
        "languages": [
            [t, info[t].name if t in info else LANGUAGE_NAMES.get(t.split("-")[0], t)]
            for t in instrument.languages
        ],
        "title": inst.title,
        "description": inst.description,
        "minutes": inst.estimated_minutes,
        "consent": {"id": c.id, "text": c.text, "agree": c.agree_label, "decline": c.decline_label},
        "fields": fields,
        "cohort": {"label": inst.cohort.label, "max_length": inst.cohort.max_length},
        "questions": questions,
        "comment": None if cm is None else {"id": cm.id, "label": cm.label, "max_length": cm.max_length},
        "ui": ui_texts(inst),
    }


def error_entries(model: SurveyModel) -> dict[str, dict[str, str]]:
    """The model's problems as ``{id: {"code": ..., "text": ...}}`` (text in the
    participant's language; codes: ``required``, ``invalid``, ``cohort_invalid``,
    ``consent_required``, ``resume_*``, ``store_down``)."""
    required = model.text("required", REQUIRED_MESSAGE)
    out = {}
    for qid, text in model.errors.items():
        if qid == "resume":
            code = model.resume_error or "resume"
        elif qid == "cohort":
            code = "cohort_invalid"
        elif text == required:
            code = "required"
        elif qid == model.instrument.consent.id:
            code = "consent_required"
        else:
            code, text = "invalid", model.text("answer_invalid", UI_DEFAULTS["answer_invalid"])
        out[qid] = {"code": code, "text": text}
    return out


def state_reply(
    model: SurveyModel,
    *,
    seq: int = 0,
    full: bool = False,
    feedback: Mapping[str, Any] | None = None,
    state: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """The reply that tells the form what to show.

    Parameters
    ----------
    model : SurveyModel
    seq : int
        The sequence number of the message answered.
    full : bool
        Add the page order, the answers, the cohort and the language (first
        contact, resume, reopening).
    feedback : mapping, optional
        :func:`feedback_payload` after the submit.
    state : str, optional
        Overrides the model's state (``"closed"``, ``"taken"``).
    note : str, optional
        A notice for the welcome page (the cohort in the address was ignored).
    """
    k, n = model.progress
    out: dict[str, Any] = {
        "type": "state",
        "seq": seq,
        "state": state or model.state,
        "page": model.page,
        "progress": [k, n],
        "errors": error_entries(model),
        "message": model.message,
        "code": model.respondent_id if model.code_shown else "",
    }
    if model.unsaved:
        out["unsaved"] = True  # the draft was not saved: the page keeps these answers queued
    if model.taken and state is None:
        out["state"], out["message"] = "taken", ""  # the page itself says it
    if feedback is not None:
        out["feedback"] = dict(feedback)
    if full:
        out.update(
            pages=[[p.kind, list(p.ids)] for p in model.pages],
            answers={k: v for k, v in model.answers.items() if v is not None},
            cohort={"value": model.cohort, "ask": model.asks_cohort(), "note": note},
            lang=model.language,
        )
    return out


def apply_page(model: SurveyModel, msg: Mapping[str, Any]) -> None:
    """Put the page's answers into the model (the page must be the one shown)."""
    if msg.get("lang") and msg["lang"] != model.language:
        model.set_language(msg["lang"])
    if msg.get("consent") and model.page == 0 and model.state == "active":
        model.consent(True)
    page = msg.get("page")
    if page is None or page != model.page or model.state != "active":
        return
    # this page's answers, and earlier pages' the page still holds (a failed save kept them)
    ids = {qid for p in model.pages[1 : model.page + 1] for qid in p.ids}
    for qid, value in (msg.get("answers") or {}).items():
        if qid in ids:
            model.set_answer(qid, value)
    if model.current.kind == "fields" and "cohort" in msg:
        model.set_cohort(msg.get("cohort"))


def restore(model: SurveyModel, msg: Mapping[str, Any], *, restored: str) -> None:
    """Take over the answers a page still holds (its token could not be read) into a new
    respondent: agreed, every known answer set (invalid ones dropped), the draft saved, and
    the first page with something missing shown (the last page when nothing is).

    Parameters
    ----------
    model : SurveyModel
        A fresh participant at the welcome page.
    msg : mapping
        ``answers``, ``cohort`` and ``lang`` of a ``restore`` message.
    restored : str
        The message to show (in the participant's language).
    """
    if msg.get("lang") and msg["lang"] != model.language:
        model.set_language(msg["lang"])
    model.consent(True)
    known = {qid for page in model.pages[1:] for qid in page.ids}
    for qid, value in (msg.get("answers") or {}).items():
        if qid in known:
            model.set_answer(qid, value)
    if model.asks_cohort() and msg.get("cohort") is not None:
        model.set_cohort(msg.get("cohort"))
        if model.page_problems(1).get("cohort"):
            model.set_cohort(None)
    for qid in [q for q in list(model.answers) if q in known]:
        if model.page_problems(next(i for i, p in enumerate(model.pages) if qid in p.ids)).get(qid):
            model.set_answer(qid, None)
    incomplete = model.first_incomplete()
    model.page = incomplete if incomplete is not None else len(model.pages) - 1
    model.save_draft(quiet=True)
    model.message = restored


def handle(
    model: SurveyModel,
    msg: Mapping[str, Any],
    *,
    feedback: Callable[[SurveyModel], Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Carry out one (already validated) message on ``model`` and say what to show.

    Parameters
    ----------
    model : SurveyModel
        The participant's model, at the page the message was sent from.
    msg : mapping
        See the module docstring.
    feedback : callable, optional
        ``feedback(model) -> dict`` after a successful submit
        (default :func:`feedback_payload`).

    Returns
    -------
    dict
        A :func:`state_reply`.
    """
    kind = msg.get("type")
    seq = int(msg.get("seq") or 0)
    model.message = ""
    if kind == "decline":
        model.consent(False)
        return state_reply(model, seq=seq)
    if kind == "resume":
        if msg.get("lang") and msg["lang"] != model.language:
            model.set_language(msg["lang"])
        ok = model.resume(str(msg.get("code") or ""))
        return state_reply(model, seq=seq, full=ok)
    apply_page(model, msg)
    if kind == "submit":
        if model.is_last and model.state == "active":
            model.submit()
        if model.state == "submitted":
            return state_reply(model, seq=seq, full=True, feedback=(feedback or feedback_payload)(model))
        return state_reply(model, seq=seq, full=False)
    go = msg.get("go", "stay")
    if go == "next":
        model.next()
    elif go == "back":
        model.back()
    elif go == "save":
        model.save_draft()
    elif model.page >= 1:
        model.save_draft(quiet=True)
    return state_reply(model, seq=seq)


def feedback_payload(
    model: SurveyModel,
    *,
    peers: Any = None,
    peer_scores: Any = None,
    room: Mapping[str, Any] | None = None,
    min_group_size: int | None = None,
    pre_answers: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The feedback page for the form: HTML to show and a page to keep.

    Parameters
    ----------
    model : SurveyModel
        Submitted.
    peers : DataFrame, optional
        Other responses of the cohort (default: read from the store).
    peer_scores : mapping, optional
        Those responses already scored (instead of ``peers``; :func:`~netsoc.feedback.feedback_data`).
    room : mapping, optional
        "Your workshop" when already shown (:func:`netsoc.feedback.room_section`).
    min_group_size : int, optional
    pre_answers : mapping, optional
        The pre wave's answers: the page shows the change (:func:`netsoc.feedback.change_view`).

    Returns
    -------
    dict
        ``html`` (escaped fragment with styles: :func:`netsoc.feedback.page_html`), ``result_html``
        (a whole page to keep, no script: :func:`netsoc.feedback.result_html`), ``filename`` and
        ``room`` (whether the form should ask for the workshop's summary, :func:`room_payload`).
    """
    from netsoc.feedback import change_view, feedback_data, page_html, result_filename, result_html

    data = feedback_data(
        model.answers,
        model.instrument,
        peers=model.peer_responses() if peers is None and peer_scores is None else peers,
        peer_scores=peer_scores,
        room=room,
        cohort=model.cohort,
        language=model.language,
        min_group_size=MIN_GROUP_SIZE if min_group_size is None else min_group_size,
        erase_code=model.respondent_id if model._store_source is not None else None,
    )
    if pre_answers is not None:
        data = dataclasses.replace(data, change=change_view(pre_answers, model.answers, model.instrument))
    return {
        "html": page_html(data),
        "result_html": result_html(data),
        "filename": result_filename(data),
        "room": model.cohort is not None and room is None,
    }


def room_payload(
    model: SurveyModel, store: ResponseStore, *, min_group_size: int | None = None
) -> dict[str, Any]:
    """The reply to ``{"type": "room"}``: the workshop's summary once it can be shown.

    Returns
    -------
    dict
        ``{"type": "room", "section": dict or None}`` (:func:`netsoc.feedback.room_section`, ``None``
        until enough people have answered; the form asks every 30 s while the feedback is open).
    """
    from netsoc.feedback import room_section

    extra = {} if min_group_size is None else {"min_group_size": min_group_size}
    if model.cohort is None or model.state != "submitted":
        return {"type": "room", "section": None}
    section = room_section(store, model.cohort, model.base_instrument, model.language, **extra)
    return {"type": "room", "section": section}
