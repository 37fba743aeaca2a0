"""The pages of the questionnaire and their order.

:func:`build_pages` derives the pages from the instrument:

``welcome``
    The consent text; agreeing starts the survey, declining ends it politely
    and nothing is stored.  A saved draft can be resumed here with its code.
``fields``
    The grouping questions (and the workshop code when the page address did
    not give one).
``items``
    At most ``per_page`` questions a page.  Attention checks sit at fixed
    positions in the sequence; with ``randomize`` the scored items of each
    page are shuffled around them (:func:`order_pages`), from a seed that is
    stored with the response (:func:`seed_for`).
``comment``
    The optional comment and the Submit step.
"""

from __future__ import annotations

import functools
import hashlib
from typing import NamedTuple

import numpy as np

from survey.instrument import Instrument

__all__ = ["Page", "build_pages", "order_pages", "seed_for"]


class Page(NamedTuple):
    """One page of the questionnaire.

    Attributes
    ----------
    kind : {"welcome", "fields", "items", "comment"}
    ids : tuple of str
        The answer ids shown on the page, in display order.
    number : int
        1-based position among the counted pages (0 for the welcome page).
    """

    kind: str
    ids: tuple[str, ...]
    number: int


def _interleave(items: list[str], checks: list[str]) -> list[str]:
    """Put attention checks at fixed, evenly spaced positions among the items."""
    total = len(items) + len(checks)
    seq = list(items)
    for j, cid in enumerate(checks):
        seq.insert(min(round((j + 1) * total / (len(checks) + 1)), len(seq)), cid)
    return seq


def build_pages(instrument: Instrument, *, per_page: int = 8) -> list[Page]:
    """The pages of the questionnaire in their instrument order.

    Parameters
    ----------
    instrument : Instrument
    per_page : int, default 8
        Most questions on one item page.

    Returns
    -------
    list of Page
        ``welcome``, ``fields`` (always present: it also holds the workshop
        code), the item pages, and ``comment`` (the last page, with Submit).
    """
    if not isinstance(per_page, int) or per_page < 1:
        raise ValueError(f"per_page: expected a whole number of at least 1, got {per_page!r}")
    seq = _interleave(instrument.item_ids, instrument.attention_ids)
    pages = [Page("welcome", (), 0), Page("fields", tuple(instrument.field_ids), 1)]
    for start in range(0, len(seq), per_page):
        pages.append(Page("items", tuple(seq[start : start + per_page]), len(pages)))
    comment = (instrument.comment.id,) if instrument.comment is not None else ()
    pages.append(Page("comment", comment, len(pages)))
    return pages


def order_pages(pages: list[Page], instrument: Instrument, seed: int | None) -> list[Page]:
    """Shuffle the scored items within each item page; checks keep their slots.

    Parameters
    ----------
    pages : list of Page
        From :func:`build_pages`.
    instrument : Instrument
    seed : int or None
        ``None`` keeps the instrument order.

    Returns
    -------
    list of Page
        The same pages; the same seed always gives the same order.  Orders are
        remembered (the survey server rebuilds a participant's pages for every
        message).
    """
    if seed is None:
        return list(pages)
    return list(_ordered(tuple(pages), frozenset(instrument.attention_ids), seed))


@functools.lru_cache(maxsize=4096)
def _ordered(pages: tuple[Page, ...], checks: frozenset[str], seed: int) -> tuple[Page, ...]:
    rng = np.random.default_rng(seed)
    out = []
    for page in pages:
        if page.kind != "items":
            out.append(page)
            continue
        ids = list(page.ids)
        slots = [k for k, qid in enumerate(ids) if qid not in checks]
        moved = [ids[k] for k in slots]
        for k, j in zip(slots, rng.permutation(len(moved))):
            ids[k] = moved[j]
        out.append(page._replace(ids=tuple(ids)))
    return tuple(out)


def seed_for(respondent_id: str) -> int:
    """The item-order seed of a respondent: 31 bits of SHA-256 of the id.

    Derived from the (random) id so that a resumed draft shows the same order;
    it is also stored with the response.
    """
    return int.from_bytes(hashlib.sha256(respondent_id.encode()).digest()[:4], "big") >> 1
