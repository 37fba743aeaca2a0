"""Seeded synthetic respondents from a documented latent model.

The model (all effects in standard-deviation units of the latent traits):

1. Grouping fields are drawn independently with the probabilities in
   :data:`FIELD_PROBABILITIES` (``na`` = "prefer not to say").
2. Two latent orientations, networking ``N`` and socializing ``S``, are
   bivariate normal with unit residual variance and residual correlation
   :data:`LATENT_CORRELATION`, shifted by the planted effects in
   :data:`PLANTED_EFFECTS`; intentionality ``I`` is normal and correlates
   with ``N`` (``I = 0.3 N + e``).
3. Each item has a continuous response ``y* = sign * 0.7 * theta +
   sqrt(1 - 0.49) * e`` (``sign = -1`` for reverse-keyed items) which is cut
   into five ordered codes at item-specific thresholds.
4. About :data:`CARELESS_SHARE` of respondents are careless: half answer
   every question with one code (straight-lining), half answer at random; they
   also finish quickly and mostly fail the attention checks.  Attentive
   respondents answer the checks as asked 97 % of the time.
5. About :data:`MISSING_SHARE` of the item answers of attentive respondents are
   missing completely at random.

6. Two waves (``make_demo(waves=True)``, :func:`make_two_waves`): the first wave
   as above; at the second the latent traits move by :data:`LATENT_CHANGE`
   (networking +0.3 SD, socializing 0) plus a person-specific change (SD
   :data:`CHANGE_SD`), the items keep their loadings and thresholds, and some
   people do not return or are not linked (:data:`ATTRITION`, :data:`UNLINKED_SHARE`).

Because each scale has 16 items with loading 0.7, its reliability is about
0.9, so observed effect sizes are slightly smaller than the planted ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from survey.codebook import codebook
from survey.instrument import Instrument, load_instrument
from survey.schema import random_ids as _random_ids

__all__ = [
    "make_demo",
    "make_two_waves",
    "LATENT_CHANGE",
    "PLANTED_EFFECTS",
    "FIELD_PROBABILITIES",
    "DEFAULT_SEED",
    "DEFAULT_N",
]

DEFAULT_SEED = 2026
DEFAULT_N = 600
LATENT_CORRELATION = 0.3
LOADING = 0.7
CARELESS_SHARE = 0.05
MISSING_SHARE = 0.03
#: Two waves (:func:`make_two_waves`): the mean latent change from ``pre`` to ``post``,
#: in SD units of the first wave (the workshop raises networking, leaves socializing).
LATENT_CHANGE: dict[str, float] = {"networking": 0.3, "socializing": 0.0}
#: ... the SD of the person-specific part of the change ...
CHANGE_SD = 0.4
#: ... the share of people with no ``post`` row ...
ATTRITION = 0.1
#: ... and the share of ``post`` rows that could not be linked (``subject`` missing).
UNLINKED_SHARE = 0.05

#: Planted shifts of the latent traits: (trait, field, level) -> shift in SD units.
PLANTED_EFFECTS: dict[tuple[str, str, str], float] = {
    ("networking", "role", "sales"): 0.6,
    ("networking", "role", "management"): 0.3,
    ("networking", "career_stage", "senior"): 0.2,
    ("socializing", "work_mode", "remote"): -0.6,
    ("socializing", "introversion", "extravert"): 0.5,
    ("socializing", "introversion", "lean_extravert"): 0.25,
    ("socializing", "introversion", "lean_introvert"): -0.25,
    ("socializing", "introversion", "introvert"): -0.5,
}

FIELD_PROBABILITIES: dict[str, dict[str, float]] = {
    "role": {
        "sales": 0.18,
        "marketing": 0.12,
        "engineering": 0.22,
        "research": 0.12,
        "management": 0.12,
        "operations": 0.1,
        "student": 0.06,
        "other": 0.05,
        "na": 0.03,
    },
    "career_stage": {"trainee": 0.1, "early": 0.32, "mid": 0.35, "senior": 0.2, "na": 0.03},
    "work_mode": {"remote": 0.3, "hybrid": 0.42, "onsite": 0.25, "na": 0.03},
    "age_band": {"18_24": 0.12, "25_34": 0.33, "35_44": 0.27, "45_54": 0.17, "55_plus": 0.08, "na": 0.03},
    "introversion": {
        "introvert": 0.15,
        "lean_introvert": 0.25,
        "ambivert": 0.25,
        "lean_extravert": 0.2,
        "extravert": 0.12,
        "na": 0.03,
    },
}

COHORTS = {"WS-ALPHA": 0.3, "WS-BETA": 0.3, "WS-GAMMA": 0.2, "ONLINE": 0.2}
#: Share of respondents answering in each language (where the instrument offers
#: it; the rest answer in its default language).  The language versions share one
#: measurement model: the demo plants no language effect.
LANGUAGE_SHARES = {"de": 0.25}

_COMMENTS = (
    "Interesting to see the difference spelled out.",
    "Some statements were hard to answer for both work and private life.",
    "I would like tips on following up after events.",
    "Good workshop, thanks.",
    "I mostly meet people online these days.",
    "The questions about boundaries made me think.",
)


def random_ids(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` distinct random respondent codes in the store's format, from ``rng``."""
    return _random_ids(n, rng)


def _draw_fields(n: int, rng: np.random.Generator, inst: Instrument) -> dict[str, pd.Categorical]:
    out = {}
    for fid, probs in FIELD_PROBABILITIES.items():
        codes = list(inst.choice_fields[fid].options)
        p = np.array([probs.get(c, 0.0) for c in codes])
        draws = rng.choice(len(codes), size=n, p=p / p.sum())
        out[fid] = pd.Categorical.from_codes(draws, categories=codes)
    return out


def _latent(n: int, rng: np.random.Generator, fields: dict[str, pd.Categorical]) -> dict[str, np.ndarray]:
    cov = np.array([[1.0, LATENT_CORRELATION], [LATENT_CORRELATION, 1.0]])
    ns = rng.multivariate_normal([0.0, 0.0], cov, size=n)
    traits = {"networking": ns[:, 0], "socializing": ns[:, 1]}
    for (trait, field, level), shift in PLANTED_EFFECTS.items():
        traits[trait] = traits[trait] + shift * (np.asarray(fields[field]) == level)
    traits["intentionality"] = 0.3 * traits["networking"] + np.sqrt(1 - 0.09) * rng.standard_normal(n)
    return traits


def _items(
    n: int,
    rng: np.random.Generator,
    inst: Instrument,
    traits: dict[str, np.ndarray],
    cuts: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Item codes and the item thresholds (``cuts``: drawn when not given)."""
    k = len(inst.items)
    lo, hi = inst.response_range(inst.item_ids[0])
    if cuts is None:
        base = np.linspace(-1.6, 1.2, hi - lo)  # thresholds between adjacent codes
        shift = rng.uniform(-0.35, 0.35, size=k)
        cuts = base[None, :] + shift[:, None]  # k x (hi - lo)
    theta = np.column_stack([traits[i.scale] for i in inst.items])
    sign = np.array([-1.0 if i.keying == "reverse" else 1.0 for i in inst.items])
    ystar = sign * LOADING * theta + np.sqrt(1 - LOADING**2) * rng.standard_normal((n, k))
    return lo + (ystar[:, :, None] > cuts[None, :, :]).sum(axis=2), cuts


def _draw_languages(n: int, rng: np.random.Generator, inst: Instrument) -> pd.arrays.StringArray:
    """The language of each respondent (drawn last, so other columns do not depend on it)."""
    shares = {
        tag: p for tag, p in LANGUAGE_SHARES.items() if tag in inst.languages and tag != inst.default_language
    }
    tags = np.array([inst.default_language, *shares], dtype=object)
    probs = np.array([1 - sum(shares.values()), *shares.values()])
    return pd.array(tags[rng.choice(len(tags), size=n, p=probs)], dtype="string")


def make_demo(
    n: int = DEFAULT_N,
    seed: int = DEFAULT_SEED,
    instrument: Instrument | None = None,
    *,
    waves: bool = False,
) -> pd.DataFrame:
    """Draw ``n`` synthetic respondents.

    Parameters
    ----------
    n : int
        Number of respondents (at least 1); with ``waves``, people.
    seed : int
        Seed of the random generator; the same seed gives the same table.
    instrument : Instrument, optional
        Default: the shipped questionnaire (its field options must include
        the levels named in :data:`FIELD_PROBABILITIES`).
    waves : bool
        True: a workshop measured before and after, stacked (one row per person
        per wave) with the columns ``wave`` (``pre``, ``post``) and ``subject``;
        see :func:`make_two_waves` for the planted change.

    Returns
    -------
    DataFrame
        The wide response table (:data:`survey.schema.META_COLUMNS` first): ``respondent_id``, ``cohort``,
        ``instrument_id``, ``instrument_version``, ``started_at``,
        ``submitted_at`` (UTC), ``language`` (the tag each respondent
        answered in, see :data:`LANGUAGE_SHARES`), one ``Int64`` column per item and attention
        check, one categorical column per choice field, and ``comment``.
        ``attrs["careless"]`` holds the boolean mask of planted careless
        respondents (not a column: it would not exist in real data).

    Examples
    --------
    >>> data = make_demo(50, seed=3)
    >>> len(data), list(data.columns[:2])
    (50, ['respondent_id', 'cohort'])
    >>> data.equals(make_demo(50, seed=3))  # the same seed, the same respondents
    True
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n: expected a positive whole number of respondents, got {n!r}")
    inst = instrument if instrument is not None else load_instrument()
    if waves:
        return make_two_waves(n, seed, inst)
    out, _ = _draw(n, np.random.default_rng(seed), inst)
    out.attrs["seed"] = seed
    return out


def _draw(
    n: int, rng: np.random.Generator, inst: Instrument, given: dict[str, Any] | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One wave of respondents; ``given`` (a second wave) holds the fields, traits and
    item thresholds of the first, which are then not drawn again.  Returns the table
    and what a second wave needs."""
    if given is None:
        fields = _draw_fields(n, rng, inst)
        traits = _latent(n, rng, fields)
        items, cuts = _items(n, rng, inst, traits)
    else:
        fields, traits = given["fields"], given["traits"]
        items, cuts = _items(n, rng, inst, traits, given["cuts"])
    answers, careless = _answers(n, rng, inst, items.astype(float))
    start = pd.Timestamp("2026-03-02 09:00", tz="UTC")
    cohort_names = list(COHORTS)
    cohort = rng.choice(len(cohort_names), size=n, p=np.array(list(COHORTS.values())))
    started = (
        start
        + pd.to_timedelta(cohort * 7, unit="D")
        + pd.to_timedelta(rng.uniform(0, 3 * 3600, size=n).round(), unit="s")
    )
    seconds = np.where(
        careless, rng.uniform(60, 150, size=n), rng.lognormal(np.log(420), 0.35, size=n)
    ).round()
    has_comment = rng.random(n) < 0.08
    comment = rng.choice(np.array(_COMMENTS, dtype=object), size=n)
    comment[~has_comment] = None
    data: dict[str, Any] = {
        "respondent_id": random_ids(n, rng),
        "cohort": pd.Categorical.from_codes(cohort, categories=cohort_names),
        "instrument_id": inst.id,
        "instrument_version": inst.version,
        "started_at": started,
        "submitted_at": started + pd.to_timedelta(seconds, unit="s"),
        "language": _draw_languages(n, rng, inst),
    }
    for j, qid in enumerate(inst.question_ids):
        data[qid] = pd.array(answers[:, j], dtype="Int64")
    data.update(fields)
    if inst.comment is not None:
        data[inst.comment.id] = pd.array(comment, dtype="string")
    out = pd.DataFrame(data)
    out.attrs["careless"] = careless
    return out, {"fields": fields, "traits": traits, "cuts": cuts}


def _answers(
    n: int, rng: np.random.Generator, inst: Instrument, items: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Items and attention checks with the planted careless respondents and missing answers."""
    lo, hi = inst.response_range(inst.item_ids[0])
    careless = rng.random(n) < CARELESS_SHARE
    straight = careless & (rng.random(n) < 0.5)
    random_resp = careless & ~straight
    k_all = len(inst.question_ids)
    expected = np.array([a.expected for a in inst.attention_checks], dtype=float)
    attentive_checks = np.where(
        rng.random((n, len(expected))) < 0.97, expected, rng.integers(lo, hi + 1, size=(n, len(expected)))
    )
    answers = np.column_stack([items, attentive_checks])
    constant = rng.integers(lo, hi + 1, size=n).astype(float)
    answers[straight] = constant[straight, None]
    answers[random_resp] = rng.integers(lo, hi + 1, size=(int(random_resp.sum()), k_all))
    gaps = (rng.random((n, len(inst.items))) < MISSING_SHARE) & ~careless[:, None]
    answers[:, : len(inst.items)][gaps] = np.nan
    return answers, careless


def make_two_waves(n: int, seed: int = DEFAULT_SEED, instrument: Instrument | None = None) -> pd.DataFrame:
    """A workshop measured before (``pre``) and after (``post``): ``n`` people, stacked.

    The first wave is exactly ``make_demo(n, seed)``.  For the second, each person's
    latent traits move by :data:`LATENT_CHANGE` (in SD units of the first wave) plus a
    person-specific change with SD :data:`CHANGE_SD`; the items keep their loadings and
    thresholds (the measurement is invariant), careless answering and missing answers are
    drawn again.  :data:`ATTRITION` of the people do not come back (no ``post`` row), and
    :data:`UNLINKED_SHARE` of the ``post`` rows could not be linked (``subject`` missing).
    The second wave has its own respondent ids and starts six hours after the first, in
    the same cohort and language.

    Returns
    -------
    DataFrame
        :func:`make_demo`'s columns plus ``wave`` (``pre``/``post``) and ``subject``
        (random text linking one person's rows, NA when unlinked), after ``language``.

    Examples
    --------
    >>> data = make_two_waves(200, seed=4)
    >>> data["wave"].value_counts().to_dict()
    {'pre': 200, 'post': 172}
    """
    inst = instrument if instrument is not None else load_instrument()
    rng = np.random.default_rng(seed)
    pre, given = _draw(n, rng, inst)
    later = np.random.default_rng([seed, 2])
    moved = {
        t: v + LATENT_CHANGE.get(t, 0.0) + CHANGE_SD * later.standard_normal(n)
        for t, v in given["traits"].items()
    }
    post, _ = _draw(n, later, inst, {**given, "traits": moved})
    for column in ("cohort", "language"):
        post[column] = pre[column]
    post["started_at"] = pre["started_at"] + pd.Timedelta(hours=6)
    post["submitted_at"] = post["started_at"] + (pre["submitted_at"] - pre["started_at"])
    subject = pd.Series(random_ids(n, later), dtype="string")
    back = later.random(n) >= ATTRITION
    linked = later.random(n) >= UNLINKED_SHARE
    at = list(pre.columns).index("language") + 1
    pre.insert(at, "wave", "pre")
    pre.insert(at + 1, "subject", subject)
    post.insert(at, "wave", "post")
    post.insert(at + 1, "subject", subject.where(linked))
    masks = pre.attrs.pop("careless"), post.attrs.pop("careless")
    out = pd.concat([pre, post[back]], ignore_index=True)
    out["wave"] = out["wave"].astype("string")
    out.attrs.update(
        careless=np.concatenate([masks[0], masks[1][back]]),
        seed=seed,
        latent_change=dict(LATENT_CHANGE),
    )
    return out


def planted_effects_table() -> pd.DataFrame:
    """The planted effects as a tidy table (trait, field, level, shift_sd)."""
    return pd.DataFrame(
        [(t, f, lv, s) for (t, f, lv), s in PLANTED_EFFECTS.items()],
        columns=["trait", "field", "level", "shift_sd"],
    )


def write_demo_set(
    directory: str,
    n: int = DEFAULT_N,
    seed: int = DEFAULT_SEED,
    instrument: Instrument | None = None,
    *,
    waves: bool = False,
) -> pd.DataFrame:
    """Write ``responses.csv`` and ``codebook.csv`` of a demo set to ``directory``.

    Returns the generated table (``waves``: the two-wave set of :func:`make_two_waves`,
    one row per person per wave).  Timestamps are written in ISO 8601 (UTC).
    """
    from pathlib import Path

    inst = instrument if instrument is not None else load_instrument()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    df = make_demo(n=n, seed=seed, instrument=inst, waves=waves)
    df.to_csv(out / "responses.csv", index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
    codebook(inst).to_csv(out / "codebook.csv", index=False)
    return df


def read_demo_csv(path: str, instrument: Instrument | None = None) -> pd.DataFrame:
    """Read a demo ``responses.csv`` back with the dtypes of :func:`make_demo`."""
    inst = instrument if instrument is not None else load_instrument()
    df = pd.read_csv(
        path,
        dtype={q: "Int64" for q in inst.question_ids}
        | {
            "respondent_id": "string",
            "comment": "string",
            "instrument_version": "string",
            "language": "string",
        },
        keep_default_na=True,
    )
    for c in ("started_at", "submitted_at"):
        df[c] = pd.to_datetime(df[c], utc=True)
    for fid, f in inst.choice_fields.items():
        df[fid] = pd.Categorical(df[fid], categories=list(f.options))
    df["cohort"] = df["cohort"].astype("category")
    return df
