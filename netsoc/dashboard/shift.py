"""The room's shift between the pre and the post wave: a presenter card, and the facilitator's wave switch.

What the card shows (:func:`shift_state`), k-safe like every panel:

- pairs: a subject's submitted pre and post response of the cohort; they are
  published in whole batches of k (:func:`survey.privacy.published`, in the order the
  post responses arrived), so one more post submission changes nothing until a
  whole batch is complete, and below k pairs there is no card at all;
- per score (balance, networking, socializing): the paired means before and
  after and the mean change with its 95 % interval (t, n - 1), to
  :data:`survey.privacy.MEAN_DIGITS` decimals;
- the share of pairs whose reliable change index (:func:`analysis.longitudinal.rci`
  with the norms' SD and reliability) is above 1.96 and below -1.96.  The shares
  are shown only when each of the three groups (higher, lower, neither) is empty
  or has at least k people, so no count under k follows from them and the
  number of pairs shown; otherwise the row says they are withheld.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.longitudinal import RCI_CUTOFF, rci
from netsoc.dashboard.panels import Panel
from netsoc.dashboard.texts import Texts
from netsoc.web import escape as e
from netsoc.web import fmt_number, fmt_percent
from survey.privacy import MEAN_DIGITS, published, safe_mean
from survey.waves import WAVES

__all__ = [
    "ShiftRow",
    "ShiftState",
    "SHIFT_SCORES",
    "shift_state",
    "shift_panels",
    "wave_section",
    "set_wave",
]

#: The scores of the shift card, in order.
SHIFT_SCORES: tuple[str, ...] = ("balance", "networking", "socializing")


@dataclass(frozen=True)
class ShiftRow:
    """One score: paired means, the change with its interval, the shares that reliably moved
    (``None`` when withheld, NaN without norms to judge measurement noise)."""

    score: str
    before: float
    after: float
    change: float
    low: float
    high: float
    higher: float | None
    lower: float | None


@dataclass(frozen=True)
class ShiftState:
    """The published pairs: ``n`` (a multiple of k) and one :class:`ShiftRow` per score."""

    n: int
    rows: tuple[ShiftRow, ...]


def _pairs(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per subject with a submitted pre and post response (the post's id, the pre's as
    ``respondent_id_pre``), in the order the post responses arrived (``frame`` is in arrival
    order, as :meth:`survey.store.ResponseStore.to_frame` returns it)."""
    linked = frame[frame["subject"].notna() & frame["wave"].isin(WAVES)]
    pre = linked[linked["wave"] == "pre"].drop_duplicates("subject")
    post = linked[linked["wave"] == "post"].drop_duplicates("subject")
    post = post.assign(_arrived=np.arange(len(post)))
    pairs = pre[["subject", "respondent_id"]].merge(
        post[["subject", "respondent_id", "_arrived"]], on="subject", suffixes=("_pre", "")
    )
    return pairs.sort_values("_arrived", kind="stable").drop(columns="_arrived").reset_index(drop=True)


def _shares(index: np.ndarray, k: int) -> tuple[float | None, float | None]:
    n = len(index)
    higher, lower = int((index > RCI_CUTOFF).sum()), int((index < -RCI_CUTOFF).sum())
    if any(0 < c < k for c in (higher, lower, n - higher - lower)):
        return None, None
    return higher / n, lower / n


def _row(score: str, pre: pd.Series, post: pd.Series, params: Any, k: int) -> ShiftRow:
    from scipy import stats

    diff = (post - pre).to_numpy(dtype=float)
    ok = ~np.isnan(diff)
    d = diff[ok]
    if len(d) < 2:
        low = high = math.nan
    elif np.ptp(d) == 0:  # everyone moved alike: no spread, the interval is the change itself
        low = high = float(d[0])
    else:
        low, high = stats.ttest_1samp(d, 0.0).confidence_interval(0.95)
    higher: float | None = math.nan  # no norms: no index, shown as a dash
    lower: float | None = math.nan
    if params is not None and params.reliability is not None and params.sd > 0 and len(d) == len(diff):
        higher, lower = _shares(rci(d, sd_pre=params.sd, reliability=params.reliability), k)
    return ShiftRow(
        score=score,
        before=safe_mean(pre[ok]),
        after=safe_mean(post[ok]),
        change=safe_mean(pd.Series(d)),
        low=round(float(low), MEAN_DIGITS) + 0.0,
        high=round(float(high), MEAN_DIGITS) + 0.0,
        higher=higher,
        lower=lower,
    )


def shift_state(store: Any, instrument: Any, *, cohort: str | None, min_group_size: int) -> ShiftState | None:
    """The room's published shift, or ``None`` below ``min_group_size`` pairs.

    Parameters
    ----------
    store : ResponseSource
        Read with ``to_frame(cohort=...)``.
    instrument : Instrument
    cohort : str or None
    min_group_size : int
        k.
    """
    from analysis.scoring import score
    from survey.norms import norms_for

    frame = store.to_frame(cohort=cohort)
    if "wave" not in frame or not len(frame):
        return None
    chosen = published(_pairs(frame), min_group_size)
    if len(chosen) < min_group_size:
        return None
    by_id = frame.set_index("respondent_id")
    pre = score(by_id.loc[chosen["respondent_id_pre"]].reset_index(), instrument)
    post = score(by_id.loc[chosen["respondent_id"]].reset_index(), instrument)
    norms = norms_for(instrument)
    rows = tuple(
        _row(s, pre[s], post[s], norms.scores.get(s) if norms else None, min_group_size) for s in SHIFT_SCORES
    )
    return ShiftState(n=len(chosen), rows=rows)


def _label(t: Texts, instrument: Any, score: str) -> str:
    return instrument.scales[score].label if score in instrument.scales else t("balance")


def shift_panels(d: Any) -> list[Panel]:
    """The shift card of the dashboard ``d`` (empty below k pairs), shared per store version."""
    from netsoc.dashboard.model import SHARED

    s, k = d.settings, d.min_group_size
    key = ("shift", d.store.url, s.cohort, k, d.language, d.version())
    state = SHARED.get(key, lambda: shift_state(d.store, d.instrument, cohort=s.cohort, min_group_size=k))
    if state is None:
        return []
    t = d.t
    head = [t(f"shift_col_{c}") for c in ("score", "before", "after", "change", "higher", "lower")]
    th = "".join(f"<th scope='col'>{e(h)}</th>" for h in head)
    body = ""
    for r in state.rows:
        low, high = _signed(t, r.low), _signed(t, r.high)
        change = t("shift_change", change=_signed(t, r.change), low=low, high=high)
        shares = [
            fmt_percent(x, t.lang) if x is not None else t("shift_withheld", k=k) for x in (r.higher, r.lower)
        ]
        cells = [t.num(r.before), t.num(r.after), change, *shares]
        body += f"<tr><th scope='row'>{e(_label(t, d.instrument, r.score))}</th>"
        body += "".join(f"<td class='num'>{e(c)}</td>" for c in cells) + "</tr>"
    hidden = any(r.higher is None and r.lower is None for r in state.rows)
    note = f" {t('shift_withheld_note', k=k)}" if hidden else ""
    table = (
        f"<table class='shift'><caption class='summary'>{e(t('shift_summary', n=state.n, k=k) + note)}"
        f"</caption><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"
    )
    return [Panel("shift", t("panel_shift"), table)]


def _signed(t: Texts, x: float) -> str:
    return fmt_number(x, t.lang, MEAN_DIGITS, sign=True)


def wave_section(d: Any) -> str:
    """The facilitator's wave switch (a section of the controls; needs a workshop code)."""
    cohort = d.settings.cohort
    if not cohort:
        return ""
    t = d.t
    wave = d.store.current_wave(cohort)
    now = t("wave_is", wave=t(f"wave_{wave}")) if wave else t("wave_none")
    buttons = "".join(
        f"<form method='post' action='control/wave' class='inline'><input type='hidden' name='wave' "
        f"value='{e(w)}'><button type='submit'>{e(t('wave_start_' + (w or 'off')))}</button></form>"
        for w in (*WAVES, "")
        if w != (wave or "")
    )
    return (
        f"<section aria-labelledby='c-wave'><h2 id='c-wave'>{e(t('control_wave'))}</h2>"
        f"<p>{e(now)}</p><p>{e(t('wave_hint'))}</p>{buttons}</section>"
    )


def set_wave(d: Any, form: dict[str, str]) -> str:
    """Carry out the wave switch posted by :func:`wave_section`; returns what to tell the facilitator."""
    from survey.errors import NetsocError

    if not d.settings.cohort:
        raise NetsocError(d.t("refused", reason="no workshop code"))
    wave = form.get("wave") or None
    if wave is not None and wave not in WAVES:
        raise NetsocError(d.t("refused", reason="wave"))
    d.store.set_wave(d.settings.cohort, wave)
    return d.t("wave_is", wave=d.t(f"wave_{wave}")) if wave else d.t("wave_none")
