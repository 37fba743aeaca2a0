"""Project housekeeping: dependencies in step, notebooks clean, the demo command works.

The layer rules live in tests/cross/test_layers.py."""

from __future__ import annotations

import json
import re
import tomllib

import yaml
from packaging.requirements import Requirement

from netsoc.cli import main
from tests.helpers import ROOT

#: pip name -> conda-forge name, where they differ
CONDA_NAME = {"psycopg": "psycopg", "brotli": "brotli-python", "build": "python-build"}


def _pyproject_requirements() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = meta["dependencies"] + meta["optional-dependencies"]["test"]
    out = {}
    for text in reqs:
        req = Requirement(text)
        out[CONDA_NAME.get(req.name, req.name).lower()] = str(req.specifier)
    return out


def _conda_requirements() -> tuple[dict[str, str], list]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    out, pip = {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip = dep["pip"]
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(.*)", dep)
        name, spec = m.group(1).lower(), m.group(2).replace(" ", "")
        if name in {"python", "pip"}:
            continue
        out[name] = spec
    return out, pip


def test_environment_yml_mirrors_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert env["channels"] == ["conda-forge"]
    assert "python=3.11" in env["dependencies"]
    conda, pip = _conda_requirements()
    assert pip == ["-e ."]
    assert conda == _pyproject_requirements()


def test_every_dependency_has_a_lower_bound():
    for name, spec in _pyproject_requirements().items():
        assert ">=" in spec, f"{name} has no lower bound"


def test_notebooks_are_committed_without_outputs():
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [] and cell.get("execution_count") is None, nb.name


def test_demo_command_prints_a_summary_and_writes_html(tmp_path, capsys):
    db = tmp_path / "demo.sqlite"
    assert main(["demo", "--n", "80", "--seed", "5", "--out", str(tmp_path), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "stored in" in out and db.exists()
    assert "N = 80 respondents" in out and "Profiles:" in out
    # the participants' words, never the stored codes; then what to do next
    assert "Sales or business development" in out and "Selective connector" in out
    assert not re.search(r"\b(sales|reserved|na)\b", out)
    assert "Next:" in out and "make workshop COHORT=" in out and "report.html" in out
    html = (tmp_path / "demo_summary.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "<script" not in html


def test_bad_arguments_give_a_short_error(capsys):
    import pytest

    with pytest.raises(SystemExit) as info:
        main(["demo", "--n", "zero"])
    assert info.value.code == 2
    assert "expected a whole number, got 'zero'" in capsys.readouterr().err


def test_public_analysis_api_is_importable_from_the_package():
    import analysis

    for name in analysis.__all__:
        assert callable(getattr(analysis, name)), name


def imported_test_modules(source: str) -> list[str]:
    """The test modules (``tests....test_*``) that ``source`` imports."""
    import ast

    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return sorted(n for n in names if n.startswith("tests.") and n.rsplit(".", 1)[-1].startswith("test_"))


def test_no_test_module_imports_another():
    """Fixtures live in conftest.py, shared code in tests/helpers.py (or a helper module
    such as tests/browser/protocol.py): a test module imports no other test module."""
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for name in imported_test_modules(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "\n".join(offenders)
    assert imported_test_modules("from tests.survey.test_store import complete") == [
        "tests.survey.test_store"
    ]
    assert imported_test_modules("from tests import test_store") == ["tests.test_store"]
    assert imported_test_modules("from tests.helpers import ROOT\nfrom tests.browser import protocol") == []
