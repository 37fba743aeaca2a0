"""The participant's questionnaire: a widget-free model and a thin ipywidgets view.

``SurveyModel`` (``netsoc.form.model``) holds pages, validation, navigation and
submission and never imports ipywidgets.  ``SurveyView`` and ``survey_app``
(``netsoc.form.view``) are imported lazily, so importing the model stays light.
"""

from __future__ import annotations

from typing import Any

from netsoc.form.model import Page, SurveyModel, build_pages, cohort_from_environ, resolve_cohort

__all__ = ["Page", "SurveyModel", "SurveyView", "build_pages", "cohort_from_environ",
           "resolve_cohort", "survey_app"]


def __getattr__(name: str) -> Any:
    if name in ("SurveyView", "survey_app"):
        from netsoc.form import view

        return getattr(view, name)
    raise AttributeError(f"module 'netsoc.form' has no attribute {name!r}")
