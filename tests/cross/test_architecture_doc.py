"""docs/architecture.md names only what exists.

Every inline code span of the page (fenced blocks aside) is read as one of

- a **path** (``netsoc/form/model.py``, ``survey/store/``): it exists in the tree
  (``*`` and ``<any>`` match anything); a bare file name (``page.js``) exists
  somewhere in the tree;
- a **dotted name** of the project (``survey.store``,
  ``netsoc.form.model.SurveyModel``, ``analysis.score``): it imports, and each
  further part is an attribute (a dataclass, pydantic or traitlets field counts);
- a **class or method** (``SurveyModel``, ``Participants.handle``, ``Moments(...)``)
  or a **constant** (``META_COLUMNS``): the project defines it (an index of the
  definitions under survey, analysis, netsoc, tests and bench, made from their
  syntax trees), or Python does (``TypeError``), or :data:`ELSEWHERE` says which
  library it comes from;
- a **module of a folder** listed after it in a table cell
  (``survey/validate/`` (``columns``, ``answers``)): the folder has it;
- a **snake_case name** (``survey_app``, ``min_group_size``): the project uses
  it as a function, class, parameter, variable, field, keyword or string key
  (strings are read in survey, analysis and netsoc only: tests name what is gone).

Anything else (prose in backticks, header names, options) is not checked.
:func:`doc_problems` is the one predicate; ``test_made_up_*`` run it on made-up
lines so a broken rule fails here, not silently.
"""

from __future__ import annotations

import ast
import builtins
import fnmatch
import functools
import importlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers import ROOT

DOC = ROOT / "docs" / "architecture.md"
#: The project's packages: a dotted name starting with one of these must import.
PACKAGES = ("survey", "analysis", "netsoc")
#: Where the index of defined names is read from.
INDEXED = (*PACKAGES, "tests", "bench")
#: Names from other libraries the page may mention -> the module that has them (checked too).
ELSEWHERE = {
    "Starlette": "starlette.applications",
    "HasTraits": "traitlets",
    "DataFrame": "pandas",
    "Figure": "matplotlib.figure",
}
#: Folders a run writes (git ignores them): a path under one is not looked for.
GENERATED = ("bench/results/", "reports/")
#: Folders never searched for files.
SKIPPED_DIRS = {".git", ".venv", "__pycache__", "node_modules", ".mypy_cache", ".ruff_cache", ".pytest_cache"}

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_PATH = re.compile(r"^[\w.*<>-]+(?:/[\w.*<>-]+)*/?$")
_FILE = re.compile(r"^[\w.-]+\.(?:py|js|css|ipynb|ya?ml|json|md|R|toml|cfg|sh|txt)$")
_DOTTED = re.compile(rf"^({_IDENT}(?:\.{_IDENT})+)(?:\(.*\))?$")
_NAME = re.compile(rf"^({_IDENT})(?:\(.*\))?$")
_CLASS = re.compile(r"^[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$")
_CONSTANT = re.compile(r"^[A-Z][A-Z0-9]*_[A-Z0-9_]+$")
_SNAKE = re.compile(r"^_?[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


# ------------------------------------------------------------------ the index
@dataclass
class Index:
    """What the project's code defines and uses, read from its syntax trees."""

    #: Every name used as a function, class, parameter, variable, field, keyword or key.
    names: set[str] = field(default_factory=set)
    #: Classes, functions and assigned names (what a class-like or constant span may name).
    definitions: set[str] = field(default_factory=set)
    #: Class name -> its members (methods, class attributes, fields, ``self.x`` attributes).
    members: dict[str, set[str]] = field(default_factory=dict)
    #: Class name -> the names of its bases.
    bases: dict[str, set[str]] = field(default_factory=dict)
    #: Every file's path relative to the root (``/``-separated), folders too.
    paths: set[str] = field(default_factory=set)

    def has_member(self, cls: str, name: str, seen: frozenset[str] = frozenset()) -> bool:
        """Whether ``cls`` (or a base class the project defines) has ``name``."""
        if name in self.members.get(cls, set()):
            return True
        return any(
            self.has_member(base, name, seen | {cls}) for base in self.bases.get(cls, ()) if base not in seen
        )


def _targets(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor | ast.comprehension):
        return [node.target]
    if isinstance(node, ast.withitem) and node.optional_vars is not None:
        return [node.optional_vars]
    if isinstance(node, ast.NamedExpr):
        return [node.target]
    return []


def _assigned(node: ast.AST) -> set[str]:
    """Names and attribute names a statement assigns (tuples unpacked)."""
    out: set[str] = set()
    for target in _targets(node):
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name):
                out.add(sub.id)
            elif isinstance(sub, ast.Attribute):
                out.add(sub.attr)
    return out


def _docstring_nodes(tree: ast.Module) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def _class_members(node: ast.ClassDef) -> set[str]:
    members: set[str] = set()
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            members.add(stmt.name)
        members |= _assigned(stmt)
    for sub in ast.walk(node):  # self.x = ... in its methods
        for target in _targets(sub):
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                if target.value.id == "self":
                    members.add(target.attr)
    return members


def _read_module(index: Index, tree: ast.Module, *, strings: bool) -> None:
    """Add a module's definitions and uses (and, with ``strings``, its identifier-like strings)."""
    docstrings = _docstring_nodes(tree) if strings else set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            index.definitions.add(node.name)
            index.names.add(node.name)
        if isinstance(node, ast.ClassDef):
            index.members.setdefault(node.name, set()).update(_class_members(node))
            index.bases.setdefault(node.name, set()).update(
                b.id if isinstance(b, ast.Name) else b.attr
                for b in node.bases
                if isinstance(b, ast.Name | ast.Attribute)
            )
        elif isinstance(node, ast.arg):
            index.names.add(node.arg)
        elif isinstance(node, ast.keyword) and node.arg:
            index.names.add(node.arg)
        elif (
            strings
            and isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            if node.value.isidentifier():
                index.names.add(node.value)
        assigned = _assigned(node)
        index.definitions |= assigned
        index.names |= assigned


def _tree_paths(root: Path) -> set[str]:
    out = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        rel = Path(folder).relative_to(root).as_posix()
        prefix = "" if rel == "." else rel + "/"
        out |= {prefix + d + "/" for d in dirs}
        out |= {prefix + f for f in files}
    return out


@functools.cache
def project_index(root: Path = ROOT) -> Index:
    """The :class:`Index` of the tree at ``root``."""
    index = Index(paths=_tree_paths(root))
    for folder in INDEXED:
        for path in sorted((root / folder).rglob("*.py")):
            if not SKIPPED_DIRS & set(path.parts) and path.name != Path(__file__).name:
                tree = ast.parse(path.read_text(encoding="utf-8"))
                _read_module(index, tree, strings=folder in PACKAGES)
    for path in (root / "survey" / "instruments").rglob("*.yaml"):  # the UI texts' keys
        index.names |= set(re.findall(r"^\s*([a-z][a-z0-9_]*):", path.read_text(encoding="utf-8"), re.M))
    return index


# ------------------------------------------------------------------ the checks
def _without_removed_columns(markdown: str) -> str:
    """The text with every table column headed "... removed ..." emptied (names gone on purpose)."""
    out, dropped = [], set()
    for line in markdown.splitlines():
        if not line.lstrip().startswith("|"):
            dropped = set()
            out.append(line)
            continue
        cells = line.split("|")
        if not dropped and not set(line) <= set("|-: "):
            dropped = {i for i, c in enumerate(cells) if "removed" in c.lower()}
        out.append("|".join("" if i in dropped else c for i, c in enumerate(cells)))
    return "\n".join(out)


def code_spans(markdown: str) -> list[str]:
    """The inline code spans of a Markdown text, fenced blocks and removed names left out."""
    prose = re.sub(r"^```.*?^```", "", _without_removed_columns(markdown), flags=re.M | re.S)
    return [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", prose)]


def _path_exists(span: str, index: Index) -> bool:
    pattern = re.sub(r"<[^>]*>", "*", span)
    if "*" in pattern:
        pattern = pattern.rstrip("/")
        return any(fnmatch.fnmatch(p.rstrip("/"), pattern) for p in index.paths)
    return pattern in index.paths or pattern + "/" in index.paths


def _attribute(obj: object, name: str) -> tuple[bool, object]:
    """``(found, value)`` of ``obj.name``; a class's declared fields count when they have no default."""
    try:
        return True, getattr(obj, name)
    except AttributeError:
        pass
    if isinstance(obj, type):
        for klass in obj.__mro__:
            declared = {
                *getattr(klass, "__annotations__", {}),
                *getattr(klass, "__dataclass_fields__", {}),
                *getattr(klass, "model_fields", {}),
                *getattr(klass, "_fields", ()),
            }
            if name in declared:
                return True, None
    return False, None


def _resolves(dotted: str) -> bool:
    """Whether ``dotted`` imports: its longest importable prefix, then attributes."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        module = ".".join(parts[:i])
        try:
            obj: object = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name is not None and not module.startswith(exc.name):
                raise  # a real module whose own import failed
            continue
        for attr in parts[i:]:
            found, obj = _attribute(obj, attr)
            if not found:
                return False
            if obj is None:  # a declared field: nothing further to look into
                return attr == parts[-1]
        return True
    return False


def _defined(name: str, index: Index) -> bool:
    return name in index.definitions or hasattr(builtins, name) or _elsewhere(name)


def _elsewhere(name: str) -> bool:
    return name in ELSEWHERE and hasattr(importlib.import_module(ELSEWHERE[name]), name)


def span_problem(span: str, index: Index) -> str | None:
    """Why ``span`` names nothing that exists, or None (also for spans that are not names)."""
    if "/" in span and " " not in span and _PATH.match(span):
        return _path_problem(span, index)
    if _FILE.match(span):
        return None if any(p.rsplit("/", 1)[-1] == span for p in index.paths) else "no such file"
    dotted = _DOTTED.match(span)
    if dotted:
        return _dotted_problem(dotted.group(1).split("."), index)
    name = _NAME.match(span)
    return None if name is None else _name_problem(name.group(1), index)


def _path_problem(span: str, index: Index) -> str | None:
    if span.split("/")[0] + "/" not in index.paths:
        return None  # not a path of the tree (`model.get/set/send`, a media type, a route)
    if span.startswith(GENERATED) or _path_exists(span, index):
        return None
    return "no such file or folder"


def _dotted_problem(parts: list[str], index: Index) -> str | None:
    if parts[0] in PACKAGES:
        return None if _resolves(".".join(parts)) else "does not import"
    if len(parts) != 2 or not _CLASS.match(parts[0]):
        return None  # an attribute of a variable (`error.problems`) or another library's module
    if parts[0] in index.definitions:
        return None if index.has_member(*parts) else f"{parts[0]} has no {parts[1]}"
    return None if _defined(parts[0], index) else "no such class"


def _name_problem(name: str, index: Index) -> str | None:
    if _CLASS.match(name):
        return None if _defined(name, index) else "not defined in the project"
    if _CONSTANT.match(name):  # a constant, or an environment variable the code reads
        return None if _defined(name, index) or name in index.names else "not defined in the project"
    if _SNAKE.match(name):
        return None if name in index.names or hasattr(builtins, name) else "not used in the project"
    return None


def module_list_problems(markdown: str, index: Index) -> list[str]:
    """Modules listed after their folder in a table cell that the folder does not have.

    In ``| `survey/validate/` (`columns`, `answers`, `frame`) |`` each one-word span
    after the folder is a module of it: ``survey/validate/columns.py`` (or a subpackage).
    """
    out = []
    for line in markdown.splitlines():
        if not line.lstrip().startswith("|"):
            continue
        for cell in line.split("|"):
            folder = None
            for span in re.findall(r"`([^`]+)`", cell):
                if re.fullmatch(r"(?:\w+/)+", span) and span in index.paths:
                    folder = span
                elif folder and re.fullmatch(r"[a-z][a-z0-9]*", span):
                    if f"{folder}{span}.py" not in index.paths and f"{folder}{span}/" not in index.paths:
                        out.append(f"`{span}`: no module {folder}{span}.py")
    return out


def doc_problems(markdown: str, index: Index) -> list[str]:
    """``span: why`` for every code span of ``markdown`` that names something missing."""
    out = []
    for span in dict.fromkeys(code_spans(markdown)):
        problem = span_problem(span, index)
        if problem is not None:
            out.append(f"`{span}`: {problem}")
    return out + list(dict.fromkeys(module_list_problems(_without_removed_columns(markdown), index)))


# ------------------------------------------------------------------ the page
def test_the_architecture_page_names_only_what_exists():
    problems = doc_problems(DOC.read_text(encoding="utf-8"), project_index())
    assert not problems, "docs/architecture.md names what does not exist:\n" + "\n".join(problems)


def test_the_page_tells_how_one_response_travels():
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## How one response travels", 1)[1].split("\n## ", 1)[0]
    spans = code_spans(section)
    for needed in ("netsoc/assets/form/page.js", "netsoc.server.participant.Participants.handle"):
        assert needed in spans, f"the section names {needed}"
    assert any(s.startswith("survey.store") for s in spans)


# ------------------------------------------------------------ the rules can fail
def test_made_up_names_fail():
    line = (
        "The tab builds a `SurveyView` from `netsoc/form/view.py` (`netsoc.form.view`), "
        "whose `RadioGroup` widgets call `netsoc.form.model.SurveyModel.render` and "
        "`build_radio_widgets()`; `Participants.reply_later` answers, `survey/store/mixins/` "
        "keeps `NO_SUCH_LIMIT` and `widgets.py` draws.\n\n"
        "| concept | module |\n| --- | --- |\n"
        "| the form | `netsoc/form/`: `model` (`SurveyModel`), `view` (the widgets), `pages` |\n"
    )
    found = doc_problems(line, project_index())
    assert [p.split("`")[1] for p in found] == [
        "SurveyView",
        "netsoc/form/view.py",
        "netsoc.form.view",
        "RadioGroup",
        "netsoc.form.model.SurveyModel.render",
        "build_radio_widgets()",
        "Participants.reply_later",
        "survey/store/mixins/",
        "NO_SUCH_LIMIT",
        "widgets.py",
        "view",
    ]


def test_made_up_removed_names_are_not_read():
    table = (
        "| Concept | Name | Old names (removed in 0.2.0) |\n| --- | --- | --- |\n"
        "| size | `min_group_size` | `MIN_COHORT`, `k` |\n\nThen `MIN_COHORT` again.\n"
    )
    assert doc_problems(table, project_index()) == ["`MIN_COHORT`: not defined in the project"]


def test_made_up_lines_with_real_names_pass():
    line = (
        "`netsoc/form/model.py` holds `SurveyModel` (`netsoc.form.model.SurveyModel.submit`), "
        "`survey.store` writes through `ResponseStore.submit`, `analysis.score` scores, "
        "`netsoc/assets/<any>` and `bench/results/room*.json` are files, `page.js` the adapter, "
        "`min_group_size` and `survey_app` are used, `META_COLUMNS` and `TypeError` defined, "
        "`Moments(cov, count, cor, rows)` a class, `netsoc.dashboard.settings.DashboardSettings.db` "
        "a field; `Content-Security-Policy`, `?lang=`, `model.get/set/send` and `{id: {code, text}}` "
        "are not names."
    )
    assert doc_problems(line, project_index()) == []


def test_made_up_fenced_blocks_are_not_read():
    assert doc_problems("```\n`SurveyView`\n```\n", project_index()) == []
