"""Packaging configuration, checked without building (tests/cross/test_installed.py
builds and installs the wheel).

Packages are discovered by setuptools (``[tool.setuptools.packages.find]``), so every
folder under survey/, analysis/ and netsoc/ ships, with or without ``__init__.py``:
the data folders (survey/instruments, netsoc/assets/<any>, netsoc/notebooks) are
packages of data files, which is how setuptools wants data in subfolders declared.
"""

from __future__ import annotations

import os
import tomllib

from setuptools import find_namespace_packages

from tests.conftest import ROOT

TOPS = ("survey", "analysis", "netsoc")


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _folders() -> set[str]:
    """Every folder of the package trees that may hold something to ship."""
    found = set()
    for top in TOPS:
        for folder, dirs, _ in os.walk(ROOT / top, followlinks=True):
            dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
            found.add(os.path.relpath(folder, ROOT).replace(os.sep, "."))
    return found


def test_every_folder_of_the_packages_is_discovered():
    find = _setuptools()["packages"]["find"]
    assert find.get("namespaces", True), "data folders without __init__.py need namespace discovery"
    discovered = set(
        find_namespace_packages(where=str(ROOT), include=find["include"], exclude=find.get("exclude", ()))
    )
    folders = _folders()
    # the folders that hold only data are among them (the test would be empty otherwise)
    assert {"survey.instruments", "netsoc.assets", "netsoc.assets.reveal", "netsoc.notebooks"} <= folders
    assert folders - discovered == set(), "folders setuptools would not ship"
    assert discovered - folders == set(), "discovered packages that are not folders of ours"
