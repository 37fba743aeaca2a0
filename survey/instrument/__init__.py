"""The questionnaire as validated data.

An instrument is a YAML file (``survey/instruments/netsoc.yaml`` by default)
that holds every item, scale, facet, grouping field, scoring threshold,
profile and feedback text.  :func:`load_instrument` reads it with a safe
loader, checks its structure with pydantic and its internal consistency with
:func:`~survey.instrument.consistency.consistency_problems`, and returns a frozen :class:`Instrument`.

Languages: the file names its ``default_language`` and ``languages``; any
visible text may be a map ``{tag: text}`` (see :mod:`survey.languages`).
The loader checks that every listed language has every text, then builds
and validates one :class:`Instrument` per language whose texts are plain
strings; :func:`load_instrument` returns the default-language one and
:meth:`Instrument.localized` the others.  :func:`negotiate_language` picks a
participant's language.

The package's rooms: :mod:`~survey.instrument.model` (the pydantic models),
:mod:`~survey.instrument.reading` (safe YAML), :mod:`~survey.instrument.consistency`
(ids, levels, profiles), :mod:`~survey.instrument.localize` (languages) and
:mod:`~survey.instrument.load` (putting it together).  Import from here.

This is the lowest layer of netsoc: it imports nothing of ours except the
exception types, :mod:`survey.schema` and :mod:`survey.languages`.
"""

from __future__ import annotations

from survey.instrument.load import instrument_from_dict, load_instrument
from survey.instrument.localize import negotiate_language
from survey.instrument.model import (
    ORIENTATIONS,
    REQUIRED_SCALES,
    AttentionCheck,
    ChoiceField,
    CohortSpec,
    Comment,
    Consent,
    Facet,
    Feedback,
    Instrument,
    Item,
    LanguageInfo,
    Level,
    Norm,
    Norms,
    Profile,
    ResponseScale,
    Scale,
    Scoring,
    Source,
    TextField,
)
from survey.instrument.reading import DEFAULT_INSTRUMENT, MAX_FILE_BYTES, read_yaml

__all__ = [
    "DEFAULT_INSTRUMENT",
    "MAX_FILE_BYTES",
    "ORIENTATIONS",
    "REQUIRED_SCALES",
    "AttentionCheck",
    "ChoiceField",
    "CohortSpec",
    "Comment",
    "Consent",
    "Facet",
    "Feedback",
    "Instrument",
    "Item",
    "LanguageInfo",
    "Level",
    "Norm",
    "Norms",
    "Profile",
    "ResponseScale",
    "Scale",
    "Scoring",
    "Source",
    "TextField",
    "instrument_from_dict",
    "load_instrument",
    "negotiate_language",
    "read_yaml",
]
