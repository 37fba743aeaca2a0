"""The join code: 7 digits typed on the survey's start page instead of scanning the QR code.

``GET /`` without the access token shows a small form (no script) asking for the
workshop's join code; ``GET /?join=1234567`` with the right code sets the access
cookie, as the QR code's ``?token=`` does, and redirects to the questionnaire.

Guessing is limited by :class:`GuessLimit`: wrong codes are counted per client
address (:data:`WRONG_PER_ADDRESS` at once, then one more every
:data:`ADDRESS_REFILL_S` seconds) and for the whole server (:data:`WRONG_PER_SERVER`
at once, then :data:`SERVER_RATE` a second), so even from many addresses at most
about 120 codes a minute can be tried: 10,800 in a 90-minute workshop against
10,000,000 possible codes (docs/security.md).  A right code is never refused by
the limit's state of other addresses, except when the server-wide budget is spent.
"""

from __future__ import annotations

import html
import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = [
    "GuessLimit",
    "join_page",
    "WRONG_PER_ADDRESS",
    "ADDRESS_REFILL_S",
    "WRONG_PER_SERVER",
    "SERVER_RATE",
]

#: Wrong join codes one address may type before it waits.
WRONG_PER_ADDRESS = 10
#: Seconds after which an address may type one more wrong code.
ADDRESS_REFILL_S = 6.0
#: Wrong join codes the whole server takes at once (many addresses together).
WRONG_PER_SERVER = 120
#: Wrong codes a second the server takes after that (120 a minute).
SERVER_RATE = 2.0


class GuessLimit:
    """Token buckets for wrong join codes: one per address and one for the server.

    Parameters
    ----------
    clock : callable
        Seconds (monotonic).
    max_clients : int
        Addresses remembered (bounded memory whatever addresses arrive).
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, max_clients: int = 20_000) -> None:
        self.clock, self.max_clients = clock, max_clients
        self._clients: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._server = (float(WRONG_PER_SERVER), clock())
        self.refused = 0

    @staticmethod
    def _refill(state: tuple[float, float], rate: float, burst: float, now: float) -> float:
        tokens, stamp = state
        return min(burst, tokens + (now - stamp) * rate)

    def allowed(self, client: str) -> bool:
        """Whether ``client`` may try a code now (counts a refusal when not)."""
        now = self.clock()
        mine = self._refill(
            self._clients.get(client, (WRONG_PER_ADDRESS, now)), 1 / ADDRESS_REFILL_S, WRONG_PER_ADDRESS, now
        )
        server = self._refill(self._server, SERVER_RATE, WRONG_PER_SERVER, now)
        ok = mine >= 1 and server >= 1
        self.refused += not ok
        return ok

    def wrong(self, client: str) -> None:
        """Charge one wrong code to ``client`` and to the server."""
        now = self.clock()
        mine = self._refill(
            self._clients.get(client, (WRONG_PER_ADDRESS, now)), 1 / ADDRESS_REFILL_S, WRONG_PER_ADDRESS, now
        )
        self._clients[client] = (mine - 1, now)
        self._clients.move_to_end(client)
        while len(self._clients) > self.max_clients:
            self._clients.popitem(last=False)
        self._server = (self._refill(self._server, SERVER_RATE, WRONG_PER_SERVER, now) - 1, now)


def join_page(lang: str, title: str, css: str, ui: dict[str, str], *, error: str = "") -> str:
    """The start page's join-code form, in the visitor's language (no script).

    ``ui`` holds the questionnaire's texts (``join_heading``, ``join_label``,
    ``join_button``, ``join_no_code``); ``error`` is shown above the field and
    named by it (``aria-describedby``).
    """
    e = html.escape
    described = " aria-describedby='join-error' aria-invalid='true'" if error else ""
    problem = f"<p class='netsoc-error' id='join-error' role='alert'>{e(error)}</p>" if error else ""
    return (
        f"<!doctype html><html lang='{e(lang)}'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{e(title)}</title><link rel='icon' href='data:,'><link rel='stylesheet' href='{css}'>"
        f"</head><body><main class='netsoc-host'><div class='netsoc-app netsoc-join'>"
        f"<h1 class='netsoc-title'>{e(title)}</h1><h2>{e(ui['join_heading'])}</h2>{problem}"
        f"<form method='get' action='/'><input type='hidden' name='lang' value='{e(lang)}'>"
        f"<label for='join-code'>{e(ui['join_label'])}</label> "
        f"<input id='join-code' name='join' type='text' inputmode='numeric' autocomplete='off' "
        f"maxlength='9' size='9' required{described}> "
        f"<button type='submit' class='netsoc-primary'>{e(ui['join_button'])}</button></form>"
        f"<p class='netsoc-hint'>{e(ui['join_no_code'])}</p></div></main></body></html>"
    )
