"""``netsoc workshop`` as a user starts it, in a process group of its own (shared by the workshop tests)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from netsoc.server.net import free_port
from tests.netsoc.workshop.block import workshop_env

__all__ = ["Workshop", "START_TIMEOUT"]

START_TIMEOUT = 120.0


class Workshop:
    """``netsoc workshop`` in a process group of its own; its printed block once it is up."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.port, self.dashboard_port = free_port(), free_port()
        self.log = tmp_path / "workshop.log"
        cmd = [
            sys.executable,
            "-m",
            "netsoc",
            "workshop",
            "--cohort",
            "WS-X",
            "--port",
            str(self.port),
            "--dashboard-port",
            str(self.dashboard_port),
            *args,
        ]
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                cmd,
                env=workshop_env(tmp_path),
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=tmp_path,
                start_new_session=True,
            )

    def block(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            text = self.log.read_text(encoding="utf-8", errors="replace")
            if "To stop:" in text:
                return text
            if self.proc.poll() is not None:
                raise AssertionError(f"netsoc workshop exited ({self.proc.returncode}):\n{text}")
            time.sleep(0.2)
        raise AssertionError(f"no start-up block after {START_TIMEOUT} s:\n{self.log.read_text()}")

    def stop(self, sig: int = signal.SIGINT) -> int:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode
