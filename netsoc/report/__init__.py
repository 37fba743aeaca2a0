"""The reproducible analysis report: ``notebooks/02_analysis.ipynb`` executed
with papermill and converted to one self-contained file.

Rooms
-----
options
    :class:`ReportOptions`, the one home of the report's defaults.
inputs
    Reading the responses, the canonical data hash.
study
    :class:`Study` (what a run works on, with its options) and the stamp.
sections, languages, structure
    What the notebook's sections compute and show.
build
    :func:`build_report`, what ``netsoc report`` calls.
bundle
    :func:`build_bundle`, the self-describing study zip.
norms
    :func:`build_norms`, reference norms from collected responses.

The notebook does ``from netsoc import report`` and calls the names below.
"""

from __future__ import annotations

from netsoc.report.build import NOTEBOOK, build_report
from netsoc.report.inputs import canonical_lines, data_hash, load_responses, sha256_file
from netsoc.report.languages import (
    LANGUAGE_MIN_N,
    invariance_by_language,
    language_counts,
    language_labels,
    language_note,
    language_table,
    reliability_by_language,
)
from netsoc.report.options import DEFAULT_GROUPS, DEFAULT_OUTCOMES, ReportOptions
from netsoc.report.sections import (
    descriptives,
    group_figures,
    likert_figures,
    methods,
    regression_data,
    regression_formula,
    score_columns,
)
from netsoc.report.structure import (
    INVARIANCE_MIN_N,
    structure_fit,
    structure_ladders,
    structure_methods,
    structure_note,
)
from netsoc.report.study import (
    PACKAGES,
    Study,
    md_text,
    package_versions,
    prepare,
    show_stamp,
    stamp,
    stamp_markdown,
)

__all__ = [
    "ReportOptions",
    "Study",
    "load_responses",
    "canonical_lines",
    "data_hash",
    "sha256_file",
    "prepare",
    "stamp",
    "stamp_markdown",
    "show_stamp",
    "md_text",
    "package_versions",
    "descriptives",
    "likert_figures",
    "group_figures",
    "methods",
    "language_labels",
    "language_table",
    "regression_data",
    "score_columns",
    "regression_formula",
    "build_report",
    "NOTEBOOK",
    "PACKAGES",
    "DEFAULT_GROUPS",
    "DEFAULT_OUTCOMES",
    "language_counts",
    "reliability_by_language",
    "invariance_by_language",
    "language_note",
    "LANGUAGE_MIN_N",
    "INVARIANCE_MIN_N",
    "structure_fit",
    "structure_ladders",
    "structure_note",
    "structure_methods",
]
