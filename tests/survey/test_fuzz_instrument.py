"""Fuzzing the instrument loader: whatever the file holds, the outcome is the
validated instrument or one InstrumentError, never another exception."""

from __future__ import annotations

import copy
import re

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.errors import InstrumentError
from survey.instrument import DEFAULT_INSTRUMENT, MAX_FILE_BYTES, load_instrument

RAW = yaml.safe_load(DEFAULT_INSTRUMENT.read_text(encoding="utf-8"))
SECTIONS = sorted(RAW)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=True), st.text(max_size=30)
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def load_text(tmp_path, text: str | bytes):
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    try:
        return load_instrument(path)
    except InstrumentError as exc:
        assert str(path) in str(exc)
        return exc


@pytest.mark.fault("instrument file: random bytes", expect="InstrumentError naming the file")
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_random_bytes(tmp_path, data):
    assert isinstance(load_text(tmp_path, data), InstrumentError)


@pytest.mark.fault(
    "instrument file: a section replaced by random data", expect="InstrumentError naming the section"
)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(section=st.sampled_from(SECTIONS), value=values)
def test_a_section_replaced_by_random_data(tmp_path, section, value):
    raw = copy.deepcopy(RAW)
    raw[section] = value
    result = load_text(tmp_path, yaml.safe_dump(raw))
    if isinstance(result, InstrumentError) and section not in (
        "description",
        "language",
        "default_language",
        "languages",
    ):
        assert section in str(result) or "problem" in str(result)


@pytest.mark.fault(
    "instrument file: an item field replaced by random data", expect="InstrumentError naming the item"
)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    index=st.integers(0, len(RAW["items"]) - 1),
    key=st.sampled_from(["id", "text", "scale", "facet", "keying", "source", "required", "extra"]),
    value=values,
)
def test_an_item_field_replaced(tmp_path, index, key, value):
    raw = copy.deepcopy(RAW)
    raw["items"][index][key] = value
    result = load_text(tmp_path, yaml.safe_dump(raw))
    if isinstance(result, InstrumentError):
        assert "items" in str(result) or "duplicate" in str(result) or "facets" in str(result)


@pytest.mark.fault("instrument file: missing sections", expect="InstrumentError listing each")
@pytest.mark.parametrize("section", SECTIONS)
def test_each_section_removed(tmp_path, section):
    raw = copy.deepcopy(RAW)
    raw.pop(section)
    result = load_text(tmp_path, yaml.safe_dump(raw))
    optional = {
        "description",
        "language",
        "estimated_minutes",
        "attention_checks",
        "fields",
        "comment",
        "cohort",
        "default_language",
        "languages",
        "ui",
        "norms",
    }
    if section in optional:
        assert not isinstance(result, InstrumentError) or "problem" in str(result)
    else:
        assert isinstance(result, InstrumentError) and section in str(result)


BOMB = """a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
"""


@pytest.mark.fault(
    "instrument file: YAML bombs, cycles, tags, oversize", expect="refused before anything is built"
)
@pytest.mark.parametrize(
    "text, pattern",
    [
        (BOMB, "aliases"),
        ("a: &x [1, *x]\n", "aliases"),  # a cycle
        ("a: !!python/name:os.system\n", "malformed YAML"),
        ("a: !custom 3\n", "malformed YAML"),
        ("[" * 5000 + "]" * 5000, r"malformed YAML: nested too deeply"),  # deep nesting
        ("", "expected a mapping"),
        ("id: netsoc\n", "required key is missing"),
    ],
)
def test_hostile_yaml(tmp_path, text, pattern):
    result = load_text(tmp_path, text)
    assert isinstance(result, InstrumentError)
    assert re.search(pattern, str(result)), str(result)


@pytest.mark.fault(
    "instrument file: YAML bombs, cycles, tags, oversize", expect="refused before anything is built"
)
def test_oversize_file_is_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * (MAX_FILE_BYTES + 10), encoding="utf-8")
    with pytest.raises(InstrumentError, match="limited to"):
        load_instrument(path)
