"""The dashboard's words in its language: the instrument's ``ui:`` texts, else the shipped ones.

The facilitator's words (presenter view, controls, exports) ship in
``netsoc/assets/dashboard/texts.yaml`` for every language of the shipped
instrument; an instrument may override any of them in its ``ui:`` section.
"""

from __future__ import annotations

import functools
from typing import Any

import yaml

from netsoc.resources import asset_text
from netsoc.web import fmt_number, ui_text

__all__ = ["Texts"]


@functools.cache
def _shipped() -> dict[str, dict[str, str]]:
    return yaml.safe_load(asset_text("dashboard", "texts.yaml"))


class Texts:
    """Words and numbers in one language.

    Parameters
    ----------
    instrument : Instrument
        The questionnaire, already in the dashboard's language.
    """

    def __init__(self, instrument: Any) -> None:
        self.instrument = instrument
        self.lang = instrument.language
        shipped = _shipped()
        self._defaults = shipped.get(self.lang.split("-")[0]) or shipped["en"]

    def __call__(self, key: str, **values: Any) -> str:
        """The text ``key`` filled in with ``values`` (plain text: escape it for HTML)."""
        return ui_text(self.instrument, key, default=self._defaults.get(key), **values)

    def num(self, x: float | None, digits: int = 1) -> str:
        """``x`` as a reader of the dashboard's language writes it."""
        return fmt_number(x, self.lang, digits)
