"""Arrival order (issue 34.5): each submission gets the next ``arrival`` number in the store's
write transaction, never a number below one readers already saw, on SQLite and PostgreSQL;
the join code and keys of a cohort (issue 31.3, 34.1) are kept across openings."""

from __future__ import annotations

import threading

import numpy as np

from survey.privacy import published
from survey.store import open_store
from tests.helpers import complete_answers


def test_concurrent_submissions_get_distinct_arrivals_in_the_order_readers_see_them(store_url, instrument):
    rng = np.random.default_rng(1)
    answers = [complete_answers(instrument, rng) for _ in range(40)]
    seen: list[list[str]] = []
    stores = [open_store(store_url, instrument=instrument) for _ in range(4)]

    def writer(w: int) -> None:
        for i in range(w, 40, 4):
            stores[w].submit(answers[i], cohort="ARR")

    def reader() -> None:
        while not done.is_set():
            seen.append(list(stores[0].to_frame(cohort="ARR")["respondent_id"]))

    done = threading.Event()
    watch = threading.Thread(target=reader)
    watch.start()
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    watch.join()
    final = list(stores[0].to_frame(cohort="ARR")["respondent_id"])
    assert len(final) == 40 and len(set(final)) == 40
    for view in seen:  # every earlier view is a prefix of the final order: nobody slipped in before
        assert final[: len(view)] == view
        shown = set(published(stores[0].to_frame(cohort="ARR").iloc[: len(view)], 5)["respondent_id"])
        assert shown <= set(final[: (len(view) // 5) * 5])
    for s in stores:
        s.close()


def test_a_cohorts_keys_are_the_same_in_every_opening_and_rotate_on_request(store_url, instrument):
    with open_store(store_url, instrument=instrument) as a:
        first = a.room_keys("WS-1")
    with open_store(store_url, instrument=instrument) as b:
        again = b.room_keys("WS-1")
        other = b.room_keys("WS-2")
        rotated = b.room_keys("WS-1", rotate=True)
        assert b.cohort_of_join_code(rotated.join_code) == ("WS-1", rotated.token)
        assert b.cohort_of_join_code(first.join_code) is None  # the old code no longer opens it
        assert b.cohort_of_join_code("12 34") is None
    assert again == first and len(first.join_code) == 7 and first.join_code.isdigit()
    assert other.join_code != first.join_code and other.secret != first.secret
    assert rotated.secret == first.secret and rotated.token != first.token
