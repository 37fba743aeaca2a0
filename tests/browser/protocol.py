"""A participant without a browser: speaks Solara's widget protocol over one websocket.

What a real page does (recorded with Playwright's ``page.on("websocket")``):

1. ``GET /`` (sets the ``solara-session-id`` cookie);
2. open ``/jupyter/api/kernels/<new uuid>/channels?session_id=<new uuid>``;
3. send ``kernel_info_request``, ``comm_open`` for target ``solara.control``
   and a ``comm_msg`` ``{"method": "run", "args": {"path": "/?cohort=..."}}``;
4. the server answers with one ``comm_open`` per widget (its full state) and
   ``comm_msg`` updates; ``{"method": "finished", "widget_id": ...}`` names
   the root widget;
5. the page changes a widget with ``comm_msg {"method": "update", "state":
   {...}}`` and clicks a button with ``{"method": "custom", "content":
   {"event": "click"}}``.

:class:`ProtocolParticipant` keeps the widget states, finds widgets by their
CSS hooks (``_dom_classes``) among those reachable from the root and not
hidden, answers with a seeded rng, pages, submits and waits for the
feedback, timing each step.  Used by ``bench/bench_room.py`` and the server
tests; loopback only.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np

PAGE_RE = re.compile(r"Page (\d+) of (\d+)")
NUMBERS_RE = re.compile(r"(\d+)\D{1,20}?(\d+)")


def _msg(kind: str, content: dict, session: str) -> str:
    return json.dumps({"header": {"msg_id": uuid.uuid4().hex, "msg_type": kind, "session": session,
                                  "username": "", "version": "5.2", "date": ""},
                       "parent_header": {}, "metadata": {}, "channel": "shell",
                       "content": content, "buffers": []})


def _refs(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value[10:]] if value.startswith("IPY_MODEL_") else []
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    if isinstance(value, dict):  # an Output widget's displayed widget
        view = (value.get("data") or {}).get("application/vnd.jupyter.widget-view+json")
        return [view["model_id"]] if isinstance(view, dict) and "model_id" in view else []
    return []


@dataclass
class Outcome:
    """What one participant did and how long each step took (seconds)."""

    index: int
    cohort: str | None = None
    clicked: dict = field(default_factory=dict)
    open_s: float = float("nan")
    page_s: list[float] = field(default_factory=list)
    submit_s: float = float("nan")
    feedback_text: str = ""
    error: str | None = None
    open_cpu: float = float("nan")
    page_cpu: list[float] = field(default_factory=list)
    submit_cpu: float = float("nan")


class ProtocolParticipant:
    """One simulated participant (see the module docstring)."""

    def __init__(self, base_url: str, index: int, *, seed: int, query: str = "",
                 comment: str | None = None, timeout: float = 120.0,
                 accept_language: str = "en", cpu_probe: Any = None,
                 think: float = 0.0) -> None:
        self.base = base_url.rstrip("/")
        self.query = query
        self.rng = np.random.default_rng(seed)
        self.comment = comment if comment is not None else f"room-{index}"
        self.timeout = timeout
        self.accept_language = accept_language
        self.think = think  # mean seconds a person reads a page before Next / Submit
        self.cpu = cpu_probe or (lambda: float("nan"))  # server CPU seconds, for solo runs
        self.out = Outcome(index)
        self.widgets: dict[str, dict] = {}
        self.root: str | None = None
        self.changed = asyncio.Event()
        self.session = str(uuid.uuid4())
        self.ws: Any = None

    # ----------------------------------------------------------- protocol
    async def _receive(self) -> None:
        async for raw in self.ws:
            if isinstance(raw, bytes):
                n = int.from_bytes(raw[:4], "big")
                off = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(n)]
                raw = raw[off[0]:off[1] if n > 1 else len(raw)]
            msg = json.loads(raw)
            kind = msg.get("msg_type") or msg["header"]["msg_type"]
            content = msg.get("content", {})
            if kind == "comm_open":
                data = content.get("data", {})
                self.widgets[content["comm_id"]] = dict(data.get("state", {}))
            elif kind == "comm_msg":
                data = content.get("data", {})
                method = data.get("method")
                if method == "update":
                    w = self.widgets.setdefault(content["comm_id"], {})
                    w.update(data.get("state", {}))
                elif method == "finished":
                    self.root = data.get("widget_id")
            elif kind == "comm_close":
                self.widgets.pop(content.get("comm_id"), None)
            self.changed.set()

    async def _send(self, kind: str, content: dict) -> None:
        await self.ws.send(_msg(kind, content, self.session))

    async def update(self, comm_id: str, state: dict) -> None:
        self.widgets.setdefault(comm_id, {}).update(state)
        await self._send("comm_msg", {"comm_id": comm_id, "data": {
            "method": "update", "state": state, "buffer_paths": []}})

    async def click(self, comm_id: str) -> None:
        await self._send("comm_msg", {"comm_id": comm_id, "data": {
            "method": "custom", "content": {"event": "click"}}})

    # ------------------------------------------------------------ queries
    def visible(self) -> list[str]:
        """Ids of widgets reachable from the root and not hidden (``display: none``)."""
        if self.root is None:
            return []
        seen, stack, out = set(), [self.root], []
        while stack:
            wid = stack.pop()
            if wid in seen or wid not in self.widgets:
                continue
            seen.add(wid)
            st = self.widgets[wid]
            lay = _refs(st.get("layout"))
            if lay and self.widgets.get(lay[0], {}).get("display") == "none":
                continue
            if st.get("hidden") is True:
                continue
            out.append(wid)
            for key, value in st.items():
                if key not in ("layout", "style"):
                    stack.extend(_refs(value))
        return out

    def find(self, css: str) -> list[str]:
        return [w for w in self.visible() if css in (self.widgets[w].get("_dom_classes") or [])]

    def page(self) -> tuple[int, int] | None:
        """(k, n) from the progress text ("Page k of n", or its translation)."""
        for w in self.visible():
            text = self.widgets[w].get("progress_text")
            if isinstance(text, str):
                m = NUMBERS_RE.search(text)
                if m:
                    return int(m.group(1)), int(m.group(2))
            for v in self.widgets[w].values():
                if isinstance(v, str) and "Page " in v:
                    m = PAGE_RE.search(v)
                    if m:
                        return int(m.group(1)), int(m.group(2))
        return None

    async def wait(self, predicate: Any, what: str) -> Any:
        end = time.monotonic() + self.timeout
        while True:
            value = predicate()
            if value:
                return value
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"waited {self.timeout:.0f} s for {what}")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), timeout=min(left, 5.0))
            except asyncio.TimeoutError:
                pass

    # ------------------------------------------------------------ answers
    def unanswered(self) -> list[str]:
        """Visible question widgets not answered yet."""
        out = []
        for wid in self.visible():
            qid = next((c[len("netsoc-item-"):] for c in self.widgets[wid].get("_dom_classes") or []
                        if c.startswith("netsoc-item-")), None)
            if qid is not None and qid not in self.out.clicked:
                out.append(wid)
        return out

    async def answer_page(self) -> None:
        await self.wait(self.unanswered, "the page's questions")
        for wid in self.visible():
            st = self.widgets[wid]
            qid = next((c[len("netsoc-item-"):] for c in st.get("_dom_classes") or []
                        if c.startswith("netsoc-item-")), None)
            if qid is None or qid in self.out.clicked:
                continue
            model = st.get("_model_name", "")
            if isinstance(st.get("options"), list) and "value" in st and st["options"] \
                    and isinstance(st["options"][0], list):           # radio group
                code = int(self.rng.choice([o[0] for o in st["options"]]))
                await self.update(wid, {"value": code})
                self.out.clicked[qid] = code
            elif model == "DropdownModel":
                labels = st.get("_options_labels") or []
                choices = [i for i, lab in enumerate(labels) if lab and not lab.startswith(("—", "-", "("))]
                i = int(self.rng.choice(choices))
                await self.update(wid, {"index": i})
                self.out.clicked[qid] = labels[i]
            elif model == "ToggleButtonsModel":
                labels = st.get("_options_labels") or []
                i = int(self.rng.integers(len(labels)))
                await self.update(wid, {"index": i})
                self.out.clicked[qid] = labels[i]
            elif model in ("TextareaModel", "TextModel"):
                await self.update(wid, {"value": self.comment})
                self.out.clicked[qid] = self.comment

    async def _browser_token(self) -> None:
        for wid, st in list(self.widgets.items()):
            if "token" in st and not st.get("token") and st.get("_esm") is not None:
                await self.update(wid, {"token": uuid.uuid4().hex})

    # --------------------------------------------------------------- run
    async def run(self) -> Outcome:
        import websockets

        o = self.out
        try:
            t0, c0 = time.perf_counter(), self.cpu()
            req = urllib.request.Request(f"{self.base}/?{self.query}",
                                         headers={"Accept-Language": self.accept_language})
            resp = await asyncio.to_thread(urllib.request.urlopen, req, timeout=self.timeout)
            cookies = "; ".join(c.split(";")[0] for c in resp.headers.get_all("Set-Cookie") or [])
            resp.read()
            kernel = str(uuid.uuid4())
            url = (self.base.replace("http://", "ws://")
                   + f"/jupyter/api/kernels/{kernel}/channels?session_id={self.session}")
            async with websockets.connect(url, additional_headers={
                    "Cookie": cookies, "Accept-Language": self.accept_language},
                    max_size=None, open_timeout=self.timeout) as ws:
                self.ws = ws
                reader = asyncio.create_task(self._receive())
                try:
                    await self._send("kernel_info_request", {})
                    control = uuid.uuid4().hex
                    await self._send("comm_open", {"comm_id": control, "target_name": "solara.control",
                                                   "data": {}})
                    await self._send("comm_msg", {"comm_id": control, "data": {
                        "method": "run", "args": {"path": f"/?{self.query}", "dark": False,
                                                  "themes": {}, "appName": None}}})
                    consent = await self.wait(lambda: self.find("netsoc-consent"), "the consent button")
                    await self._browser_token()
                    await self.click(consent[0])
                    k, n = await self.wait(lambda: (p := self.page()) and p[0] >= 1 and p, "page 1")
                    o.open_s = time.perf_counter() - t0
                    o.open_cpu = self.cpu() - c0
                    while True:
                        await self.answer_page()
                        if k == n:
                            break
                        if self.think:
                            await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))
                        t, c = time.perf_counter(), self.cpu()
                        nxt = await self.wait(lambda: self.find("netsoc-next"), "the next button")
                        await self.click(nxt[0])
                        k, n = await self.wait(lambda: (p := self.page()) and p[0] == k + 1 and p,
                                               f"page {k + 1}")
                        o.page_s.append(time.perf_counter() - t)
                        await asyncio.sleep(0.05)  # let the server finish the page's updates
                        o.page_cpu.append(self.cpu() - c)
                    if self.think:
                        await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))
                    t, c = time.perf_counter(), self.cpu()
                    sub = await self.wait(lambda: self.find("netsoc-submit"), "the submit button")
                    await self.click(sub[0])
                    fb = await self.wait(lambda: self.find("netsoc-feedback"), "the feedback")
                    o.submit_s = time.perf_counter() - t
                    await asyncio.sleep(0.05)
                    o.submit_cpu = self.cpu() - c
                    o.feedback_text = " ".join(str(v) for w in fb for v in self.widgets[w].values()
                                               if isinstance(v, str))[:5000]
                finally:
                    reader.cancel()
        except Exception as exc:  # reported to the caller
            o.error = f"{type(exc).__name__}: {str(exc)[:300]}"
        return o
