"""The dashboard as a small Starlette app: the presenter view, the controls and the exports.

:func:`dashboard_app` builds the ASGI app for one cohort (``netsoc
dashboard`` serves it with :func:`serve_dashboard`; ``netsoc workshop``
serves it beside the survey).  Every page needs the dashboard's own token
(``?token=`` once, then an HttpOnly, SameSite=Strict cookie), which is never
the survey's: nothing here is reachable with a participant's link.

- ``GET /`` the presenter view; ``GET /deck`` its cards as JSON (polled).
- ``GET /control`` and ``POST /control/...`` the facilitator's controls.
- ``GET /export/slides.html``, ``/export/page-N.png`` (one per card),
  ``/export/handout.pdf`` and ``/export/aggregates.xlsx`` the exports (PNG pages cached per
  dashboard version and minute, every export rate-limited per viewer).
- ``GET /assets/...`` the page's module and styles.

Every response carries a Content-Security-Policy without inline script or
style.  A refusal is one log line (at most one per reason and client every
10 s), an error is one log line and a sentence on the page, never a traceback.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

import netsoc.dashboard.view as view
from netsoc.dashboard.export import export_title, pdf_handout, png_page, slides_html, workbook
from netsoc.dashboard.join import JoinCheck
from netsoc.dashboard.model import Dashboard
from netsoc.dashboard.pages import export_cards
from netsoc.dashboard.panels import responses_line
from netsoc.dashboard.settings import DashboardSettings
from netsoc.dashboard.shift import set_wave
from netsoc.resources import asset_text
from survey.errors import NetsocError

__all__ = [
    "dashboard_app",
    "dashboard_server",
    "serve_dashboard",
    "controls_url",
    "CSP",
    "COOKIE",
    "EXPORT_EVERY",
]

LOG = logging.getLogger("netsoc.dashboard")
COOKIE = "netsoc_dashboard"
#: Seconds between two exports of one viewer.
EXPORT_EVERY = 5.0
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'self'; frame-ancestors 'none'"
)
_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
    "x-frame-options": "DENY",
}
_ASSETS = {"presenter.js": "text/javascript; charset=utf-8", "dashboard.css": "text/css; charset=utf-8"}


class _Refusals:
    """One log line per refusal, at most one per reason and client every ``every`` seconds."""

    def __init__(self, every: float = 10.0) -> None:
        self.every = every
        self._last: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def log(self, reason: str, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last.get((reason, client), -1e9) < self.every:
                return
            self._last[(reason, client)] = now
            if len(self._last) > 10_000:
                self._last.clear()
        LOG.warning("dashboard refused %s from %s", reason, client)


#: Largest form body accepted (the controls send a few short fields).
FORM_MAX_BYTES = 4096


async def _form(request: Request) -> dict[str, str]:
    """The posted form's fields (``application/x-www-form-urlencoded``, first value of each)."""
    body = await request.body()
    if len(body) > FORM_MAX_BYTES:
        raise NetsocError(f"form: {len(body)} bytes; expected at most {FORM_MAX_BYTES}")
    out: dict[str, str] = {}
    for k, v in parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True):
        out.setdefault(k, v)
    return out


def controls_url(presenter_url: str) -> str:
    """The facilitator's controls for a presenter address (its ``?token=`` kept), as the
    terminal block prints it beside the presenter view.

    Examples
    --------
    >>> controls_url("http://127.0.0.1:8867/?token=abc12345")
    'http://127.0.0.1:8867/control?token=abc12345'
    """
    parts = urlsplit(presenter_url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + "/control", parts.query, ""))


def _base(request: Request) -> str:
    """The app's root address (``<base href>``): relative links work from any path and prefix."""
    return str(request.url_for("presenter"))


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


class _Endpoints:
    """The dashboard's endpoints for one :class:`Dashboard`: the presenter, the controls and
    the exports, each behind the dashboard's token (:meth:`guarded`)."""

    def __init__(self, d: Dashboard, settings: DashboardSettings) -> None:
        self.d = d
        self.check = JoinCheck(settings.survey_url, own_port=settings.port, enabled=settings.check_join)
        self.refusals = _Refusals()
        self.exports: dict[str, float] = {}
        self.token: str = settings.token or ""

    def allowed(self, request: Request) -> bool:
        given = request.cookies.get(COOKIE) or ""
        return secrets.compare_digest(given.encode(), self.token.encode())

    def refuse(self, request: Request, reason: str, status: int, text: str) -> Response:
        self.refusals.log(reason, _client(request))
        return HTMLResponse(view.message_page(self.d, text, base=_base(request)), status_code=status)

    def guarded(self, handler: Any, *, post: bool = False) -> Any:
        async def endpoint(request: Request) -> Response:
            query_token = request.query_params.get("token")
            if query_token is not None and request.method == "GET":
                if not secrets.compare_digest(query_token.encode(), self.token.encode()):
                    return self.refuse(request, "a wrong token", 403, self.d.t("refused", reason="token"))
                response = RedirectResponse(request.url.remove_query_params("token"), 303)
                response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict", path="/")
                return response
            if not self.allowed(request):
                return self.refuse(
                    request, "a visitor without the token", 403, self.d.t("refused", reason="token")
                )
            if post:
                origin = request.headers.get("origin")
                if (
                    origin is not None
                    and origin.rstrip("/") != f"{request.url.scheme}://{request.url.netloc}"
                ):
                    return self.refuse(
                        request, "a form from another site", 403, self.d.t("refused", reason="origin")
                    )
            if not post:
                return await handler(request)
            try:
                return await handler(request)
            except NetsocError as exc:  # the facilitator's mistake: back to the controls, said why
                return self.back(request, str(exc))

        return endpoint

    def _pages(self) -> list[str]:
        """The titles of the export's pages (one PNG page each)."""
        return [c.title for c in export_cards(self.d, datetime.now().astimezone())]

    def back(self, request: Request, message: str = "") -> Response:
        url = request.url_for("control")
        if message:
            url = url.include_query_params(msg=message)
        return RedirectResponse(url, 303)

    async def presenter(self, request: Request) -> Response:
        return HTMLResponse(view.presenter_page(self.d, view.deck(self.d, self.check), base=_base(request)))

    async def deck(self, request: Request) -> Response:
        cards = view.deck(self.d, self.check)
        activity = self.d.activity()
        live = responses_line(self.d.t, int(activity["submitted"]), self.d.min_group_size)
        return JSONResponse({"html": "".join(c.html() for c in cards), "live": live})

    async def control(self, request: Request) -> Response:
        message = request.query_params.get("msg", "")[:300]
        if request.query_params.get("step") == "clear":
            return HTMLResponse(view.confirm_clear_page(self.d, base=_base(request)))
        return HTMLResponse(
            view.control_page(self.d, message=message, pages=self._pages(), base=_base(request))
        )

    async def collection(self, request: Request) -> Response:
        form = await _form(request)
        is_open = form.get("open") == "1"
        self.d.store.set_collection_open(self.d.settings.cohort, is_open)
        if is_open:
            return self.back(request, self.d.t("collection_is_open"))
        mid = int(self.d.activity()["open_drafts"])  # told at their next page; they finish on reopening
        return self.back(request, self.d.t("collection_is_closed", mid=self.d.t.num(mid, 0)))

    async def wave(self, request: Request) -> Response:
        return self.back(request, set_wave(self.d, await _form(request)))

    async def show(self, request: Request) -> Response:
        form = await _form(request)
        self.d.choose(
            statement=str(form.get("statement") or "") or None,
            compare_cohort=str(form.get("compare") or "") or None,
        )
        return self.back(request)

    async def comment(self, request: Request) -> Response:
        form = await _form(request)
        handle = str(form.get("handle") or "")
        action = form.get("action") or ("hide" if form.get("hide") == "1" else "show")
        if action in ("approve", "unapprove"):
            self.d.approve(handle, approved=action == "approve")
        elif action in ("hide", "show"):
            self.d.hide(handle, hidden=action == "hide")
        else:
            raise NetsocError(self.d.t("refused", reason=f"action {action[:20]!r}"))
        return self.back(request)

    async def release(self, request: Request) -> Response:
        form = await _form(request)
        return self.back(
            request, self.d.t("released", n=self.d.release(approved_only=form.get("which") == "approved"))
        )

    async def clear(self, request: Request) -> Response:
        if not self.d.settings.cohort:
            raise NetsocError(self.d.t("refused", reason="no workshop code"))
        return RedirectResponse(request.url_for("control").include_query_params(step="clear"), 303)

    async def clear_confirm(self, request: Request) -> Response:
        form = await _form(request)
        if not self.d.settings.cohort:
            raise NetsocError(self.d.t("refused", reason="no workshop code"))
        n, drafts = view.counts(self.d)
        if (str(n), str(drafts)) != (form.get("n"), form.get("d")):
            return self.back(request, self.d.t("clear_changed"))
        done = self.d.store.clear_cohort(self.d.settings.cohort)
        LOG.warning("dashboard cleared cohort %s: %s", self.d.settings.cohort, done)
        return self.back(request, self.d.t("cleared", n=done["submitted"], d=done["drafts"]))

    def throttled(self, request: Request, kind: str) -> Response | None:
        who = f"{_client(request)} {kind}"
        now = time.monotonic()
        wait = EXPORT_EVERY - (now - self.exports.get(who, -1e9))
        if wait > 0:
            self.refusals.log("an export too soon", who)
            return HTMLResponse(
                view.message_page(
                    self.d, self.d.t("too_many_exports", seconds=int(wait) + 1), base=_base(request)
                ),
                status_code=429,
                headers={"retry-after": str(int(wait) + 1)},
            )
        self.exports[who] = now
        return None

    def download(self, body: bytes | str, media: str, name: str, **headers: str) -> Response:
        return Response(
            body, media_type=media, headers={"content-disposition": f"attachment; filename={name}", **headers}
        )

    async def export_slides(self, request: Request) -> Response:
        refused = self.throttled(request, "slides")
        if refused is not None:
            return refused
        at = datetime.now().astimezone()
        cohort = f" \u2013 {self.d.settings.cohort}" if self.d.settings.cohort else ""
        body = slides_html(
            title=f"{self.d.instrument.title}{cohort}",
            subtitle=export_title(self.d, at).rsplit(" \u2013 ", 1)[-1],
            cards=export_cards(self.d, at),
            lang=self.d.language,
        )
        # the deck embeds reveal.js and its start-up: it is a file to keep, not this site
        csp = (
            "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'"
        )
        return self.download(
            body, "text/html; charset=utf-8", "netsoc-slides.html", **{"content-security-policy": csp}
        )

    async def export_png(self, request: Request) -> Response:
        page = int(request.path_params["page"])
        if not 1 <= page <= len(self._pages()):
            return self.refuse(request, "a missing export page", 404, self.d.t("refused", reason=str(page)))
        refused = self.throttled(request, f"png {page}")  # per page: every page can be saved in a row
        if refused is not None:
            return refused
        at = datetime.now().astimezone()
        key = (
            self.d.version(),
            self.d.choices,
            tuple(self.d.released_comments()),
            self.d.language,
            at.strftime("%Y-%m-%d %H:%M"),
        )
        data = await self.rendered(request, png_page, self.d, page, key=key, at=at)
        if isinstance(data, Response):
            return data
        return self.download(data, "image/png", f"netsoc-dashboard-{page}.png")

    async def rendered(self, request: Request, draw: Any, *args: Any, **kwargs: Any) -> bytes | Response:
        """``draw(*args, **kwargs)`` in a worker thread; a page saying why when the browser that
        draws PNG and PDF pages is missing or fails (503)."""
        try:
            return await run_in_threadpool(draw, *args, **kwargs)
        except NetsocError as exc:
            LOG.error("dashboard export failed: %s", exc)
            return HTMLResponse(view.message_page(self.d, str(exc), base=_base(request)), status_code=503)

    async def export_pdf(self, request: Request) -> Response:
        refused = self.throttled(request, "pdf")
        if refused is not None:
            return refused
        data = await self.rendered(request, pdf_handout, self.d, at=datetime.now().astimezone())
        if isinstance(data, Response):
            return data
        return self.download(data, "application/pdf", "netsoc-handout.pdf")

    async def export_xlsx(self, request: Request) -> Response:
        refused = self.throttled(request, "xlsx")
        if refused is not None:
            return refused
        data = await run_in_threadpool(workbook, self.d, at=datetime.now().astimezone())
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return self.download(data, media, "netsoc-aggregates.xlsx")

    async def asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _ASSETS:
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(
            asset_text("dashboard", name), media_type=_ASSETS[name], headers={"cache-control": "max-age=300"}
        )

    async def failed(self, request: Request, exc: Exception) -> Response:
        LOG.error("dashboard error on %s: %s: %s", request.url.path, type(exc).__name__, exc)
        return HTMLResponse(
            view.message_page(self.d, self.d.t("dash_unavailable"), base=_base(request)), status_code=500
        )

    def routes(self) -> list[Route]:
        """Every route of the app."""
        return [
            Route("/", self.guarded(self.presenter), name="presenter"),
            Route("/deck", self.guarded(self.deck), name="deck"),
            Route("/control", self.guarded(self.control), name="control"),
            Route("/control/collection", self.guarded(self.collection, post=True), methods=["POST"]),
            Route("/control/wave", self.guarded(self.wave, post=True), methods=["POST"]),
            Route("/control/show", self.guarded(self.show, post=True), methods=["POST"]),
            Route("/control/comment", self.guarded(self.comment, post=True), methods=["POST"]),
            Route("/control/release", self.guarded(self.release, post=True), methods=["POST"]),
            Route("/control/clear", self.guarded(self.clear, post=True), methods=["POST"]),
            Route("/control/clear/confirm", self.guarded(self.clear_confirm, post=True), methods=["POST"]),
            Route("/export/slides.html", self.guarded(self.export_slides), name="slides"),
            Route("/export/page-{page:int}.png", self.guarded(self.export_png), name="png"),
            Route("/export/handout.pdf", self.guarded(self.export_pdf), name="pdf"),
            Route("/export/aggregates.xlsx", self.guarded(self.export_xlsx), name="xlsx"),
            Route("/assets/{name}", self.asset, name="asset"),
        ]


def dashboard_app(settings: DashboardSettings, *, dashboard: Dashboard | None = None) -> Any:
    """The dashboard's ASGI app for ``settings`` (its ``token`` is required).

    Parameters
    ----------
    settings : DashboardSettings
        Must carry a ``token``; ``survey_url`` is the survey's real join address.
    dashboard : Dashboard, optional
        The model (default: :meth:`Dashboard.open` on ``settings.db``).

    Returns
    -------
    starlette.applications.Starlette
    """
    if not settings.token:
        raise NetsocError("dashboard token: the dashboard needs its own token (settings.token)")
    d = dashboard or Dashboard.open(settings)
    endpoints = _Endpoints(d, settings)
    failed = endpoints.failed
    app = Starlette(routes=endpoints.routes(), exception_handlers={Exception: failed, 500: failed})
    app.state.dashboard = d
    return _SecurityHeaders(app)


class _SecurityHeaders:
    """Adds the CSP and friends to every response (the slides keep their own CSP)."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.state = app.state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in _HEADERS.items() if k.encode() not in present]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, receive, with_headers)


def dashboard_server(
    settings: DashboardSettings, *, host: str, port: int, dashboard: Dashboard | None = None
) -> Any:
    """A uvicorn server for :func:`dashboard_app` (not started): the one place of its settings.

    Connection cap, keep-alive time-out, no server header, no proxy headers and no
    access log (refusals are logged by the app, one line each).
    """
    import uvicorn

    config = uvicorn.Config(
        dashboard_app(settings, dashboard=dashboard),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
        limit_concurrency=200,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=3,
    )
    return uvicorn.Server(config)


def serve_dashboard(settings: DashboardSettings, *, host: str, port: int) -> None:
    """Serve :func:`dashboard_app` in the foreground until Ctrl-C (:func:`dashboard_server`)."""
    dashboard_server(settings, host=host, port=port).run()
