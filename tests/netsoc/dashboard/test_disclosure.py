"""No hidden count can be worked out from what one view publishes (issue 34 pt 6).

An intruder collects every number the projector's deck shows (the same cards make the
slides; the PNG title and the feedback's "your workshop" add only the room's size) and
bounds each hidden count with an integer program (:func:`scipy.optimize.milp`) over the
classes a respondent can fall in: profile x balance band x grid cell, worked out here from
every pair of scale means the questionnaire allows, plus the chosen statement's answers.
No hidden cell may be pinned to one value, in any panel, at any room size from k to 4k.
"""

from __future__ import annotations

import html
import itertools
import math
import re
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from analysis.demo import make_demo
from analysis.scoring import assign_profiles
from netsoc.dashboard import Dashboard, DashboardSettings
from netsoc.dashboard.view import deck
from netsoc.feedback.room import room_section
from survey.disclosure import cell_bounds, protect
from survey.store import open_store
from tests.helpers import keyed_answers

HIDDEN = "not shown"


# ------------------------------------------------------------------ the intruder's model
def _means(instrument, scale):
    lo, hi = instrument.response_range(instrument.item_ids[0])
    n = len(instrument.scale_items(scale))
    least = math.ceil(instrument.scales[scale].min_answered_share * n - 1e-9)
    return sorted({Fraction(s, m) for m in range(max(1, least), n + 1) for s in range(lo * m, hi * m + 1)})


def _classes(instrument, size, bands):
    """Every (profile, band, col, row) a respondent with both scale means can have."""
    lo, hi = instrument.response_range(instrument.item_ids[0])
    net, soc = (np.array([float(v) for v in _means(instrument, s)]) for s in ("networking", "socializing"))
    net, soc = (a.ravel() for a in np.meshgrid(net, soc))
    balance = (net - soc) / (hi - lo)
    profile = np.asarray(assign_profiles(balance, (net + soc) / 2, instrument, hi).codes)
    bands, cells = np.linspace(-1, 1, bands + 1), np.linspace(lo, hi, size + 1)
    frame = pd.DataFrame(
        {
            "profile": profile,
            "band": np.digitize(balance, bands[1:-1]),
            "col": np.digitize(soc, cells[1:-1]),
            "row": np.digitize(net, cells[1:-1]),
        }
    )
    return frame.drop_duplicates(ignore_index=True)


# ------------------------------------------------------------------ what one view publishes
def _card(cards, name):
    found = re.search(rf"data-card='{name}'.*?</section>", cards, re.S)
    return found.group(0) if found else ""


def _values(card, tag="td class='num'"):
    return [html.unescape(v).strip() for v in re.findall(rf"<{tag}>(.*?)</td>", card, re.S)]


def _count(text):
    return None if text == HIDDEN else int(text.replace(",", ""))


def _grid(card):
    rows = re.findall(r"<tr><th scope='row'>.*?</tr>", card, re.S)
    size = len(rows)
    out = {}
    for top, row in enumerate(rows):  # drawn from the highest networking row down
        for col, text in enumerate(re.findall(r"<td class='cell[^']*'>(.*?)</td>", row)):
            out[(col, size - 1 - top)] = _count(html.unescape(text))
    return out


def _norm_shares(card):
    return [None if v.split(" / ")[0] == HIDDEN else float(v.split("%")[0]) / 100 for v in _values(card)]


def published(d: Dashboard) -> dict:
    """Every number the presenter's deck shows, in an intruder's hands."""
    cards = "".join(c.html() for c in deck(d, _NoCheck()))
    count = _card(cards, "count")
    submitted = int(re.search(r"data-n='(\d+)'", count).group(1))
    shown = re.search(r"The charts show (\d+) answers", count)
    return {
        "n": int(shown.group(1)) if shown else submitted,
        "profiles": [_count(v) for v in _values(_card(cards, "profiles"))],
        "balance": [_count(v) for v in _values(_card(cards, "balance"))],
        "grid": _grid(_card(cards, "quadrant")),
        "statement": [_count(v) for v in _values(_card(cards, "statement"))],
        "norms": _norm_shares(_card(cards, "norms")),
    }


class _NoCheck:
    def problem(self):
        return None


# ------------------------------------------------------------------ the integer program
def _program(view, classes):
    """Rows ``(coefficients, low, high)`` over [class counts..., statement answers...]."""
    n, a, s = view["n"], len(classes), len(view["statement"])
    rows, hidden = [], []

    def form(mask=None, answer=None):
        v = np.zeros(a + s)
        if mask is not None:
            v[:a] = mask
        if answer is not None:
            v[a + answer] = 1
        return v

    masks = {
        "profiles": [classes["profile"].to_numpy() == p for p in range(len(view["profiles"]))],
        "balance": [classes["band"].to_numpy() == b for b in range(len(view["balance"]))],
        "grid": {
            c: (classes["col"].to_numpy() == c[0]) & (classes["row"].to_numpy() == c[1]) for c in view["grid"]
        },
    }
    for name in ("profiles", "balance"):
        for mask, value in zip(masks[name], view[name]):
            (hidden.append((name, form(mask))) if value is None else rows.append((form(mask), value, value)))
    for cell, value in view["grid"].items():
        mask = masks["grid"][cell]
        (hidden.append(("grid", form(mask))) if value is None else rows.append((form(mask), value, value)))
    for mask, share in zip(masks["balance"], view["norms"]):
        if share is not None:  # a whole percent: the count to within half a percent of n
            rows.append(
                (form(mask), math.ceil((share - 0.005) * n - 1e-9), math.floor((share + 0.005) * n + 1e-9))
            )
    for i, value in enumerate(view["statement"]):
        (
            hidden.append(("statement", form(answer=i)))
            if value is None
            else rows.append((form(answer=i), value, value))
        )
    rows.append((form(np.ones(a)), n, n))  # everyone of the published batches is scored
    if s:
        rows.append((form(answer=None) + np.r_[np.zeros(a), np.ones(s)], 0, n))
    return rows, hidden


def _range(rows, objective, n):
    constraint = LinearConstraint(np.array([r[0] for r in rows]), [r[1] for r in rows], [r[2] for r in rows])
    ends = []
    for sign in (1, -1):
        found = milp(
            sign * objective, constraints=constraint, integrality=np.ones(len(objective)), bounds=Bounds(0, n)
        )
        assert found.status == 0, found.message  # the published numbers are consistent
        ends.append(round(sign * found.fun))
    return ends


def pinned_cells(view, classes):
    """The hidden cells the intruder can pin, as ``(panel, value)``; and how many were hidden."""
    rows, hidden = _program(view, classes)
    out = []
    for panel, objective in hidden:
        low, high = _range(rows, objective, view["n"])
        if low == high:
            out.append((panel, low))
    return out, len(hidden)


# ------------------------------------------------------------------ rooms from k to 4k
#: A room built to leave small cells everywhere: mostly middling, a few at the extremes.
SKEWED = [(3, 3), (4, 2), (3, 3), (5, 1), (3, 4), (3, 3), (2, 4), (4, 2), (1, 5), (3, 3),
          (3, 3), (4, 3), (2, 2), (3, 3), (5, 2), (3, 3), (4, 4), (3, 3), (2, 5), (3, 3)]  # fmt: skip


def _arrivals(store, instrument, room, size):
    """Store the room's answers one by one, yielding after each."""
    if room == "skewed":
        for net, soc in SKEWED[:size]:
            store.submit(keyed_answers(instrument, net, soc, consent=True), cohort="W1")
            yield
        return
    frame = make_demo(n=size, seed=int(room[-1]), instrument=instrument).assign(cohort="W1")
    for i in range(size):
        store.import_frame(frame.iloc[[i]], source="test")
        yield


@pytest.mark.parametrize(("k", "room"), [(5, "demo-1"), (5, "demo-2"), (5, "skewed"), (3, "demo-3")])
def test_no_hidden_count_is_pinned_at_any_room_size(tmp_path, instrument, k, room):
    totals = {"views": 0, "hidden": 0}
    with open_store(f"sqlite:///{tmp_path / 'r.sqlite'}", instrument=instrument) as store:
        settings = DashboardSettings(
            db=store.url, cohort="W1", min_group_size=k, check_join=False, illustration_norms=True
        )
        d = Dashboard(store, settings)
        d.choose(statement=instrument.item_ids[0])
        for n, _ in enumerate(_arrivals(store, instrument, room, 4 * k), start=1):
            if n < k:
                continue
            view = published(d)
            assert view["n"] == n // k * k
            pinned, hidden = pinned_cells(
                view, _classes(instrument, len({c[0] for c in view["grid"]}), len(view["balance"]))
            )
            assert not pinned, (n, pinned, view)
            # "your workshop" adds a published size (a whole batch: possibly an older one, cached
            # for a few seconds) and means, no count of any cell
            section = room_section(store, "W1", instrument, min_group_size=k)
            assert section is not None and section["n"] % k == 0 and section["n"] <= view["n"]
            assert {r["score"] for r in section["rows"]} <= {
                "networking",
                "socializing",
                "balance",
                "intentionality",
            }
            totals["views"] += 1
            totals["hidden"] += hidden
    assert totals["views"] == 3 * k + 1 and totals["hidden"] > 0  # something was hidden, and checked


# ------------------------------------------------------------------ the solver itself
def _brute(incidence, shown, values, total, cell):
    """Every atom vector with the published sums, enumerated (small tables only)."""
    found = set()
    for x in itertools.product(range(total + 1), repeat=incidence.shape[1]):
        x = np.array(x)
        if x.sum() == total and np.array_equal((incidence @ x)[shown], values[shown]):
            found.add(int(incidence[cell] @ x))
    return min(found), max(found)


def test_cell_bounds_match_an_enumeration_and_the_issue_rooms_are_protected():
    rng = np.random.default_rng(34)
    for _ in range(12):
        incidence = rng.random((5, 4)) < 0.5
        atoms = rng.integers(0, 4, size=4)
        shown = rng.random(5) < 0.6
        cell = int(rng.integers(0, 5))
        values = incidence.astype(int) @ atoms
        assert cell_bounds(incidence, shown, values, int(atoms.sum()), cell) == _brute(
            incidence, shown, values, int(atoms.sum()), cell
        )
    # issue 34: 0 / hidden / 8 / hidden of 10, and 7 + hidden of 10 in the balance bands
    profiles = protect(np.eye(4, dtype=bool), np.array([0, 1, 8, 1]), 5)
    assert profiles.tolist() == [False, True, False, True]
    bands = protect(np.eye(4, dtype=bool), np.array([7, 3, 0, 0]), 5)
    assert bands.tolist() == [False, True, True, False]  # a zero hidden like a small count
    eye = np.eye(4, dtype=bool)
    for hidden in (profiles, bands):
        for c in np.flatnonzero(hidden):
            low, high = cell_bounds(
                eye, ~hidden, np.array([0, 1, 8, 1]) if hidden is profiles else np.array([7, 3, 0, 0]), 10, c
            )
            assert low < high
