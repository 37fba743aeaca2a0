"""Files netsoc ships as package data, found through :mod:`importlib.resources`.

Besides the notebooks: front-end assets under ``netsoc/assets`` (reveal.js
5.1.0 for the dashboard's slide export, MIT licence in ``assets/reveal``), so
nothing is fetched from a CDN at run time.

The notebooks live in the repository's top-level ``notebooks/`` folder and are
installed as the package ``netsoc.notebooks`` (see ``pyproject.toml``), so an
installed netsoc (``pip install .``, not editable) finds them as well as a
checkout does.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

__all__ = ["asset_text", "notebook_path", "SURVEY_NOTEBOOK", "ANALYSIS_NOTEBOOK", "DASHBOARD_NOTEBOOK"]

SURVEY_NOTEBOOK = "01_take_survey.ipynb"
ANALYSIS_NOTEBOOK = "02_analysis.ipynb"
DASHBOARD_NOTEBOOK = "03_workshop_dashboard.ipynb"


def notebook_path(name: str) -> Path:
    """Path of a shipped notebook, e.g. ``notebook_path(ANALYSIS_NOTEBOOK)``.

    Raises
    ------
    FileNotFoundError
        The installation does not hold that notebook.
    """
    path = Path(str(resources.files("netsoc.notebooks") / name))
    if not path.is_file():
        raise FileNotFoundError(f"netsoc.notebooks/{name}: not shipped with this installation")
    return path


@functools.cache
def asset_text(*parts: str) -> str:
    """Text of a shipped front-end asset, e.g. ``asset_text("reveal", "reveal.js")``."""
    return resources.files("netsoc").joinpath("assets", *parts).read_text(encoding="utf-8")
