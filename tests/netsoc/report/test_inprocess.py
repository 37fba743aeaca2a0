"""The report's notebook run in this process (issue 33 point 3): the same executed
notebook and HTML as a Jupyter kernel gives, errors named by cell, progress by section."""

from __future__ import annotations

import io
import re

import matplotlib
import pytest

from analysis.demo import make_demo
from netsoc.report import build_report
from netsoc.report.progress import printer, sections_of
from survey.errors import DataError

_RUN = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("inprocess") / "r.csv"
    make_demo(n=220, seed=12).to_csv(path, index=False)
    return path


def test_in_process_run_equals_the_kernel_run(demo_file, tmp_path):
    backend = matplotlib.get_backend()
    lines = []
    ours = build_report(
        data=demo_file,
        out=tmp_path / "a.html",
        engine="inprocess",
        progress=lambda done, total, section, seconds: lines.append((done, total, section)),
    )
    kernel = build_report(data=demo_file, out=tmp_path / "b.html", engine="kernel")
    first = _RUN.sub("T", (tmp_path / "a.html").read_text(encoding="utf-8"))
    second = _RUN.sub("T", (tmp_path / "b.html").read_text(encoding="utf-8"))
    assert first == second  # every table, figure and sentence, byte for byte
    assert ours["data_sha256"] == kernel["data_sha256"]
    assert matplotlib.get_backend() == backend  # the notebook's %matplotlib inline is undone
    assert [d for d, _, _ in lines] == list(range(1, len(lines) + 1)) and lines[-1][0] == lines[-1][1]
    assert "Structure" in {s for _, _, s in lines} and "Group comparisons" in {s for _, _, s in lines}


def test_a_failing_cell_is_named(demo_file, tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("data = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "broken.ipynb")
    with pytest.raises(
        DataError, match=r"^report: the analysis notebook failed in cell 3: ZeroDivisionError: division"
    ):
        build_report(
            data=demo_file, out=tmp_path / "x.html", engine="inprocess", notebook=tmp_path / "broken.ipynb"
        )
    assert not (tmp_path / "x.html").exists()


def test_unknown_engine_is_refused(demo_file, tmp_path):
    with pytest.raises(
        DataError, match=r"engine: got 'papermill'; expected one of \['auto', 'inprocess', 'kernel'\]"
    ):
        build_report(data=demo_file, out=tmp_path / "x.html", engine="papermill")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise():
    plain, tty = io.StringIO(), _Terminal()
    for stream in (plain, tty):
        show = printer(stream)
        show(1, 2, "Structure", 1.25)
        show(2, 2, "Methods", 0.5)
    assert plain.getvalue() == "report: 1/2 Structure (1.2 s)\nreport: 2/2 Methods (0.5 s)\n"
    assert tty.getvalue().startswith("\r[###############...............] 1/2 Structure")
    assert tty.getvalue().endswith("\n") and tty.getvalue().count("\n") == 1


def test_sections_end_at_their_last_code_cell():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("setup()"),
        nbformat.v4.new_markdown_cell("## One\ntext"),
        nbformat.v4.new_code_cell("a()"),
        nbformat.v4.new_code_cell("b()"),
        nbformat.v4.new_markdown_cell("## Two"),
        nbformat.v4.new_markdown_cell("### not a section"),
        nbformat.v4.new_code_cell("c()"),
    ]
    assert sections_of(nb) == {"setup()": "Setup", "b()": "One", "c()": "Two"}
