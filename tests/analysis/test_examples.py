"""Every public function of analysis shows how it is called: a numpydoc Examples
section that pytest runs as a doctest (``--doctest-modules`` on analysis/)."""

from __future__ import annotations

import inspect

import pytest

import analysis


@pytest.mark.parametrize("name", analysis.__all__)
def test_public_function_has_a_runnable_example(name):
    doc = inspect.getdoc(getattr(analysis, name)) or ""
    assert "Examples\n--------" in doc and ">>> " in doc, f"analysis.{name} has no Examples section"
