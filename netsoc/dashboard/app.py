"""The dashboard as a small Starlette app: the presenter view, the controls and the exports.

:func:`dashboard_app` builds the ASGI app for one cohort (``netsoc
dashboard`` serves it with :func:`serve_dashboard`; ``netsoc workshop``
serves it beside the survey).  Every page needs the dashboard's own token
(``?token=`` once, then an HttpOnly, SameSite=Strict cookie), which is never
the survey's: nothing here is reachable with a participant's link.

- ``GET /`` the presenter view; ``GET /deck`` its cards as JSON (polled).
- ``GET /control`` and ``POST /control/...`` the facilitator's controls.
- ``GET /export/slides.html`` and ``/export/page-N.png`` the exports
  (cached per dashboard version, rate-limited per viewer).
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
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from netsoc.dashboard import view
from netsoc.dashboard.export import png_comment_pages, png_page, slides_html
from netsoc.dashboard.join import JoinCheck
from netsoc.dashboard.model import Dashboard
from netsoc.dashboard.panels import responses_line
from netsoc.dashboard.settings import DashboardSettings
from netsoc.dashboard.shift import set_wave
from netsoc.resources import asset_text
from survey.errors import NetsocError

__all__ = ["dashboard_app", "dashboard_server", "serve_dashboard", "CSP", "COOKIE", "EXPORT_EVERY"]

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


def _base(request: Request) -> str:
    """The app's root address (``<base href>``): relative links work from any path and prefix."""
    return str(request.url_for("presenter"))


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


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
    check = JoinCheck(settings.survey_url, own_port=settings.port, enabled=settings.check_join)
    refusals = _Refusals()
    exports: dict[str, float] = {}
    token = settings.token

    def allowed(request: Request) -> bool:
        given = request.cookies.get(COOKIE) or ""
        return secrets.compare_digest(given.encode(), token.encode())

    def refuse(request: Request, reason: str, status: int, text: str) -> Response:
        refusals.log(reason, _client(request))
        return HTMLResponse(view.message_page(d, text, base=_base(request)), status_code=status)

    def guarded(handler: Any, *, post: bool = False) -> Any:
        async def endpoint(request: Request) -> Response:
            query_token = request.query_params.get("token")
            if query_token is not None and request.method == "GET":
                if not secrets.compare_digest(query_token.encode(), token.encode()):
                    return refuse(request, "a wrong token", 403, d.t("refused", reason="token"))
                response = RedirectResponse(request.url.remove_query_params("token"), 303)
                response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
                return response
            if not allowed(request):
                return refuse(request, "a visitor without the token", 403, d.t("refused", reason="token"))
            if post:
                origin = request.headers.get("origin")
                if (
                    origin is not None
                    and origin.rstrip("/") != f"{request.url.scheme}://{request.url.netloc}"
                ):
                    return refuse(request, "a form from another site", 403, d.t("refused", reason="origin"))
            if not post:
                return await handler(request)
            try:
                return await handler(request)
            except NetsocError as exc:  # the facilitator's mistake: back to the controls, said why
                return back(request, str(exc))

        return endpoint

    def _pages() -> int:
        return 1 + len(png_comment_pages(d.released_comments()))

    def back(request: Request, message: str = "") -> Response:
        url = request.url_for("control")
        if message:
            url = url.include_query_params(msg=message)
        return RedirectResponse(url, 303)

    async def presenter(request: Request) -> Response:
        return HTMLResponse(view.presenter_page(d, view.deck(d, check), base=_base(request)))

    async def deck(request: Request) -> Response:
        cards = view.deck(d, check)
        activity = d.activity()
        live = responses_line(d.t, int(activity["submitted"]), d.min_group_size)
        return JSONResponse({"html": "".join(c.html() for c in cards), "live": live})

    async def control(request: Request) -> Response:
        message = request.query_params.get("msg", "")[:300]
        if request.query_params.get("step") == "clear":
            return HTMLResponse(view.confirm_clear_page(d, base=_base(request)))
        return HTMLResponse(view.control_page(d, message=message, pages=_pages(), base=_base(request)))

    async def collection(request: Request) -> Response:
        form = await _form(request)
        is_open = form.get("open") == "1"
        d.store.set_collection_open(d.settings.cohort, is_open)
        return back(request, d.t("collection_is_open" if is_open else "collection_is_closed"))

    async def wave(request: Request) -> Response:
        return back(request, set_wave(d, await _form(request)))

    async def show(request: Request) -> Response:
        form = await _form(request)
        d.choose(
            statement=str(form.get("statement") or "") or None,
            compare_cohort=str(form.get("compare") or "") or None,
        )
        return back(request)

    async def comment(request: Request) -> Response:
        form = await _form(request)
        d.hide(str(form.get("handle") or ""), hidden=form.get("hide") == "1")
        return back(request)

    async def release(request: Request) -> Response:
        return back(request, d.t("released", n=d.release()))

    async def clear(request: Request) -> Response:
        if not d.settings.cohort:
            raise NetsocError(d.t("refused", reason="no workshop code"))
        return RedirectResponse(request.url_for("control").include_query_params(step="clear"), 303)

    async def clear_confirm(request: Request) -> Response:
        form = await _form(request)
        if not d.settings.cohort:
            raise NetsocError(d.t("refused", reason="no workshop code"))
        n, drafts = view.counts(d)
        if (str(n), str(drafts)) != (form.get("n"), form.get("d")):
            return back(request, d.t("clear_changed"))
        done = d.store.clear_cohort(d.settings.cohort)
        LOG.warning("dashboard cleared cohort %s: %s", d.settings.cohort, done)
        return back(request, d.t("cleared", n=done["submitted"], d=done["drafts"]))

    def throttled(request: Request, kind: str) -> Response | None:
        who = f"{_client(request)} {kind}"
        now = time.monotonic()
        wait = EXPORT_EVERY - (now - exports.get(who, -1e9))
        if wait > 0:
            refusals.log("an export too soon", who)
            return HTMLResponse(
                view.message_page(d, d.t("too_many_exports", seconds=int(wait) + 1), base=_base(request)),
                status_code=429,
                headers={"retry-after": str(int(wait) + 1)},
            )
        exports[who] = now
        return None

    async def export_slides(request: Request) -> Response:
        refused = throttled(request, "slides")
        if refused is not None:
            return refused
        title = d.t("dashboard_heading", title=d.instrument.title)
        deck_cards = view.deck(d, check)
        body = slides_html(title=title, cards=deck_cards, lang=d.language)
        return Response(
            body,
            media_type="text/html; charset=utf-8",
            headers={
                "content-disposition": "attachment; filename=netsoc-slides.html",
                # the deck embeds reveal.js and its start-up: it is a file to keep, not this site
                "content-security-policy": "sandbox allow-scripts; default-src 'none'; "
                "script-src 'unsafe-inline'; style-src 'unsafe-inline'",
            },
        )

    async def export_png(request: Request) -> Response:
        page = int(request.path_params["page"])
        if not 1 <= page <= _pages():
            return refuse(request, "a missing export page", 404, d.t("refused", reason=str(page)))
        refused = throttled(request, "png")
        if refused is not None:
            return refused
        key = (d.version(), d.choices, tuple(d.released_comments()), d.language)
        data = png_page(d, page, key=key)
        return Response(
            data,
            media_type="image/png",
            headers={"content-disposition": f"attachment; filename=netsoc-dashboard-{page}.png"},
        )

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _ASSETS:
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(
            asset_text("dashboard", name), media_type=_ASSETS[name], headers={"cache-control": "max-age=300"}
        )

    async def failed(request: Request, exc: Exception) -> Response:
        LOG.error("dashboard error on %s: %s: %s", request.url.path, type(exc).__name__, exc)
        return HTMLResponse(
            view.message_page(d, d.t("dash_unavailable"), base=_base(request)), status_code=500
        )

    routes = [
        Route("/", guarded(presenter), name="presenter"),
        Route("/deck", guarded(deck), name="deck"),
        Route("/control", guarded(control), name="control"),
        Route("/control/collection", guarded(collection, post=True), methods=["POST"]),
        Route("/control/wave", guarded(wave, post=True), methods=["POST"]),
        Route("/control/show", guarded(show, post=True), methods=["POST"]),
        Route("/control/comment", guarded(comment, post=True), methods=["POST"]),
        Route("/control/release", guarded(release, post=True), methods=["POST"]),
        Route("/control/clear", guarded(clear, post=True), methods=["POST"]),
        Route("/control/clear/confirm", guarded(clear_confirm, post=True), methods=["POST"]),
        Route("/export/slides.html", guarded(export_slides), name="slides"),
        Route("/export/page-{page:int}.png", guarded(export_png), name="png"),
        Route("/assets/{name}", asset, name="asset"),
    ]
    app = Starlette(routes=routes, exception_handlers={Exception: failed, 500: failed})
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
