"""A value many requests share, recomputed at most once per interval by one thread.

A server answering a room of phones reads and scores the room for each
participant's feedback ("Your workshop", the workshop comparison).  Doing it
per request costs a room of 1,000 about 80 ms each time; :class:`SharedCache`
does it once per interval and key, in one thread, while the other threads get
the last value instead of waiting or computing it again.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

__all__ = ["SharedCache"]

V = TypeVar("V")


class SharedCache(Generic[V]):
    """Values by key, each recomputed at most once per ``every`` seconds.

    Parameters
    ----------
    size : int
        Keys remembered (the oldest is forgotten).
    clock : callable
        Seconds, monotonic.

    Examples
    --------
    >>> cache = SharedCache[int]()
    >>> cache.get("room", lambda: 1, every=60.0)
    1
    >>> cache.get("room", lambda: 2, every=60.0)  # within the interval: the last value
    1
    """

    def __init__(self, size: int = 64, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.size, self.clock = size, clock
        self._items: OrderedDict[Hashable, tuple[float, Any, V]] = OrderedDict()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(
        self,
        key: Hashable,
        compute: Callable[[], V],
        *,
        every: float,
        version: Callable[[], Any] | None = None,
    ) -> V:
        """The value of ``key``: the last one while it is younger than ``every`` seconds.

        Parameters
        ----------
        key : hashable
        compute : callable
            Makes the value (may raise; nothing is kept then).
        every : float
            Seconds a value is used without asking again.
        version : callable, optional
            Asked once the interval is over: while it gives what it gave when the value
            was made, the value is kept for another interval (a cheap check instead of
            ``compute``).

        Returns
        -------
        The value.  When it is stale and another thread is already computing it, the
        stale one; when there is none yet, the first thread computes it and the others
        wait for it.
        """
        now = self.clock()
        with self._lock:
            hit = self._items.get(key)
            lock = self._locks.setdefault(key, threading.Lock())
        if hit is not None and now - hit[0] < every:
            return hit[2]
        tag = version() if version is not None else None
        if hit is not None and version is not None and hit[1] == tag:
            self._put(key, (now, tag, hit[2]))
            return hit[2]
        if not lock.acquire(blocking=hit is None):
            return hit[2]  # type: ignore[index]  # hit is not None here
        try:
            with self._lock:
                again = self._items.get(key)
            if again is not None and again is not hit and self.clock() - again[0] < every:
                return again[2]  # made by the thread we waited for
            value = compute()
            self._put(key, (now, tag, value))
            return value
        finally:
            lock.release()

    def _put(self, key: Hashable, item: tuple[float, Any, V]) -> None:
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                old, _ = self._items.popitem(last=False)
                self._locks.pop(old, None)
