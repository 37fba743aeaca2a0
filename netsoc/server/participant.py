"""One participant's request, served by any worker: token in, model rebuilt, reply and token out.

Nothing about a participant is kept in a server process between requests.
The signed token (:mod:`netsoc.server.tokens`) says who they are and where
they stand (respondent id = resume code, browser id, cohort, language, page,
last sequence number); their answers are the draft in the store.  Each
message rebuilds a :class:`~netsoc.form.model.SurveyModel` from both, lets
:func:`netsoc.form.protocol.handle` apply it, and returns the reply with the
new token.

Claims: ``r`` respondent id, ``b`` browser id, ``c`` cohort, ``a`` whether the
form asks for the cohort, ``l`` language, ``p`` page, ``s`` last sequence number,
``st`` state (``a`` active, ``d`` declined, ``s`` submitted), ``d`` whether a
draft was saved, ``t`` start time; waves add ``w``, ``j`` and ``v``
(:mod:`netsoc.server.waves`).
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from analysis.individual import FEEDBACK_SCORES, respondent_scorer
from netsoc.cache import SharedCache
from netsoc.form import protocol
from netsoc.form.model import SurveyModel
from netsoc.form.persistence import RESUME_ATTEMPTS
from netsoc.form.protocol import feedback_payload, state_reply
from netsoc.server.tokens import TokenError, sign, verify
from netsoc.server.waves import WaveDesk
from survey.errors import DraftNotFound, StoreError
from survey.instrument import Instrument
from survey.waves import WaveTag

__all__ = ["Participants", "PEERS_TTL", "OPEN_TTL"]

#: Seconds the cohort's scored responses are reused for the feedback's workshop comparison.
PEERS_TTL = 10.0
#: Seconds a cohort's open/closed state is reused (a facilitator's "close" reaches every
#: worker within this time).
OPEN_TTL = 2.0
_STATES = {"a": "active", "d": "declined", "s": "submitted"}


class Participants:
    """Serves participants' messages for one process (shared, read-only state only).

    Parameters
    ----------
    instrument : Instrument
    store : callable
        Returns the process's shared store (:func:`netsoc.session.shared_store`).
    secret : str
        The token signing secret (the same in every worker).
    cohort : str, optional
        The server's workshop code (``--cohort``), which wins.
    min_group_size : int, optional
        k for the feedback's workshop comparison.
    """

    def __init__(
        self,
        instrument: Instrument,
        store: Callable[[], Any],
        secret: str,
        *,
        cohort: str | None = None,
        min_group_size: int | None = None,
    ) -> None:
        self.instrument = instrument
        self.store = store
        self.secret = secret
        self.cohort = cohort
        self.min_group_size = min_group_size
        self._peers: SharedCache[tuple[np.ndarray, dict[str, np.ndarray]]] = SharedCache()
        self._open: SharedCache[bool] = SharedCache(256)
        self._peers_lock = threading.Lock()
        self.waves = WaveDesk(store)
        # failed resume codes per client (bounded), so the lockout holds across requests
        self._resume_failures: OrderedDict[str, list[float]] = OrderedDict()

    # ------------------------------------------------------------- tokens
    def new_claims(self, lang: str, cohort: str | None, ask: bool) -> dict[str, Any]:
        """Claims of a new visitor (a fresh respondent and browser id)."""
        from survey.store import new_respondent_id

        claims = {
            "r": new_respondent_id(),
            "b": secrets.token_urlsafe(12),
            "c": cohort,
            "a": ask,
            "l": lang,
            "p": 0,
            "s": 0,
            "st": "a",
            "d": False,
            "t": None,
        }
        return self.waves.roll(claims)

    def token(self, claims: Mapping[str, Any]) -> str:
        return sign(dict(claims), self.secret)

    def claims(self, token: str) -> dict[str, Any]:
        """Verified claims (raises :class:`TokenError`)."""
        c = verify(token, self.secret)
        for key in ("r", "b", "l", "p", "s", "st"):
            if key not in c:
                raise TokenError(f"token without {key!r}")
        return c

    # -------------------------------------------------------------- model
    def model(self, claims: Mapping[str, Any]) -> SurveyModel:
        """The participant's model as the token and the store say."""
        lang = claims["l"] if claims["l"] in self.instrument.languages else None
        m = SurveyModel(
            self.instrument,
            self.store,
            cohort=claims.get("c"),
            ask_cohort=bool(claims.get("a")),
            respondent_id=claims["r"],
            language=lang,
        )
        m.browser = claims["b"]
        m.wave_tag = WaveTag(wave=claims["w"], subject=claims.get("j")) if claims.get("w") else None
        m.started_at = dt.datetime.fromisoformat(claims["t"]) if claims.get("t") else None
        state = _STATES.get(claims["st"], "active")
        page = int(claims["p"])
        if not 0 <= page < len(m.pages):
            page = 0
        if state == "active" and page >= 1:
            consent = self.instrument.consent.id
            answers: dict[str, Any] = {consent: True}
            if claims.get("d"):
                try:
                    answers = m._store_call(lambda s: s.load_draft(claims["r"]))
                    m.draft_saved = True
                except DraftNotFound as exc:
                    if exc.submitted:
                        m.taken = True
            m.answers = answers
        m.page = page
        m.state = state
        return m

    def claims_of(self, m: SurveyModel, old: Mapping[str, Any], seq: int) -> dict[str, Any]:
        """The token claims after a message."""
        return {
            **old,
            "r": m.respondent_id,
            "c": m.cohort,
            "l": m.language,
            "p": m.page,
            "s": max(seq, int(old.get("s", 0))),
            "st": {"active": "a", "declined": "d", "submitted": "s"}[m.state],
            "d": bool(m.draft_saved or old.get("d")),
            "t": m.started_at.isoformat() if m.started_at else None,
        }

    # ---------------------------------------------------------- messages
    def collection_open(self, cohort: str | None) -> bool:
        """Whether the cohort takes answers (the facilitator may close it); the store is
        asked at most once per :data:`OPEN_TTL` seconds and cohort."""

        def ask() -> bool:
            check = getattr(self.store(), "collection_open", None)
            return True if check is None else bool(check(cohort))

        return self._open.get(cohort, ask, every=OPEN_TTL)

    def peer_scores(self, m: SurveyModel) -> dict[str, np.ndarray] | None:
        """The scores of the cohort's other responses (of the same wave, in a workshop with waves).

        The cohort is read and scored at most once per :data:`PEERS_TTL` seconds by
        one thread (reading a room of 1,000 takes about 80 ms); meanwhile the others
        use the scores read before, so a refresh never holds up a room's requests.
        """
        if m.cohort is None:
            return None
        wave = m.wave_tag.wave if m.wave_tag is not None else None

        def read() -> tuple[np.ndarray, dict[str, np.ndarray]]:
            frame = m._store_call(lambda s: s.to_frame(cohort=m.cohort))
            if wave is not None:  # a person's other wave is not a peer
                frame = frame[frame["wave"] == wave].reset_index(drop=True)
            scores = respondent_scorer(self.instrument).score_frame(frame) if len(frame) else {}
            return frame["respondent_id"].to_numpy(dtype=object), scores

        try:
            ids, scores = self._peers.get((m.cohort, wave), read, every=PEERS_TTL)
        except StoreError:
            return None
        if not len(ids):
            return {name: np.array([], dtype=float) for name in FEEDBACK_SCORES}
        others = ids != m.respondent_id
        return {name: np.asarray(values)[others] for name, values in scores.items()}

    def feedback(self, m: SurveyModel, claims: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The feedback page, with "Your workshop" in it when it can already be shown (then
        the phone need not ask for it), and after the post wave the participant's change."""
        try:
            room = protocol.room_payload(m, self.store(), min_group_size=self.min_group_size)["section"]
        except StoreError:
            room = None  # the form asks again later
        return feedback_payload(
            m,
            peer_scores=self.peer_scores(m),
            room=room,
            min_group_size=self.min_group_size,
            pre_answers=self.waves.pre_answers(claims or {}),
        )

    def _failures(self, client: str) -> list[float]:
        with self._peers_lock:
            failures = self._resume_failures.setdefault(client, [])
            self._resume_failures.move_to_end(client)
            while len(self._resume_failures) > 10_000:
                self._resume_failures.popitem(last=False)
            del failures[:-RESUME_ATTEMPTS]
            return failures

    def handle(self, msg: Any, client: str = "?") -> dict[str, Any]:
        """Serve one validated message (see :mod:`netsoc.server.messages`).

        Returns
        -------
        dict
            The reply with its new ``token``.

        client : str
            The client's address: failed resume codes count per client
            (:data:`~netsoc.form.persistence.RESUME_ATTEMPTS`, then a minute's wait),
            whatever token it sends.

        Raises
        ------
        TokenError
            The message's token is forged or malformed.
        """
        claims = self.waves.roll(self.claims(msg.token))
        m = self.model(claims)
        if msg.type == "resume":
            m._resume_failures = self._failures(client)
        data = msg.model_dump()
        link = data.pop("link", None)
        if data.get("lang") not in self.instrument.languages:
            data.pop("lang", None)
        seq = int(data.get("seq") or 0)
        if msg.type == "room":  # no state changes: the token stays as it is
            return {
                **protocol.room_payload(m, self.store(), min_group_size=self.min_group_size),
                "token": msg.token,
                "last": int(claims.get("s", 0)),
            }
        if msg.type == "hello" or (seq and seq <= int(claims.get("s", 0))):
            # A reopened page, or a message already carried out (its reply was lost).
            reply = state_reply(m, seq=seq, full=True)
        elif m.taken:
            reply = state_reply(m, seq=seq, full=True, state="taken")
        elif m.state == "submitted":
            reply = state_reply(m, seq=seq, full=True)
        elif (msg.type == "submit" or data.get("consent") or msg.type == "resume") and not self.is_open(
            m.cohort
        ):
            reply = state_reply(m, seq=seq, full=True, state="closed")
        else:
            if msg.type == "submit":
                m.wave_tag, claims = self.waves.tag(claims, link)
            reply = protocol.handle(m, data, feedback=lambda model: self.feedback(model, claims))
        new = self.claims_of(m, claims, seq)
        shown_code = m.respondent_id if m.state == "submitted" and new.get("w") == "pre" else None
        wave = self.waves.info(new, shown_code)
        if wave is not None:
            reply["wave"] = wave
        reply["token"] = self.token(new)
        reply["last"] = new["s"]
        return reply

    def is_open(self, cohort: str | None) -> bool:
        """Whether the cohort takes answers; an unreachable store counts as open (the
        submit then reports it truthfully)."""
        try:
            return self.collection_open(cohort)
        except StoreError:
            return True  # the submit itself reports an unreachable store truthfully
