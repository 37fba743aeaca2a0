"""What one analysis run works on (:class:`Study`), and its stamp.

Reproducibility
---------------
Every number depends only on the data, the options and the seed.  The stamp
(instrument version, data hash, package versions, seed, options, time of the
run) is built once per run by :func:`stamp`; the notebook shows it at the top
(:func:`show_stamp`) and :func:`netsoc.report.build_report` stores the same
dictionary in the HTML as JSON (``<script type="application/json"
id="netsoc-stamp">``).  Only the time differs between two runs on the same input.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import string
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from netsoc.provenance import PACKAGES as PROVENANCE_PACKAGES
from netsoc.provenance import package_versions as provenance_versions
from netsoc.report.inputs import data_hash, load_responses, sha256_file
from netsoc.report.options import ReportOptions
from netsoc.report.tables import Numbering, ReportFigure, ReportTable
from survey.errors import DataError
from survey.instrument import Instrument, load_instrument

__all__ = [
    "Study",
    "prepare",
    "package_versions",
    "stamp",
    "stamp_markdown",
    "show_stamp",
    "md_text",
    "PACKAGES",
    "STAMP_MIME",
]

#: Packages whose versions are stamped on every report.
PACKAGES = (*PROVENANCE_PACKAGES, "great_tables", "python-docx")
#: The MIME type under which the notebook hands its stamp to build_report.
STAMP_MIME = "application/vnd.netsoc.stamp+json"


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
    options : ReportOptions
        The run's options (groups, outcomes, exclusion, seed, ...).
    source : str
    data_sha256 : str
    file_sha256 : str or None
    cohort : str or None
    """

    instrument: Instrument
    responses: pd.DataFrame
    flags: pd.DataFrame
    included: pd.DataFrame
    scores: pd.DataFrame
    options: ReportOptions
    source: str
    data_sha256: str
    file_sha256: str | None = None
    cohort: str | None = None
    numbering: Numbering = field(default_factory=Numbering)

    @property
    def labels(self) -> Instrument:
        """The instrument in the report's language (labels as participants see them)."""
        lang = self.options.lang
        if lang is None or lang == self.instrument.default_language:
            return self.instrument
        return self.instrument.localized(lang)

    def table(
        self, frame: pd.DataFrame, caption: str, note: str = "", data: pd.DataFrame | None = None
    ) -> ReportTable:
        """The next numbered table."""
        return ReportTable(self.numbering.next_table(), caption, frame, note, data)

    def figure(self, fig: Any, caption: str, alt: str) -> ReportFigure:
        """The next numbered figure (the matplotlib figure is closed)."""
        import io

        import matplotlib.pyplot as plt

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        return ReportFigure(self.numbering.next_figure(), caption, alt, buf.getvalue())

    @property
    def groups(self) -> list[str]:
        return list(self.options.group_fields)

    @property
    def outcomes(self) -> list[str]:
        return list(self.options.outcomes)

    @property
    def exclusion(self) -> str:
        return self.options.exclusion

    @property
    def seed(self) -> int:
        return self.options.seed

    @property
    def parameters(self) -> dict[str, Any]:
        """The options as stamped, with the cohort."""
        return {"cohort": self.cohort, **self.options.stamped()}

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


def prepare(
    *,
    data: str | os.PathLike[str] | None = None,
    db: str | None = None,
    cohort: str | None = None,
    options: ReportOptions | None = None,
    expected_sha256: str | None = None,
    source: str | None = None,
    file_sha256: str | None = None,
    instrument: Instrument | None = None,
    **option_values: Any,
) -> Study:
    """Load, flag, exclude and score: the first step of the analysis notebook.

    Parameters
    ----------
    data, db, cohort
        As :func:`netsoc.report.load_responses`.
    options : ReportOptions, optional
        The run's options; ``option_values`` (``group_fields="role, work_mode"``,
        ``exclusion="all"``, ...) change single ones (``None`` keeps the default).
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

    changes = {k: v for k, v in option_values.items() if v is not None}
    opts = (options or ReportOptions()).replace(**changes) if changes else (options or ReportOptions())
    inst = instrument if instrument is not None else load_instrument()
    responses, read_from = load_responses(data=data, db=db, cohort=cohort, instrument=inst)
    digest = data_hash(responses, inst)
    if expected_sha256 is not None and digest != expected_sha256:
        raise DataError(
            f"data: hash {digest[:12]}... differs from the expected "
            f"{expected_sha256[:12]}...; the input changed"
        )
    unknown = [g for g in opts.group_fields if g not in inst.choice_fields]
    if unknown:
        raise DataError(
            f"group_fields: {unknown} are not choice fields of the instrument "
            f"(expected some of {list(inst.choice_fields)})"
        )
    if opts.lang is not None and opts.lang not in inst.languages:
        raise DataError(
            f"lang: got {opts.lang!r}; expected one of the instrument's languages {list(inst.languages)}"
        )
    exclusion = opts.exclusion
    rule: Literal["any", "all"] = "all" if exclusion == "all" else "any"
    flags = flag_careless(responses, inst, rule=rule)
    keep = ~flags["exclude"].to_numpy() if exclusion != "none" else slice(None)
    included = responses.loc[keep].reset_index(drop=True)
    scores = score(included, inst)
    scores = scores.join(included[[g for g in inst.choice_fields if g in included.columns]])
    missing = [o for o in opts.outcomes if o not in scores.columns]
    if missing:
        raise DataError(
            f"outcomes: {missing} are not score columns (expected some of {list(scores.columns[:8])})"
        )
    return Study(
        instrument=inst,
        responses=responses,
        flags=flags,
        included=included,
        scores=scores,
        options=opts,
        source=source or read_from,
        data_sha256=digest,
        cohort=cohort,
        file_sha256=file_sha256 or (sha256_file(data) if data is not None and source is None else None),
    )


def package_versions() -> dict[str, str]:
    """Versions of Python and of :data:`PACKAGES` (``"not installed"`` if absent)."""
    return provenance_versions(PACKAGES)


def stamp(study: Study, *, time: dt.datetime | None = None) -> dict[str, Any]:
    """What produced this report: instrument, data hash, packages, seed, options, time."""
    when = (time or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return {
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


# every ASCII punctuation character may be backslash-escaped in CommonMark;
# escaping all of them also stops auto-links (http://..., www., e-mail)
_MD_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")


def md_text(text: object) -> str:
    """Text shown literally in Markdown: HTML, links, emphasis and $math$ stay text.

    Used for anything that comes from outside the code (file names, store
    URLs, cohort codes, group labels) before it goes into a Markdown cell.
    """
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def stamp_markdown(study: Study | dict[str, Any], *, time: dt.datetime | None = None) -> str:
    """The stamp as a short Markdown block for the top of the report.

    Takes a :class:`Study` (its stamp is built now) or a stamp from :func:`stamp`.
    The data source, exclusion rule and group names are escaped
    (:func:`md_text`): a file called ``<img onerror=...>.csv`` shows as text.
    """
    s = stamp(study, time=time) if isinstance(study, Study) else study
    opts = s["parameters"]
    pk = ", ".join(f"{k} {v}" for k, v in s["packages"].items())
    lines = [
        f"**Instrument** {s['instrument_id']} {s['instrument_version']} · "
        f"**Data** {md_text(s['source'])}, {s['n_responses']} responses · "
        f"**Data SHA-256** `{s['data_sha256']}`",
    ]
    if s["file_sha256"]:
        lines.append(f"**File SHA-256** `{s['file_sha256']}`")
    lines.append(
        f"**Seed** {s['seed']} · **Exclusion** {md_text(opts['exclusion'])} · "
        f"**Groups** {md_text(', '.join(opts['group_fields'])) or 'none'} · "
        f"**Run** {s['time']}"
    )
    lines.append(f"**Packages** {pk}")
    return "  \n".join(lines)


def show_stamp(study: Study) -> dict[str, Any]:
    """Display the stamp in the notebook and hand the same dictionary to
    ``build_report`` (as :data:`STAMP_MIME` output, which it stores as JSON)."""
    from IPython.display import Markdown, display

    s = stamp(study)
    display(Markdown(stamp_markdown(s)))
    display({STAMP_MIME: s}, raw=True)
    return s
