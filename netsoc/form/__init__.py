"""The participant's questionnaire: a widget-free model, its messages, and one front-end module.

- :mod:`netsoc.form.model`: ``SurveyModel`` holds pages, validation,
  navigation, drafts and the one submit (no widgets, no HTTP).
- :mod:`netsoc.form.protocol`: the JSON description of the instrument and the
  messages the front end sends, carried out on the model.
- :mod:`netsoc.form.widget`: the form in JupyterLab (``survey_app``, an
  anywidget); phones get the same module from ``netsoc survey``
  (:mod:`netsoc.server.app`).  Imported lazily, so the model stays light.
"""

from __future__ import annotations

from typing import Any

from netsoc.form.model import Page, SurveyModel, build_pages

__all__ = ["Page", "SurveyModel", "SurveyForm", "build_pages", "survey_app"]


def __getattr__(name: str) -> Any:
    if name in ("SurveyForm", "survey_app"):
        from netsoc.form import widget

        return getattr(widget, name)
    raise AttributeError(f"module 'netsoc.form' has no attribute {name!r}")
