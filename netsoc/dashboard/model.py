"""The live workshop dashboard: the model (no HTTP).

:class:`Dashboard` reads one cohort from the response store and turns it
into what the projector may show; every privacy rule lives below this class
(:mod:`netsoc.dashboard.release`) and is tested without a browser:

- nothing but the join screen and the count until the room has k answers;
- the charts change in whole batches of k answers, from binned counts with
  cells under k suppressed and means to one decimal;
- groups under k are left out without being named;
- comments reach the projector only when the facilitator releases them, in
  batches of at least k, as a snapshot in random order, minus the hidden ones
  (kept in the store: :mod:`survey.store.moderation`).

The room's numbers are computed once per change of the store and shared by
every viewer of the process (:data:`SHARED`).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from netsoc.dashboard.room import RoomState, room_state
from netsoc.dashboard.settings import DashboardSettings
from netsoc.dashboard.texts import Texts
from survey.errors import NetsocError

if TYPE_CHECKING:
    from survey.store import ResponseStore

__all__ = ["Dashboard", "Choices", "Pending", "SharedCache", "SHARED"]

T = TypeVar("T")


class SharedCache:
    """Values shared by every viewer: one computation per key, the newest few kept."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.builds = 0

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # viewers asking for the same key wait for one build
            with self._lock:
                if key in self._items:
                    return self._items[key]
            value = build()
            with self._lock:
                self.builds += 1
                self._items[key] = value
                while len(self._items) > self.size:
                    old, _ = self._items.popitem(last=False)
                    self._locks.pop(old, None)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._locks.clear()


#: The process-wide cache of room states (the cost of a refresh does not grow
#: with the number of viewers).
SHARED = SharedCache()


@dataclass(frozen=True)
class Choices:
    """What the facilitator chose to show: one statement, an earlier workshop."""

    statement: str | None = None
    compare_cohort: str | None = None


@dataclass(frozen=True)
class Pending:
    """A comment in the private preview: an opaque handle, the text and where it stands.

    ``state`` is ``waiting`` (not decided yet), ``approved`` (to be revealed with the next
    batch), ``hidden`` (never projected) or ``released`` (on the projector: it can still be
    hidden).
    """

    handle: str
    text: str
    hidden: bool
    state: str = "waiting"


class Dashboard:
    """What the projector and the facilitator see of one cohort.

    Parameters
    ----------
    store : ResponseStore
        An open store (:func:`netsoc.session.shared_store`).
    settings : DashboardSettings
    """

    def __init__(self, store: ResponseStore, settings: DashboardSettings) -> None:
        self.store = store
        self.settings = settings
        base = store.instrument
        #: the instrument in the facilitator's language (same ids and codes)
        self.instrument = base.localized(settings.lang) if settings.lang else base
        self.language = self.instrument.language
        self.t = Texts(self.instrument)
        fields = self.instrument.choice_fields
        if settings.group_field is not None and settings.group_field not in fields:
            raise NetsocError(
                f"group_field: {settings.group_field!r} is not a choice field "
                f"(expected one of {', '.join(fields)})"
            )
        self.choices = Choices()
        self._lock = threading.Lock()
        self._salt = secrets.token_bytes(16)  # comment handles mean nothing outside this process
        #: comments approved for the next reveal (the facilitator's choice of this session;
        #: hidden and revealed comments are kept in the store)
        self._approved: set[str] = set()

    @classmethod
    def open(cls, settings: DashboardSettings) -> Dashboard:
        """A dashboard on the store named by the settings (one open store per process and URL)."""
        from netsoc.session import shared_store

        return cls(shared_store(settings.db), settings)

    @property
    def min_group_size(self) -> int:
        """The minimum group size (``settings.min_group_size``)."""
        return self.settings.min_group_size

    @property
    def response_range(self) -> tuple[int, int]:
        """The lowest and highest answer code of the statements."""
        return self.instrument.response_range(self.instrument.item_ids[0])

    # ------------------------------------------------------------ reading
    def activity(self) -> dict[str, Any]:
        """Submitted, answering now, arrivals per minute, collection open (one read).

        Without a workshop code the dashboard shows every response, so
        ``submitted`` counts them all (the store's activity of "no code" counts
        only those stored without one).
        """
        found = self.store.activity(self.settings.cohort)
        if self.settings.cohort is None:
            found = {**found, "submitted": self.store.count(None)}
        return found

    def version(self) -> tuple[int, str | None]:
        """Count and time of the latest change of the cohort's submitted responses."""
        return self.store.version(self.settings.cohort)

    def state(self, version: tuple[int, str | None] | None = None) -> RoomState:
        """The published numbers, shared by every viewer with the same settings and choices."""
        v = self.version() if version is None else version
        s, c = self.settings, self.choices
        other = self.store.version(c.compare_cohort) if c.compare_cohort else None
        key = (
            self.store.url,
            s.cohort,
            s.min_group_size,
            s.group_field,
            self.language,
            c.statement,
            c.compare_cohort,
            v,
            other,
            s.illustration_norms,
        )
        return SHARED.get(
            key,
            lambda: room_state(
                self.store,
                self.instrument,
                cohort=s.cohort,
                min_group_size=self.min_group_size,
                group_field=s.group_field,
                statement=c.statement,
                compare_cohort=c.compare_cohort,
                illustration_norms=s.illustration_norms,
            ),
        )

    def released_comments(self) -> list[str]:
        """The comments on the projector: released, not hidden, in release order (raw text)."""
        return self.store.released_comments(self.settings.cohort)

    # ------------------------------------------------------------ choices
    def choose(self, *, statement: str | None = None, compare_cohort: str | None = None) -> Choices:
        """Set the statement and the earlier workshop shown (None: none); returns the choices."""
        if statement is not None and statement not in self.instrument.item_ids:
            raise NetsocError(f"statement: {statement!r} is not a statement of the questionnaire")
        if compare_cohort is not None:
            if compare_cohort == self.settings.cohort:
                raise NetsocError("compare: choose a workshop other than this one")
            if compare_cohort not in self.store.cohorts():
                raise NetsocError(f"compare: no workshop {compare_cohort!r} in the store")
        with self._lock:
            self.choices = replace(self.choices, statement=statement, compare_cohort=compare_cohort)
            return self.choices

    # ------------------------------------------------------------ moderation
    def _handle(self, respondent_id: str) -> str:
        return hashlib.sha256(self._salt + respondent_id.encode()).hexdigest()[:16]

    def _comments_of(self) -> dict[str, tuple[str, str]]:
        """``{handle: (respondent_id, text)}`` of every submitted response with a comment."""
        comment = self.instrument.comment
        if comment is None:
            return {}
        frame = self.store.to_frame(cohort=self.settings.cohort)
        if comment.id not in frame.columns:
            return {}
        out = {}
        for rid, text in zip(frame["respondent_id"].astype(str), frame[comment.id]):
            if isinstance(text, str) and text.strip():
                out[self._handle(rid)] = (rid, text.strip())
        return out

    def pending(self) -> list[Pending]:
        """The private preview: every submitted comment with its state (hidden, on the
        projector, approved or waiting), in an order that is not the order of arrival."""
        states = self.store.moderation_states(self.settings.cohort)
        with self._lock:
            approved = set(self._approved)
        items = []
        for h, (rid, text) in self._comments_of().items():
            state = states.get(rid) or ("approved" if rid in approved else "waiting")
            items.append(Pending(h, text, state == "hidden", state))
        return sorted(items, key=lambda p: p.handle)

    def _find(self, handle: str) -> str:
        found = self._comments_of().get(handle)
        if found is None:
            raise NetsocError("comment: not found (the page may be out of date; reload it)")
        return found[0]

    def hide(self, handle: str, hidden: bool = True) -> None:
        """Hide (or show again) the comment with this preview handle; a comment on the
        projector is taken off it."""
        rid = self._find(handle)
        with self._lock:
            self._approved.discard(rid)
        if hidden:
            self.store.hide_comment(self.settings.cohort, rid)
        else:
            self.store.unhide_comment(self.settings.cohort, rid)

    def approve(self, handle: str, approved: bool = True) -> None:
        """Approve the waiting comment with this handle for the next reveal (or undo that)."""
        rid = self._find(handle)
        if rid in self.store.moderation_states(self.settings.cohort):
            raise NetsocError(self.t("comment_decided"))
        with self._lock:
            (self._approved.add if approved else self._approved.discard)(rid)

    def release(self, *, approved_only: bool = False) -> int:
        """Reveal the approved comments (``approved_only``), or every comment not hidden nor
        revealed yet; at least k of them, as one batch in random order.

        Returns
        -------
        int
            How many comments were released.

        Raises
        ------
        NetsocError
            Fewer than k comments are waiting.
        """
        states = self.store.moderation_states(self.settings.cohort)
        with self._lock:
            approved = set(self._approved)
        ids = [
            rid
            for rid, _ in self._comments_of().values()
            if rid not in states and (rid in approved or not approved_only)
        ]
        if len(ids) < self.min_group_size:
            raise NetsocError(self.t("release_wait", k=self.min_group_size, n=len(ids)))
        self.store.release_comments(self.settings.cohort, sorted(ids), seed=secrets.randbits(32))
        with self._lock:
            self._approved -= set(ids)
        return len(ids)
