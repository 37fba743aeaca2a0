"""Drafts, resume codes and the one submission of a :class:`~netsoc.form.model.SurveyModel`.

The model's methods of the same names call these functions; they live here so
that the rules of the page sequence (:mod:`netsoc.form.model`) and those of
the store (this module) each fit in one small file.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from survey.errors import AlreadySubmitted, DraftNotFound, ResponseValidationError, StoreError
from survey.validate import validate_answers

if TYPE_CHECKING:
    from netsoc.form.model import SurveyModel

__all__ = [
    "ALREADY_SUBMITTED_MESSAGE",
    "FORM_NOTE",
    "RESUME_ATTEMPTS",
    "RESUME_LOCK_SECONDS",
    "STORE_DOWN_MESSAGE",
    "TAKEN_MESSAGE",
    "resume",
    "resume_wait",
    "save_draft",
    "submit",
]

#: Shown when the response store cannot be reached.
STORE_DOWN_MESSAGE = (
    "We could not reach the response store just now, so nothing was sent. "
    "Your answers are still here - please wait a moment and try again, or ask "
    "the facilitator."
)
#: Shown when this browser already submitted a response.
ALREADY_SUBMITTED_MESSAGE = (
    "A response from this browser has already been submitted, so this one was not "
    "stored. Each person takes part once - thank you!"
)
#: Shown when the resume code's draft was submitted from another device.
TAKEN_MESSAGE = (
    "These answers were already submitted from another device, so nothing more was stored "
    "here. You can keep a copy of the answers you gave on this device."
)
#: Failed resume attempts before the session has to wait.
RESUME_ATTEMPTS = 5
#: Seconds a session waits after too many failed resume attempts.
RESUME_LOCK_SECONDS = 60.0
FORM_NOTE = "netsoc form 2"


def utcnow() -> dt.datetime:
    """The current time in UTC (when a participant starts)."""
    return dt.datetime.now(dt.UTC)


def answers_to_store(model: SurveyModel) -> dict[str, Any]:
    out = {k: v for k, v in model.answers.items() if v is not None}
    out[model.instrument.consent.id] = True
    return out


def valid_partial(model: SurveyModel) -> dict[str, Any]:
    """Answers without the values that would not validate (for drafts).

    One validation of all the answers (not one per page).
    """
    answers = answers_to_store(model)
    try:
        validate_answers(answers, model.instrument, partial=True)
    except ResponseValidationError as exc:
        return {k: v for k, v in answers.items() if k not in exc.fields}
    return answers


def save_draft(model: SurveyModel, *, quiet: bool = False) -> bool:
    """Store the answers so far under the resume code.

    Parameters
    ----------
    quiet : bool
        Do not announce success in :attr:`message` (autosave); an
        autosave with nothing new since the last save writes nothing.

    Returns
    -------
    bool
        Whether the draft was saved; on failure :attr:`message` says why
        and every answer stays in the form.
    """
    if model.state != "active" or model.answers.get(model.instrument.consent.id) is not True:
        return False
    if model._store_source is None:
        return False
    cohort = model.cohort if model.page_problems(1).get("cohort") is None else None
    answers = valid_partial(model)
    snapshot = (model.respondent_id, answers, cohort, model.language)
    if quiet and model.draft_saved and snapshot == model._saved:
        return True
    try:
        model._store_call(
            lambda s: s.save_draft(
                model.respondent_id,
                answers,
                cohort=cohort,
                started_at=model.started_at,
                randomization_seed=model.seed,
                **store_extras(model),
            )
        )
    except (StoreError, ResponseValidationError):
        model.message = save_failed(model)
        model.unsaved = True
        return False
    model._saved = snapshot
    model.draft_saved = True
    model.unsaved = False
    if quiet:
        if model.message == save_failed(model):
            model.message = ""
    else:
        model.code_shown = True
        model.message = model.text(
            "saved_private",
            ("Saved. Your resume code is shown below - copy it and keep it private, like a password."),
        )
    return True


def save_failed(model: SurveyModel) -> str:
    return model.text(
        "save_failed",
        "Your progress could not be saved on the server just "
        "now. Your answers are kept here - you can carry on.",
    )


def store_extras(model: SurveyModel, *, submit: bool = False) -> dict[str, Any]:
    """Keywords for the store's submit/save_draft beyond the answers."""
    extras: dict[str, Any] = {"language": model.language, "wave": model.wave_tag}
    if submit:
        extras["browser"] = model.browser or None
    return extras


def resume_wait(failures: int) -> float:
    """Seconds to wait after ``failures`` failed resume codes in a row: none for the first
    :data:`RESUME_ATTEMPTS` - 1, then :data:`RESUME_LOCK_SECONDS`, doubling with each
    further failure up to an hour."""
    if failures < RESUME_ATTEMPTS:
        return 0.0
    return min(RESUME_LOCK_SECONDS * 2.0 ** (failures - RESUME_ATTEMPTS), 3600.0)


def resume_locked(model: SurveyModel) -> bool:
    """Whether failed resume attempts make this session (browser) wait (:func:`resume_wait`)."""
    failures = model._resume_failures
    if not failures:
        return False
    return model._clock() - failures[-1] < resume_wait(len(failures))


def resume(model: SurveyModel, code: str) -> bool:
    """Restore a saved draft from its resume code.

    On success the answers are restored, the item order is the one the
    draft was started with, and the first incomplete page is shown.
    """
    from survey.store import normalise_code

    code = (code or "").strip()
    model.resume_error = ""
    if not code:
        model.resume_error = "resume_empty"
        model.errors = {"resume": model.text("resume_empty", "Please enter the resume code you were given.")}
        return False
    if resume_locked(model):
        model.resume_error = "resume_locked"
        model.errors = {
            "resume": model.text(
                "resume_locked", "Too many codes were tried. Please wait a minute before trying again."
            )
        }
        return False
    try:
        answers = model._store_call(lambda s: s.load_draft(code))
    except StoreError as exc:
        if isinstance(exc, DraftNotFound):
            model._resume_failures.append(model._clock())
            model.resume_error = "resume_not_found"
            model.errors = {
                "resume": model.text(
                    "resume_not_found",
                    "No unfinished answers were found for this code. Check the code, or start a new survey.",
                )
            }
        else:
            model.resume_error = "store_down"
            model.errors = {"resume": model.text("store_down", STORE_DOWN_MESSAGE)}
        return False
    model.respondent_id = normalise_code(code)
    model._set_order()
    model.answers = dict(answers)
    model.started_at = model.started_at or utcnow()
    model.draft_saved = True
    model.errors = {}
    model._resume_failures.clear()
    model.message = " ".join(
        (
            model.text("resumed", "Welcome back - your earlier answers have been restored."),
            model.text(
                "resumed_elsewhere",
                "If you started on another device, submitting here replaces the answers saved there.",
            ),
        )
    )
    incomplete = model.first_incomplete()
    model.page = incomplete if incomplete is not None else len(model.pages) - 1
    return True


def submit(model: SurveyModel) -> str | None:
    """Store the response exactly once.

    Incomplete answers send the participant to the first page with a
    problem.  A second call (a double click) while submitting or after
    success stores nothing new.  If the store cannot be reached,
    :attr:`message` says so and the answers stay in the form.

    Returns
    -------
    str or None
        The respondent id once stored, else ``None``.
    """
    if model.state == "submitted":
        return model.respondent_id
    if model.state != "active" or model.busy or model.page == 0:
        return None
    incomplete = model.first_incomplete()
    if incomplete is not None:
        model.page = incomplete
        model.errors = model.page_problems()
        model.message = model.text(
            "incomplete", "A few answers are still missing - please complete this page."
        )
        return None
    model.busy = True
    try:
        rid = model._store_call(
            lambda s: s.submit(
                answers_to_store(model),
                cohort=model.cohort,
                started_at=model.started_at,
                respondent_id=model.respondent_id,
                note=FORM_NOTE,
                randomization_seed=model.seed,
                **store_extras(model, submit=True),
            )
        )
    except AlreadySubmitted:
        model.message = model.text("already_submitted", ALREADY_SUBMITTED_MESSAGE)
        return None
    except StoreError:
        if submitted_elsewhere(model):
            model.taken = True
            model.message = model.text("taken_text", TAKEN_MESSAGE)
        else:
            model.message = model.text("store_down", STORE_DOWN_MESSAGE)
        return None
    except ResponseValidationError as exc:
        model.message = model.text(
            "not_stored",
            "The answers could not be stored: {problems}",
            problems="; ".join(map(str, exc.problems)),
        )
        return None
    finally:
        model.busy = False
    model.respondent_id = rid
    model.errors = {}
    model.message = ""
    model.state = "submitted"
    return rid


def submitted_elsewhere(model: SurveyModel) -> bool:
    """Whether this respondent id was submitted already (from another device
    that used the resume code), so this device can no longer submit."""
    try:
        model._store_call(lambda s: s.load_draft(model.respondent_id))
    except DraftNotFound as exc:
        return bool(exc.submitted)
    except StoreError:
        return False
    return False


def peer_responses(model: SurveyModel) -> Any:
    """Submitted responses of the same cohort, without this respondent.

    ``None`` when there is no cohort or the store cannot be read.
    """
    if model.cohort is None or model.state != "submitted":
        return None
    try:
        frame = model._store_call(lambda s: s.to_frame(cohort=model.cohort))
    except StoreError:
        return None
    return frame[frame["respondent_id"] != model.respondent_id].reset_index(drop=True)
