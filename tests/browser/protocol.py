"""A participant without a browser: fetches what a phone fetches, then speaks the form's messages.

:class:`HttpParticipant` opens the survey page, reads from it every file a
browser with an empty cache loads (the stylesheet and adapter named in the
page, then what the adapter loads: the form module and the instrument
description named in the page's boot data), and then answers the
questionnaire with the form's JSON messages (:mod:`netsoc.form.protocol`),
as ``page.js`` sends them.  It counts requests and bytes on the wire
(compressed bodies plus headers) and times each step.  Used by the server
tests (in process, through httpx's ASGI transport) and by bench/bench_room.py
(over TCP).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import httpx
import numpy as np

__all__ = ["HttpParticipant", "Outcome", "page_files", "boot_data"]

#: A kept-alive connection closed under a request (httpx in process, WireClient over TCP).
_BROKEN = (httpx.TransportError, ConnectionError)

_ATTR = re.compile(r"""<(?:link|script)\b[^>]*?\b(?:href|src)=['"]([^'"]+)['"]""", re.I)
_BOOT = re.compile(r"<script type='application/json' id='netsoc-boot'>(.*?)</script>", re.S)


def boot_data(page: str) -> dict[str, Any]:
    """The page's boot data block (first state, token, file addresses)."""
    m = _BOOT.search(page)
    if m is None:
        raise AssertionError("the survey page has no netsoc-boot data block")
    return json.loads(m.group(1))


def page_files(page: str) -> list[str]:
    """Every file a browser loads for the page: linked in the HTML (except data: URLs),
    then what the adapter loads (the form module, the description of the page's language)."""
    boot = boot_data(page)
    files = [u for u in _ATTR.findall(page) if not u.startswith("data:")]
    return files + [boot["form"], boot["specs"][boot["lang"]]]


@dataclass
class Outcome:
    """What one participant saw and paid."""

    respondent_id: str | None = None
    comment: str = ""
    errors: list[str] = field(default_factory=list)
    open_s: float = float("nan")  # page request until the page and its files are loaded
    page_s: list[float] = field(default_factory=list)  # each Next until the next page
    feedback_s: float = float("nan")  # Submit until the feedback
    room_s: float = float("nan")  # a later "Your workshop" request, when one was made
    room: dict[str, Any] | None = None  # its section (None while fewer than k answered)
    requests: int = 0
    bytes: int = 0
    retries: int = 0
    answers: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and self.respondent_id is not None


class HttpParticipant:
    """One simulated participant.

    Parameters
    ----------
    client : httpx.AsyncClient
        Shared or own (an own client has an own cache: nothing is reused).
    url : str
        The survey address.
    seed : int
        Answers are drawn from it.
    forwarded_for : str, optional
        Sent as ``X-Forwarded-For`` (a server that trusts this client as a
        proxy then charges the budget to that address).
    think : float
        Seconds of reading per page.
    lang : str, optional
        ``Accept-Language``.
    max_retries : int
        Resends of a message the server could not take (503/429).
    comment : str, optional
        The comment written on the last page.
    cache : dict, optional
        A browser cache shared between visits: files (immutable, fingerprinted)
        found in it are not fetched again; fetched ones are added.
    room_wait : float, optional
        Stay on the feedback page this long and ask for "Your workshop" once, as the
        page does every 30 s when the feedback could not show it yet (default: leave).
    """

    def __init__(
        self,
        client: Any,
        url: str,
        *,
        seed: int,
        forwarded_for: str | None = None,
        think: float = 0.0,
        lang: str | None = None,
        max_retries: int = 30,
        comment: str | None = None,
        cache: dict[str, Any] | None = None,
        room_wait: float | None = None,
    ) -> None:
        self.client, self.url, self.seed = client, url, seed
        self.rng = np.random.default_rng(seed)
        self.headers = {"Accept-Encoding": "br, gzip"}
        if forwarded_for:
            self.headers["X-Forwarded-For"] = forwarded_for
        if lang:
            self.headers["Accept-Language"] = lang
        self.think, self.max_retries = think, max_retries
        self.out = Outcome(comment=comment if comment is not None else f"participant {seed}")
        self.token = ""
        self.seq = 0
        self.spec: dict[str, Any] = {}
        self.state: dict[str, Any] = {}
        self.cache = {} if cache is None else cache
        self.room_wait = room_wait

    def _count(self, r: Any) -> None:
        self.out.requests += 1
        wire = getattr(r, "wire_bytes", None)  # exact, from tests.browser.wire
        if wire is None:  # httpx: the headers as parsed plus the body as sent
            wire = sum(len(k) + len(v) + 4 for k, v in r.headers.raw) + 20 + r.num_bytes_downloaded
        self.out.bytes += wire

    async def get(self, path: str) -> Any:
        """GET a file; the page itself is asked again while the server says it is busy, as the
        busy page does by itself (it reloads after ``Retry-After`` seconds)."""
        busy = 0
        while True:
            for attempt in range(3):
                try:
                    r = await self.client.get(urljoin(self.url, path), headers=self.headers)
                    break
                except _BROKEN:  # as a browser does on a closed kept-alive connection
                    if attempt == 2:
                        raise
                    self.out.retries += 1
            self._count(r)
            if r.status_code in (429, 503) and path == self.url and busy < self.max_retries:
                busy += 1
                self.out.retries += 1
                await asyncio.sleep(float(r.headers.get("retry-after") or 1))
                continue
            if r.status_code != 200:
                raise AssertionError(f"GET {path}: {r.status_code}")
            return r

    async def open(self) -> dict[str, Any]:
        """Fetch the page and every file it loads; return the first state."""
        page = (await self.get(self.url)).text
        boot = boot_data(page)
        for path in page_files(page):
            if path not in self.cache:
                self.cache[path] = (await self.get(path)).content
            if path == boot["specs"][boot["lang"]]:
                self.spec = json.loads(self.cache[path])
        self.token = boot["state"]["token"]
        self.state = boot["state"]
        return self.state

    async def send(self, msg: dict[str, Any]) -> dict[str, Any]:
        """One message (seq and token added), resent while the server is busy."""
        self.seq += 1
        body = {**msg, "seq": self.seq, "token": self.token, "lang": self.spec.get("lang")}
        for attempt in range(self.max_retries + 1):
            try:
                headers = {**self.headers, "X-Netsoc-Token": self.token}  # as page.js: the browser's budget
                r = await self.client.post(urljoin(self.url, "api/message"), json=body, headers=headers)
            except _BROKEN:
                # a kept-alive connection closed under the request: send again at once on a
                # new one, as a browser does; wait a little if that fails too (page.js's retry)
                if attempt == self.max_retries:
                    raise
                self.out.retries += 1
                await asyncio.sleep(0.5 if attempt else 0.0)
                continue
            self._count(r)
            if r.status_code == 200:
                reply = r.json()
                self.token = reply["token"]
                self.state = reply
                return reply
            # as page.js: wait and send again unless the server refused the message itself
            if r.status_code in (403, 413, 422) or attempt == self.max_retries:
                raise AssertionError(f"message {msg.get('type')}: {r.status_code} {r.text[:200]}")
            self.out.retries += 1
            await asyncio.sleep(float(r.headers.get("retry-after", "1")))
        raise AssertionError("unreachable")

    async def ask_room(self) -> dict[str, Any]:
        """The feedback page's request for "Your workshop" (no sequence number, token unchanged)."""
        body = {"type": "room", "seq": 0, "token": self.token, "lang": self.spec.get("lang")}
        r = await self.client.post(urljoin(self.url, "api/message"), json=body, headers=self.headers)
        self._count(r)
        if r.status_code != 200:
            raise AssertionError(f"room: {r.status_code} {r.text[:200]}")
        return r.json()

    def _answers(self, kind: str, ids: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for qid in ids:
            if kind == "items":
                opts = self.spec["questions"][qid]["options"]
                out[qid] = opts[int(self.rng.integers(len(opts)))][0]
            elif kind == "fields":
                f = next(f for f in self.spec["fields"] if f["id"] == qid)
                if f.get("options"):
                    out[qid] = f["options"][int(self.rng.integers(len(f["options"])))][0]
            elif kind == "comment":
                out[qid] = self.out.comment
        return out

    async def page(self, go: str = "next", *, submit: bool = False) -> dict[str, Any]:
        """Answer the page shown and go on (or submit)."""
        k = self.state["page"]
        kind, ids = self.pages[k]
        answers = self._answers(kind, ids)
        self.out.answers.update(answers)
        msg: dict[str, Any] = {
            "type": "submit" if submit else "page",
            "page": k,
            "answers": answers,
            "go": go,
        }
        if k == 1:
            msg["consent"] = True
        return await self.send(msg)

    async def run(self) -> Outcome:
        """The whole questionnaire: open, agree, every page, submit, feedback (and, with
        ``room_wait``, one later request for "Your workshop" if the feedback lacked it)."""
        t0 = time.perf_counter()
        try:
            first = await self.open()
            # The consent page can be drawn now; agreeing shows the first questions
            # without a round trip (consent travels with the first page's answers).
            self.out.open_s = time.perf_counter() - t0
            self.pages = first["pages"]
            reply = {**first, "page": 1, "errors": {}}
            while reply["page"] < len(self.pages) - 1:
                if reply["errors"]:
                    raise AssertionError(f"refused on page {reply['page']}: {reply['errors']}")
                self.state = reply
                await asyncio.sleep(self.think)
                t = time.perf_counter()
                before = reply["page"]
                reply = await self.page()
                if reply["page"] != before + 1:
                    raise AssertionError(
                        f"Next on page {before} gave page {reply['page']}: {reply['errors']}"
                    )
                self.out.page_s.append(time.perf_counter() - t)
            await asyncio.sleep(self.think)
            t = time.perf_counter()
            reply = await self.page("stay", submit=True)
            if reply["state"] != "submitted" or "feedback" not in reply:
                raise AssertionError(f"submit gave {reply['state']}: {reply.get('message')}")
            self.out.feedback_s = time.perf_counter() - t
            if self.room_wait is not None and reply["feedback"].get("room"):
                # "Your workshop" could not be shown yet: the feedback page asks again in 30 s
                await asyncio.sleep(self.room_wait)
                t = time.perf_counter()
                self.out.room = (await self.ask_room())["section"]
                self.out.room_s = time.perf_counter() - t
            self.out.respondent_id = None if self.out.errors else self._rid()
        except Exception as exc:
            self.out.errors.append(f"{type(exc).__name__}: {exc}")
        return self.out

    def _rid(self) -> str:
        from netsoc.server.tokens import _unb64

        return json.loads(_unb64(self.token.split(".")[0]))["r"]
