"""The default questionnaire and every instrument-validation error case."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from netsoc.cli import main
from tests.conftest import require
from survey.errors import InstrumentError
from survey.instrument import DEFAULT_INSTRUMENT, ORIENTATIONS, load_instrument

RAW = yaml.safe_load(DEFAULT_INSTRUMENT.read_text(encoding="utf-8"))


def write(tmp_path: Path, raw: dict, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def mutated(fn) -> dict:
    raw = copy.deepcopy(RAW)
    fn(raw)
    return raw


# ------------------------------------------------------------ the default one
def test_default_instrument_has_the_required_content(instrument):
    assert re.fullmatch(r"\d+\.\d+\.\d+", instrument.version)
    assert len(instrument.facets) == 8
    for orient in ORIENTATIONS:
        for facet in instrument.facets:
            assert len(instrument.scale_items(orient, facet)) >= 2, (orient, facet)
    scored = instrument.scale_items("networking") + instrument.scale_items("socializing")
    assert len(scored) >= 32
    reverse_share = sum(i.keying == "reverse" for i in scored) / len(scored)
    assert 0.25 <= reverse_share <= 0.42
    assert len(instrument.scale_items("intentionality")) >= 4
    assert len(instrument.attention_checks) >= 2
    assert {"role", "career_stage", "work_mode", "age_band", "introversion"} <= set(instrument.field_ids)
    assert set(instrument.choice_fields["work_mode"].options) >= {"remote", "hybrid", "onsite"}
    assert instrument.comment is not None and instrument.cohort.max_length > 0


def test_every_item_names_a_seed_and_an_idea(instrument):
    for item in instrument.items:
        assert item.source.seed in {"000", "001"}, item.id
        assert len(item.source.idea.split()) >= 3, item.id
    seeds = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    if seeds.is_dir():  # beside the repo on developer machines and in CI
        prefixes = {p.name[:3] for p in seeds.iterdir()}
        assert {i.source.seed for i in instrument.items} <= prefixes


def test_item_wording_is_our_own_not_copied_from_the_seeds(instrument):
    seeds = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    require(seeds.is_dir(), "shared/seeds is not beside this checkout")
    text = " ".join(p.read_text(encoding="utf-8").lower() for p in seeds.iterdir())
    for item in instrument.items:
        words = re.findall(r"[a-z']+", item.text.lower())
        # no run of 8 consecutive words appears verbatim in a seed
        for k in range(len(words) - 7):
            assert " ".join(words[k:k + 8]) not in text, item.id


def test_codebook_has_one_row_per_variable(instrument):
    book = instrument.codebook()
    expected = instrument.question_ids + instrument.field_ids + [instrument.comment.id]
    assert book["variable"].tolist() == expected
    row = book.set_index("variable").loc["net_purpose_2"]
    assert row["keying"] == "reverse" and row["facet"] == "purpose"
    assert row["value_labels"].startswith("1=Strongly disagree; 2=Disagree")
    assert book.set_index("variable").loc["attn_1", "expected"] == 2


def test_loading_twice_returns_an_equal_instrument():
    assert load_instrument() == load_instrument(DEFAULT_INSTRUMENT)


# ------------------------------------------------------------ error cases
CASES = {
    "unknown top-level key": (lambda r: r.update(colour="blue"), r"colour: unknown key"),
    "unknown item key": (lambda r: r["items"][0].update(weight=2),
                         r"items\[0\] \(id 'net_purpose_1'\)\.weight: unknown key"),
    "duplicate id": (lambda r: r["items"][1].update(id="net_purpose_1"),
                     r"duplicate id 'net_purpose_1'"),
    "undefined scale": (lambda r: r["items"][2].update(scale="charisma"),
                        r"id 'soc_purpose_1'\): scale 'charisma' is not defined"),
    "undefined facet": (lambda r: r["items"][3].update(facet="mood"),
                        r"id 'soc_purpose_2'\): facet 'mood' is not defined"),
    "bad keying": (lambda r: r["items"][0].update(keying="backwards"),
                   r"items\[0\] \(id 'net_purpose_1'\)\.keying: .*'forward' or 'reverse'.*'backwards'"),
    "attention answer off the scale": (lambda r: r["attention_checks"][0].update(expected=7),
                                       r"id 'attn_1'\): expected answer 7 is outside the response values"),
    "non-consecutive codes": (lambda r: r["response_scales"]["agree5"]["values"].update({7: "Very"}),
                              r"response_scales\.agree5\.values: .*consecutive"),
    "undefined response scale": (lambda r: r["items"][4].update(response_scale="yesno"),
                                 r"id 'net_context_1'\): response_scale 'yesno' is not defined"),
    "profile gap": (lambda r: r["profiles"][2].update(balance=[-0.1, 0.15]),
                    r"no profile covers balance -0.15..-0.1"),
    "profile overlap": (lambda r: r["profiles"][2].update(balance=[-0.2, 0.15]),
                        r"overlap"),
    "engagement level gap": (lambda r: r["scoring"]["engagement_levels"][1].update(min=2.6),
                             r"engagement_levels: values from 2.5 to 2.6 are not covered"),
    "missing section": (lambda r: r.pop("feedback"), r"feedback: required key is missing"),
    "bad version": (lambda r: r.update(version="one"), r"version: .*'one'"),
    "share out of range": (lambda r: r["scales"]["networking"].update(min_answered_share=1.5),
                           r"scales\.networking\.min_answered_share"),
    "missing intentionality text": (lambda r: r["feedback"]["intentionality"].pop("high"),
                                    r"feedback\.intentionality: needs a text for each level"),
}


@pytest.mark.fault("instrument file: inconsistent definition", expect="one error naming file, item and problem")
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_bad_instrument_gives_one_clear_error(tmp_path, case):
    fn, pattern = CASES[case]
    path = write(tmp_path, mutated(fn))
    with pytest.raises(InstrumentError) as info:
        load_instrument(path)
    message = str(info.value)
    assert str(path) in message
    assert re.search(pattern, message), message


def test_all_problems_are_listed_at_once(tmp_path):
    def two(r):
        r["items"][0]["scale"] = "charisma"
        r["items"][5]["facet"] = "mood"
    with pytest.raises(InstrumentError) as info:
        load_instrument(write(tmp_path, mutated(two)))
    assert len(info.value.problems) >= 2


@pytest.mark.fault("instrument file: malformed or unsafe YAML", expect="clear error, nothing executed")
@pytest.mark.parametrize("text, pattern", [
    ("id: [unclosed\n", r"malformed YAML \(line \d+, column \d+\)"),
    ("base: &a {x: 1}\nother: *a\n", r"aliases .* are not allowed"),
    ("- just\n- a list\n", r"expected a mapping of sections"),
    ("!!python/object/apply:os.system ['echo hi']\n", r"malformed YAML"),
])
def test_unsafe_or_malformed_yaml_is_refused(tmp_path, text, pattern):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InstrumentError, match=pattern):
        load_instrument(path)


def test_missing_file_and_non_utf8(tmp_path):
    with pytest.raises(InstrumentError, match="instrument file not found"):
        load_instrument(tmp_path / "nope.yaml")
    path = tmp_path / "latin.yaml"
    path.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InstrumentError, match="not UTF-8"):
        load_instrument(path)


# ------------------------------------------------------------ command line
def test_validate_instrument_command(tmp_path, capsys):
    assert main(["validate-instrument", str(DEFAULT_INSTRUMENT)]) == 0
    assert capsys.readouterr().out.startswith("OK:")
    bad = write(tmp_path, mutated(CASES["bad keying"][0]))
    assert main(["validate-instrument", str(bad)]) == 1
    out = capsys.readouterr()
    assert "keying" in out.out and "Traceback" not in out.out + out.err


def test_codebook_command(tmp_path, capsys):
    out = tmp_path / "codebook.csv"
    assert main(["codebook", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("variable,kind,text")
