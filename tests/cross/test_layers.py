"""The layer test: imports point down (survey <- analysis <- netsoc), apps meet only
through the kit, private names stay private, no import circles, functions stay short.

:func:`layer_problems` is the one predicate.  It judges a mapping of module paths
to what they import (:class:`Module`); :func:`scan` builds that mapping for the
real tree, and ``test_the_rules_catch_*`` run the same predicate on made-up
modules, so a broken rule fails here, not silently.

Rules
-----
- survey imports nothing above it (analysis, netsoc, plotting, UI and servers);
- analysis uses only the instrument model, the data's shape and the errors of
  survey; no database, no UI, no environment variables;
- nothing outside netsoc imports netsoc;
- netsoc's apps (its subpackages) import the kit (netsoc's top-level modules:
  session, web, provenance, ...) and the lower layers, never each other, except
  the pairs in :data:`APP_EDGES`; the commands (netsoc.cli) start any app; the kit
  imports no app;
- nothing outside analysis imports an ``analysis._*`` module, and no module
  imports another module's private name (``from x import _y``);
- no two modules import each other, directly or around a circle, counting imports
  inside functions too (a package's ``__init__`` counts as a module);
- no function body is longer than :data:`MAX_BODY` lines (its docstring excluded):
  modules are cut where a concept ends, functions where a step ends.

Offenders that are being fixed are listed in :data:`ALLOWED` with their owner; an
entry that no longer happens fails the test too, so the list only shrinks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tests.helpers import ROOT

#: Longest function body allowed (lines, the docstring excluded).
MAX_BODY = 60
#: Modules that only the top layer (netsoc) may import: UI, servers, notebook engines.
UI_AND_ENGINES = (
    "ipywidgets",
    "anywidget",
    "solara",
    "voila",
    "jupyter_server",
    "tornado",
    "starlette",
    "uvicorn",
    "IPython",
    "traitlets",
    "papermill",
    "nbconvert",
    "nbformat",
    "nbclient",
    "jupyter_client",
)
#: What analysis may use of survey: the instrument model, the data's shape, the errors.
ANALYSIS_MAY_USE = ("survey.instrument", "survey.codebook", "survey.errors", "survey.schema")
#: netsoc's commands: they start apps (``netsoc workshop`` starts the survey and the dashboard).
COMMANDS = ("cli", "__main__", "pipeline")
#: The only app -> app imports, and why.
APP_EDGES = {
    ("form", "feedback"): "the form shows the participant's feedback",
    ("server", "form"): "the survey server serves the form",
}
#: Known offenders being fixed: (path, rule) -> owner.  Empty it; never grow it.
ALLOWED: dict[tuple[str, str], str] = {
    ("netsoc/form/__init__.py", "circle"): "room",
    ("survey/store/__init__.py", "circle"): "room",
}


@dataclass(frozen=True)
class Module:
    """What the layer rules need to know of one module."""

    imports: frozenset[str] = frozenset()
    #: ``(module, name)`` of every ``from module import name``.
    names: frozenset[tuple[str, str]] = frozenset()
    #: ``(qualified name, body lines)`` of every function longer than :data:`MAX_BODY`.
    long_functions: tuple[tuple[str, int], ...] = ()
    reads_environment: bool = False
    #: Module paths (``a/b/_c.py``) that exist, to tell a private module from a private name.
    tree: frozenset[str] = field(default=frozenset(), compare=False)


def _starts(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _dotted(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def parse_module(path: str, source: str, tree: frozenset[str] = frozenset()) -> Module:
    """A :class:`Module` from a module's source text (``path`` like ``netsoc/web.py``)."""
    syntax = ast.parse(source)
    package = _dotted(path) if path.endswith("__init__.py") else _dotted(path).rpartition(".")[0]
    imports, names = set(), set()
    for node in ast.walk(syntax):
        if isinstance(node, ast.Import):
            imports |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            imports.add(base)
            names |= {(base, a.name) for a in node.names}
    env = any(
        isinstance(n, ast.Attribute)
        and n.attr in {"environ", "getenv"}
        and isinstance(n.value, ast.Name)
        and n.value.id == "os"
        for n in ast.walk(syntax)
    )
    return Module(frozenset(imports), frozenset(names), _long_functions(syntax), env, tree)


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of a function's body from its first statement after the docstring."""
    body = node.body
    if ast.get_docstring(node) is not None:
        body = body[1:]
    if not body:
        return 0
    return (node.end_lineno or body[-1].lineno) - body[0].lineno + 1


def _long_functions(syntax: ast.Module) -> tuple[tuple[str, int], ...]:
    """Every function (methods and nested ones too) whose body exceeds :data:`MAX_BODY`."""
    out: list[tuple[str, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                if _body_lines(child) > MAX_BODY:
                    out.append((name, _body_lines(child)))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(syntax, "")
    return tuple(out)


def _edges(path: str, m: Module, paths: frozenset[str]) -> set[str]:
    """The module paths ``path`` imports (``from a import b`` counts ``a/b.py`` when it exists)."""
    out = set()
    for name in {*m.imports, *(f"{mod}.{n}" for mod, n in m.names)}:
        stem = name.replace(".", "/")
        for candidate in (f"{stem}.py", f"{stem}/__init__.py"):
            if candidate in paths:
                out.add(candidate)
    out.discard(path)
    return out


def circles(modules: Mapping[str, Module]) -> list[list[str]]:
    """Every set of modules that import each other around a circle (Tarjan's components)."""
    paths = frozenset(modules)
    graph = {p: sorted(_edges(p, m, paths)) for p, m in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = stack[stack.index(v) :]
            del stack[stack.index(v) :]
            if len(part) > 1:
                found.append(sorted(part))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def _app(path: str) -> str | None:
    """netsoc's app of a module path (its subpackage), or None for the kit's modules."""
    parts = path.split("/")
    if parts[0] != "netsoc":
        return None
    if len(parts) > 2:
        return parts[1]
    name = parts[1].removesuffix(".py")
    return name if name in COMMANDS else None


def _app_of(name: str, tree: frozenset[str]) -> str | None:
    """The app (or command) a dotted module name belongs to; None for the kit and outside netsoc."""
    parts = name.split(".")
    if parts[0] != "netsoc" or len(parts) < 2:
        return None
    if f"netsoc/{parts[1]}/__init__.py" in tree:
        return parts[1]
    return parts[1] if parts[1] in COMMANDS else None


def _size_problems(path: str, m: Module) -> list[tuple[str, str, str]]:
    """Functions of the three packages whose body is longer than :data:`MAX_BODY`."""
    if path.split("/")[0] not in ("survey", "analysis", "netsoc"):
        return []
    return [
        (f"{path}::{name}", "function-size", f"a body of {lines} lines (at most {MAX_BODY})")
        for name, lines in m.long_functions
    ]


def _survey_problems(path: str, m: Module) -> list[tuple[str, str, str]]:
    """survey imports nothing above it."""
    wrong = {
        n for n in m.imports if _starts(n, ("analysis", "netsoc", "matplotlib", "seaborn", *UI_AND_ENGINES))
    }
    return [(path, "layer", f"imports {sorted(wrong)}: survey is the bottom layer")] if wrong else []


def _analysis_problems(path: str, m: Module) -> list[tuple[str, str, str]]:
    """analysis is pure statistics: the instrument model and data shape of survey, no I/O, no UI."""
    out = []
    wrong = {
        n
        for n in m.imports
        if _starts(n, ("netsoc", "sqlalchemy", "psycopg", "sqlite3", *UI_AND_ENGINES))
        or (_starts(n, ("survey",)) and n != "survey" and not _starts(n, ANALYSIS_MAY_USE))
    }
    if wrong:
        out.append((path, "layer", f"imports {sorted(wrong)}: analysis is pure statistics"))
    if m.reads_environment:
        out.append((path, "layer", "reads environment variables: analysis takes arguments"))
    return out


def _netsoc_problems(path: str, m: Module) -> list[tuple[str, str, str]]:
    """netsoc's apps meet through the kit (the pairs of :data:`APP_EDGES` excepted)."""
    out = []
    mine = _app(path)
    for n in sorted(m.imports):
        other = _app_of(n, m.tree)
        if other is None or other == mine or mine in COMMANDS:
            continue  # the kit, the app itself, or a command starting apps
        if mine is None:
            out.append((path, "app-imports-app", f"the kit imports {n} (an app or command)"))
        elif other in COMMANDS or (mine, other) not in APP_EDGES:
            out.append((path, "app-imports-app", f"the {mine} app imports {n} (apps meet through the kit)"))
    return out


def _private_problems(path: str, m: Module) -> list[tuple[str, str, str]]:
    """Private modules of analysis stay in analysis; private names stay in their module."""
    out = []
    top = path.split("/")[0]
    if top != "analysis":
        private = sorted(
            n
            for n in m.imports
            if n.startswith("analysis.") and any(p.startswith("_") for p in n.split(".")[1:])
        )
        if private:
            out.append((path, "private-module", f"imports {private}: private to analysis"))
    for module, name in sorted(m.names):
        if (
            not name.startswith("_")
            or name.startswith("__")
            or not _starts(module, ("survey", "analysis", "netsoc"))
        ):
            continue
        as_module = module.replace(".", "/") + f"/{name}.py"
        if as_module in m.tree and (_starts(_dotted(path), (module,))):
            continue  # a package's own private module
        if as_module in m.tree and top == "analysis" and module.startswith("analysis"):
            continue  # analysis's private modules are analysis's
        out.append((path, "private-name", f"imports the private name {module}.{name}"))
    return out


def layer_problems(modules: Mapping[str, Module]) -> list[tuple[str, str, str]]:
    """Every breach of the rules (module docstring) as ``(path, rule, message)``."""
    out: list[tuple[str, str, str]] = []
    for path, m in sorted(modules.items()):
        top = path.split("/")[0]
        out += _size_problems(path, m)
        if top == "survey":
            out += _survey_problems(path, m)
        if top == "analysis":
            out += _analysis_problems(path, m)
        if top in ("survey", "analysis") and any(_starts(n, ("netsoc",)) for n in m.imports):
            out.append((path, "layer", "imports netsoc: only netsoc is above survey and analysis"))
        if top == "netsoc":
            out += _netsoc_problems(path, m)
        out += _private_problems(path, m)
    out += [(part[0], "circle", " <-> ".join(part)) for part in circles(modules)]
    return out


def scan(folders: Iterable[str] = ("survey", "analysis", "netsoc", "bench")) -> dict[str, Module]:
    """The :class:`Module` of every Python file under ``folders`` (not notebooks or assets)."""
    files = [
        p
        for folder in folders
        for p in sorted((ROOT / folder).rglob("*.py"))
        if not {"notebooks", "assets", "__pycache__"} & set(p.relative_to(ROOT).parts)
    ]
    tree = frozenset(str(p.relative_to(ROOT)) for p in files)
    return {
        str(p.relative_to(ROOT)): parse_module(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8"), tree)
        for p in files
    }


# ------------------------------------------------------------------ the tree
def test_the_tree_keeps_the_layers():
    found = layer_problems(scan())
    new = [f"{path}: {msg}" for path, rule, msg in found if (path, rule) not in ALLOWED]
    assert not new, "layer rules broken:\n" + "\n".join(new)
    happening = {(path, rule) for path, rule, _ in found}
    fixed = sorted(k for k in ALLOWED if k not in happening)
    assert not fixed, f"fixed, so take them off ALLOWED: {fixed}"


# ------------------------------------------------------------ the rules can fail
def _tree(*paths: str) -> frozenset[str]:
    return frozenset(paths)


def _rules(modules: dict[str, str]) -> set[tuple[str, str]]:
    tree = _tree(
        *modules,
        "analysis/_checks.py",
        "analysis/compare/_core.py",
        *(f"netsoc/{app}/__init__.py" for app in ("form", "feedback", "dashboard", "server", "cli")),
    )
    return {
        (p, r) for p, r, _ in layer_problems({p: parse_module(p, src, tree) for p, src in modules.items()})
    }


def test_the_rules_catch_upward_imports():
    assert _rules({"survey/x.py": "import analysis.scoring"}) == {("survey/x.py", "layer")}
    assert _rules({"survey/x.py": "from matplotlib import pyplot"}) == {("survey/x.py", "layer")}
    assert _rules({"survey/x.py": "import ipywidgets"}) == {("survey/x.py", "layer")}
    assert _rules({"analysis/x.py": "from survey.store import open_store"}) == {("analysis/x.py", "layer")}
    assert _rules({"analysis/x.py": "import os\nos.environ['X']"}) == {("analysis/x.py", "layer")}
    assert _rules({"analysis/x.py": "import solara"}) == {("analysis/x.py", "layer")}
    assert _rules({"survey/x.py": "from netsoc.web import escape"}) == {("survey/x.py", "layer")}


def test_the_rules_catch_apps_importing_each_other():
    assert _rules({"netsoc/dashboard/x.py": "from netsoc.form.model import SurveyModel"}) == {
        ("netsoc/dashboard/x.py", "app-imports-app")
    }
    assert _rules({"netsoc/feedback/x.py": "import netsoc.form"}) == {
        ("netsoc/feedback/x.py", "app-imports-app")
    }  # the allowed pair is one-way
    assert _rules({"netsoc/web.py": "from netsoc.dashboard import model"}) == {
        ("netsoc/web.py", "app-imports-app")
    }  # the kit imports no app
    assert _rules({"netsoc/session.py": "from netsoc.cli import main"}) == {
        ("netsoc/session.py", "app-imports-app")
    }


def test_the_rules_catch_private_names_and_modules():
    assert _rules({"netsoc/x.py": "from analysis._checks import check_frame"}) == {
        ("netsoc/x.py", "private-module")
    }
    assert _rules({"bench/x.py": "import analysis.plots._theme"}) == {("bench/x.py", "private-module")}
    assert _rules({"netsoc/x.py": "from analysis.scoring import _levels"}) == {
        ("netsoc/x.py", "private-name")
    }
    assert _rules({"analysis/x.py": "from analysis.scoring import _levels"}) == {
        ("analysis/x.py", "private-name")
    }


def _function(lines: int, docstring: bool = True) -> str:
    doc = '    """Say what it does.\n\n    More words.\n    """\n' if docstring else ""
    return "def f():\n" + doc + "    x = 1\n" * lines


def test_the_rules_catch_long_functions_but_not_long_docstrings():
    assert _rules({"netsoc/web.py": _function(MAX_BODY + 1)}) == {("netsoc/web.py::f", "function-size")}
    assert _rules({"netsoc/web.py": _function(MAX_BODY)}) == set()
    assert _rules({"netsoc/web.py": _function(MAX_BODY, docstring=False)}) == set()
    method = "class A:\n" + "\n".join("    " + line for line in _function(MAX_BODY + 1).splitlines())
    assert _rules({"survey/x.py": method}) == {("survey/x.py::A.f", "function-size")}
    long_module = "\n\n".join(_function(10).replace("def f", f"def f{i}") for i in range(80))
    assert _rules({"analysis/x.py": long_module}) == set()


def test_the_rules_catch_circles_also_through_imports_inside_functions():
    pair = {
        "analysis/a.py": "from analysis.b import g",
        "analysis/b.py": "def g():\n    from analysis import a\n    return a",
    }
    assert _rules(pair) == {("analysis/a.py", "circle")}
    ring = {
        "netsoc/report/__init__.py": "from netsoc.report.x import f",
        "netsoc/report/x.py": "from netsoc.report.y import g",
        "netsoc/report/y.py": "from netsoc.report import f",
    }
    assert _rules(ring) == {("netsoc/report/__init__.py", "circle")}
    chain = {"analysis/a.py": "from analysis.b import g", "analysis/b.py": "import numpy"}
    assert _rules(chain) == set()


def test_the_rules_let_the_right_imports_pass():
    ok = {
        "survey/x.py": "from survey.errors import DataError\nimport numpy",
        "analysis/y.py": "from survey.instrument import Instrument\n"
        "from analysis._checks import check_frame\nfrom analysis.compare import _core",
        "netsoc/form/z.py": "from netsoc.feedback import feedback_data\nfrom netsoc.web import escape",
        "netsoc/server/w.py": "from netsoc.form import model\nfrom netsoc.session import shared_store",
        "netsoc/cli/v.py": "from netsoc.dashboard import app\nfrom netsoc.server import serve_survey",
        "netsoc/dashboard/u.py": "from analysis.plots import themed\nfrom netsoc.provenance import data_hash",
        "netsoc/web.py": "from netsoc.session import parse_query\nfrom survey.schema import random_ids as _r",
        "netsoc/cli/t.py": "from netsoc import __version__",
        "bench/s.py": "from netsoc.report import build_report",
    }
    assert _rules(ok) == set()
