"""The feedback page's fixed words, taken from the (localized) instrument's ``ui:`` section.

Every key the page uses has an English default here, so an instrument file
without a ``ui:`` section (or an older one) still gives a readable page; the
shipped questionnaire defines them all, in every language it lists.
"""

from __future__ import annotations

from typing import Any

from netsoc.web import fmt_number, fmt_percent, ui_text
from survey.instrument import Instrument

__all__ = ["DEFAULTS", "text", "ordinal", "fmt_number", "fmt_percent"]

#: English defaults of the ``ui:`` keys the feedback page uses.
DEFAULTS: dict[str, str] = {
    "results_heading": "Your results",
    "erase_heading": "Your erase code",
    "erase_text": (
        "If you later want your answers erased, give this code to the facilitator: {code}. "
        "Only this code can find your answers, so keep it private."
    ),
    "please_note": "Please note:",
    "profile_heading": "Your profile: {profile}",
    "next_step": "A next step:",
    "no_profile": "Too few questions were answered to describe a profile.",
    "scores_caption": "Your scores. The likely range reflects measurement error ({level} band).",
    "column_score": "Score",
    "column_you": "You",
    "column_reference": "Compared with the reference sample",
    "column_workshop": "Your workshop",
    "column_workshop_code": "Your workshop ({cohort})",
    "balance": "Balance",
    "not_scored": "not enough answers to score",
    "likely_range": "likely {low} to {high}",
    "no_cohort": "no workshop code given",
    "orientations_heading": "What each orientation is for",
    "balance_heading": "Balance",
    "intention_heading": "Clear intention",
    "gauge_socializing": "socializing",
    "gauge_networking": "networking",
    # added by the feedback page (issue 12, 13, 16)
    "percentile": "about the {ordinal} percentile ({level} interval {low} to {high})",
    "band_lower": "in the lower third of your workshop",
    "band_middle": "in the middle third of your workshop",
    "band_upper": "in the upper third of your workshop",
    "cohort_waiting": "shown once enough people of your workshop have answered",
    "reference_line": "Compared with {n} participants of {population}, collected {dates}.",
    "reference_line_short": "Compared with {population}.",
    "reference_synthetic": (
        "These reference percentiles are illustrations from a synthetic sample, not real norms."
    ),
    "no_reference": "No reference sample is available for this questionnaire.",
    "balance_chart_title": "Your balance between socializing and networking",
    "balance_summary": (
        "Your balance is {balance} (likely {low} to {high}) on a scale from "
        "-1 (all socializing) to +1 (all networking): {side}."
    ),
    "lean_networking": "leaning to networking",
    "lean_socializing": "leaning to socializing",
    "lean_none": "about even",
    "scores_chart_title": "Your scores with their likely ranges",
    "scores_summary": "Your scores on a scale from {lo} to {hi}: {scores}.",
    "score_entry": "{label} {value} (likely {low} to {high})",
    "legend_you": "you",
    "legend_range": "likely range",
    "legend_reference": "reference average",
    "facets_chart_title": "Networking and socializing on each facet",
    "facets_summary": (
        "Networking is higher than socializing on {more} of {total} facets and lower on {less}."
    ),
    "facets_caption": "Your networking and socializing on each facet (from {lo} to {hi})",
    "column_facet": "Facet",
    "table_hint": "The numbers are in the table below.",
    # added for the plain feedback of questionnaire 1.1.0 (issue 21)
    "try_heading": "Two things to try",
    "balance_plain": (
        "Your balance is {balance} on a scale from −1 (all socializing) to +1 (all networking): {side}."
    ),
    "try_gap": "{facet}: {stronger} {high}, {weaker} {low} (on a scale from {lo} to {hi})",
    "try_none": (
        "Your networking and socializing are close on every facet, so there is no single gap to work on."
    ),
    "details_heading": "More detail",
    "intention_level": "Clear intention: {level}",
    "keep_heading": "Keep my result",
    "keep_hint": "Save this page as a file on your device, or print it. Nothing is sent anywhere.",
    "keep_download": "Download my result",
    "keep_print": "Print",
    "result_title": "{title} - my result",
    "result_saved": ("Questionnaire version {version}, answered on {date}. This file stays on your device."),
    "room_heading": "Your workshop",
    "room_summary": "The average balance of your workshop is {balance}: {side}.",
    "room_waiting": "Your workshop's results appear here once at least {k} people have answered.",
    "try_purpose_networking": (
        "Name one professional aim, such as a skill to learn or a person to meet, and let"
        " it guide your next conversation."
    ),
    "try_purpose_socializing": (
        "Plan one meeting with no goal at all - just for the company and the fun of it."
    ),
    "try_context_networking": (
        "Pick one conference, workshop or industry event in your field and go with a plan of whom to meet."
    ),
    "try_context_socializing": (
        "Say yes to one casual get-together, such as a party or a meal with friends, that"
        " has nothing to do with work."
    ),
    "try_interaction_networking": (
        "In your next talk with someone from your field, ask what they are working on and"
        " what would help them."
    ),
    "try_interaction_socializing": (
        "In your next chat, let the conversation wander and tell a personal story instead of steering it."
    ),
    "try_outcome_networking": (
        "Follow up with one contact this week with a thank-you, an introduction or an "
        "article that could help them."
    ),
    "try_outcome_socializing": "Make time for a friend this week just to unwind together.",
    "try_online_networking": (
        "Update your profile on a professional platform and get back in touch with one "
        "person from your field."
    ),
    "try_online_socializing": "Join one online group about a hobby you enjoy.",
    "try_sharing_networking": (
        "Pass on one useful resource or piece of know-how to someone in your professional circle."
    ),
    "try_sharing_socializing": (
        "Tell someone you trust about something you have been through and how it felt."
    ),
    "try_collaboration_networking": (
        "Look for one small project or task you could take on together with a contact."
    ),
    "try_collaboration_socializing": "Suggest an outing or a group activity with people you like.",
    "try_boundaries_networking": (
        "Decide what you are happy to show professional contacts online, then connect "
        "with one new person in your field."
    ),
    "try_boundaries_socializing": (
        "Tell one new acquaintance what you are comfortable with, then accept one invitation from them."
    ),
}


def text(instrument: Instrument, key: str, **values: Any) -> str:
    """The instrument's UI text for ``key`` (English default), formatted with ``values``.

    :func:`netsoc.web.ui_text` with :data:`DEFAULTS` as the fallback.  Values
    are inserted as given: escape the result when it goes into HTML.
    """
    return ui_text(instrument, key, default=DEFAULTS.get(key), **values)


def ordinal(n: int, language: str) -> str:
    """``n`` as an ordinal number in ``language`` (62nd, 62., 62.º, 62e)."""
    lang = (language or "en").split("-")[0].lower()
    if lang == "en":
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"
    if lang == "fr":
        return f"{n}e" if n != 1 else "1er"
    if lang in ("es", "pt", "it"):
        return f"{n}.º"
    return f"{n}."
