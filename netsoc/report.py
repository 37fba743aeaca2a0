"""The reproducible analysis report: ``notebooks/02_analysis.ipynb`` executed
with papermill and converted to one self-contained HTML file.

Two halves:

- :func:`prepare` and friends are what the notebook calls: load the responses
  (a file or a store), flag careless responders, score, and keep everything
  the report needs in a :class:`Study`.
- :func:`build_report` is what ``netsoc report`` calls: read the input once,
  hash it, freeze it as a snapshot, execute the notebook on that snapshot in a
  temporary folder and write the HTML.

The data hash
-------------
``data_sha256`` is the SHA-256 of the *canonical* response table, not of file
bytes, so the same responses give the same hash whether they come from a CSV,
an Excel file or a database, in any row order, with or without respondent
ids: every row is rendered as one CSV line (the instrument's columns in
instrument order, ``respondent_id`` left out, integer codes as integers,
timestamps in UTC ISO-8601 with microseconds, missing values empty), the lines
are sorted and joined with ``\\n``, and the UTF-8 bytes are hashed.  When the
input is a file, its byte hash is stamped as well (``file_sha256``).  The
``language`` column counts only when some response is in a language other than
the instrument's default: data collected before languages were recorded (or a
file without the column) keep the hash they had.

Reproducibility
---------------
Every number depends only on the data, the parameters and the seed; the stamp
(instrument version, data hash, package versions, seed, parameters, time of
the run) is shown at the top and stored in the HTML as JSON
(``<script type="application/json" id="netsoc-stamp">``).  Only the time
differs between two runs on the same input.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import re
import string
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from analysis._compat import renamed_parameters
from netsoc.resources import ANALYSIS_NOTEBOOK, notebook_path
from survey.errors import DataError
from survey.instrument import Instrument, load_instrument

__all__ = [
    "Study", "load_responses", "canonical_lines", "data_hash", "sha256_file", "prepare", "stamp",
    "stamp_markdown", "descriptives", "likert_figures", "group_figures", "comparison_table",
    "methods", "regression_data", "score_columns", "regression_formula", "build_report",
    "NOTEBOOK", "PACKAGES", "DEFAULT_GROUPS", "DEFAULT_OUTCOMES",
    "language_counts", "reliability_by_language", "invariance_by_language", "language_note",
    "LANGUAGE_MIN_N", "INVARIANCE_MIN_N",
    "structure_fit", "structure_ladders", "structure_note", "structure_methods",
]

NOTEBOOK = notebook_path(ANALYSIS_NOTEBOOK)
#: Packages whose versions are stamped on every report.
PACKAGES = ("netsoc", "pandas", "numpy", "scipy", "statsmodels", "seaborn", "matplotlib",
            "papermill", "nbconvert")
DEFAULT_GROUPS = ("role", "career_stage", "work_mode")
DEFAULT_OUTCOMES = ("balance", "networking", "socializing", "intentionality")
EXCLUSION_RULES = ("any", "all", "none")
_META = ("respondent_id", "cohort", "instrument_id", "instrument_version",
         "started_at", "submitted_at")


def _names(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """``"a, b"`` or ``["a", "b"]`` -> ``["a", "b"]`` (papermill passes strings)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


# ------------------------------------------------------------------ input
def load_responses(*, data: str | os.PathLike[str] | None = None, db: str | None = None,
                   cohort: str | None = None, instrument: Instrument | None = None
                   ) -> tuple[pd.DataFrame, str]:
    """Read the wide response table from a file or a store.

    Parameters
    ----------
    data : path, optional
        A response file (csv, xlsx, parquet, sav) read with
        :func:`survey.io.read_responses`.
    db : str, optional
        A store URL or SQLite path (:func:`survey.open_store`).
    cohort : str, optional
        Keep only this cohort.
    instrument : Instrument, optional
        Default: the shipped questionnaire.

    Returns
    -------
    (DataFrame, str)
        The validated wide table and a description of where it came from.

    With neither ``data`` nor ``db``, the store named by ``NETSOC_DB`` is read,
    else the shipped demo set ``data/demo/responses.csv``; the returned
    description names the source, and the report's stamp shows it.

    Raises
    ------
    DataError
        Both ``data`` and ``db`` given, or no responses left.
    """
    inst = instrument if instrument is not None else load_instrument()
    if data is not None and db is not None:
        raise DataError(f"data/db: give one of a data file or a store URL, not both "
                        f"(got data={data!r}, db={db!r})")
    if data is None and db is None:
        # Opened as is (JupyterLab, nbval): the store named by NETSOC_DB, else
        # the shipped demo set -- and the stamp says which.
        from survey.config import DATA_DIR, DB_ENV

        if os.environ.get(DB_ENV):
            db = os.environ[DB_ENV]
        elif (DATA_DIR / "demo" / "responses.csv").is_file():
            data = DATA_DIR / "demo" / "responses.csv"
        else:  # an installed netsoc outside a checkout: draw the same demo set
            from analysis.demo import make_demo

            frame = make_demo(n=600, seed=2026, instrument=inst)
            return frame, "synthetic demo sample (analysis.make_demo, seed 2026, n = 600)"
    if data is not None:
        from survey.io import read_responses

        frame = read_responses(data, inst)
        source = f"file {Path(data).name}"
        if cohort is not None:
            if "cohort" not in frame.columns:
                raise DataError(f"cohort: {cohort!r} given but {data} has no cohort column")
            frame = frame[frame["cohort"].astype("string") == cohort].reset_index(drop=True)
    else:
        from survey.store import open_store

        with open_store(db, instrument=inst) as store:
            frame = store.to_frame(cohort=cohort)
        source = "response store"
    if cohort is not None:
        source += f", cohort {cohort}"
    if len(frame) == 0:
        raise DataError(f"{source}: no responses" + (f" for cohort {cohort!r}" if cohort else ""))
    return frame, source


@renamed_parameters(responses="data")
def canonical_lines(data: pd.DataFrame, instrument: Instrument) -> list[str]:
    """The rows of the canonical table as sorted CSV lines (see the module docstring)."""
    from survey.validate import answer_columns, default_language

    meta, default = list(_META[1:]), default_language(instrument)
    if "language" in data.columns and (
            data["language"].astype("string").fillna(default) != default).any():
        meta.append("language")  # only then: all-default data keep their earlier hash
    cols = [c for c in (*meta, *answer_columns(instrument)) if c in data.columns]
    out = pd.DataFrame(index=data.index)
    question = set(instrument.question_ids)
    for c in cols:
        s = data[c]
        if c in question:
            s = pd.to_numeric(s.astype("object"), errors="coerce").astype("Float64").astype("Int64")
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            s = pd.to_datetime(s, utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
        out[c] = s.astype("string")
    text = out.to_csv(index=False, header=False, na_rep="", lineterminator="\n")
    header = ",".join(cols)
    return [header] + sorted(text.splitlines())


@renamed_parameters(responses="data")
def data_hash(data: pd.DataFrame, instrument: Instrument) -> str:
    """SHA-256 (hex) of the canonical response table (module docstring)."""
    return hashlib.sha256("\n".join(canonical_lines(data, instrument)).encode("utf-8")).hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """SHA-256 (hex) of a file's bytes (stamped as ``file_sha256``)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ------------------------------------------------------------------ study
@dataclass
class Study:
    """Everything one analysis run works on.

    Attributes
    ----------
    instrument : Instrument
    responses : DataFrame
        All responses read (no respondent ids are ever displayed).
    flags : DataFrame
        :func:`analysis.quality.flag_careless` for every response.
    included : DataFrame
        Responses kept after the exclusion rule.
    scores : DataFrame
        :func:`analysis.scoring.score` of ``included`` joined with the
        grouping fields.
    groups, outcomes : list of str
    exclusion : str
        ``"any"``, ``"all"`` or ``"none"`` (nobody excluded).
    seed : int
    source : str
    data_sha256 : str
    file_sha256 : str or None
    """

    instrument: Instrument
    responses: pd.DataFrame
    flags: pd.DataFrame
    included: pd.DataFrame
    scores: pd.DataFrame
    groups: list[str]
    outcomes: list[str]
    exclusion: str
    seed: int
    source: str
    data_sha256: str
    file_sha256: str | None = None
    cohort: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def n_total(self) -> int:
        return len(self.responses)

    @property
    def n_excluded(self) -> int:
        return self.n_total - len(self.included)

    @property
    def exclusion_rule(self) -> str:
        if self.exclusion == "none":
            return "no exclusions (flags reported only)"
        return str(self.flags.attrs.get("rule", ""))


def prepare(*, data: str | os.PathLike[str] | None = None, db: str | None = None,
            cohort: str | None = None, group_fields: str | list[str] | None = DEFAULT_GROUPS,
            outcomes: str | list[str] | None = DEFAULT_OUTCOMES, exclusion: str = "any",
            seed: int = 2026, expected_sha256: str | None = None,
            source: str | None = None, file_sha256: str | None = None,
            instrument: Instrument | None = None) -> Study:
    """Load, flag, exclude and score: the first step of the analysis notebook.

    Parameters
    ----------
    data, db, cohort
        As :func:`load_responses`.
    group_fields : str or list of str
        Demographic fields to compare groups by (``"role, work_mode"``).
    outcomes : str or list of str
        Score columns to describe and compare.
    exclusion : {"any", "all", "none"}
        Exclude a response when any / all of the careless-responding flags
        of :func:`analysis.quality.flag_careless` are raised, or nobody.
    seed : int
        Seed for every random step (passed on to the comparisons).
    expected_sha256 : str, optional
        Refuse to run when the data's hash differs (``netsoc report`` passes
        the hash of the snapshot it wrote).
    source, file_sha256 : str, optional
        Describe the original input when ``data`` is a snapshot of it.

    Raises
    ------
    DataError
        Bad input, unknown group fields or outcomes, an unknown exclusion
        rule or a hash mismatch.
    """
    from analysis.quality import flag_careless
    from analysis.scoring import score

    inst = instrument if instrument is not None else load_instrument()
    if exclusion not in EXCLUSION_RULES:
        raise DataError(f"exclusion: got {exclusion!r}; expected one of {list(EXCLUSION_RULES)}")
    responses, read_from = load_responses(data=data, db=db, cohort=cohort, instrument=inst)
    digest = data_hash(responses, inst)
    if expected_sha256 is not None and digest != expected_sha256:
        raise DataError(f"data: hash {digest[:12]}... differs from the expected "
                        f"{expected_sha256[:12]}...; the input changed")
    groups = _names(group_fields)
    unknown = [g for g in groups if g not in inst.choice_fields]
    if unknown:
        raise DataError(f"group_fields: {unknown} are not choice fields of the instrument "
                        f"(expected some of {list(inst.choice_fields)})")
    flags = flag_careless(responses, inst, rule="any" if exclusion == "none" else exclusion)
    keep = ~flags["exclude"].to_numpy() if exclusion != "none" else slice(None)
    included = responses.loc[keep].reset_index(drop=True)
    scores = score(included, inst)
    scores = scores.join(included[[g for g in inst.choice_fields if g in included.columns]])
    outs = _names(outcomes)
    missing = [o for o in outs if o not in scores.columns]
    if missing:
        raise DataError(f"outcomes: {missing} are not score columns "
                        f"(expected some of {list(scores.columns[:8])})")
    return Study(instrument=inst, responses=responses, flags=flags, included=included,
                 scores=scores, groups=groups, outcomes=outs, exclusion=exclusion, seed=seed,
                 source=source or read_from, data_sha256=digest, cohort=cohort,
                 file_sha256=file_sha256 or (sha256_file(data) if data is not None and
                                             source is None else None),
                 parameters=dict(cohort=cohort, group_fields=groups, outcomes=outs,
                                 exclusion=exclusion, seed=seed))


def package_versions() -> dict[str, str]:
    """Versions of Python and of :data:`PACKAGES` (``"not installed"`` if absent)."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def stamp(study: Study, *, time: dt.datetime | None = None) -> dict[str, Any]:
    """What produced this report: instrument, data hash, packages, seed, time."""
    when = (time or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    out = {
        "instrument_id": study.instrument.id,
        "instrument_version": study.instrument.version,
        "source": study.source,
        "n_responses": study.n_total,
        "data_sha256": study.data_sha256,
        "file_sha256": study.file_sha256,
        "seed": study.seed,
        "parameters": study.parameters,
        "packages": package_versions(),
        "time": when.isoformat(timespec="seconds"),
    }
    return out


# every ASCII punctuation character may be backslash-escaped in CommonMark;
# escaping all of them also stops auto-links (http://..., www., e-mail)
_MD_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")


def md_text(text: object) -> str:
    """Text shown literally in Markdown: HTML, links, emphasis and $math$ stay text.

    Used for anything that comes from outside the code (file names, store
    URLs, cohort codes, group labels) before it goes into a Markdown cell.
    """
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def stamp_markdown(study: Study, *, time: dt.datetime | None = None) -> str:
    """The stamp as a short Markdown block for the top of the report.

    The data source, exclusion rule and group names are escaped
    (:func:`md_text`): a file called ``<img onerror=...>.csv`` shows as text.
    """
    s = stamp(study, time=time)
    pk = ", ".join(f"{k} {v}" for k, v in s["packages"].items())
    lines = [
        f"**Instrument** {s['instrument_id']} {s['instrument_version']} · "
        f"**Data** {md_text(s['source'])}, {s['n_responses']} responses · "
        f"**Data SHA-256** `{s['data_sha256']}`",
    ]
    if s["file_sha256"]:
        lines.append(f"**File SHA-256** `{s['file_sha256']}`")
    lines.append(f"**Seed** {s['seed']} · **Exclusion** {md_text(study.exclusion)} · "
                 f"**Groups** {md_text(', '.join(study.groups)) or 'none'} · **Run** {s['time']}")
    lines.append(f"**Packages** {pk}")
    return "  \n".join(lines)


# ------------------------------------------------------------ small tables
def score_columns(study: Study) -> list[str]:
    """The outcome columns followed by the facet scores."""
    facets = [f"{o}_{f}" for o in ("networking", "socializing") for f in study.instrument.facets]
    return study.outcomes + [c for c in facets if c not in study.outcomes]


def descriptives(study: Study) -> pd.DataFrame:
    """n, mean, sd, median, min, max and skewness of every score.

    Returns
    -------
    DataFrame
        One row per score (``score``), columns ``n``, ``mean``, ``sd``,
        ``median``, ``min``, ``max``, ``skew``.
    """
    cols = score_columns(study)
    x = study.scores[cols].astype("float64")
    out = pd.DataFrame({"n": x.count(), "mean": x.mean(), "sd": x.std(), "median": x.median(),
                        "min": x.min(), "max": x.max(), "skew": x.skew()})
    return out.rename_axis("score").reset_index()


def regression_formula(study: Study, outcome: str = "balance", min_group_size: int = 5) -> str:
    """``outcome ~ C(g1) + C(g2) ...`` over the grouping fields with enough levels.

    Levels coded ``na`` ("prefer not to say") are set to missing first by
    :func:`regression_data` (with the same ``min_group_size``); fields left with
    fewer than two levels are skipped.
    """
    data = regression_data(study, min_group_size)
    terms = [f"C({g})" for g in study.groups if data[g].nunique(dropna=True) >= 2]
    return f"{outcome} ~ " + (" + ".join(terms) if terms else "1")


def regression_data(study: Study, min_group_size: int = 5) -> pd.DataFrame:
    """Scores with ``na`` and levels smaller than ``min_group_size`` set to missing."""
    out = study.scores.copy()
    for g in study.groups:
        s = out[g].astype("object").where(out[g].astype("object") != "na")
        counts = s.value_counts()
        small = counts.index[counts < min_group_size]
        out[g] = s.where(~s.isin(small))
    return out


# ------------------------------------------------------- language versions
#: Fewest analysed respondents a language version needs for its own
#: reliability (alpha, omega) row: below about 30 the Feldt interval of alpha
#: spans most of [0, 1] for the 2-item facets.  ``min_group_size`` applies too.
LANGUAGE_MIN_N = 30
#: Fewest analysed respondents per language for the invariance ladder across
#: languages (a two-factor CFA of 32 items per group; with fewer the
#: multi-group fit is unstable).  ``min_group_size`` applies too.
INVARIANCE_MIN_N = 100


def language_counts(study: Study) -> pd.Series:
    """Analysed responses per language version (tag -> n), largest first."""
    inst = study.instrument
    lang = (study.included["language"].astype("string").fillna(inst.default_language)
            if "language" in study.included.columns
            else pd.Series(inst.default_language, index=study.included.index, dtype="string"))
    return lang.value_counts().rename_axis("language").rename("n")


def _languages_with(study: Study, minimum: int) -> list[str]:
    counts = language_counts(study)
    return [str(t) for t, n in counts.items() if n >= minimum]


def reliability_by_language(study: Study, *, min_group_size: int = 5) -> pd.DataFrame:
    """:func:`analysis.psychometrics.reliability` per language version.

    Only languages with at least ``max(min_group_size, LANGUAGE_MIN_N)``
    analysed responses get rows; the others are counted in
    ``attrs["too_small"]`` (tag -> n).  Each version is scored with its own
    localized instrument (the codes, and so the numbers, do not depend on it).

    Returns
    -------
    DataFrame
        ``language`` (tag), ``language_name``, then the columns of
        :func:`~analysis.psychometrics.reliability`; empty with fewer than
        two languages present (the main Reliability table covers one).
    """
    from analysis.psychometrics import reliability

    inst = study.instrument
    counts = language_counts(study)
    minimum = max(int(min_group_size), LANGUAGE_MIN_N)
    keep = _languages_with(study, minimum)
    parts = []
    if len(counts) >= 2:
        lang = study.included.get("language")
        for tag in keep:
            sub = study.included[lang.astype("string") == tag] if lang is not None else study.included
            version = inst.localized(tag) if tag in inst.languages else inst
            rel = reliability(sub.reset_index(drop=True), version)
            name = inst.language_info[tag].name if tag in inst.language_info else tag
            parts.append(rel.assign(language=tag, language_name=name))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if len(out):
        out = out[["language", "language_name", *[c for c in out.columns
                                                  if c not in ("language", "language_name")]]]
    out.attrs["too_small"] = {str(t): int(n) for t, n in counts.items() if n < minimum}
    out.attrs["minimum"] = minimum
    return out


def invariance_by_language(study: Study, *, min_group_size: int = 5) -> pd.DataFrame | None:
    """The measurement-invariance ladder across language versions.

    Fits the instrument's two-factor model (networking, socializing: their
    items, correlated) across the languages with at least
    ``max(min_group_size, INVARIANCE_MIN_N)`` analysed responses, with
    ``analysis.invariance`` (configural, metric, scalar, strict).

    Returns
    -------
    DataFrame or None
        The ladder; ``None`` when fewer than two languages have enough
        complete responses (see :func:`_ladder`).
    """
    if "language" not in study.included.columns:
        return None
    language = (study.included["language"].astype("string")
                .fillna(study.instrument.default_language).astype(object))
    return _ladder(study, "language", language, min_group_size=min_group_size)


# -------------------------------------------------------------- structure
def _quiet(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a CFA function with its CFAWarning silenced (the report states
    ``converged`` and the problems in words instead)."""
    import warnings

    from analysis.structure import CFAWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CFAWarning)
        return func(*args, **kwargs)


def _ladder(study: Study, field: str, values: pd.Series, *,
            min_group_size: int = 5) -> pd.DataFrame | None:
    """The invariance ladder of the instrument's model across ``values``.

    Only groups with at least ``max(min_group_size, INVARIANCE_MIN_N)``
    complete responses (and at least the free parameters of one group's
    model) take part, and "na" (prefer not to say) is never a group; ``None``
    when fewer than two groups qualify.
    """
    from analysis.structure import instrument_model, invariance, invariance_groups

    data, factors = instrument_model(study.included, study.instrument)
    data[field] = values.where(values.astype("string") != "na")
    keep = invariance_groups(data, factors, field,
                             min_n=max(int(min_group_size), INVARIANCE_MIN_N))
    if len(keep) < 2:
        return None
    data = data[data[field].isin(list(keep))].reset_index(drop=True)
    data[field] = data[field].astype(object)
    return _quiet(invariance, data, factors, field)


def structure_fit(study: Study) -> Any:
    """The CFA of the instrument's model (networking and socializing, correlated)
    on the analysed responses; ``None`` when too few are complete."""
    from analysis.structure import cfa, instrument_model

    data, factors = instrument_model(study.included, study.instrument)
    try:
        return _quiet(cfa, data, factors)
    except DataError:
        return None


def structure_ladders(study: Study, *, min_group_size: int = 5) -> dict[str, pd.DataFrame | None]:
    """The invariance ladder for every grouping field of the study (None: too few cases)."""
    return {f: _ladder(study, f, study.included[f], min_group_size=min_group_size)
            for f in study.groups if f in study.included.columns}


def structure_note(study: Study, fit: Any, ladders: dict[str, pd.DataFrame | None], *,
                   min_group_size: int = 5) -> str:
    """Markdown: the CFA in one sentence, then one sentence per grouping field
    on whether comparing its means is warranted."""
    from analysis.structure import fit_sentence, invariance_sentence

    minimum = max(int(min_group_size), INVARIANCE_MIN_N)
    if fit is None:
        lines = ["Too few complete responses for a confirmatory factor analysis of the "
                 "instrument's model."]
    else:
        lines = [f"Two correlated factors, networking and socializing: {fit_sentence(fit)} "
                 f"(n = {int(fit.fit.n.iloc[0])} complete responses)."]
        if not fit.converged:
            lines.append("**The solution is not trustworthy:** " + md_text("; ".join(fit.problems))
                         + ".")
    for field, ladder in ladders.items():
        if ladder is None:
            lines.append(f"- **{md_text(field)}**: no invariance ladder - it needs two groups "
                         f"with at least {minimum} complete responses each; compare its means "
                         "with caution.")
        else:
            lines.append(f"- **{md_text(field)}**: " + md_text(invariance_sentence(ladder, field)))
    return "\n".join(lines)


def structure_methods(fit: Any, ladders: dict[str, pd.DataFrame | None]) -> str:
    """The structure sentences of the methods paragraph."""
    from analysis.structure import structure_methods as sentences

    return sentences(fit, ladders)


def language_note(study: Study, *, min_group_size: int = 5) -> str:
    """One Markdown paragraph: which language versions were analysed and why not others."""
    inst = study.instrument
    counts = language_counts(study)
    names = {t: (inst.language_info[t].name if t in inst.language_info else t) for t in counts.index}
    listed = ", ".join(f"{md_text(names[t])} ({md_text(t)}): {int(n)}" for t, n in counts.items())
    if len(counts) < 2:
        return (f"All analysed responses are in one language ({listed}); "
                "there is nothing to compare across languages.")
    rel_min = max(int(min_group_size), LANGUAGE_MIN_N)
    inv_min = max(int(min_group_size), INVARIANCE_MIN_N)
    text = (f"Responses per language version: {listed}. Reliability is shown for versions "
            f"with at least {rel_min} responses; the invariance ladder across languages needs "
            f"at least two versions with {inv_min} or more.")
    review = [f"{md_text(names[t])} ({md_text(inst.language_info[t].review_status)})"
              for t in counts.index if t in inst.language_info
              and inst.language_info[t].review_status not in ("", "original", "reviewed")]
    if review:
        text += " Translation status: " + "; ".join(review) + "."
    return text


# ----------------------------------------------------------- figure groups
def likert_figures(study: Study) -> list[Any]:
    """One diverging Likert figure per scale (all responses analysed)."""
    from analysis.plots import likert_bars

    inst = study.instrument
    figs = []
    for name, spec in inst.scales.items():
        items = [i.id for i in inst.scale_items(name)]
        figs.append(likert_bars(study.included, items=items, levels=inst.value_labels(items[0]),
                                title=f"{spec.label}: answers per item"))
    return figs


def group_figures(study: Study, *, min_group_size: int = 5) -> list[Any]:
    """Per grouping field: networking and socializing means (95 % CI) and the
    balance means, small groups suppressed."""
    from analysis.plots import group_points

    figs = []
    for g in study.groups:
        labels = study.instrument.value_labels(g)
        figs.append(group_points(study.scores, dv=["networking", "socializing"], group=g,
                                 labels=labels, min_group_size=min_group_size))
        figs.append(group_points(study.scores, dv="balance", group=g, labels=labels,
                                 min_group_size=min_group_size, reference=0.0))
    return figs


def comparison_table(comparisons: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """The comparison table for display: the main columns and ``significant``
    (``p_adj < alpha``), rounded to 3 decimals (4 for p values)."""
    cols = ["dv", "group", "test", "k", "n", "statistic", "df1", "df2", "p", "p_adj",
            "effect", "estimate", "levene_p", "suppressed", "reason"]
    out = comparisons[[c for c in cols if c in comparisons.columns]].copy()
    out.insert(out.columns.get_loc("p_adj") + 1, "significant", out["p_adj"] < alpha)
    rounding = {c: 4 for c in ("p", "p_adj", "levene_p")}
    rounding.update({c: 3 for c in ("statistic", "df1", "df2", "estimate")})
    return out.round(rounding)


def methods(study: Study, *, reliability: pd.DataFrame | None = None,
            comparisons: pd.DataFrame | None = None, regression: pd.DataFrame | None = None,
            alpha: float = 0.05, structure: str | None = None) -> str:
    """:func:`analysis.methods.methods_paragraph` for this study
    (``structure``: :func:`structure_methods`)."""
    from analysis.methods import methods_paragraph

    return methods_paragraph(instrument=study.instrument, n_total=study.n_total,
                             n_excluded=study.n_excluded, exclusion_rule=study.exclusion_rule,
                             reliability=reliability, structure=structure, comparisons=comparisons,
                             regression=regression, alpha=alpha, seed=study.seed,
                             data_sha256=study.data_sha256, packages=package_versions())


# ------------------------------------------------------------------ report
_SCRIPT_SRC = re.compile(r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.I)
_CDN_MODULE = re.compile(r"<script type=\"module\">(?:(?!</script>).)*?https?://(?:(?!</script>).)*</script>",
                         re.S | re.I)


def _html(notebook: Any, *, show_code: bool, title: str, stamp_json: str) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=not show_code, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True)
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    # self-contained: drop scripts from CDNs (require.js, MathJax); nothing needs them
    body = _CDN_MODULE.sub("", _SCRIPT_SRC.sub("", body))
    tag = (f'<script type="application/json" id="netsoc-stamp">{stamp_json}</script>')
    return body.replace("</head>", tag + "\n</head>", 1)


def _ipc_kernel_manager() -> type:
    """A kernel manager talking to its kernel over Unix sockets in the run's
    temporary folder instead of loopback TCP (no open port).  The kernel's own
    log lines (stderr) are dropped so the command prints only its result;
    errors in cells still arrive through papermill."""
    import subprocess

    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
            kw.setdefault("stderr", subprocess.DEVNULL)
            await super().start_kernel(**kw)

    return IPCKernelManager


def build_report(*, out: str | os.PathLike[str], data: str | os.PathLike[str] | None = None,
                 db: str | None = None, cohort: str | None = None,
                 group_fields: str | list[str] = DEFAULT_GROUPS, exclusion: str = "any",
                 alpha: float = 0.05, correction: str = "holm", min_group_size: int = 5,
                 seed: int = 2026, show_code: bool = False, timeout: int = 600,
                 notebook: str | os.PathLike[str] = NOTEBOOK,
                 keep_notebook: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Execute the analysis notebook on a snapshot of the input and write HTML.

    Parameters
    ----------
    out : path
        The HTML file to write (its folder is created).
    data, db, cohort
        The input, as :func:`load_responses`.
    group_fields, exclusion, alpha, correction, min_group_size, seed
        Notebook parameters (see the notebook's parameters cell).
    show_code : bool
        Include the code cells (hidden by default).
    timeout : int
        Seconds allowed per notebook cell.
    keep_notebook : path, optional
        Also save the executed notebook here.

    Returns
    -------
    dict
        The stamp (:func:`stamp`) plus ``out``, the path written.

    Raises
    ------
    DataError
        Bad input (as :func:`prepare`), or the notebook failed (the message
        names the failing cell's error).
    """
    import nbformat
    import papermill as pm
    from survey.io import write_responses

    inst = load_instrument()
    if not 0 < float(alpha) < 1:
        raise DataError(f"alpha: got {alpha!r}; expected a significance level between 0 and 1")
    responses, source = load_responses(data=data, db=db, cohort=cohort, instrument=inst)
    digest = data_hash(responses, inst)
    file_digest = sha256_file(data) if data is not None else None
    out_path = Path(out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="netsoc-report-") as tmp:
        snapshot = write_responses(responses, Path(tmp) / "responses.parquet", inst)
        executed = Path(tmp) / "executed.ipynb"
        params = dict(data=str(snapshot), db=None, cohort=None, source=source,
                      group_fields=", ".join(_names(group_fields)), exclusion=exclusion,
                      alpha=float(alpha), correction=correction,
                      min_group_size=int(min_group_size), seed=int(seed),
                      expected_sha256=digest, file_sha256=file_digest)
        try:
            pm.execute_notebook(str(notebook), str(executed), parameters=params,
                                kernel_name="python3", progress_bar=False, cwd=tmp,
                                execution_timeout=timeout, log_output=False,
                                kernel_manager_class=_ipc_kernel_manager())
        except pm.PapermillExecutionError as exc:
            raise DataError(f"report: the analysis notebook failed in cell {exc.cell_index}: "
                            f"{exc.ename}: {exc.evalue}") from None
        nb = nbformat.read(executed, as_version=4)
        for i, cell in enumerate(nb.cells):   # papermill's injected cell gets a random id
            cell["id"] = f"cell-{i}"
        if keep_notebook is not None:
            nbformat.write(nb, keep_notebook)
    info = {
        "instrument_id": inst.id, "instrument_version": inst.version, "source": source,
        "n_responses": len(responses), "data_sha256": digest,
        "file_sha256": file_digest, "seed": int(seed),
        "parameters": {k: v for k, v in params.items()
                       if k not in ("data", "db", "expected_sha256", "file_sha256")},
        "packages": package_versions(),
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    title = f"netsoc report - {inst.id} {inst.version}"
    text = _html(nb, show_code=show_code, title=title,
                 stamp_json=json.dumps(info, sort_keys=True).replace("</", "<\\/"))
    out_path.write_text(text, encoding="utf-8")
    info["out"] = str(out_path)
    return info
