"""Files netsoc ships as package data, found through :mod:`importlib.resources`.

The notebooks live in the repository's top-level ``notebooks/`` folder and are
installed as the package ``netsoc.notebooks`` (see ``pyproject.toml``), so an
installed netsoc (``pip install .``, not editable) finds them as well as a
checkout does.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["notebook_path", "SURVEY_NOTEBOOK", "ANALYSIS_NOTEBOOK", "DASHBOARD_NOTEBOOK"]

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
