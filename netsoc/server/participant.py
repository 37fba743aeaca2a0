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
from netsoc.form.protocol import feedback_payload, state_reply
from netsoc.server.tokens import TokenError, sign, verify
from netsoc.server.waves import WaveDesk
from survey.errors import DraftNotFound, StoreError
from survey.instrument import Instrument
from survey.waves import WaveTag

__all__ = ["Participants", "PEERS_TTL", "OPEN_TTL", "RESUME_ADDRESS_CEILING"]

#: Seconds the cohort's scored responses are reused for the feedback's workshop comparison.
PEERS_TTL = 10.0
#: Failed resume codes from one address in a minute after which every resume from it waits
#: (a ceiling against one machine trying codes with ever new browser tokens; a room behind
#: one venue address never types that many wrong codes).
RESUME_ADDRESS_CEILING = 60
#: Seconds between two deletions of expired drafts (``--draft-days``).
PURGE_EVERY_S = 3600.0
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
    draft_days : float, default 0
        Drafts unchanged for this many days are deleted, at most once every
        :data:`PURGE_EVERY_S` seconds (0: kept).
    """

    def __init__(
        self,
        instrument: Instrument,
        store: Callable[[], Any],
        secret: str,
        *,
        cohort: str | None = None,
        min_group_size: int | None = None,
        draft_days: float = 0.0,
    ) -> None:
        self.instrument = instrument
        self.draft_days = float(draft_days)
        self._purged = SharedCache[None](1)
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
        m.pre_visible = bool(claims.get("v"))
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
                        own = self._own_submission(m)
                        state, answers = ("submitted", own) if own else (state, answers)
                        m.taken = own is None  # the resume code was used on another device
            m.answers = answers
        m.page = page
        m.state = state
        return m

    def _own_submission(self, m: SurveyModel) -> dict[str, Any] | None:
        """This browser's own submitted answers (its reply to Submit was lost, or an older
        token was reopened), so it is told the truth: submitted, with its feedback."""
        try:
            return m._store_call(lambda s: s.own_submission(m.respondent_id, m.browser))
        except StoreError:
            return None

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

    def feedback(self, m: SurveyModel) -> dict[str, Any]:
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
            pre_answers=self.waves.pre_answers(m),
        )

    def _failures(self, key: str) -> list[float]:
        with self._peers_lock:
            failures = self._resume_failures.setdefault(key, [])
            self._resume_failures.move_to_end(key)
            while len(self._resume_failures) > 20_000:
                self._resume_failures.popitem(last=False)
            del failures[:-RESUME_ADDRESS_CEILING]
            return failures

    def _resume(self, m: SurveyModel, data: dict[str, Any], client: str) -> dict[str, Any]:
        """A typed resume code: failures count per browser (an increasing wait, see
        :func:`~netsoc.form.persistence.resume_locked`) and per address only as a ceiling
        (:data:`RESUME_ADDRESS_CEILING` a minute), so one person's typos lock nobody else."""
        mine, address = self._failures("b:" + str(m.browser)), self._failures("a:" + client)
        m._resume_failures = mine
        recent = [t for t in address if m._clock() - t < 60.0]
        if len(recent) >= RESUME_ADDRESS_CEILING:
            m._resume_failures = [*mine, *recent][-RESUME_ADDRESS_CEILING:]  # locked for this request
        before = len(m._resume_failures)
        reply = protocol.handle(m, data, feedback=self.feedback)
        if len(m._resume_failures) > before:
            address.append(m._clock())
            if m._resume_failures is not mine:
                mine.append(m._clock())
        return reply

    def handle(self, msg: Any, client: str = "?") -> dict[str, Any]:
        """Serve one validated message (see :mod:`netsoc.server.messages`).

        Parameters
        ----------
        msg : message
        client : str
            The client's address (a ceiling for failed resume codes).

        Returns
        -------
        dict
            The reply with its new ``token``.

        Raises
        ------
        TokenError
            The message's token is forged or malformed (a ``restore`` message then
            starts afresh with the answers it carries instead).
        """
        self.expire_drafts()
        if msg.type == "restore":
            return self.restore(msg, client)
        claims = self.waves.roll(self.claims(msg.token))
        m = self.model(claims)
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
        if msg.type == "submit" and m.state == "active":
            m.wave_tag, claims = self.waves.tag(claims, link)
            m.pre_visible = bool(claims.get("v"))
        reply = self._reply(m, msg, data, seq, claims, client)
        new = self.claims_of(m, claims, seq)
        shown_code = m.respondent_id if m.state == "submitted" and new.get("w") == "pre" else None
        wave = self.waves.info(new, shown_code)
        if wave is not None:
            reply["wave"] = wave
        reply["token"] = self.token(new)
        reply["last"] = new["s"]
        return reply

    def _reply(
        self, m: SurveyModel, msg: Any, data: dict[str, Any], seq: int, claims: Mapping[str, Any], client: str
    ) -> dict[str, Any]:
        if m.state == "submitted":
            # this browser's own submission, whatever token or seq it sends: its feedback again
            if msg.type == "submit" or claims.get("st") != "s":
                if claims.get("st") == "s":
                    m.answers = self._own_submission(m) or {}
                if len(m.answers) > 1:
                    return state_reply(m, seq=seq, full=True, feedback=self.feedback(m))
            return state_reply(m, seq=seq, full=True)
        replay = bool(seq and seq <= int(claims.get("s", 0)))
        if m.taken:
            return state_reply(m, seq=seq, full=True, state="taken")
        if msg.type == "page" or msg.type == "submit" or msg.type == "hello" or msg.type == "resume":
            if m.state == "active" and not self.is_open(m.cohort):
                return self._closed(m, data, seq, apply=not replay and msg.type in ("page", "submit"))
        if msg.type == "hello" or replay:
            # A reopened page, or a message already carried out (its reply was lost).
            return state_reply(m, seq=seq, full=True)
        if msg.type == "resume":
            return self._resume(m, data, client)
        return protocol.handle(m, data, feedback=self.feedback)

    def _closed(self, m: SurveyModel, data: dict[str, Any], seq: int, *, apply: bool) -> dict[str, Any]:
        """The facilitator closed collection: a participant in the middle keeps their answers
        (this page's are saved with the draft) and is told so; if collection reopens, they
        go on from this page.  Someone who has not agreed yet has nothing stored."""
        if m.page >= 1:
            if apply:
                protocol.apply_page(m, data)
            m.save_draft(quiet=True)
        return state_reply(m, seq=seq, full=True, state="closed")

    def restore(self, msg: Any, client: str = "?") -> dict[str, Any]:
        """A page whose token this server cannot read (signed with another secret) sends
        every answer it holds: it goes on as a new respondent from where it was, with those
        answers saved as its draft, instead of starting again."""
        try:
            claims = self.claims(msg.token)
        except TokenError:
            claims = None
        if claims is not None:  # readable after all: as a reopened page
            return self.handle(msg.model_copy(update={"type": "hello"}), client)
        data = msg.model_dump()
        lang = data.get("lang") if data.get("lang") in self.instrument.languages else None
        ask = self.cohort is None
        fresh = self.new_claims(lang or self.instrument.language, self.cohort if not ask else None, ask)
        m = self.model(fresh)
        if not self.is_open(self.cohort if not ask else data.get("cohort")):
            reply = state_reply(m, full=True, state="closed")
        else:
            protocol.restore(m, data, restored=m.text("restored", protocol.UI_DEFAULTS["restored"]))
            reply = state_reply(m, seq=0, full=True)
        new = self.claims_of(m, fresh, 0)
        reply["token"] = self.token(new)
        reply["last"] = 0
        return reply

    def expire_drafts(self) -> None:
        """Delete drafts unchanged for ``draft_days`` days, at most once every
        :data:`PURGE_EVERY_S` seconds per process (one request's thread does it)."""
        if self.draft_days <= 0:
            return

        def purge() -> None:
            try:
                self.store().purge(dt.timedelta(days=self.draft_days))
            except StoreError:
                pass  # the next purge tries again; the request itself reports the store

        self._purged.get("drafts", purge, every=PURGE_EVERY_S)

    def is_open(self, cohort: str | None) -> bool:
        """Whether the cohort takes answers; an unreachable store counts as open (the
        submit then reports it truthfully)."""
        try:
            return self.collection_open(cohort)
        except StoreError:
            return True  # the submit itself reports an unreachable store truthfully
