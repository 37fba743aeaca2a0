"""netsoc.cache.SharedCache: one computation per interval and key, by one thread."""

from __future__ import annotations

import threading
import time

from netsoc.cache import SharedCache


def test_the_first_value_is_computed_once_while_the_others_wait_for_it():
    cache: SharedCache[int] = SharedCache()
    calls = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 7

    got = []
    threads = [threading.Thread(target=lambda: got.append(cache.get("k", slow, every=60))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [7] * 8 and len(calls) == 1


def test_a_stale_value_is_refreshed_by_one_thread_while_the_others_get_it():
    now = [0.0]
    cache: SharedCache[str] = SharedCache(clock=lambda: now[0])
    assert cache.get("k", lambda: "old", every=10) == "old"
    now[0] = 11.0
    started, release = threading.Event(), threading.Event()

    def refresh() -> str:
        started.set()
        release.wait(5)
        return "new"

    out = []
    worker = threading.Thread(target=lambda: out.append(cache.get("k", refresh, every=10)))
    worker.start()
    assert started.wait(5)
    assert cache.get("k", lambda: "never", every=10) == "old"  # not waiting, not computing
    release.set()
    worker.join()
    assert out == ["new"] and cache.get("k", lambda: "never", every=10) == "new"


def test_an_unchanged_version_keeps_the_value_and_a_failure_keeps_nothing():
    now = [0.0]
    cache: SharedCache[int] = SharedCache(clock=lambda: now[0])
    version = ["v1"]
    assert cache.get("k", lambda: 1, every=1, version=lambda: version[0]) == 1
    now[0] = 5.0
    assert cache.get("k", lambda: 2, every=1, version=lambda: version[0]) == 1  # same version
    version[0] = "v2"
    now[0] = 10.0
    assert cache.get("k", lambda: 3, every=1, version=lambda: version[0]) == 3

    def fail() -> int:
        raise RuntimeError("store down")

    try:
        cache.get("other", fail, every=1)
    except RuntimeError:
        pass
    assert cache.get("other", lambda: 4, every=1) == 4
