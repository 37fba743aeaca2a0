"""What may be shown of a workshop without giving away one person (issue 22).

A viewer who sees a summary before and after one submission must learn nothing
about that respondent beyond what ``min_group_size`` (k) others share.  Two
rules every summary of a room follows (the projector's dashboard and the
"Your workshop" part of a participant's feedback):

- :func:`published` - a summary uses the earliest ``floor(n / k) * k``
  submitted responses only, so two views differ by a whole batch of at least k
  people (or not at all); below k there is nothing, not even a count.  "Earliest"
  is the store's arrival order (a number assigned in the write transaction), never
  a server's wall clock: a batch, once shown, keeps its members, and a late row
  can only join a later batch, however far apart the writers' clocks are.
- :func:`safe_mean` - means are given to :data:`MEAN_DIGITS` decimal.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["published", "one_wave", "safe_mean", "MEAN_DIGITS"]

#: Decimals of every mean shown of a room (one person in a batch of k moves a
#: 1-5 mean of 20 people by at most 0.2, so a second decimal would only add noise).
MEAN_DIGITS = 1


def one_wave(frame: pd.DataFrame, min_group_size: int) -> pd.DataFrame:
    """One wave's responses, so that a batch of k rows is k people (a person has a row per wave).

    With several waves, the latest wave (by first arrival) that has at least
    ``min_group_size`` responses; while none has, the latest.  A frame without a
    ``wave`` column, or with one wave, is returned as it is.

    Examples
    --------
    >>> frame = pd.DataFrame({"arrival": range(1, 9), "wave": ["pre"] * 5 + ["post"] * 3})
    >>> one_wave(frame, 3)["wave"].unique().tolist(), len(one_wave(frame, 4))
    (['post'], 5)
    """
    if "wave" not in frame.columns or frame["wave"].nunique(dropna=False) <= 1:
        return frame
    order = frame.sort_values("arrival", kind="stable") if "arrival" in frame.columns else frame
    waves = list(dict.fromkeys(order["wave"]))
    counts = frame["wave"].value_counts(dropna=False)
    full = [w for w in waves if counts[w] >= min_group_size]
    chosen = full[-1] if full else waves[-1]
    return frame[frame["wave"] == chosen]


def published(frame: pd.DataFrame, min_group_size: int) -> pd.DataFrame:
    """The responses a summary may use: the earliest whole batches of ``min_group_size``.

    Parameters
    ----------
    frame : DataFrame
        Submitted responses in arrival order, as
        :meth:`survey.store.ResponseStore.to_frame` returns them; with an
        ``arrival`` column, ordered by it instead.  ``submitted_at`` is never used.
    min_group_size : int
        k.

    Returns
    -------
    DataFrame
        The first ``floor(len(frame) / k) * k`` rows in order of arrival, in a
        shuffled order seeded by their number, with the index reset.

    Examples
    --------
    >>> frame = pd.DataFrame({"arrival": [3, 1, 2, 7, 5, 4, 6], "respondent_id": list("abcdefg")})
    >>> sorted(published(frame, 3)["respondent_id"])
    ['a', 'b', 'c', 'e', 'f', 'g']
    >>> len(published(frame.iloc[:2], 3))
    0
    """
    n = (len(frame) // min_group_size) * min_group_size
    if n == 0:
        return frame.iloc[0:0].reset_index(drop=True)
    order = frame.sort_values("arrival", kind="stable") if "arrival" in frame.columns else frame
    chosen = order.iloc[:n]
    return chosen.sample(frac=1.0, random_state=n).reset_index(drop=True)


def safe_mean(values: pd.Series) -> float:
    """The mean rounded to :data:`MEAN_DIGITS` decimals (NaN without values).

    Examples
    --------
    >>> safe_mean(pd.Series([1.0, 2.0, 2.0]))
    1.7
    """
    x = pd.to_numeric(values, errors="coerce").dropna()
    return round(float(x.mean()), MEAN_DIGITS) + 0.0 if len(x) else float("nan")  # no -0.0
