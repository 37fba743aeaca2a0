"""Small builders shared by several test files."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

# ---------------------------------------------------------------- paths, skips, processes
#: The repository's root folder.
ROOT = Path(__file__).resolve().parents[1]
#: CI=true: a test that cannot run fails instead of skipping.
IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, reason: str) -> None:
    """Skip (locally) or fail (in CI) when ``condition`` is false."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true, so this cannot be skipped: {reason}")
    pytest.skip(reason)


#: A writer process for concurrency tests: opens the SQLite store at argv[1], prints
#: "ready", waits for the file argv[4] to exist, then submits argv[3] responses (for
#: ever when negative) with cohort "c<argv[2]>" and comments "w<argv[2]>-<i>", printing
#: each acknowledged comment.
STORE_WRITER = r"""
import os, sys, time
from survey.store import open_store

path, worker, n, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
store = open_store(path)
inst = store.instrument
base = {q: 1 + (i % 5) for i, q in enumerate(inst.question_ids)}
base.update({a.id: a.expected for a in inst.attention_checks})
base["consent"] = True
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.005)
i = 0
while n < 0 or i < n:
    tag = f"w{worker}-{i}"
    store.submit(dict(base, comment=tag), cohort=f"c{worker}")
    print(tag, flush=True)
    i += 1
"""


def spawn_writer(
    path: Path | str, worker: int, n: int, go: Path | str, script: str = STORE_WRITER
) -> subprocess.Popen:
    """Start one :data:`STORE_WRITER` process (see there for its protocol)."""
    return subprocess.Popen(
        [sys.executable, "-c", script, str(path), str(worker), str(n), str(go)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def complete_answers(instrument: Any, rng: np.random.Generator, **extra: Any) -> dict:
    """A valid, complete response drawn from ``rng``: every question in its
    instrument's response range, attention checks passed, a role, consent."""
    answers = {}
    for q in instrument.question_ids:
        lo, hi = instrument.response_range(q)
        answers[q] = int(rng.integers(lo, hi + 1))
    for a in instrument.attention_checks:
        answers[a.id] = a.expected
    answers["role"] = str(rng.choice(list(instrument.choice_fields["role"].options)))
    answers["consent"] = True
    answers.update(extra)
    return answers


def answer_bounds(instrument: Any, question: str) -> tuple[int, int]:
    """``rng.integers`` bounds for one question: its response range, the top included."""
    lo, hi = instrument.response_range(question)
    return lo, hi + 1


def keyed_answers(
    instrument: Any, net: int, soc: int, intent: int = 3, *, checks: bool | str = True, consent: bool = False
) -> dict[str, Any]:
    """Answer codes whose keyed value is ``net`` / ``soc`` / ``intent`` on every item.

    ``checks``: ``True`` answers the attention checks as asked, ``"fail"``
    answers each one wrongly, ``False`` leaves them out.  ``consent`` adds
    ``consent=True``.
    """
    want = {"networking": net, "socializing": soc, "intentionality": intent}
    out: dict[str, Any] = {
        i.id: (6 - want[i.scale] if i.keying == "reverse" else want[i.scale]) for i in instrument.items
    }
    if checks:
        out |= {
            a.id: (a.expected % 5) + 1 if checks == "fail" else a.expected
            for a in instrument.attention_checks
        }
    if consent:
        out["consent"] = True
    return out


@contextmanager
def pg_schema(engine: Any, url: str, prefix: str = "t") -> Iterator[str]:
    """A fresh PostgreSQL schema for one test; yields a URL whose search path is it.

    The schema and everything in it are dropped afterwards.
    """
    import sqlalchemy as sa

    schema = f"{prefix}_{secrets.token_hex(6)}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))


# ---------------------------------------------------------------- QR codes (zbarimg)
ZBAR = shutil.which("zbarimg")
needs_zbar = pytest.mark.skipif(
    ZBAR is None and os.environ.get("CI") != "true", reason="zbarimg (zbar-tools) not installed"
)


def decode_matrix(matrix: np.ndarray, tmp_path: Path, scale: int = 6) -> str:
    """zbarimg's reading of a 0/1 module matrix (1 = dark), drawn with a quiet zone."""
    m = np.pad(matrix.astype(bool), 4)
    img = np.where(np.kron(m, np.ones((scale, scale), dtype=bool)), 0, 255).astype(np.uint8)
    path = tmp_path / "qr.pgm"
    path.write_bytes(f"P5 {img.shape[1]} {img.shape[0]} 255\n".encode() + img.tobytes())
    assert ZBAR is not None, "zbarimg missing (apt-get install zbar-tools)"
    out = subprocess.run([ZBAR, "--raw", "-q", str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.rstrip("\n")


def svg_matrix(svg: str) -> np.ndarray:
    """Module matrix from segno's SVG path (``M x y`` then ``h n`` strokes and ``m dx dy`` moves)."""
    size = int(re.search(r'd="M0 0h(\d+)v', svg).group(1))
    d = re.search(r'class="qrline"[^>]*d="([^"]+)"', svg).group(1)
    m = np.zeros((size, size), dtype=bool)
    x = y = 0.0
    for cmd, args in re.findall(r"([Mmh])([-\d. ]+)", d):
        nums = [float(v) for v in args.split()]
        if cmd == "M":
            x, y = nums
        elif cmd == "m":
            x, y = x + nums[0], y + nums[1]
        else:
            m[int(y), int(x) : int(x + nums[0])] = True
            x += nums[0]
    return m


def terminal_matrix(text: str) -> np.ndarray:
    """Module matrix from the compact terminal drawing (two rows per character line)."""
    top = {"█": 1, "▀": 1, "▄": 0, " ": 0}
    bottom = {"█": 1, "▀": 0, "▄": 1, " ": 0}
    lines = [ln for ln in text.splitlines() if ln.strip()]
    rows = []
    for ln in lines:
        rows.append([top[c] for c in ln])
        rows.append([bottom[c] for c in ln])
    # segno draws light modules as the block (dark background terminal): invert
    return ~np.array(rows, dtype=bool)


# ---------------------------------------------------------------- typed text stays text
#: Strings someone might type to inject markup (comments, codes, file names).
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "**bold** _it_",
    "$\\alert{x}$ $$x^2$$",
    "</li></ul><a href='http://evil'>click</a>",
]
#: Tags typed text must never produce.
FORBIDDEN = {"script", "img", "a", "strong", "em", "iframe", "svg", "math", "mjx-container"}


class Tags(HTMLParser):
    """Collects every tag and attribute of an HTML fragment, and its text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_inert(markup: str, typed: list[str], *, allowed: set[str] = frozenset()) -> None:
    """No forbidden tag (beyond ``allowed``) or handler in ``markup``; every typed string
    readable as text."""
    parsed = Tags(markup)
    assert not (FORBIDDEN - set(allowed)) & set(parsed.tags), set(parsed.tags)
    assert not [a for a, _ in parsed.attrs if a.startswith("on")]
    assert not [v for _, v in parsed.attrs if v and "javascript:" in v]
    text = "".join(parsed.text)
    for t in typed:
        assert t in text, (t, text[:500])


ORDINAL_GROUPS = {"spi": "sex", "bfi": "gender", "demo": "work_mode"}
_DEMO_REVERSED = (
    "net_purpose_2",
    "soc_purpose_2",
    "net_context_2",
    "soc_context_2",
    "soc_interaction_2",
    "soc_outcome_2",
    "net_online_2",
    "soc_online_2",
    "net_sharing_2",
    "soc_sharing_2",
    "net_bound_2",
    "soc_bound_2",
)


def ordinal_reference() -> dict:
    """lavaan / semTools / psych's numbers for the ordinal tests
    (tests/reference/ordinal_lavaan.R wrote them)."""
    path = Path(__file__).parent / "reference" / "ordinal_lavaan.json"
    return json.loads(path.read_text())


def ordinal_data(name: str) -> Any:
    """The data of one ordinal reference case as R read it: ``"spi"``, ``"bfi"``
    (complete cases, keyed) or ``"demo"`` (demo_lavaan.csv keyed as 6 - code,
    complete cases)."""
    import pandas as pd

    folder = Path(__file__).parent / "reference"
    if name == "demo":
        data = pd.read_csv(folder / "demo_lavaan.csv")
        for item in _DEMO_REVERSED:
            data[item] = 6 - data[item]
        return data.dropna().reset_index(drop=True)
    return pd.read_csv(folder / f"ordinal_{name}.csv")


# ---------------------------------------------------------------- accessibility (axe-core)
#: The WCAG levels axe-core checks in the browser tests.
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Any) -> list[tuple[str, str, list[Any]]]:
    """WCAG 2.0/2.1 A and AA violations on a Playwright page as (rule, impact, targets) tuples."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]}
    )
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5]) for v in results.response["violations"]
    ]
