"""The translators' round trip: netsoc translations export / import."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from netsoc.cli import main
from survey.errors import DataError
from survey.instrument import DEFAULT_INSTRUMENT, load_instrument
from survey.languages import text_slots
from survey.translations import export_translations, import_translations, read_translations


@pytest.fixture
def inst_file(tmp_path) -> Path:
    path = tmp_path / "inst.yaml"
    shutil.copyfile(DEFAULT_INSTRUMENT, path)
    return path


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def test_export_has_one_row_per_text_with_stable_ids(inst_file, tmp_path):
    out = tmp_path / "de.csv"
    text = export_translations("de", out, instrument=inst_file)
    rows = rows_of(out.read_text(encoding="utf-8-sig"))
    assert rows == rows_of(text)
    assert rows[0] == ["id", "en", "de"]
    ids = [r[0] for r in rows[1:]]
    import yaml

    raw = yaml.safe_load(inst_file.read_text(encoding="utf-8"))
    assert ids == [s.id for s in text_slots(raw)] and len(set(ids)) == len(ids)
    by_id = {r[0]: r[1:] for r in rows[1:]}
    assert by_id["items.net_purpose_1.text"][0].startswith("I go to events")
    assert by_id["ui.next"] == ["Next", "Weiter"]
    assert by_id["fields.role.options.sales"][1] == "Vertrieb oder Geschäftsentwicklung"
    assert by_id["response_scales.agree5.values.1"] == ["Strongly disagree", "Stimme überhaupt nicht zu"]
    assert all(r[2] for r in rows[1:])  # German is complete
    assert not any(i.endswith(".idea") or i.endswith(".seed") for i in ids)  # sources stay English


def test_round_trip_is_byte_identical(inst_file, tmp_path):
    before = inst_file.read_bytes()
    csv_path = tmp_path / "de.csv"
    export_translations("de", csv_path, instrument=inst_file)
    res = import_translations(csv_path, instrument=inst_file)
    assert not res.written and inst_file.read_bytes() == before
    # really rewriting the file (to another path) gives the same bytes too
    copy = tmp_path / "copy.yaml"
    res = import_translations(csv_path, instrument=inst_file, out=copy)
    assert res.written and copy.read_bytes() == before


def test_a_new_language_goes_in_validated_and_round_trips(inst_file, tmp_path):
    en_before = load_instrument(inst_file)
    de_before = en_before.localized("de")
    rows = rows_of(export_translations("es", instrument=inst_file))
    assert all(r[2] == "" for r in rows[1:])
    filled = [rows[0]] + [[i, src, f"ES {src}"] for i, src, _ in rows[1:]]
    # texts that YAML would read as something else when written bare
    tricky = {
        "fields.role.options.sales": "no",
        "fields.role.options.other": "1.5",
        "fields.role.options.na": "2026-01-01",
        "fields.work_mode.options.remote": "null",
        "fields.work_mode.options.hybrid": "# pas un commentaire",
        "fields.work_mode.options.onsite": "- tiret: deux-points",
        "fields.age_band.options.18_24": "'guillemets' et \"doubles\"",
        "ui.copy": "Copier\navec saut de ligne",
    }
    filled = [[i, s, tricky.get(i, t)] for i, s, t in filled]
    csv_path = write_csv(tmp_path / "es.csv", filled)
    with pytest.raises(DataError, match="new language .* give its name"):
        import_translations(csv_path, instrument=inst_file)
    res = import_translations(
        csv_path, instrument=inst_file, name="Español", translator="test", date="2026-11-28"
    )
    assert res.written and res.added == len(filled) - 1 and res.changed == 0
    inst = load_instrument(inst_file)
    assert inst.languages == ("en", "de", "fr", "es")
    assert inst.language_info["es"].review_status == "machine-assisted, needs native review"
    fr = inst.localized("es")
    assert fr.items[0].text == "ES " + en_before.items[0].text
    assert fr.choice_fields["role"].options["sales"] == "no"
    assert fr.choice_fields["role"].options["other"] == "1.5"
    assert fr.choice_fields["role"].options["na"] == "2026-01-01"
    assert fr.choice_fields["work_mode"].options == {
        "remote": "null",
        "hybrid": "# pas un commentaire",
        "onsite": "- tiret: deux-points",
        "na": "ES Prefer not to say",
    }
    assert fr.choice_fields["age_band"].options["18_24"] == "'guillemets' et \"doubles\""
    assert fr.ui["copy"] == "Copier\navec saut de ligne"
    # the other languages, the ids, the comments and the seeds are untouched
    assert inst == en_before.model_copy(
        update={"languages": ("en", "de", "fr", "es"), "language_info": inst.language_info}
    )
    assert inst.localized("de").items == de_before.items
    text = inst_file.read_text(encoding="utf-8")
    assert "  # ---- purpose ----\n  - id: net_purpose_1\n" in text
    assert "source: {seed: 000, idea:" in text
    # and the new language round-trips byte for byte
    before = inst_file.read_bytes()
    again = tmp_path / "es2.csv"
    export_translations("es", again, instrument=inst_file)
    assert rows_of(again.read_text(encoding="utf-8-sig")) == filled
    assert not import_translations(again, instrument=inst_file).written
    out = tmp_path / "rewritten.yaml"
    import_translations(again, instrument=inst_file, out=out)
    assert out.read_bytes() == before


def _german_rows(inst_file: Path) -> list[list[str]]:
    return rows_of(export_translations("de", instrument=inst_file))


BAD = {
    "missing id": (lambda rows: rows[:5] + rows[6:], r"items\.|facets\.|scales\.|: missing"),
    "unknown id": (lambda rows: rows + [["items.nope.text", "x", "y"]], r"items\.nope\.text: unknown id"),
    "duplicate id": (lambda rows: rows + [rows[3]], r"appears more than once"),
    "empty translation": (
        lambda rows: [r if r[0] != "ui.next" else [r[0], r[1], " "] for r in rows],
        r"ui\.next: the 'de' translation is empty",
    ),
    "changed source": (
        lambda rows: [r if r[0] != "title" else [r[0], "Old title", r[2]] for r in rows],
        r"title: the 'en' source text changed since the export",
    ),
    "wrong header": (
        lambda rows: [["key", "source", "translation"]] + rows[1:],
        r"expected the header 'id,<source language>,<language>'",
    ),
    "wrong source language": (lambda rows: [["id", "fr", "de"]] + rows[1:], r"source column is 'fr'"),
    "default language as target": (
        lambda rows: [["id", "en", "en"]] + rows[1:],
        r"'en' is the instrument's default language",
    ),
    "invalid target tag": (lambda rows: [["id", "en", "German"]] + rows[1:], r"'German' is not a BCP 47 tag"),
    "short row": (lambda rows: rows[:3] + [["ui.next", "Next"]] + rows[3:], r"expected 3 columns"),
    "changes an existing translation": (
        lambda rows: [r if r[0] != "ui.next" else [r[0], r[1], "Vorwärts"] for r in rows],
        r"would replace 1 existing 'de' translation\(s\) \(first: ui\.next\); pass --force",
    ),
}


@pytest.mark.fault("translations import: a bad CSV", expect="clear error, the file is left as it was")
@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_import_writes_nothing(inst_file, tmp_path, case):
    fn, pattern = BAD[case]
    before = inst_file.read_bytes()
    path = write_csv(tmp_path / "de.csv", fn(_german_rows(inst_file)))
    with pytest.raises(DataError, match=pattern):
        import_translations(path, instrument=inst_file)
    assert inst_file.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["de.csv", "inst.yaml"]  # no temp left


def test_force_replaces_existing_translations(inst_file, tmp_path):
    rows = [r if r[0] != "ui.next" else [r[0], r[1], "Vorwärts"] for r in _german_rows(inst_file)]
    path = write_csv(tmp_path / "de.csv", rows)
    res = import_translations(path, instrument=inst_file, force=True)
    assert res.written and res.changed == 1 and res.added == 0
    assert load_instrument(inst_file).localized("de").ui["next"] == "Vorwärts"


def test_a_translation_that_breaks_the_instrument_is_refused(inst_file, tmp_path):
    rows = [r if r[0] != "items.net_purpose_1.text" else [r[0], r[1], "Ja"] for r in _german_rows(inst_file)]
    path = write_csv(tmp_path / "de.csv", rows)
    before = inst_file.read_bytes()
    with pytest.raises(Exception, match=r"the 'de' version"):
        import_translations(path, instrument=inst_file, force=True)
    assert inst_file.read_bytes() == before


def test_read_translations_reports_the_languages(inst_file, tmp_path):
    path = tmp_path / "de.csv"
    export_translations("de", path, instrument=inst_file)
    src, lang, rows = read_translations(path)
    assert (src, lang) == ("en", "de") and rows[0][0] == 2  # line numbers for messages


def test_cli_round_trip_and_errors(inst_file, tmp_path, capsys):
    out = tmp_path / "de.csv"
    assert (
        main(["translations", "export", "--lang", "de", "--out", str(out), "--instrument", str(inst_file)])
        == 0
    )
    assert "texts to translate into de" in capsys.readouterr().out
    assert (
        main(["translations", "export", "--lang", "de", "--out", str(out), "--instrument", str(inst_file)])
        == 1
    )
    err = capsys.readouterr().err
    assert "exists already; pass --force" in err and len(err.strip().splitlines()) == 1
    assert (
        main(
            [
                "translations",
                "export",
                "--lang",
                "de",
                "--out",
                str(out),
                "--force",
                "--instrument",
                str(inst_file),
            ]
        )
        == 0
    )
    capsys.readouterr()
    before = inst_file.read_bytes()
    assert main(["translations", "import", str(out), "--instrument", str(inst_file)]) == 0
    assert "unchanged" in capsys.readouterr().out and inst_file.read_bytes() == before
    bad = write_csv(tmp_path / "bad.csv", [["id", "en", "de"], ["ui.next", "Next", ""]])
    assert main(["translations", "import", str(bad), "--instrument", str(inst_file)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("netsoc translations: error:") and "nothing was written" in err
    assert "Traceback" not in err and inst_file.read_bytes() == before
    assert main(["translations", "export", "--lang", "de"]) == 0  # stdout, shipped file
    assert capsys.readouterr().out.startswith("id,en,de\n")


# Texts that are the same word in the other language (loanwords, cognates).
SAME_AS_ENGLISH = {
    "de": {
        "scales.networking.label",
        "fields.work_mode.options.remote",
        "fields.work_mode.options.hybrid",
        "ui.workshop",
        "ui.balance",
        "ui.balance_heading",
    },
    "fr": {"facets.collaboration.label", "ui.column_score", "ui.table_score"},
}


@pytest.mark.parametrize("lang", sorted(SAME_AS_ENGLISH))
def test_shipped_translations_leave_nothing_in_english(lang):
    rows = rows_of(export_translations(lang))
    same = {i for i, src, tr in rows[1:] if src == tr}
    assert same == SAME_AS_ENGLISH[lang]
    assert all(tr.strip() for _, _, tr in rows[1:])
