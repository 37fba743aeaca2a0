"""The feedback's "more detail": what the profile means, the scores with their likely
ranges, the facets, and what each orientation is for.

Blocks are data (:class:`DetailBlock`), drawn by the survey's form module and
by :func:`netsoc.feedback.result_html` alike.  Reference percentiles appear
only when the caller passes a reference (real norms, or illustration norms
asked for explicitly).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analysis.individual import score_range
from netsoc.feedback.charts import NET_COLOR, SOC_COLOR, facets_svg, scores_svg
from netsoc.feedback.reference import Reference
from netsoc.feedback.texts import fmt_number, fmt_percent, ordinal, text
from survey.instrument import Instrument, Profile

__all__ = ["DetailBlock", "detail_blocks", "SCORES_TABLE_ID", "FACETS_TABLE_ID"]

#: Element ids of the two tables the charts' ``aria-describedby`` point at.
SCORES_TABLE_ID = "netsoc-feedback-scores"
FACETS_TABLE_ID = "netsoc-feedback-facets"
_DASH = "\u2013"


@dataclass(frozen=True)
class DetailBlock:
    """One block of "more detail".

    ``kind`` is ``"text"`` (``heading`` and ``paragraphs``), ``"table"``
    (``id``, ``caption``, ``columns``, ``rows``: each row a row header and its
    cells) or ``"figure"`` (``svg`` and ``caption``).  Every string is plain
    text (escape it when drawing), except ``svg``: markup built here with every
    text escaped, whose ``aria-describedby`` names a table of the same details.
    """

    kind: str
    heading: str | None = None
    paragraphs: tuple[str, ...] = ()
    id: str | None = None
    caption: str | None = None
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    svg: str | None = None


def _num(inst: Instrument, x: float, sign: bool = False) -> str:
    return _DASH if x != x else fmt_number(x, inst.language, 2, sign=sign)


def _label(inst: Instrument, score: str) -> str:
    return inst.scales[score].label if score in inst.scales else text(inst, "balance")


def _percentile(inst: Instrument, ref: tuple[float, float, float], ci: float) -> str:
    pct, low, high = (min(max(round(v), 1), 99) if v == v else _DASH for v in ref)
    return text(
        inst,
        "percentile",
        ordinal=ordinal(pct, inst.language),  # type: ignore[arg-type]
        level=fmt_percent(ci, inst.language),
        low=low,
        high=high,
    )


def _workshop(inst: Instrument, row: Mapping[str, Any], cohort: str | None) -> str:
    if row["cohort_band"] is not None:
        return text(inst, f"band_{row['cohort_band']}")
    return text(inst, "cohort_waiting") if cohort else text(inst, "no_cohort")


def _reference_note(inst: Instrument, ref: Reference) -> str:
    if ref.n is not None and ref.collected:
        line = text(inst, "reference_line", n=f"{ref.n:,}", population=ref.population, dates=ref.collected)
    else:
        line = text(inst, "reference_line_short", population=ref.population)
    return line + (" " + text(inst, "reference_synthetic") if ref.synthetic else "")


def _scores(
    inst: Instrument, rows: Sequence[Mapping[str, Any]], ref: Reference | None, cohort: str | None, ci: float
) -> list[DetailBlock]:
    columns = [text(inst, "column_score"), text(inst, "column_you")]
    if ref is not None:
        columns.append(text(inst, "column_reference"))
    if cohort:
        columns.append(text(inst, "column_workshop"))
    table = [_score_cells(inst, r, ref, cohort, ci, len(columns)) for r in rows]
    plain = [r for r in rows if r["score"] != "balance"]
    lo, hi = score_range(inst, "networking")
    entries = [
        text(
            inst,
            "score_entry",
            label=_label(inst, r["score"]),
            value=_num(inst, r["estimate"]),
            low=_num(inst, r["ci_low"]),
            high=_num(inst, r["ci_high"]),
        )
        for r in plain
        if not math.isnan(r["estimate"]) and not math.isnan(r["ci_low"])
    ]
    summary = text(inst, "scores_summary", lo=f"{lo:g}", hi=f"{hi:g}", scores="; ".join(entries))
    svg = _scores_chart(inst, plain, ref, summary, lo, hi)
    blocks = _chart_with_table(
        inst,
        "scores_chart_title",
        summary,
        svg,
        DetailBlock(
            kind="table",
            id=SCORES_TABLE_ID,
            columns=tuple(columns),
            rows=tuple(table),
            caption=text(inst, "scores_caption", level=fmt_percent(ci, inst.language)),
        ),
    )
    if ref is not None:
        blocks.append(DetailBlock(kind="text", paragraphs=(_reference_note(inst, ref),)))
    return blocks


def _score_cells(
    inst: Instrument, r: Mapping[str, Any], ref: Reference | None, cohort: str | None, ci: float, width: int
) -> tuple[str, ...]:
    """One row of the scores table: the score, you (with the likely range), the reference
    sample and the workshop, as the columns ask."""
    bal = r["score"] == "balance"
    if math.isnan(r["estimate"]):
        return (_label(inst, r["score"]), text(inst, "not_scored"), *[_DASH] * (width - 2))
    you = _num(inst, r["estimate"], bal)
    if not math.isnan(r["ci_low"]):
        likely = text(
            inst, "likely_range", low=_num(inst, r["ci_low"], bal), high=_num(inst, r["ci_high"], bal)
        )
        you += f" ({likely})"
    cells = [_label(inst, r["score"]), you]
    if ref is not None:
        cells.append(_percentile(inst, r["reference"], ci) if r["reference"] else _DASH)
    if cohort:
        cells.append(_workshop(inst, r, cohort))
    return tuple(cells)


def _scores_chart(
    inst: Instrument,
    plain: Sequence[Mapping[str, Any]],
    ref: Reference | None,
    summary: str,
    lo: float,
    hi: float,
) -> str:
    """The scores as a chart: each score with its likely range (and the reference mean)."""
    colors = {"networking": NET_COLOR, "socializing": SOC_COLOR}
    return scores_svg(
        [
            (
                _label(inst, r["score"]),
                r["estimate"],
                r["ci_low"],
                r["ci_high"],
                r["norm_mean"] if ref is not None else math.nan,
                colors.get(r["score"], "#1a1a1a"),
            )
            for r in plain
        ],
        lo,
        hi,
        legend=(
            text(inst, "legend_you"),
            text(inst, "legend_range"),
            text(inst, "legend_reference") if ref is not None else "",
        ),
        label=summary,
        described_by=SCORES_TABLE_ID,
    )


def _chart_with_table(
    inst: Instrument, title_key: str, summary: str, svg: str, table: DetailBlock
) -> list[DetailBlock]:
    """A chart (captioned by its title and summary sentence) and the table of its numbers."""
    caption = f"{text(inst, title_key)}. {summary} {text(inst, 'table_hint')}"
    return [DetailBlock(kind="figure", svg=svg, caption=caption), table]


def _facets(inst: Instrument, facets: Sequence[Mapping[str, Any]]) -> list[DetailBlock]:
    lo, hi = score_range(inst, "networking")
    diffs = [f["difference"] for f in facets if not math.isnan(f["difference"])]
    summary = text(
        inst,
        "facets_summary",
        more=sum(d > 0 for d in diffs),
        total=len(facets),
        less=sum(d < 0 for d in diffs),
    )
    net, soc = inst.scales["networking"].label, inst.scales["socializing"].label
    svg = facets_svg(
        [(f["label"], f["networking"], f["socializing"]) for f in facets],
        lo,
        hi,
        legend=(net, soc),
        label=summary,
        described_by=FACETS_TABLE_ID,
    )
    return _chart_with_table(
        inst,
        "facets_chart_title",
        summary,
        svg,
        DetailBlock(
            kind="table",
            id=FACETS_TABLE_ID,
            caption=text(inst, "facets_caption", lo=f"{lo:g}", hi=f"{hi:g}"),
            columns=(text(inst, "column_facet"), net, soc),
            rows=tuple(
                (f["label"], _num(inst, f["networking"]), _num(inst, f["socializing"])) for f in facets
            ),
        ),
    )


def detail_blocks(
    inst: Instrument,
    rows: Sequence[Mapping[str, Any]],
    facets: Sequence[Mapping[str, Any]],
    profile: Profile | None,
    reference: Reference | None,
    *,
    cohort: str | None,
    ci: float,
) -> tuple[DetailBlock, ...]:
    """The "more detail" blocks, in order.

    Parameters
    ----------
    inst : Instrument
        Localized to the participant's language.
    rows : sequence of mappings
        :func:`analysis.individual.score_rows` with a ``reference`` entry.
    facets : sequence of mappings
        :func:`analysis.individual.facet_rows`.
    profile : Profile or None
    reference : Reference or None
        Shown only when given (see :func:`netsoc.feedback.feedback_data`).
    cohort : str or None
    ci : float
    """
    fb = inst.feedback
    blocks: list[DetailBlock] = []
    if profile is not None:
        blocks.append(
            DetailBlock(
                kind="text",
                heading=text(inst, "profile_heading", profile=profile.label),
                paragraphs=(profile.interpretation,),
            )
        )
    blocks += _scores(inst, rows, reference, cohort, ci)
    blocks += _facets(inst, facets)
    blocks.append(
        DetailBlock(
            kind="text",
            heading=text(inst, "orientations_heading"),
            paragraphs=tuple(
                f"{inst.scales[o].label}: {fb.orientations[o]}" for o in ("networking", "socializing")
            ),
        )
    )
    blocks.append(DetailBlock(kind="text", heading=text(inst, "balance_heading"), paragraphs=(fb.balance,)))
    return tuple(blocks)
