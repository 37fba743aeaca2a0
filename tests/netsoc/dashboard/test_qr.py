"""QR codes of the survey address: every output form decodes back to the address.

The decoder is zbarimg (Debian's zbar-tools, installed by .ci/run), an
independent implementation; the SVG and the terminal drawing are turned back
into a module matrix and written as a plain PGM image for it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from netsoc.qr import echo_with_qr, qr_svg, qr_terminal, short_address, survey_address
from survey.errors import DataError
from tests.helpers import ZBAR, decode_matrix, needs_zbar, svg_matrix, terminal_matrix

URL = "http://192.0.2.7:8866/?cohort=WS-2026&token=Ab_3-x"


@needs_zbar
def test_svg_decodes_to_the_address(tmp_path: Path) -> None:
    svg = qr_svg(URL)
    assert svg.startswith('<svg role="img" aria-label="QR code: http://192.0.2.7:8866/?cohort=WS-2026&amp;')
    assert "<?xml" not in svg and "<img" not in svg and "data:" not in svg
    assert decode_matrix(svg_matrix(svg), tmp_path) == URL


@needs_zbar
def test_terminal_drawing_decodes_to_the_address(tmp_path: Path) -> None:
    assert decode_matrix(terminal_matrix(qr_terminal(URL)), tmp_path) == URL


@needs_zbar
def test_segno_png_decodes(tmp_path: Path) -> None:
    """Reference: segno's own PNG writer (no Pillow) read by zbarimg directly."""
    import segno

    path = tmp_path / "qr.png"
    segno.make_qr(URL, error="m").save(str(path), scale=5)
    out = subprocess.run([ZBAR, "--raw", "-q", str(path)], capture_output=True, text=True, timeout=120)
    assert out.stdout.rstrip("\n") == URL


def test_address_carries_the_cohort_and_keeps_the_token() -> None:
    assert survey_address("http://127.0.0.1:8866/", "WS-2026") == "http://127.0.0.1:8866/?cohort=WS-2026"
    assert (
        survey_address("http://127.0.0.1:8866/?token=t1", "WS 2")
        == "http://127.0.0.1:8866/?token=t1&cohort=WS+2"
    )
    wild = survey_address("http://0.0.0.0:8866/?cohort=A")
    assert "0.0.0.0" not in wild and wild.endswith(":8866/?cohort=A")
    assert short_address("https://www.example.org/?cohort=A") == "example.org?cohort=A"
    assert short_address("https://example.org/survey/") == "example.org/survey/"


def test_bad_address_is_refused() -> None:
    with pytest.raises(DataError, match="url: expected a non-empty address"):
        qr_svg("")


@needs_zbar
def test_echo_prints_address_and_qr(tmp_path: Path) -> None:
    lines: list[str] = []
    echo_with_qr(f"netsoc survey is running at {URL}  (Ctrl-C to stop)", echo=lines.append)
    assert lines[0].endswith("(Ctrl-C to stop)")
    assert lines[1] == f"Participants join at: {URL}"
    assert decode_matrix(terminal_matrix(lines[2]), tmp_path) == URL
    assert lines[3] == f"(short: {short_address(URL)})"


def test_survey_public_passes_the_qr_echo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``netsoc survey --public`` hands the QR printer to the server start-up."""
    import netsoc.server.serve as serve
    from netsoc.cli import build_parser, survey_cmd

    seen: dict[str, object] = {}

    def fake_serve_survey(config: object, **kw: object) -> int:
        seen.update(kw)
        return 0

    monkeypatch.setattr(serve, "serve_survey", fake_serve_survey)
    db = str(tmp_path / "s.sqlite")
    args = build_parser().parse_args(["survey", "--public", "--cohort", "WS-2026", "--db", db, "--create"])
    assert args.func(args) == 0
    assert seen["echo"] is survey_cmd._echo_with_qr
    args = build_parser().parse_args(["survey", "--db", db])
    args.func(args)
    assert seen["echo"] is print


@pytest.mark.slow
@needs_zbar
def test_netsoc_survey_public_prints_a_decodable_qr(tmp_path: Path) -> None:
    """The real command: start ``netsoc survey --public``, read its start-up output, stop it."""
    import socket
    import sys
    import threading

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [
        sys.executable,
        "-m",
        "netsoc",
        "survey",
        "--public",
        "--port",
        str(port),
        "--cohort",
        "WS-2026",
        "--db",
        str(tmp_path / "s.sqlite"),
        "--create",
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    lines: list[str] = []
    done = threading.Event()

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append(line.rstrip("\n"))
            if line.startswith("(short:"):
                done.set()
                return

    threading.Thread(target=read, daemon=True).start()
    try:
        assert done.wait(240), f"no QR code printed; output so far: {lines[:3]}"
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    join = next(ln for ln in lines if ln.startswith("Participants join at: "))
    url = join.removeprefix("Participants join at: ")
    assert url.startswith(f"http://127.0.0.1:{port}/?cohort=WS-2026&token=")
    start = lines.index(join) + 1
    drawing = "\n".join(lines[start : lines.index(lines[-1])])
    assert decode_matrix(terminal_matrix(drawing), tmp_path) == url
    assert lines[-1] == f"(short: {short_address(url)})"
