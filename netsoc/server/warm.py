"""Warm a fresh survey server before the first phone arrives (issue 34.8).

A fresh process would make its first participant pay for everything loaded or built on
first use: the norms (parsed YAML), the feedback in each language, the answer validators,
pandas' and the store's first reads, Starlette's thread machinery.  :func:`warm_up` walks
one made-up participant through the whole questionnaire in every language, against a
throw-away in-memory store, so the first real phone costs what the others do.
"""

from __future__ import annotations

import importlib
import json
import logging
from typing import Any

from netsoc.server.messages import parse_message
from netsoc.server.participant import Participants
from netsoc.server.tokens import new_secret
from survey.instrument import Instrument

__all__ = ["warm_up", "rehearse_writes", "prime_cohort"]

log = logging.getLogger("netsoc.server")


def _walk(people: Participants, lang: str) -> None:
    """One participant from consent to feedback and "Your workshop", through the messages."""
    claims = people.new_claims(lang, "WARM", False)
    reply: dict[str, Any] = {"token": people.token(claims), "page": 1}
    pages = people.model(claims).pages
    inst = people.instrument.localized(lang)
    answers = {q: sorted(inst.value_labels(q))[len(inst.value_labels(q)) // 2] for q in inst.question_ids}
    for seq, page in enumerate(range(1, len(pages)), start=1):
        kind = "submit" if page == len(pages) - 1 else "page"
        msg = {"type": kind, "seq": seq, "token": reply["token"], "page": page, "lang": lang}
        msg.update(go="next" if kind == "page" else "stay", consent=page == 1)
        msg["answers"] = {q: answers[q] for q in pages[page].ids if q in answers}
        reply = people.handle(parse_message(json.dumps(msg).encode()), "warm")
    people.handle(parse_message(json.dumps({"type": "room", "token": reply["token"]}).encode()), "warm")


def rehearse_writes(store: Any) -> None:
    """Run the store's draft and submit statements once in a transaction that is rolled back
    (nothing is written), and its reads once, so they are compiled before the first phone."""
    import sqlalchemy as sa

    from survey.store.writes import Response, upsert

    inst = store.instrument
    answers = store._response(
        "draft",
        {},
        respondent_id="WARM000000",
        cohort=None,
        started_at=None,
        randomization_seed=1,
        language=None,
    ).answers
    try:
        with store._db.engine.connect().execution_options(netsoc_write=True) as conn:
            tx = conn.begin()
            try:
                for status in ("draft", "submitted"):
                    upsert(
                        conn,
                        inst,
                        Response(status, answers, respondent_id="WARM000000", browser_hash="0" * 64),
                    )
            finally:
                tx.rollback()
        store.to_frame(cohort="WARM")
        store.collection_open(None)
    except (sa.exc.SQLAlchemyError, OSError, ValueError) as exc:  # a store not reachable yet
        log.info("the store's statements were not rehearsed: %s", exc)


def warm_up(instrument: Instrument, min_group_size: int | None = None, store: Any = None) -> None:
    """Walk one made-up participant per language through a throw-away in-memory store, then
    rehearse the real ``store``'s statements (:func:`rehearse_writes`)."""
    from survey.store import open_store

    importlib.import_module("anyio._backends._asyncio")
    with open_store("sqlite://", instrument=instrument) as store:
        people = Participants(
            instrument, lambda: store, new_secret(), cohort="WARM", min_group_size=min_group_size
        )
        for lang in instrument.languages:
            _walk(people, lang)
    if store is not None:
        rehearse_writes(store)


def prime_cohort(people: Participants, store: Any, cohort: str) -> None:
    """Read and score the workshop's responses once now (the feedback's comparison and "Your
    workshop", shared by every phone for a few seconds), instead of at the first submit."""
    from netsoc.form.protocol import room_payload
    from survey.errors import StoreError

    try:
        for lang in people.instrument.languages:
            model = people.model(people.new_claims(lang, cohort, False))
            people.peer_scores(model)
            model.state = "submitted"  # as a participant's feedback asks for it
            room_payload(model, store, min_group_size=people.min_group_size)
    except StoreError as exc:
        log.info("the workshop's responses were not read at start: %s", exc)
