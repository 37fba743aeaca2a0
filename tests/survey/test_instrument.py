"""The default questionnaire and every instrument-validation error case."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from netsoc.cli import main
from survey.errors import InstrumentError
from survey.instrument import DEFAULT_INSTRUMENT, ORIENTATIONS, load_instrument
from tests.helpers import ROOT, answer_bounds, require

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
    seeds = ROOT.parent / "shared" / "seeds"
    if seeds.is_dir():  # beside the repo on developer machines and in CI
        prefixes = {p.name[:3] for p in seeds.iterdir()}
        assert {i.source.seed for i in instrument.items} <= prefixes


def test_item_wording_is_our_own_not_copied_from_the_seeds(instrument):
    seeds = ROOT.parent / "shared" / "seeds"
    require(seeds.is_dir(), "shared/seeds is not beside this checkout")
    text = " ".join(p.read_text(encoding="utf-8").lower() for p in seeds.iterdir())
    for item in instrument.items:
        words = re.findall(r"[a-z']+", item.text.lower())
        # no run of 8 consecutive words appears verbatim in a seed
        for k in range(len(words) - 7):
            assert " ".join(words[k : k + 8]) not in text, item.id


def test_codebook_has_one_row_per_variable(instrument):
    from survey.codebook import codebook

    book = codebook(instrument)
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
    "unknown item key": (
        lambda r: r["items"][0].update(weight=2),
        r"items\[0\] \(id 'net_purpose_1'\)\.weight: unknown key",
    ),
    "duplicate id": (lambda r: r["items"][1].update(id="net_purpose_1"), r"duplicate id 'net_purpose_1'"),
    "undefined scale": (
        lambda r: r["items"][2].update(scale="charisma"),
        r"id 'soc_purpose_1'\): scale 'charisma' is not defined",
    ),
    "undefined facet": (
        lambda r: r["items"][3].update(facet="mood"),
        r"id 'soc_purpose_2'\): facet 'mood' is not defined",
    ),
    "bad keying": (
        lambda r: r["items"][0].update(keying="backwards"),
        r"items\[0\] \(id 'net_purpose_1'\)\.keying: .*'forward' or 'reverse'.*'backwards'",
    ),
    "attention answer off the scale": (
        lambda r: r["attention_checks"][0].update(expected=7),
        r"id 'attn_1'\): expected answer 7 is outside the response values",
    ),
    "non-consecutive codes": (
        lambda r: r["response_scales"]["agree5"]["values"].update({7: "Very"}),
        r"response_scales\.agree5\.values: .*consecutive",
    ),
    "undefined response scale": (
        lambda r: r["items"][4].update(response_scale="yesno"),
        r"id 'net_context_1'\): response_scale 'yesno' is not defined",
    ),
    "profile gap": (
        lambda r: r["profiles"][2].update(balance=[-0.1, 0.15]),
        r"no profile covers balance -0.15..-0.1",
    ),
    "profile overlap": (lambda r: r["profiles"][2].update(balance=[-0.2, 0.15]), r"overlap"),
    "engagement level gap": (
        lambda r: r["scoring"]["engagement_levels"][1].update(min=2.6),
        r"engagement_levels: values from 2.5 to 2.6 are not covered",
    ),
    "missing section": (lambda r: r.pop("feedback"), r"feedback: required key is missing"),
    "bad version": (lambda r: r.update(version="one"), r"version: .*'one'"),
    "share out of range": (
        lambda r: r["scales"]["networking"].update(min_answered_share=1.5),
        r"scales\.networking\.min_answered_share",
    ),
    "missing intentionality text": (
        lambda r: r["feedback"]["intentionality"].pop("high"),
        r"feedback\.intentionality: needs a text for each level",
    ),
}


@pytest.mark.fault(
    "instrument file: inconsistent definition", expect="one error naming file, item and problem"
)
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_bad_instrument_gives_one_clear_error(tmp_path, case):
    assert_refused(tmp_path, *CASES[case])


def assert_refused(tmp_path: Path, fn, pattern: str) -> None:
    """The mutated shipped file is refused with a message naming it and matching ``pattern``."""
    path = write(tmp_path, mutated(fn))
    with pytest.raises(InstrumentError) as info:
        load_instrument(path)
    message = str(info.value)
    assert str(path) in message
    assert re.search(pattern, message, re.S), message


def test_all_problems_are_listed_at_once(tmp_path):
    def two(r):
        r["items"][0]["scale"] = "charisma"
        r["items"][5]["facet"] = "mood"

    with pytest.raises(InstrumentError) as info:
        load_instrument(write(tmp_path, mutated(two)))
    assert len(info.value.problems) >= 2


@pytest.mark.fault("instrument file: malformed or unsafe YAML", expect="clear error, nothing executed")
@pytest.mark.parametrize(
    "text, pattern",
    [
        ("id: [unclosed\n", r"malformed YAML \(line \d+, column \d+\)"),
        ("base: &a {x: 1}\nother: *a\n", r"aliases .* are not allowed"),
        ("- just\n- a list\n", r"expected a mapping of sections"),
        ("!!python/object/apply:os.system ['echo hi']\n", r"malformed YAML"),
    ],
)
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


# ------------------------------------------------------------------ languages
from survey.instrument import negotiate_language  # noqa: E402
from survey.languages import parse_accept_language, text_slots  # noqa: E402


def test_shipped_instrument_offers_english_german_and_french(instrument):
    assert instrument.default_language == "en" and instrument.language == "en"
    assert instrument.languages[0] == "en" and "de" in instrument.languages
    de = instrument.localized("de")
    assert de.language == "de" and de.languages == instrument.languages
    meta = instrument.language_info["de"]
    assert meta.name == "Deutsch" and meta.translator and meta.date
    assert meta.review_status == "machine-assisted, needs native review"
    # existing consumers: plain English strings, exactly as before
    assert instrument.title == "Networking and socializing balance"
    assert instrument.value_labels("net_purpose_1")[5] == "Strongly agree"
    assert de.value_labels("net_purpose_1")[5] == "Stimme voll und ganz zu"
    assert de.consent.text.startswith("In diesem Fragebogen")
    fr = instrument.localized("fr")
    assert fr.language_info["fr"].name == "Français" and fr.ui["next"] == "Suivant"
    assert fr.value_labels("net_purpose_1")[5] == "Tout à fait d'accord"


@pytest.mark.parametrize("tag", ["de", "fr"])
def test_a_language_version_changes_texts_only(instrument, tag):
    de = instrument.localized(tag)
    assert de.item_ids == instrument.item_ids and de.question_ids == instrument.question_ids
    assert de.field_ids == instrument.field_ids
    for f in instrument.choice_fields:
        assert list(de.choice_fields[f].options) == list(instrument.choice_fields[f].options)
    assert [(i.scale, i.facet, i.keying, i.source) for i in de.items] == [
        (i.scale, i.facet, i.keying, i.source) for i in instrument.items
    ]  # seeds stay traceable
    assert de.scoring.model_dump(
        exclude={"engagement_levels": {"__all__": {"label"}}, "intentionality_levels": {"__all__": {"label"}}}
    ) == instrument.scoring.model_dump(
        exclude={"engagement_levels": {"__all__": {"label"}}, "intentionality_levels": {"__all__": {"label"}}}
    )
    assert set(de.ui) == set(instrument.ui)
    differ = sum(a.text != b.text for a, b in zip(instrument.items, de.items))
    assert differ == len(instrument.items)  # every statement is translated, none left in English
    for key, text in instrument.ui.items():  # the program fills the same placeholders
        assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", de.ui[key])), key


def test_attention_checks_name_the_label_of_their_expected_answer(instrument):
    for tag in instrument.languages:
        inst = instrument.localized(tag)
        for a in inst.attention_checks:
            label = inst.value_labels(a.id)[a.expected]
            assert label in a.text, (tag, a.id, label)


def test_localized_copies_are_cached_and_shared(instrument):
    de = instrument.localized("de")
    assert instrument.localized("de") is de
    assert de.localized("en") is instrument and instrument.localized("en") is instrument
    assert instrument.localized("DE") is de
    fresh = load_instrument()  # (the session's instrument may have left the load cache by now)
    assert load_instrument() is fresh and fresh.localized("de") is fresh.localized("de")  # one load, one set
    assert de.ui["progress"].format(page=2, pages=7) == "Seite 2 von 7"
    assert instrument.ui["next"] == "Next" and de.ui["next"] == "Weiter"


def test_unknown_language_names_it_and_the_offered_ones(instrument):
    with pytest.raises(InstrumentError, match=r"'es' is not offered .*en, de, fr"):
        instrument.localized("es")


LANG_CASES = {
    "missing text": (
        lambda r: r["items"][0]["text"].pop("de"),
        r"items\.net_purpose_1\.text: no text in 'de' \(Deutsch\)",
    ),
    "plain string in a two-language file": (
        lambda r: r["fields"][0].update(label="Your role?"),
        r"fields\.role\.label: no text in 'de'",
    ),
    "empty text": (
        lambda r: r["consent"]["agree_label"].update(de="  "),
        r"consent\.agree_label: no text in 'de'",
    ),
    "missing option label": (
        lambda r: r["fields"][1]["options"]["mid"].pop("de"),
        r"fields\.career_stage\.options\.mid: no text in 'de'",
    ),
    "missing ui word": (lambda r: r["ui"]["next"].pop("de"), r"ui\.next: no text in 'de'"),
    "missing answer label": (
        lambda r: r["response_scales"]["agree5"]["values"][3].pop("de"),
        r"response_scales\.agree5\.values\.3: no text in 'de'",
    ),
    "missing profile text": (
        lambda r: r["profiles"][1]["advice"].pop("de"),
        r"profiles\.socializer\.advice: no text in 'de'",
    ),
    "missing feedback text": (
        lambda r: r["feedback"]["intentionality"]["low"].pop("de"),
        r"feedback\.intentionality\.low: no text in 'de'",
    ),
    "language not listed": (
        lambda r: r["items"][2]["text"].update(es="Busco la compañía de otros."),
        r"items\.soc_purpose_1\.text: has a text in 'es', which is not listed",
    ),
    "invalid tag in a text map": (
        lambda r: r["title"].update(deutsch="Titel"),
        r"title: 'deutsch' is not a BCP 47 language tag",
    ),
    "invalid tag in languages": (
        lambda r: r["languages"].update({"EN_us": {"name": "x"}}),
        r"languages: 'EN_us' is not a BCP 47 language tag",
    ),
    "invalid default language": (
        lambda r: r.update(default_language="english"),
        r"default_language: 'english' is not a BCP 47",
    ),
    "default language not listed": (
        lambda r: r["languages"].pop("en"),
        r"languages: the default language 'en' is not listed",
    ),
    "language without a name": (
        lambda r: r["languages"]["de"].pop("name"),
        r"languages\.de\.name: required key is missing",
    ),
    "placeholder changed": (
        lambda r: r["ui"]["progress"].update(de="Seite {seite} von {pages}"),
        r"ui\.progress: the 'de' text has placeholders \['pages', 'seite'\]",
    ),
    "a field named language": (
        lambda r: r["fields"][2].update(id="language"),
        r"fields: id 'language' is reserved for response metadata",
    ),
    "too short in one language": (
        lambda r: r["items"][0]["text"].update(de="Ja"),
        r"the 'de' version.*items\[0\] \(id 'net_purpose_1'\)\.text",
    ),
}


@pytest.mark.fault(
    "instrument file: a language incomplete or inconsistent",
    expect="error naming the item or field and the language",
)
@pytest.mark.parametrize("case", sorted(LANG_CASES))
def test_each_language_problem_is_named(tmp_path, case):
    assert_refused(tmp_path, *LANG_CASES[case])


def test_structure_problems_are_listed_with_language_problems(tmp_path):
    def two(r):
        r["items"][0]["text"].pop("de")
        r["items"][1]["keying"] = "sideways"

    with pytest.raises(InstrumentError) as info:
        load_instrument(write(tmp_path, mutated(two)))
    text = "\n".join(map(str, info.value.problems))
    assert "net_purpose_1.text: no text in 'de'" in text and "keying" in text


def test_validate_instrument_prints_every_missing_text(tmp_path, capsys):
    def strip_german(r):
        for item in r["items"]:
            item["text"].pop("de")

    path = write(tmp_path, mutated(strip_german))
    assert main(["validate-instrument", str(path)]) == 1
    out = capsys.readouterr().out
    for item in RAW["items"]:  # all 37, not only the first few
        assert f"items.{item['id']}.text: no text in 'de' (Deutsch)" in out
    assert main(["validate-instrument"]) == 0
    out = capsys.readouterr().out
    assert "de (Deutsch): machine-assisted, needs native review" in out


def test_single_language_files_and_the_old_language_key_still_load(tmp_path):
    def english_only(r):
        r.pop("languages")
        r.pop("default_language")
        r["language"] = "en"
        for slot in list(text_slots(r)):
            if isinstance(slot.value, dict):
                slot.container[slot.key] = slot.value["en"]
        r.pop("ui")  # UI words come from the shipped questionnaire

    inst = load_instrument(write(tmp_path, mutated(english_only)))
    assert inst.languages == ("en",) and inst.language == "en"
    assert inst.ui["next"] == "Next" and inst.title == RAW["title"]["en"]


def test_a_file_in_another_language_gets_the_shipped_ui_words_of_that_language(tmp_path):
    def german_only(r):
        r["default_language"] = "de"
        r["languages"] = {"de": r["languages"]["de"]}
        for slot in list(text_slots(r)):
            if isinstance(slot.value, dict):
                slot.container[slot.key] = slot.value["de"]
        r.pop("ui")

    inst = load_instrument(write(tmp_path, mutated(german_only)))
    assert inst.languages == ("de",) and inst.ui["next"] == "Weiter"


def test_norms_may_be_a_path_next_to_the_instrument(tmp_path):
    inst = load_instrument(write(tmp_path, mutated(lambda r: r.update(norms="norms/ref.yaml"))))
    assert inst.norms_path == tmp_path / "norms" / "ref.yaml"
    shipped = load_instrument()
    assert shipped.norms_path == Path(shipped.source_path).parent / "netsoc-norms.yaml"


@pytest.mark.parametrize(
    "requested, header, expected",
    [
        ("de", None, "de"),
        ("DE", "en", "de"),
        ("de-AT", None, "de"),  # region cut back to the language
        ("xx", "de-CH,de;q=0.9,en;q=0.8", "de"),  # unknown ?lang ignored, browser next
        (None, "es-MX, es;q=0.9, en;q=0.8, de;q=0.7", "en"),
        (None, "es, de;q=0.5, en;q=0.4", "de"),
        (None, "fr-CA", "fr"),
        ("fr", "de", "fr"),
        (None, "en;q=0.2, de;q=0.9", "de"),  # q-values, not header order
        (None, "de;q=0, en", "en"),  # q=0 means "not acceptable"
        (None, "es, *;q=0.5", "en"),  # anything: the default
        (None, "ja", "en"),
        (None, ";;;,q=1,,", "en"),  # malformed header
        ("", "", "en"),
        (None, None, "en"),
    ],
)
def test_negotiate_language(instrument, requested, header, expected):
    assert negotiate_language(instrument, requested, header) == expected


def test_accept_language_parsing():
    assert parse_accept_language("de-CH,de;q=0.9,en;q=0.8,fr;q=0") == ["de-CH", "de", "en"]
    assert parse_accept_language("en;q=0.5, de") == ["de", "en"]
    assert parse_accept_language("x" * 100) == []
    assert parse_accept_language(None) == []


def test_a_stored_response_scores_the_same_in_every_language(store_url, instrument):
    """Same codes stored under each language (SQLite and PostgreSQL) -> identical scores."""
    from analysis.scoring import score
    from survey.store import open_store

    rng = np.random.default_rng(15)
    store = open_store(store_url, instrument=instrument)
    answers = {q: int(rng.integers(*answer_bounds(instrument, q))) for q in instrument.question_ids}
    answers.update(consent=True, role="sales", comment="ok")
    for tag in instrument.languages:
        store.submit(answers, language=tag, cohort="WS")
    frame = store.to_frame()
    assert sorted(frame["language"]) == sorted(instrument.languages)
    scored = {
        tag: score(frame[frame["language"] == tag].reset_index(drop=True), instrument.localized(tag))
        for tag in instrument.languages
    }
    en = scored[instrument.default_language].drop(columns=["respondent_id"], errors="ignore")
    for result in scored.values():
        pd.testing.assert_frame_equal(result.drop(columns=["respondent_id"], errors="ignore"), en)
    store.close()


def test_codebook_in_another_language(tmp_path, capsys):
    out = tmp_path / "codebook_de.csv"
    assert main(["codebook", "--lang", "de", "--out", str(out)]) == 0
    book = pd.read_csv(out)
    row = book.set_index("variable").loc["net_purpose_1"]
    assert row["text"].startswith("Ich gehe") and "5=Stimme voll und ganz zu" in row["value_labels"]
    assert row["source"].startswith("seed 000:")  # the seed idea stays as written
    assert main(["codebook", "--lang", "xx"]) == 1
    assert "'xx' is not offered" in capsys.readouterr().err


def test_a_key_given_twice_is_refused(tmp_path):
    # YAML keeps the last of two equal keys silently; an instrument must not
    text = DEFAULT_INSTRUMENT.read_text(encoding="utf-8") + "\nui:\n  next: Weiter\n"
    path = tmp_path / "twice.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"duplicate key 'ui'"):
        load_instrument(path)
