"""``build_report``: execute the analysis notebook on a snapshot of the input
and write one self-contained HTML file.

The input is read once, hashed and frozen as a snapshot (parquet) in a
temporary folder; the notebook runs there with papermill, over Unix sockets
(no open port).  The stamp stored in the HTML is the one the notebook built
and showed (:func:`netsoc.report.show_stamp`).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import netsoc.report.inprocess as inprocess
from netsoc.report.export import parts, strip_hand_over, write_docx, write_pdf, write_tables
from netsoc.report.inputs import data_hash, load_responses, sha256_file
from netsoc.report.options import FORMATS, ReportOptions
from netsoc.report.progress import Progress, SectionHook
from netsoc.report.study import STAMP_MIME
from netsoc.report.tables import tables_as_html
from netsoc.report.word import soffice
from netsoc.resources import ANALYSIS_NOTEBOOK, notebook_path
from survey.errors import DataError
from survey.instrument import load_instrument

__all__ = ["build_report", "NOTEBOOK"]

NOTEBOOK = notebook_path(ANALYSIS_NOTEBOOK)
#: Where :func:`build_report` runs the notebook (see its ``engine``).
ENGINES = ("auto", "inprocess", "kernel")

_SCRIPT_SRC = re.compile(r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.I)
_CDN_MODULE = re.compile(
    r"<script type=\"module\">(?:(?!</script>).)*?https?://(?:(?!</script>).)*</script>", re.S | re.I
)


def _html(notebook: Any, *, show_code: bool, title: str, stamp_json: str) -> str:
    from netsoc.report.html_page import notebook_html

    body = notebook_html(notebook, show_code=show_code, title=title)
    # self-contained: drop scripts from CDNs (require.js, MathJax); nothing needs them
    body = _CDN_MODULE.sub("", _SCRIPT_SRC.sub("", body))
    tag = f'<script type="application/json" id="netsoc-stamp">{stamp_json}</script>'
    return body.replace("</head>", tag + "\n</head>", 1)


def _take_stamp(notebook: Any) -> dict[str, Any]:
    """The stamp the notebook built (and remove its hand-over output)."""
    found = None
    for cell in notebook.cells:
        outputs = cell.get("outputs", [])
        for out in list(outputs):
            if STAMP_MIME in out.get("data", {}):
                found = out["data"][STAMP_MIME]
                outputs.remove(out)
    if found is None:
        raise DataError(
            "report: the analysis notebook showed no stamp (it must call report.show_stamp(study))"
        )
    return dict(found)


def _ipc_kernel_manager() -> type:
    """A kernel manager talking to its kernel over Unix sockets in the run's
    temporary folder instead of loopback TCP (no open port).  The kernel's own
    log lines (stderr) are dropped so the command prints only its result;
    errors in cells still arrive through papermill."""
    import subprocess

    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
            kw.setdefault("stderr", subprocess.DEVNULL)
            await super().start_kernel(**kw)

    return IPCKernelManager


def _run_kernel(
    notebook: Any, executed: Path, params: dict[str, Any], cwd: str, timeout: int, hook: Any
) -> None:
    """Execute the notebook in a Jupyter kernel through papermill."""
    import papermill as pm

    try:
        pm.execute_notebook(
            str(notebook),
            str(executed),
            parameters=params,
            kernel_name="python3",
            progress_bar=False,
            cwd=cwd,
            execution_timeout=timeout,
            log_output=False,
            kernel_manager_class=_ipc_kernel_manager(),
            **({"on_cell_executed": hook} if hook is not None else {}),
        )
    except pm.PapermillExecutionError as exc:
        raise DataError(
            f"report: the analysis notebook failed in cell {exc.cell_index}: {exc.ename}: {exc.evalue}"
        ) from None


def _execute(
    engine: str,
    notebook: Any,
    executed: Path,
    params: dict[str, Any],
    cwd: str,
    timeout: int,
    hook: Any,
    *,
    as_html: bool,
) -> None:
    """Execute the notebook in this process or in a kernel (``engine``) into ``executed``.

    ``as_html``: the tables show their HTML (in a kernel they always do)."""
    import nbformat

    if engine == "inprocess" or (engine == "auto" and inprocess.available()):
        try:
            with tables_as_html(as_html):
                nb = inprocess.execute(notebook, params, cwd=cwd, on_cell=hook)
        except inprocess.CellError as exc:
            raise DataError(f"report: the analysis notebook failed in {exc}") from None
        nbformat.write(nb, executed)
    else:
        _run_kernel(notebook, executed, params, cwd, timeout, hook)


def _without_iri_grammars() -> None:
    """Keep jsonschema from building the IRI grammars it never needs here.

    nbformat validates notebooks with jsonschema, whose format checker imports
    ``rfc3987_syntax`` when it is installed (jupyter-events pulls it in); that import
    compiles 39 lark grammars, about a second of every report, for the "iri" formats
    that no notebook schema uses.  Marking the module absent before jsonschema is first
    imported leaves those two format checks out (jsonschema's own fallback); once
    jsonschema is loaded, nothing changes.
    """
    import sys

    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def build_report(
    *,
    out: str | os.PathLike[str],
    data: str | os.PathLike[str] | None = None,
    db: str | None = None,
    cohort: str | None = None,
    options: ReportOptions | None = None,
    show_code: bool = False,
    timeout: int = 600,
    notebook: str | os.PathLike[str] = NOTEBOOK,
    keep_notebook: str | os.PathLike[str] | None = None,
    format: str = "html",
    tables: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    engine: str = "auto",
    **option_values: Any,
) -> dict[str, Any]:
    """Execute the analysis notebook on a snapshot of the input and write HTML.

    Parameters
    ----------
    out : path
        The file to write (its folder is created): one self-contained HTML file,
        or with ``format="docx"`` a Word document, with ``format="pdf"`` its PDF.
    data, db, cohort
        The input, as :func:`netsoc.report.load_responses`.
    options : ReportOptions, optional
        The run's options; keyword ``option_values`` (``group_fields=``,
        ``exclusion=``, ``alpha=``, ``correction=``, ``min_group_size=``,
        ``seed=``, ``missing=``, ``lang=``) change single ones.
    show_code : bool
        Include the code cells (hidden by default).
    timeout : int
        Seconds allowed per notebook cell.
    keep_notebook : path, optional
        Also save the executed notebook here.
    format : {"html", "docx", "pdf"}
        HTML (self-contained), Word (APA tables fitted to their content, figures
        with alternative text) or the Word report's pages as PDF (LibreOffice).
    tables : path, optional
        Also write every table to this folder as CSV (the numbers) and LaTeX.
    engine : {"auto", "inprocess", "kernel"}
        Where the notebook runs: in this process (:mod:`netsoc.report.inprocess`, the
        default unless this process is itself an IPython shell) or in a Jupyter kernel
        through papermill (``timeout`` applies there only).
    progress : callable, optional
        Called as ``progress(done, total, section, seconds)`` when each section of the
        notebook has run (:func:`netsoc.report.progress.printer` draws it).

    Returns
    -------
    dict
        The stamp (:func:`netsoc.report.stamp`) plus ``out``, the path written.

    Raises
    ------
    DataError
        Bad options or input, or the notebook failed (the message names the
        failing cell's error).
    """
    _without_iri_grammars()
    import nbformat

    from survey.io import write_responses

    opts = (
        (options or ReportOptions()).replace(**option_values)
        if option_values
        else (options or ReportOptions())
    )
    _check_choices(format, engine)
    inst = load_instrument()
    responses, source = load_responses(data=data, db=db, cohort=cohort, instrument=inst)
    digest = data_hash(responses, inst)
    file_digest = sha256_file(data) if data is not None else None
    out_path = Path(out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="netsoc-report-") as tmp:
        snapshot = write_responses(responses, Path(tmp) / "responses.parquet", inst)
        executed = Path(tmp) / "executed.ipynb"
        params = dict(
            data=str(snapshot),
            db=None,
            cohort=None,
            source=source,
            expected_sha256=digest,
            file_sha256=file_digest,
            **opts.parameters(),
        )
        hook = SectionHook(nbformat.read(notebook, as_version=4), progress) if progress else None
        # Word and PDF read the tables' hand-over outputs: no table HTML unless kept
        as_html = format == "html" or keep_notebook is not None
        _execute(engine, notebook, executed, params, tmp, timeout, hook, as_html=as_html)
        nb = nbformat.read(executed, as_version=4)
        for i, cell in enumerate(nb.cells):  # papermill's injected cell gets a random id
            cell["id"] = f"cell-{i}"
        info = _take_stamp(nb)
        items = parts(nb)
        strip_hand_over(nb)
        if keep_notebook is not None:
            nbformat.write(nb, keep_notebook)
    title = f"netsoc report - {inst.id} {inst.version}"
    if tables is not None:
        info["tables"] = [str(p) for p in write_tables(items, tables)]
    _write(format, nb, items, info, out_path, title=title, show_code=show_code)
    info["out"] = str(out_path)
    return info


def _check_choices(format: str, engine: str) -> None:
    """Refuse an unknown format or engine, and a PDF without LibreOffice, before anything runs."""
    if format not in FORMATS:
        raise DataError(f"format: got {format!r}; expected one of {list(FORMATS)}")
    if engine not in ENGINES:
        raise DataError(f"engine: got {engine!r}; expected one of {list(ENGINES)}")
    if format == "pdf":
        soffice()  # before the notebook runs: say now that LibreOffice is missing


def _write(
    format: str, nb: Any, items: Any, info: dict[str, Any], out_path: Path, *, title: str, show_code: bool
) -> None:
    """The report file: Word or PDF from the hand-over items, else the HTML page (written whole)."""
    if format in ("docx", "pdf"):
        (write_docx if format == "docx" else write_pdf)(items, out_path, title=title)
        return
    stamp = json.dumps(info, sort_keys=True).replace("</", "<\\/")
    text = _html(nb, show_code=show_code, title=title, stamp_json=stamp)
    partial = out_path.with_name(out_path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(out_path)
