"""The survey server: an ordinary Starlette (ASGI) app, stateless, for phones.

Routes
------
``GET /``
    A small page (no inline script) that loads ``page.js`` (the adapter), the
    form module and its stylesheet by fingerprinted URLs, with the visit's
    first state and token in a JSON data block.  ``?lang=`` or
    ``Accept-Language`` choose the language; ``?cohort=`` counts only when the
    server has no ``--cohort``.
``GET /static/<name>``
    Fingerprinted, pre-compressed, immutable files (:mod:`netsoc.server.assets`),
    including the instrument description per language.
``POST /api/message``
    One form message (JSON, schema-checked), answered with the new state and
    token (:mod:`netsoc.server.participant`).
``GET /_netsoc/health``
    Loopback or the access token only.

Every response carries the security headers (:data:`SECURITY_HEADERS`,
with a Content-Security-Policy that allows no inline script).
"""

from __future__ import annotations

import hmac
import html
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from netsoc.form.protocol import describe, state_reply, ui_texts
from netsoc.server.assets import AssetStore
from netsoc.server.config import ServerConfig, is_loopback
from netsoc.server.join import GuessLimit, join_page
from netsoc.server.limits import ClientBudgets, RefusalLog, client_address, parse_proxies
from netsoc.server.messages import MAX_BODY_BYTES, ValidationError, parse_message
from netsoc.server.participant import Participants
from netsoc.server.tokens import TokenError, new_secret
from netsoc.server.warm import prime_cohort, warm_up
from survey.errors import StoreError

if TYPE_CHECKING:
    from survey.instrument import Instrument
    from survey.store import ResponseStore

__all__ = ["survey_app", "SECURITY_HEADERS", "TOKEN_COOKIE"]

log = logging.getLogger("netsoc.server")

TOKEN_COOKIE = "netsoc-token"
#: The header in which page.js sends the signed token of a message (so its budget is the
#: browser's, decided before the body is read).
BROWSER_HEADER = "x-netsoc-token"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
#: Threads that serve messages (store reads and writes, scoring).  A few, not anyio's 40:
#: the work is mostly Python under one GIL and SQLite takes one writer at a time, so more
#: threads only interleave requests and make each one wait longer (with PostgreSQL's
#: network round trips a few more would help; 8 keeps a room of 1,000 phones under 100 ms).
WORKER_THREADS = 8
#: Seconds after which a visitor refused as busy tries again (``Retry-After``; the busy
#: page reloads itself after as many).
BUSY_RETRY_S = 3
#: What a request costs from its client's budget, by path (anything else, i.e. a file
#: served from memory, costs 0.2): many phones behind one venue address must fit.
COSTS = {"/api/message": 2.0, "/": 1.0}
_PAGE_TEXT = {
    "noscript": "This questionnaire needs JavaScript. Please turn it on, or ask the facilitator for help.",
    "need_token": "This page needs the link the facilitator gave you (it carries an access "
    "token). Please scan the QR code again or type the whole address.",
}


def _page(
    lang: str, title: str, css: str, js: str, boot: dict[str, Any], noscript: str, loading: str = ""
) -> str:
    data = json.dumps(boot, separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")
    return (
        f"<!doctype html><html lang='{html.escape(lang)}'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><link rel='icon' href='data:,'>"
        f"<link rel='stylesheet' href='{css}'>"
        f"<script type='module' src='{js}'></script>"
        f"<script type='application/json' id='netsoc-boot'>{data}</script></head>"
        f"<body><main id='netsoc-root' class='netsoc-host'><noscript><p>"
        f"{html.escape(noscript)}</p></noscript>"
        f"<div class='netsoc-app'><p class='netsoc-message'>{html.escape(loading)}</p></div>"
        f"</main></body></html>"
    )


def _plain_page(lang: str, text: str, status: int) -> HTMLResponse:
    body = (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><meta name='viewport' "
        f"content='width=device-width, initial-scale=1'><title>netsoc</title></head><body>"
        f"<main><h1>{html.escape(text)}</h1></main></body></html>"
    )
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _notice_page(lang: str, title: str, text: str, css: str, status: int, retry: int) -> HTMLResponse:
    """A page that says one thing in the visitor's language, in the form's style: 429/503
    (files are served even when busy) reloading itself after ``retry`` seconds, or 403 (no
    access token). No script."""
    refresh = f"<meta http-equiv='refresh' content='{retry}'>" if retry else ""
    body = (
        f"<!doctype html><html lang='{html.escape(lang)}'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"{refresh}<title>{html.escape(title)}</title>"
        f"<link rel='icon' href='data:,'><link rel='stylesheet' href='{css}'></head><body>"
        f"<main class='netsoc-host'><div class='netsoc-app'><h1>{html.escape(title)}</h1>"
        f"<p class='netsoc-message' role='status'>{html.escape(text)}</p></div></main></body></html>"
    )
    headers = {"Cache-Control": "no-store", **({"Retry-After": str(retry)} if retry else {})}
    return HTMLResponse(body, status_code=status, headers=headers)


class Guard:
    """ASGI middleware: access token, budgets per client and per process, headers.

    Everything is decided when the request arrives, before its body is read.
    """

    def __init__(
        self,
        app: ASGIApp,
        config: ServerConfig,
        budgets: ClientBudgets,
        refusals: RefusalLog,
        *,
        ceiling: ClientBudgets | None = None,
        browser_of: Callable[[str], str | None] | None = None,
    ) -> None:
        self.app, self.config, self.budgets, self.refusals = app, config, budgets, refusals
        self.ceiling = ceiling if ceiling is not None else ClientBudgets(0)
        self.browser_of = browser_of
        self.proxies = parse_proxies(config.trusted_proxies)
        self.guesses = GuessLimit()
        self.in_flight = 0
        self.served = 0

    def _token_ok(self, request: Request) -> tuple[bool, bool]:
        token = self.config.token
        if not token:
            return True, False
        given = request.query_params.get("token", "")
        if given and hmac.compare_digest(given.encode(), token.encode()):
            return True, True
        c = request.cookies.get(TOKEN_COOKIE, "")
        return bool(c) and hmac.compare_digest(c.encode(), token.encode()), False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        client_addr = scope.get("client")
        peer = client_addr[0] if client_addr else None
        client = client_address(peer, request.headers.get("x-forwarded-for"), self.proxies)
        path = scope["path"]
        scope.setdefault("state", {})["client"] = client
        extra: list[tuple[bytes, bytes]] = [
            (k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()
        ]
        ok, in_query = self._token_ok(request)
        if path.startswith("/_netsoc/") and not (is_loopback(peer or "") or (self.config.token and ok)):
            await self._refuse(scope, receive, send, client, 404, "private path", extra)
            return
        if not ok and path == "/" and self.config.join_code and "join" in request.query_params:
            await self._join(scope, receive, send, request, client, extra)
            return
        if not ok and self.config.join_code and path.startswith("/static/") and path.endswith(".css"):
            ok = True  # the stylesheet of the start page that asks for the join code (not secret)
        if not ok:
            await self._refuse(scope, receive, send, client, 403, "no token", extra)
            return
        if in_query:
            extra.append(
                (
                    b"set-cookie",
                    f"{TOKEN_COOKIE}={self.config.token}; Path=/; HttpOnly; SameSite=Lax".encode(),
                )
            )
        cost = COSTS.get(path, 0.2)
        key, why, retry = self._charge(request, client, cost)
        if why is not None:
            await self._refuse(scope, receive, send, client, 429, why, extra, retry=retry)
            return
        try:
            if path.startswith("/static/"):  # from memory, nothing awaited: never refused as busy
                await self.app(scope, receive, self._with_headers(send, extra))
                return
            if self.in_flight >= self.config.max_sessions:
                retry = BUSY_RETRY_S
                await self._refuse(scope, receive, send, client, 503, "server full", extra, retry=retry)
                return
            self.in_flight += 1
            self.served += 1
            try:
                await self.app(scope, receive, self._with_headers(send, extra))
            finally:
                self.in_flight -= 1
        finally:
            self.budgets.release(key)
            if key != client:
                self.ceiling.release(client)

    def _charge(self, request: Request, client: str, cost: float) -> tuple[str, str | None, int]:
        """Charge a request to its browser (the signed token in ``X-Netsoc-Token``) and its
        address's ceiling, or, without a readable token, to its address alone.

        Returns ``(key, refusal reason or None, Retry-After)``; a refused request holds nothing.
        """
        header = request.headers.get(BROWSER_HEADER, "") if self.browser_of else ""
        browser = self.browser_of(header) if header and self.browser_of else None
        key = f"browser:{browser}" if browser else client
        why = self.budgets.charge(key, cost)
        if why is not None:
            return key, why, self.budgets.retry_after(key, cost)
        if key != client:
            why = self.ceiling.charge(client, cost)
            if why is not None:
                self.budgets.release(key)
                return key, why, self.ceiling.retry_after(client, cost)
        return key, None, 0

    async def _join(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        request: Request,
        client: str,
        extra: list[tuple[bytes, bytes]],
    ) -> None:
        """A typed join code: the right one lets the phone in (the access cookie, then the
        questionnaire); a wrong one is counted (:class:`~netsoc.server.join.GuessLimit`)."""
        typed = "".join(request.query_params.get("join", "").split())[:16]
        if not self.guesses.allowed(client):
            self.refusals.refuse(client, "join codes", "too many wrong join codes")
            scope["state"]["notice"] = ("join", 429, "join_wait")
        elif hmac.compare_digest(typed.encode(), str(self.config.join_code).encode()):
            lang = request.query_params.get("lang", "")
            where = "/?lang=" + lang if lang.isalpha() and len(lang) <= 8 else "/"
            cookie = f"{TOKEN_COOKIE}={self.config.token}; Path=/; HttpOnly; SameSite=Lax"
            response = Response(status_code=303, headers={"Location": where, "Cache-Control": "no-store"})
            response.raw_headers += [(b"set-cookie", cookie.encode()), *extra]
            await response(scope, receive, send)
            return
        else:
            self.guesses.wrong(client)
            scope["state"]["notice"] = ("join", 403, "join_wrong")
        await self.app(scope, receive, self._with_headers(send, extra))

    @staticmethod
    def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return send_with_headers

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        client: str,
        status: int,
        why: str,
        extra: list[tuple[bytes, bytes]],
        retry: int | None = None,
    ) -> None:
        self.refusals.refuse(client, why, scope["path"][:80])
        if scope["path"] == "/" and status in (403, 429, 503):
            # a page in the visitor's language (the app draws it); when busy, it reloads itself
            busy = status != 403
            notice: tuple[str, int, int | str] = (
                ("busy_open", status, max(retry or BUSY_RETRY_S, 1)) if busy else ("need_token", 403, 0)
            )
            if not busy and self.config.join_code:
                notice = ("join", 403, "")  # the start page asks for the join code
            scope["state"]["notice"] = notice
            await self.app(scope, receive, self._with_headers(send, extra))
            return
        if status == 403:
            response: Response = _plain_page("en", _PAGE_TEXT["need_token"], status)
        else:
            response = JSONResponse({"type": "refused", "reason": why}, status_code=status)
        if retry is not None:
            response.headers["Retry-After"] = str(retry)
        for k, v in extra:
            response.raw_headers.append((k, v))
        await response(scope, receive, send)


def _participants(config: ServerConfig, inst: Instrument, get_store: Any) -> Participants:
    """The process's participants, warmed up before the first phone (issue 34.8)."""
    people = Participants(
        inst,
        get_store,
        config.secret or new_secret(),
        cohort=config.cohort,
        min_group_size=config.min_group_size,
        draft_days=config.draft_days,
    )
    try:
        real = get_store()
    except Exception:
        real = None
    warm_up(inst, config.min_group_size, real)  # the first phone costs what the others do
    if real is not None and config.cohort:
        prime_cohort(people, real, config.cohort)
    people.expire_drafts()  # drafts older than --draft-days go now, then hourly
    return people


class _Routes:
    """The survey server's routes over one process's shared, read-only parts."""

    def __init__(self, config: ServerConfig, inst: Instrument, people: Participants) -> None:
        self.config, self.inst, self.people = config, inst, people
        self.assets = AssetStore()
        self.assets.add_package_files()
        self.refusals = RefusalLog()
        self.guard: Guard | None = None
        self._limiter: list[anyio.CapacityLimiter] = []  # made in the event loop, on first use
        self.specs = {
            lang: self.assets.add(
                f"spec-{lang}.json",
                json.dumps(describe(inst, lang), ensure_ascii=False, separators=(",", ":")).encode(),
            )
            for lang in inst.languages
        }

    async def in_thread(self, fn: Any, *args: Any) -> Any:
        if not self._limiter:
            self._limiter.append(anyio.CapacityLimiter(WORKER_THREADS))
        return await anyio.to_thread.run_sync(fn, *args, limiter=self._limiter[0])

    def notice(self, lang: str, notice: tuple[str, int, Any]) -> Response:
        """The page drawn instead of the questionnaire: the join code's, busy or no token."""
        local = self.inst.localized(lang)
        css = self.assets.url("form.css")
        if notice[0] == "join":
            ui = ui_texts(local)
            body = join_page(lang, local.title, css, ui, error=ui.get(notice[2], "") if notice[2] else "")
            return HTMLResponse(body, status_code=notice[1], headers={"Cache-Control": "no-store"})
        key, status, retry = notice
        text = local.ui.get(key) or ui_texts(local).get(key) or _PAGE_TEXT[key]
        return _notice_page(lang, local.title, str(text), css, status, retry)

    async def page(self, request: Request) -> Response:
        from netsoc.session import choose_cohort
        from survey.instrument import negotiate_language

        inst, people, query = self.inst, self.people, dict(request.query_params)
        lang = negotiate_language(inst, query.get("lang"), request.headers.get("accept-language"))
        notice = getattr(request.state, "notice", None)
        if notice:
            return self.notice(lang, notice)
        local = inst.localized(lang)
        ui = ui_texts(local)
        choice = choose_cohort(local, self.config.cohort, query)
        claims = people.new_claims(lang, choice.cohort, choice.ask)
        is_open = await self.in_thread(people.is_open, choice.cohort)
        reply = state_reply(
            people.model(claims), full=True, note=choice.note, state=None if is_open else "closed"
        )
        reply["token"] = people.token(claims)
        boot = {
            "state": reply,
            "specs": self.specs,
            "lang": lang,
            "api": "/api/message",
            "form": self.assets.url("form.js"),
            "storage": f"netsoc:{inst.id}",
            "texts": {"load_failed": ui["load_failed"]},
        }
        noscript = str(local.ui.get("noscript") or _PAGE_TEXT["noscript"])
        css, js = self.assets.url("form.css"), self.assets.url("page.js")
        body = _page(lang, local.title, css, js, boot, noscript, ui["loading"])
        return HTMLResponse(body, headers={"Cache-Control": "no-store", "Vary": "Accept-Language"})

    async def static(self, request: Request) -> Response:
        return self.assets.response(request, request.path_params["name"])

    async def message(self, request: Request) -> Response:
        peer = request.client.host if request.client else "?"
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                self.refusals.refuse(peer, "too large")
                return JSONResponse({"type": "refused", "reason": "too large"}, status_code=413)
        try:
            msg = parse_message(body)
        except ValidationError as exc:
            self.refusals.refuse(peer, "invalid", f"{exc.error_count()} schema error(s)")
            return JSONResponse({"type": "refused", "reason": "invalid"}, status_code=422)
        try:
            reply = await self.in_thread(self.people.handle, msg, request.state.client)
        except TokenError:
            self.refusals.refuse(peer, "bad token")
            return JSONResponse({"type": "refused", "reason": "token"}, status_code=403)
        except StoreError as exc:  # the page keeps the answers, says so and sends them again
            self.refusals.refuse("store", "store down", str(exc).splitlines()[0][:200])
            headers = {"Retry-After": str(BUSY_RETRY_S), "Cache-Control": "no-store"}
            return JSONResponse({"type": "refused", "reason": "store"}, status_code=503, headers=headers)
        return JSONResponse(reply, headers={"Cache-Control": "no-store"})

    async def health(self, request: Request) -> Response:
        g = self.guard
        return JSONResponse(
            {"ok": True, "in_flight": g.in_flight if g else 0, "served": g.served if g else 0},
            headers={"Cache-Control": "no-store"},
        )

    def browser_of(self, token: str) -> str | None:
        """The browser id of a signed token, or None when it cannot be read."""
        try:
            return str(self.people.claims(token)["b"])
        except TokenError:
            return None


async def _not_found(request: Request, exc: Exception) -> Response:
    return Response("Not found", status_code=404, media_type="text/plain")


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("error serving %s: %s: %s", request.url.path, type(exc).__name__, exc)
    return JSONResponse({"type": "refused", "reason": "server"}, status_code=500)


def survey_app(
    config: ServerConfig, *, instrument: Instrument | None = None, store: ResponseStore | None = None
) -> Starlette:
    """The survey server as an ASGI app.

    Parameters
    ----------
    config : ServerConfig
        ``cohort``, ``db``, ``token``, ``secret`` (token signing; random when
        not given, so give it to every worker), ``max_sessions`` (requests in
        flight), ``client_rate``, ``address_rate``, ``trusted_proxies``,
        ``min_group_size``, ``join_code``, ``draft_days``.
    instrument : Instrument, optional
        Default: the shipped questionnaire.
    store : ResponseStore, optional
        Default: the process's shared store for ``config.db``.

    Returns
    -------
    Starlette
    """
    from netsoc.session import shared_store
    from survey.instrument import load_instrument

    inst = instrument if instrument is not None else load_instrument()
    get_store = (lambda: store) if store is not None else (lambda: shared_store(config.db))
    people = _participants(config, inst, get_store)
    routes = _Routes(config, inst, people)
    # Replies are compressed when large (the feedback page); static files come compressed.
    app = Starlette(
        routes=[
            Route("/", routes.page),
            Route("/static/{name}", routes.static),
            Route("/api/message", routes.message, methods=["POST"]),
            Route("/_netsoc/health", routes.health),
        ],
        exception_handlers={404: _not_found, 500: _server_error},
        middleware=[Middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)],
    )
    per_browser = max(32, config.max_sessions // 2)
    guard = Guard(
        app,
        config,
        ClientBudgets(config.client_rate, config.client_rate * 20, max_in_flight=per_browser),
        routes.refusals,
        ceiling=ClientBudgets(
            config.address_rate, config.address_rate * 20, max_in_flight=config.max_sessions
        ),
        browser_of=routes.browser_of,
    )
    routes.guard = guard
    app.state.guard = guard
    app.state.participants = people
    app.state.assets = routes.assets
    return guard  # type: ignore[return-value]
