"""netsoc works as an installed package, not only from a checkout.

The wheel is built from the checkout, installed into a fresh virtual
environment outside it, and the commands a new user runs are run from an empty
folder: ``netsoc demo``, ``netsoc report --data``, ``netsoc validate-instrument``
and ``netsoc survey`` (its page fetched over HTTP).

To keep this affordable, the new environment borrows the third-party packages of
the running one (a ``.pth`` line naming its site-packages, which does not run
the editable-install hook found there; ``JUPYTER_PATH`` and ``JUPYTER_CONFIG_PATH`` name its data and
configuration files),
while netsoc itself comes only from the
wheel: the test checks that ``netsoc``, ``survey`` and ``analysis`` are imported
from the new environment and that nothing of the checkout is on the path.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("installed")
    wheels = base / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(wheels), str(ROOT)],
                   check=True, cwd=base, capture_output=True, timeout=600)
    (wheel,) = wheels.glob("netsoc-*.whl")
    env_dir = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    bin_dir = env_dir / "bin"
    site = Path(subprocess.run(
        [str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip())
    # third-party packages of the running environment, after the new one's own
    (site / "zz_borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(bin_dir / "python"), "install",
                    "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, timeout=600)
    work = base / "empty"
    work.mkdir()
    return {"bin": bin_dir, "site": site, "work": work}


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "NETSOC_DB", "VIRTUAL_ENV"}}
    env.update(HOME=str(tmp), MPLBACKEND="agg", PATH=f"{tmp}/bin:{env.get('PATH', '')}",
               JUPYTER_CONFIG_DIR=str(tmp / ".jupyter"), JUPYTER_DATA_DIR=str(tmp / ".jd"),
               JUPYTER_RUNTIME_DIR=str(tmp / ".jr"), IPYTHONDIR=str(tmp / ".ipython"),
               # the borrowed packages' data files (nbconvert templates, kernel specs)
               JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"),
               JUPYTER_CONFIG_PATH=str(Path(sys.prefix) / "etc" / "jupyter"))
    return env


def _run(installed, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([str(installed["bin"] / "netsoc"), *args], cwd=installed["work"],
                          env=_env(installed["work"]), capture_output=True, text=True,
                          timeout=timeout)


def test_packages_come_from_the_wheel(installed):
    out = subprocess.run(
        [str(installed["bin"] / "python"), "-c",
         "import sys, netsoc, survey, analysis, netsoc.resources as r;"
         "print(netsoc.__file__); print(survey.__file__); print(analysis.__file__);"
         "print(r.notebook_path(r.ANALYSIS_NOTEBOOK));"
         "print(any(p.rstrip('/') in (%r, %r) for p in sys.path))" % (str(ROOT), str(ROOT / "netsoc"))],
        cwd=installed["work"], env=_env(installed["work"]), capture_output=True, text=True,
        check=True).stdout.split("\n")
    for line in out[:4]:
        assert line.startswith(str(installed["site"])), line
    assert out[4] == "False", "the checkout is on the installed netsoc's path"


def test_validate_instrument(installed):
    result = _run(installed, "validate-instrument")
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


def test_demo_then_report_from_an_empty_folder(installed):
    demo = _run(installed, "demo", "--n", "120")
    assert demo.returncode == 0, demo.stderr[-2000:]
    work = installed["work"]
    assert (work / "reports" / "demo_summary.html").is_file()
    assert (work / "reports" / "report.html").is_file()
    csv = work / "responses.csv"
    export = _run(installed, "export", "--db", str(work / "data" / "demo" / "demo.sqlite"),
                  "--format", "csv", "--out", str(csv))
    assert export.returncode == 0, export.stderr
    report = _run(installed, "report", "--data", str(csv), "--out", str(work / "study.html"))
    assert report.returncode == 0, report.stderr[-2000:]
    html = (work / "study.html").read_text(encoding="utf-8")
    assert "netsoc-stamp" in html and "Reliability" in html


def test_survey_serves_its_page(installed):
    port = _free_port()
    work = installed["work"]
    proc = subprocess.Popen([str(installed["bin"] / "netsoc"), "survey", "--port", str(port),
                             "--db", str(work / "survey.sqlite")],
                            cwd=work, env=_env(work), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as page:
                    body = page.read().decode("utf-8", "replace")
                    status = page.status
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError(f"survey server gave no page: {proc.stdout.read() if proc.poll() is not None else ''}")
                time.sleep(1)
        assert status == 200 and "<html" in body.lower()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
