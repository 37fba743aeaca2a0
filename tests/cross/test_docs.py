"""The documentation names what exists: every file path in docs/*.md and in a
docstring, and every ``:mod:`` reference, points at something in the tree."""

from __future__ import annotations

import ast
import importlib.util
import re

from tests.helpers import ROOT

#: A path into the repository: one of its top folders, then a file with an extension.
PATH = re.compile(
    r"(?<![\w./-])((?:survey|analysis|netsoc|tests|docs|bench|notebooks|data|\.ci)"
    r"/[\w./-]*\.(?:py|md|yaml|yml|ipynb|json|R|csv|js|css|sh|txt))\b"
)
#: A Sphinx module reference.
MODULE = re.compile(r":mod:`~?([\w.]+)`")
#: Written by a run, not shipped (benchmarks, reports, a study bundle's inside).
GENERATED = ("bench/results/", "reports/", "data/responses.csv", "data/codebook.csv", "data/demo/demo.sqlite")
#: Known stale references being fixed: reference -> owner.  Empty it; never grow it
#: (an entry that is fixed fails the test until it is removed).
ALLOWED = {}
#: Files that never existed here but were cited (issue 25): always wrong.
NEVER = re.compile(r"(?<![\w/])DESIGN\.md\b")


def _docstrings() -> list[tuple[str, str]]:
    out = []
    for folder in ("survey", "analysis", "netsoc"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "notebooks" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                    doc = ast.get_docstring(node, clean=False)
                    if doc:
                        out.append((str(path.relative_to(ROOT)), doc))
    return out


def _texts() -> list[tuple[str, str]]:
    docs = [
        (str(p.relative_to(ROOT)), p.read_text(encoding="utf-8"))
        for p in sorted((ROOT / "docs").glob("*.md"))
    ]
    return docs + _docstrings()


def missing_references(texts: list[tuple[str, str]]) -> list[str]:
    """``where: reference`` for every path or module reference that does not exist."""
    out = []
    for where, text in texts:
        for ref in PATH.findall(text):
            ref = ref.rstrip(".")
            if ref.startswith(GENERATED) or "*" in ref:
                continue
            if not (ROOT / ref).exists():
                out.append(f"{where}: {ref}")
        for name in MODULE.findall(text):
            try:
                found = importlib.util.find_spec(name) is not None
            except (ImportError, ValueError):
                found = False
            if not found:
                out.append(f"{where}: :mod:`{name}`")
        out += [f"{where}: DESIGN.md" for _ in NEVER.findall(text)]
    return out


def test_docs_and_docstrings_name_files_that_exist():
    missing = missing_references(_texts())
    new = [m for m in missing if m not in ALLOWED]
    assert not new, "references to files or modules that do not exist:\n" + "\n".join(new)
    fixed = sorted(set(ALLOWED) - set(missing))
    assert not fixed, f"fixed, so take them off ALLOWED: {fixed}"


def test_the_reference_check_can_fail():
    texts = [
        (
            "x.md",
            "see survey/instrument.py, analysis/cfa.py and :mod:`analysis.plots._theme`; "
            "DESIGN.md; survey/schema.py is fine",
        )
    ]
    assert missing_references(texts) == [
        "x.md: survey/instrument.py",
        "x.md: analysis/cfa.py",
        "x.md: :mod:`analysis.plots._theme`",
        "x.md: DESIGN.md",
    ]
