"""Progress of a report run by section: the notebook's ``##`` headings name the sections,
and a section is done when its last code cell has run (nbclient's ``on_cell_executed``
hook, which papermill passes through to its client)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

__all__ = ["Progress", "sections_of", "SectionHook", "printer"]

#: ``progress(done, total, section, seconds)``, called as each section completes.
Progress = Callable[[int, int, str, float], None]


def sections_of(notebook: Any) -> dict[str, str]:
    """``{source of a section's last code cell: section title}`` in notebook order."""
    last: dict[str, str] = {}
    title, code = "Setup", None
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            heading = next((line for line in cell.source.splitlines() if line.startswith("## ")), None)
            if heading is not None:
                if code is not None:
                    last[code] = title
                title, code = heading.removeprefix("## ").strip(), None
        elif cell.cell_type == "code" and cell.source.strip():
            code = cell.source
    if code is not None:
        last[code] = title
    return last


class SectionHook:
    """An ``on_cell_executed`` hook that calls ``progress`` once per finished section."""

    def __init__(self, notebook: Any, progress: Progress) -> None:
        self.ends = sections_of(notebook)
        self.progress = progress
        self.done = 0
        self.started = time.perf_counter()

    def __call__(self, cell: Any, **_: Any) -> None:
        title = self.ends.get(cell.source)
        if title is None:
            return
        now = time.perf_counter()
        self.done += 1
        self.progress(self.done, len(self.ends), title, now - self.started)
        self.started = now


def printer(stream: TextIO | None = None) -> Progress:
    """A progress printer: a bar redrawn in place on a terminal, one line per section otherwise."""
    out = stream if stream is not None else sys.stderr
    tty = out.isatty()

    def show(done: int, total: int, section: str, seconds: float) -> None:
        if tty:
            filled = round(30 * done / total)
            end = "\n" if done == total else ""
            out.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {section[:40]:<40}{end}")
        else:
            out.write(f"report: {done}/{total} {section} ({seconds:.1f} s)\n")
        out.flush()

    return show
