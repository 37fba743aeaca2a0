"""netsoc builds, ships and works as an installed package, not only from a checkout.

The checkout is copied as a fresh clone would have it (git's tracked files plus new
ones not ignored, so work in progress is built too) and built with the front end
users run, ``python -m build``, in its isolated environment (the newest setuptools
the index offers), twice:

- ``tree``: the wheel and the source distribution each built directly from the source
  tree (``python -m build --sdist --wheel``);
- ``sdist``: ``python -m build``'s default route, the source distribution first and
  the wheel built from it, as an index or a downstream packager would.

Each build fails the test when the backend prints a deprecation warning (a
configuration the next setuptools will refuse) or a MANIFEST.in line that matches
nothing. The wheel must hold exactly the files of the package folders (every module,
the instrument and its norms, every asset, the notebooks) and the metadata an index
shows. It is then installed into a fresh virtual environment outside the checkout and
the commands a new user runs are run from an empty folder: ``netsoc demo``,
``netsoc report --data``, ``netsoc validate-instrument`` and ``netsoc survey`` (its page
fetched over HTTP).

To keep this affordable, the new environment borrows the third-party packages of
the running one (a ``.pth`` line naming its site-packages, which does not run
the editable-install hook found there; ``JUPYTER_PATH`` and ``JUPYTER_CONFIG_PATH`` name
its data and configuration files), while netsoc itself comes only from the wheel: the
test checks that ``netsoc``, ``survey`` and ``analysis`` are imported from the new
environment and that nothing of the checkout is on the path.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tarfile
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import pytest

from tests.conftest import ROOT, require

pytestmark = pytest.mark.slow

#: The folders whose every file ships (the import packages).
PACKAGE_DIRS = ("survey", "analysis", "netsoc")
#: What a build backend prints for a configuration it will stop accepting, and for a
#: MANIFEST.in line that selects nothing (a file meant to ship that does not).
BACKEND_WARNING = re.compile(
    r"deprecat|will no longer be supported|absent from the `packages` configuration"
    r"|would be ignored|no files found matching",
    re.IGNORECASE,
)
#: Folders and files of a working tree that never ship.
NEVER_SHIPPED = re.compile(r"(^|/)(__pycache__|\.ipynb_checkpoints)(/|$)|\.py[cod]$")


@dataclass(frozen=True)
class Build:
    """One build of the project: its route, the copied source, the wheel and the output."""

    route: str
    source: Path
    wheel: Path
    sdist: Path
    log: str


def _source_copy(dest: Path) -> Path:
    """Copy what a fresh clone of the checkout would hold, plus new files not ignored."""
    require(
        shutil.which("git") is not None and (ROOT / ".git").exists(),
        "building the project needs a git checkout (the copy follows git's file list)",
    )
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, listed):
        src, out = ROOT / rel, dest / rel
        if not os.path.lexists(src):  # deleted in the working tree, not yet in git
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            out.symlink_to(os.readlink(src))
        else:
            shutil.copy2(src, out)
    return dest


def _python_build(*args: str, cwd: Path) -> str:
    """Run ``python -m build`` and return everything it printed; fail with it on error."""
    result = subprocess.run(
        [sys.executable, "-m", "build", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    assert result.returncode == 0, f"python -m build {' '.join(args)} failed:\n{result.stdout[-6000:]}"
    return result.stdout


def backend_warnings(log: str) -> list[str]:
    """Lines of a build's output that announce a refused configuration or a missing file."""
    return [line.strip() for line in log.splitlines() if BACKEND_WARNING.search(line)]


@pytest.fixture(scope="module", params=["tree", "sdist"])
def build(request, tmp_path_factory) -> Build:
    base = tmp_path_factory.mktemp(f"build-{request.param}")
    source = _source_copy(base / "source")
    dist = base / "dist"
    # no option: the sdist, then the wheel from it; both options: each from the tree
    args = ("--sdist", "--wheel") if request.param == "tree" else ()
    log = _python_build(*args, "--outdir", str(dist), str(source), cwd=base)
    (wheel,) = dist.glob("netsoc-*.whl")
    (sdist,) = dist.glob("netsoc-*.tar.gz")
    return Build(request.param, source, wheel, sdist, log)


def _shipped_from_source(source: Path) -> set[str]:
    """Every file of the package folders, as installed paths (symbolic links followed)."""
    files = set()
    for top in PACKAGE_DIRS:
        for folder, dirs, names in os.walk(source / top, followlinks=True):
            rel = Path(folder).relative_to(source).as_posix()
            dirs[:] = [d for d in dirs if not NEVER_SHIPPED.search(f"{rel}/{d}")]
            files |= {f"{rel}/{n}" for n in names if not NEVER_SHIPPED.search(n)}
    return files


def _wheel_files(wheel: Path) -> tuple[set[str], zipfile.ZipFile]:
    archive = zipfile.ZipFile(wheel)
    return {n for n in archive.namelist() if ".dist-info/" not in n and not n.endswith("/")}, archive


def test_the_build_prints_no_backend_warning(build):
    warnings = backend_warnings(build.log)
    assert not warnings, (
        f"python -m build ({build.route}) printed what the build backend "
        "will stop accepting or a file it did not find:\n" + "\n".join(warnings)
    )


def test_the_warning_check_catches_what_setuptools_prints():
    # lines setuptools 84 printed for this project's former configuration, the form a
    # Python warning of the backend takes, and two harmless lines
    seen = """* Getting build dependencies for sdist...
WARNING `project.license` as a TOML table is deprecated
        or your builds will no longer be supported.
WARNING Package 'survey.instruments' is absent from the `packages` configuration.
/tmp/env/setuptools/config/_apply_pyprojecttoml.py:82: SetuptoolsDeprecationWarning: ...
warning: no files found matching 'CHANGELOG.md'
warning: build_py: byte-compiling is disabled, skipping.
adding 'netsoc/assets/reveal/reveal.js'"""
    assert len(backend_warnings(seen)) == 5


def test_the_wheel_holds_every_file_of_the_package_folders(build):
    expected = _shipped_from_source(build.source)
    shipped, _ = _wheel_files(build.wheel)
    # what a user cannot do without, named (and listed from the source) so a loss is obvious
    groups = {
        "the instrument and its norms": {f for f in expected if f.startswith("survey/instruments/")},
        "the assets": {f for f in expected if f.startswith("netsoc/assets/")},
        "the notebooks": {f"netsoc/notebooks/{p.name}" for p in (build.source / "notebooks").glob("*.ipynb")},
    }
    assert {"survey/instruments/netsoc.yaml", "survey/instruments/netsoc-norms.yaml"} <= groups[
        "the instrument and its norms"
    ]
    assert "netsoc/assets/reveal/reveal.js" in groups["the assets"]
    assert len(groups["the notebooks"]) >= 3
    for name, files in groups.items():
        assert files <= expected, f"{name}: not found by the source listing"
        assert not files - shipped, (
            f"{name} missing from the wheel ({build.route}): {sorted(files - shipped)}"
        )
    assert not expected - shipped, f"missing from the wheel ({build.route}): {sorted(expected - shipped)}"
    assert not shipped - expected, (
        f"not from the package folders ({build.route}): {sorted(shipped - expected)}"
    )


def test_the_sdist_carries_real_files_and_the_licence(build):
    with tarfile.open(build.sdist) as tar:
        members = {m.name.split("/", 1)[1]: m for m in tar.getmembers() if "/" in m.name}
    for name in (
        "pyproject.toml",
        "README.md",
        "LICENSE",
        "MANIFEST.in",
        "PKG-INFO",
        "survey/instruments/netsoc.yaml",
        "netsoc/notebooks/02_analysis.ipynb",
    ):
        assert name in members, f"{name} missing from {build.sdist.name}"
        # the notebooks folder is a symbolic link in the checkout; the sdist needs the files
        assert members[name].isfile(), f"{name} is not a regular file in {build.sdist.name}"
    assert not [n for n in members if NEVER_SHIPPED.search(n)]


def test_the_wheel_shows_an_index_what_it_needs(build):
    _, archive = _wheel_files(build.wheel)
    info = next(n.split("/")[0] for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
    meta = Parser().parsestr(archive.read(f"{info}/METADATA").decode("utf-8"))
    assert meta["License-Expression"] == "MIT"
    assert "LICENSE" in meta.get_all("License-File")
    licence = archive.read(f"{info}/licenses/LICENSE").decode("utf-8")
    assert "MIT License" in licence and "netsoc contributors" in licence
    # reveal.js ships inside netsoc/assets: its licence is declared too
    assert "netsoc/assets/reveal/LICENSE" in meta.get_all("License-File")
    classifiers = meta.get_all("Classifier")
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert not [c for c in classifiers if c.startswith("License ::")], (
        "License classifiers next to an SPDX expression are refused (PEP 639)"
    )
    assert meta["Requires-Python"] == ">=3.11"
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert set(urls) == {"Homepage", "Documentation", "Issues", "Changelog"}
    assert all(u.startswith("https://") for u in urls.values())
    assert meta["Description-Content-Type"] == "text/markdown"
    readme = (build.source / "README.md").read_text(encoding="utf-8")
    assert meta.get_payload().strip() == readme.strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def installed(build, tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp(f"installed-{build.route}")
    env_dir = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    bin_dir = env_dir / "bin"
    site = Path(
        subprocess.run(
            [str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # third-party packages of the running environment, after the new one's own
    (site / "zz_borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(bin_dir / "python"),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(build.wheel),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    work = base / "empty"
    work.mkdir()
    return {"bin": bin_dir, "site": site, "work": work}


def _env(tmp: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "NETSOC_DB", "NETSOC_DATA_DIR", "VIRTUAL_ENV"}
    }
    env.update(
        HOME=str(tmp),
        MPLBACKEND="agg",
        PATH=f"{tmp}/bin:{env.get('PATH', '')}",
        JUPYTER_CONFIG_DIR=str(tmp / ".jupyter"),
        JUPYTER_DATA_DIR=str(tmp / ".jd"),
        JUPYTER_RUNTIME_DIR=str(tmp / ".jr"),
        IPYTHONDIR=str(tmp / ".ipython"),
        XDG_DATA_HOME=str(tmp / ".local" / "share"),
        # the borrowed packages' data files (nbconvert templates, kernel specs)
        JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"),
        JUPYTER_CONFIG_PATH=str(Path(sys.prefix) / "etc" / "jupyter"),
    )
    return env


def _run(installed, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(installed["bin"] / "netsoc"), *args],
        cwd=installed["work"],
        env=_env(installed["work"]),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_packages_come_from_the_wheel(installed):
    out = subprocess.run(
        [
            str(installed["bin"] / "python"),
            "-c",
            "import sys, netsoc, survey, analysis, netsoc.resources as r;"
            "print(netsoc.__file__); print(survey.__file__); print(analysis.__file__);"
            "print(r.notebook_path(r.ANALYSIS_NOTEBOOK));"
            f"print(any(p.rstrip('/') in ({str(ROOT)!r}, {str(ROOT / 'netsoc')!r}) for p in sys.path))",
        ],
        cwd=installed["work"],
        env=_env(installed["work"]),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
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
    export = _run(
        installed,
        "export",
        "--db",
        str(work / "data" / "demo" / "demo.sqlite"),
        "--format",
        "csv",
        "--out",
        str(csv),
    )
    assert export.returncode == 0, export.stderr
    report = _run(installed, "report", "--data", str(csv), "--out", str(work / "study.html"))
    assert report.returncode == 0, report.stderr[-2000:]
    html = (work / "study.html").read_text(encoding="utf-8")
    assert "netsoc-stamp" in html and "Reliability" in html


def test_survey_serves_its_page(installed):
    port = _free_port()
    work = installed["work"]
    proc = subprocess.Popen(
        [
            str(installed["bin"] / "netsoc"),
            "survey",
            "--port",
            str(port),
            "--db",
            str(work / "survey.sqlite"),
            "--create",
        ],
        cwd=work,
        env=_env(work),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as page:
                    body = page.read().decode("utf-8", "replace")
                    status = page.status
                break
            except OSError as err:
                if time.monotonic() > deadline or proc.poll() is not None:
                    said = proc.stdout.read() if proc.poll() is not None else ""
                    raise AssertionError(f"survey server gave no page: {said}") from err
                time.sleep(1)
        assert status == 200 and "<html" in body.lower()
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """Stop a server started in its own session, and whatever it started."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except ProcessLookupError:  # it had already exited (its output says why)
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
