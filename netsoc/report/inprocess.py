"""Run the analysis notebook in this process: the same cells, recorded as a kernel would.

``netsoc report`` used to start a Jupyter kernel through papermill for every run.  The
kernel's start and its second import of numpy, scipy, pandas, matplotlib and the package
cost seconds a run (measured in bench/bench_report.py) while the statistics of a
1,000-person report take about as long.  Here the notebook, with papermill's parameters
cell injected exactly as papermill does, runs cell by cell in a fresh IPython shell of
this process, and every output (displays, the last expression's result, printed text,
figures from the inline backend) is recorded in the notebook as a kernel would record it.
So the executed notebook, and the HTML, Word and tables made from it, are the same; the
notebook stays the readable, runnable record of the analysis.

Used when the caller is not itself running inside IPython (a live shell is never
borrowed); :func:`netsoc.report.build.build_report` then falls back to the kernel.
"""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["available", "execute", "CellError"]

_BINARY = ("image/png", "image/jpeg", "application/pdf")


def available() -> bool:
    """True when no IPython shell is running in this process."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebook stack
        return False
    return get_ipython() is None


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Binary payloads as base64 text, as a kernel sends them."""
    return {
        mime: base64.b64encode(value).decode("ascii")
        if mime in _BINARY and isinstance(value, bytes)
        else value
        for mime, value in data.items()
    }


@contextlib.contextmanager
def _cwd(path: str) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def _shell() -> Any:
    """A fresh IPython shell whose display hook records ``execute_result`` outputs."""
    import nbformat
    from IPython.core.displayhook import DisplayHook
    from IPython.core.interactiveshell import InteractiveShell

    class Recorder(DisplayHook):
        outputs: list[Any] = []

        def write_output_prompt(self) -> None:
            return None

        def write_format_data(self, format_dict: dict[str, Any], md_dict: Any = None) -> None:
            self.outputs.append(
                nbformat.v4.new_output(
                    "execute_result",
                    data=_clean(format_dict),
                    metadata=md_dict or {},
                    execution_count=shell.execution_count,
                )
            )

        def finish_displayhook(self) -> None:
            return None

    class Shell(InteractiveShell):
        def enable_gui(self, gui: Any = None) -> None:  # the inline backend needs no event loop
            return None

    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False  # no history database: nothing outlives the run
    shell = Shell.instance(config=config)
    shell.displayhook = Recorder(shell=shell, cache_size=0)
    shell.display_trap.hook = shell.displayhook
    return shell


def _run_cell(shell: Any, source: str) -> tuple[list[Any], BaseException | None]:
    import nbformat
    from IPython.utils.capture import capture_output

    shell.displayhook.outputs = []
    with capture_output(stdout=True, stderr=True, display=True) as cap:
        result = shell.run_cell(source, store_history=True)
    outputs = []
    for name, text in (("stdout", cap.stdout), ("stderr", cap.stderr)):
        if text:
            outputs.append(nbformat.v4.new_output("stream", name=name, text=text))
    for rich in cap.outputs:
        outputs.append(
            nbformat.v4.new_output("display_data", data=_clean(rich.data), metadata=rich.metadata or {})
        )
    outputs += shell.displayhook.outputs
    return outputs, result.error_before_exec or result.error_in_exec


def execute(
    notebook: str | os.PathLike[str],
    parameters: dict[str, Any],
    *,
    cwd: str,
    on_cell: Callable[..., None] | None = None,
) -> Any:
    """Execute the notebook at ``notebook`` with ``parameters`` injected as papermill does.

    Returns the executed notebook.  Raises :class:`CellError` naming the failing cell.
    """
    import matplotlib
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = parameterize_notebook(load_notebook_node(str(notebook)), parameters, report_mode=False)
    backend = matplotlib.get_backend()
    shell = _shell()
    try:
        with _cwd(cwd):
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                outputs, error = _run_cell(shell, cell.source)
                cell.outputs = outputs
                cell.execution_count = shell.execution_count - 1
                if error is not None:
                    raise CellError(index, type(error).__name__, str(error))
                if on_cell is not None:
                    on_cell(cell=cell, cell_index=index)
    finally:
        shell.reset(new_session=False)
        _forget_shell()
        matplotlib.use(backend)  # the notebook's %matplotlib inline leaves the caller's alone
    return nb


class CellError(Exception):
    """A cell of the notebook raised: its index, the error's name and value."""

    def __init__(self, cell_index: int, ename: str, evalue: str) -> None:
        super().__init__(f"cell {cell_index}: {ename}: {evalue}")
        self.cell_index, self.ename, self.evalue = cell_index, ename, evalue


def _forget_shell() -> None:
    """Forget the shell singleton so the next run starts from a fresh one."""
    from IPython.core.interactiveshell import InteractiveShell

    if InteractiveShell.initialized():
        InteractiveShell.clear_instance()
