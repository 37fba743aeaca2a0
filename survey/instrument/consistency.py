"""Internal consistency of an instrument: ids, scales, facets, levels and profiles.

Structure (types, required keys) is pydantic's job (:mod:`survey.instrument.model`);
this module finds what a valid structure can still get wrong: a duplicate
or reserved id, an item of an undefined scale, levels or profiles that leave a
gap or overlap, norms outside the response range.
"""

from __future__ import annotations

from survey.instrument.model import ORIENTATIONS, REQUIRED_SCALES, AttentionCheck, Instrument, Item, Norms
from survey.schema import RESERVED_IDS

__all__ = ["consistency_problems", "tiling_problems", "profile_problems"]


def tiling_problems(name: str, intervals: list[tuple[str, float, float]], lo: float, hi: float) -> list[str]:
    """Check that [min, max) intervals cover [lo, hi] with no gap or overlap."""
    problems = []
    for iid, a, b in intervals:
        if not a < b:
            problems.append(f"{name} {iid!r}: min {a} must be below max {b}")
    if problems:
        return problems
    ordered = sorted(intervals, key=lambda t: t[1])
    edge = lo
    for iid, a, b in ordered:
        if a > edge + 1e-12:
            problems.append(
                f"{name}: values from {edge} to {a} are not covered by any level (gap before {iid!r})"
            )
        elif a < edge - 1e-12:
            problems.append(f"{name} {iid!r}: starts at {a}, overlapping the level that ends at {edge}")
        edge = max(edge, b)
    if ordered[0][1] > lo + 1e-12 and not any(a <= lo for _, a, _ in ordered):
        pass  # already reported as a gap
    if edge < hi - 1e-12:
        problems.append(f"{name}: values from {edge} to {hi} are not covered by any level")
    return problems


def profile_problems(inst: Instrument, emin: float, emax: float) -> list[str]:
    """Profiles must tile balance [-1, 1] x engagement [emin, emax]."""
    problems = []
    for p in inst.profiles:
        (b0, b1), (e0, e1) = p.balance, p.engagement
        if not (b0 < b1 and e0 < e1):
            problems.append(
                f"profiles {p.id!r}: each range needs min below max, got balance "
                f"{list(p.balance)}, engagement {list(p.engagement)}"
            )
        if b0 < -1 or b1 > 1:
            problems.append(f"profiles {p.id!r}: balance range {list(p.balance)} lies outside [-1, 1]")
        if e0 < emin or e1 > emax:
            problems.append(
                f"profiles {p.id!r}: engagement range {list(p.engagement)} lies outside [{emin}, {emax}]"
            )
    if problems:
        return problems
    bs = sorted({-1.0, 1.0, *(v for p in inst.profiles for v in p.balance)})
    es = sorted({emin, emax, *(v for p in inst.profiles for v in p.engagement)})
    for b0, b1 in zip(bs, bs[1:]):
        for e0, e1 in zip(es, es[1:]):
            bm, em = (b0 + b1) / 2, (e0 + e1) / 2
            hits = [
                p.id
                for p in inst.profiles
                if p.balance[0] <= bm < p.balance[1] and p.engagement[0] <= em < p.engagement[1]
            ]
            if not hits:
                problems.append(
                    f"profiles: no profile covers balance {b0}..{b1} with engagement {e0}..{e1} (a gap)"
                )
            elif len(hits) > 1:
                problems.append(f"profiles: {hits} overlap at balance {b0}..{b1}, engagement {e0}..{e1}")
    return problems


def consistency_problems(inst: Instrument) -> list[str]:
    """Every consistency problem of ``inst`` (empty when there is none).

    What refers to what (ids, scales, facets, response scales) is checked first;
    the scoring, feedback and norms are checked only once those hold, since they
    read the response range of the items.
    """
    problems = _id_problems(inst) + _reference_problems(inst) + _coverage_problems(inst)
    if problems:
        return problems
    ranges = {
        (inst.response_scales[q.response_scale].min, inst.response_scales[q.response_scale].max)
        for q in inst.items
    }
    if len(ranges) > 1:
        return [f"items: scored items must share one response range, found {sorted(ranges)}"]
    ((lo, hi),) = ranges
    return _scoring_problems(inst, lo, hi) + _feedback_problems(inst) + _norm_problems(inst, lo, hi)


def _id_problems(inst: Instrument) -> list[str]:
    """Ids used twice across the sections, and ids reserved for response metadata."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    every = [("items", q.id) for q in inst.items]
    every += [("attention_checks", q.id) for q in inst.attention_checks]
    every += [("fields", f.id) for f in inst.fields]
    every += [("consent", inst.consent.id)]
    if inst.comment is not None:
        every.append(("comment", inst.comment.id))
    for section, qid in every:
        if qid in seen:
            problems.append(f"{section}: duplicate id {qid!r} (already used in {seen[qid]})")
        seen.setdefault(qid, section)
    for section, qid in every:
        if qid in RESERVED_IDS:
            problems.append(f"{section}: id {qid!r} is reserved for response metadata")
    return problems


def _reference_problems(inst: Instrument) -> list[str]:
    """Scales, facets and response scales that questions name but the file does not define."""
    problems = [
        f"scales: the {s!r} scale is required by scoring but not defined"
        for s in REQUIRED_SCALES
        if s not in inst.scales
    ]
    for q in inst.items:
        if q.scale not in inst.scales:
            problems.append(
                f"items (id {q.id!r}): scale {q.scale!r} is not defined in scales "
                f"(defined: {sorted(inst.scales)})"
            )
        if q.facet is not None and q.facet not in inst.facets:
            problems.append(
                f"items (id {q.id!r}): facet {q.facet!r} is not defined in facets "
                f"(defined: {sorted(inst.facets)})"
            )
        if q.scale in ORIENTATIONS and q.facet is None:
            problems.append(f"items (id {q.id!r}): {q.scale} items need a facet")
    questions: list[Item | AttentionCheck] = [*inst.items, *inst.attention_checks]
    for question in questions:
        if question.response_scale not in inst.response_scales:
            problems.append(
                f"{'items' if isinstance(question, Item) else 'attention_checks'} (id {question.id!r}): "
                f"response_scale {question.response_scale!r} is not defined in response_scales"
            )
    for a in inst.attention_checks:
        rs = inst.response_scales.get(a.response_scale)
        if rs is not None and a.expected not in rs.values:
            problems.append(
                f"attention_checks (id {a.id!r}): expected answer {a.expected} is outside the "
                f"response values {sorted(rs.values)}"
            )
    return problems


def _coverage_problems(inst: Instrument) -> list[str]:
    """Scales no item measures, and facets lacking an item of an orientation."""
    problems = [f"scales {s!r}: no item measures this scale" for s in inst.scales if not inst.scale_items(s)]
    for orient in ORIENTATIONS:
        for f in inst.facets:
            if orient in inst.scales and not inst.scale_items(orient, f):
                problems.append(f"facets {f!r}: has no {orient} item")
    return problems


def _scoring_problems(inst: Instrument, lo: float, hi: float) -> list[str]:
    """The levels must tile the response range ``[lo, hi]`` and the profiles the plane."""
    problems = tiling_problems(
        "scoring.engagement_levels",
        [(lv.id, lv.min, lv.max) for lv in inst.scoring.engagement_levels],
        lo,
        hi,
    )
    problems += tiling_problems(
        "scoring.intentionality_levels",
        [(lv.id, lv.min, lv.max) for lv in inst.scoring.intentionality_levels],
        lo,
        hi,
    )
    problems += profile_problems(inst, lo, hi)
    ids = [p.id for p in inst.profiles]
    problems += [f"profiles: duplicate id {dup!r}" for dup in sorted({i for i in ids if ids.count(i) > 1})]
    return problems


def _feedback_problems(inst: Instrument) -> list[str]:
    """The feedback needs a text for every intentionality level and every orientation."""
    problems = []
    want = {lv.id for lv in inst.scoring.intentionality_levels}
    if set(inst.feedback.intentionality) != want:
        problems.append(
            f"feedback.intentionality: needs a text for each level {sorted(want)}, "
            f"got {sorted(inst.feedback.intentionality)}"
        )
    if set(inst.feedback.orientations) != set(ORIENTATIONS):
        problems.append(
            f"feedback.orientations: needs texts for {list(ORIENTATIONS)}, "
            f"got {sorted(inst.feedback.orientations)}"
        )
    return problems


def _norm_problems(inst: Instrument, lo: float, hi: float) -> list[str]:
    """Norm means must lie inside the range their score can take."""
    if not isinstance(inst.norms, Norms):
        return []
    problems = []
    for name in ("networking", "socializing", "intentionality"):
        n = getattr(inst.norms, name)
        if not (lo <= n.mean <= hi):
            problems.append(f"norms.{name}: mean {n.mean} lies outside the response range {lo}..{hi}")
    if not (-1 <= inst.norms.balance.mean <= 1):
        problems.append(f"norms.balance: mean {inst.norms.balance.mean} lies outside [-1, 1]")
    return problems
