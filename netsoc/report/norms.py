"""Build reference norms from collected responses (``netsoc norms``).

:func:`build_norms` applies the careless-responding exclusions
(:func:`analysis.flag_careless`), computes every score's summary and
percentile table (:mod:`analysis.norms`) and wraps them, with the sample's
metadata, into a :class:`survey.norms.NormsFile`.  :func:`synthetic_norms` does
the same for the demo generator's data (the norms shipped with netsoc).

Minimum sample size: with fewer than ``min_n`` respondents (default 100)
after exclusions :func:`build_norms` refuses (:class:`survey.errors.DataError`);
with ``allow_small=True`` (``netsoc norms --allow-small``) it writes the norms
marked ``too_small: true`` - :meth:`survey.norms.NormsFile.describe` then says
so, and they are meant for trying the workflow only.
"""

from __future__ import annotations

import datetime as dt
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pandas as pd

from analysis.norms import CI_METHOD, PERCENTILE_METHOD, percentile_table, score_summary
from survey.errors import DataError
from survey.instrument import Instrument, load_instrument
from survey.norms import NormsFile, NormsMeta, norms_from_dict

__all__ = ["DEFAULT_MIN_N", "build_norms", "synthetic_norms", "software"]

#: Fewest respondents (after exclusions) that make norms.
DEFAULT_MIN_N = 100


def software() -> str:
    """``"netsoc <version>"`` of the running package."""
    try:
        return f"netsoc {version('netsoc')}"
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "netsoc (not installed)"


def _dates(data: pd.DataFrame) -> tuple[str | None, str | None]:
    if "submitted_at" not in data.columns:
        return None, None
    at = pd.to_datetime(data["submitted_at"], utc=True, errors="coerce").dropna()
    if at.empty:
        return None, None
    return at.min().date().isoformat(), at.max().date().isoformat()


def _check_sample(data: pd.DataFrame, inst: Instrument, min_n: int) -> None:
    """Refuse an empty table and responses to another version of the instrument."""
    if len(data) == 0:
        raise DataError(
            "data: no responses; norms need at least "
            f"{min_n} respondents (the store is empty or the cohort has none)"
        )
    if "instrument_version" in data.columns:
        other = sorted(set(data["instrument_version"].dropna().astype(str)) - {inst.version})
        if other:
            raise DataError(
                f"instrument_version: responses of version(s) {', '.join(other)}; "
                f"expected only {inst.version!r} (compute norms per version)"
            )


def _without_careless(data: pd.DataFrame, inst: Instrument) -> tuple[pd.DataFrame, str, int]:
    """The rows :func:`analysis.flag_careless` keeps, the rule in words and how many it dropped."""
    from analysis.quality import flag_careless

    flags = flag_careless(data, inst)
    exclusions = f"careless responding (analysis.flag_careless): {flags.attrs['rule']}"
    return data.loc[~flags["exclude"].to_numpy()], exclusions, int(flags["exclude"].sum())


def _scores(data: pd.DataFrame, inst: Instrument, ci: float) -> dict[str, dict[str, Any]]:
    """Each score's summary and percentile table, as the norms file stores them."""
    summary = score_summary(data, inst)
    table = percentile_table(data, inst, ci=ci)
    scores = {}
    for row in summary.itertuples(index=False):  # one row per score
        rows = table[table["score"] == row.score]
        if rows.empty:
            continue
        scores[row.score] = {
            "n": int(row.n),
            "mean": float(row.mean),
            "sd": float(row.sd),
            "reliability": float(row.reliability),
            "omega": float(row.omega),
            "min": float(row.min),
            "max": float(row.max),
            "percentiles": rows[["p", "value", "low", "high"]].to_dict("records"),
        }
    return scores


def build_norms(
    data: pd.DataFrame,
    instrument: Instrument | None = None,
    *,
    population: str = "",
    cohort: str | None = None,
    ci: float = 0.95,
    min_n: int = DEFAULT_MIN_N,
    allow_small: bool = False,
    exclude_careless: bool = True,
    synthetic: bool = False,
    seed: int | None = None,
    created: dt.datetime | None = None,
) -> NormsFile:
    """Norms of every score from a wide response table.

    Parameters
    ----------
    data : DataFrame
        Wide response table (one row per respondent) of ``instrument``.
    instrument : Instrument, optional
        Default: the shipped instrument.
    population : str
        Who the respondents are, read after "participants of" (e.g. "12 career
        workshops in Berlin, 2026").
    cohort : str, optional
        The workshop code ``data`` was restricted to (metadata only).
    ci : float, default 0.95
        Level of every interval.
    min_n : int, default 100
        Fewest respondents after exclusions.
    allow_small : bool, default False
        Below ``min_n``: write norms marked ``too_small`` instead of refusing.
    exclude_careless : bool, default True
        Drop respondents :func:`analysis.flag_careless` recommends excluding.
    synthetic, seed : bool, int
        Mark the norms as illustrations from generated data (and the seed).
    created : datetime, optional
        Time stamp to record (default: now, UTC).

    Raises
    ------
    DataError
        No respondents, responses of another instrument version, or fewer
        than ``min_n`` after exclusions (unless ``allow_small``).
    """
    inst = instrument if instrument is not None else load_instrument()
    _check_sample(data, inst, min_n)
    exclusions, n_excluded = "none", 0
    if exclude_careless:
        data, exclusions, n_excluded = _without_careless(data, inst)
    n = len(data)
    too_small = n < min_n
    if too_small and not allow_small:
        raise DataError(
            f"data: {n} respondent(s) after exclusions ({n_excluded} excluded); "
            f"norms need at least min_n = {min_n} (lower --min-n, or --allow-small "
            "to write norms marked too small)"
        )
    scores = _scores(data, inst, ci)
    first, last = _dates(data)
    meta = NormsMeta(
        instrument_id=inst.id,
        instrument_version=inst.version,
        n=n,
        population=population,
        collected_from=first,
        collected_to=last,
        cohort=cohort,
        exclusions=exclusions,
        n_excluded=n_excluded,
        synthetic=synthetic,
        seed=seed,
        too_small=too_small,
        min_n=min_n,
        ci=ci,
        percentile_method=PERCENTILE_METHOD,
        ci_method=CI_METHOD,
        created=(created or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat(),
        software=software(),
    )
    return norms_from_dict(
        {"format": "netsoc-norms/1", "meta": meta.model_dump(), "scores": scores}, origin="computed norms"
    )


def synthetic_norms(n: int = 600, seed: int = 2026, instrument: Instrument | None = None) -> NormsFile:
    """The illustration norms shipped with netsoc: :func:`analysis.make_demo` data.

    Marked ``synthetic`` (illustrations, not real norms); their time stamp
    is the generator's, so the file is reproducible byte for byte.
    """
    from analysis.demo import make_demo

    inst = instrument if instrument is not None else load_instrument()
    data = make_demo(n, seed, inst)
    return build_norms(
        data,
        inst,
        population=f"a synthetic demo sample (analysis.make_demo, seed {seed})",
        synthetic=True,
        seed=seed,
        created=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
