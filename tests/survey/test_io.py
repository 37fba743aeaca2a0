"""Import and export of response files, through the API and ``netsoc``."""

from __future__ import annotations

import csv
import re

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from netsoc.cli import main
from survey.errors import DataError, ResponseValidationError
from survey.io import neutralise, read_responses, unneutralise, write_responses
from survey.store import SCHEMA_VERSION, open_store
from tests.helpers import answer_bounds

TRICKY = [
    "=1+1",
    "+SUM(A1)",
    "-5 points",
    "@cmd",
    "'=already quoted",
    "plain, with comma",
    'quote "inside"',
    "line\nbreak",
    "Ünïcødé ✓",
    "\ttab first",
]


@pytest.fixture
def filled(tmp_path, instrument, rng):
    """A SQLite store: 34 submitted, 7 drafts, 3 imported rows with gaps."""
    store = open_store(tmp_path / "src.sqlite", instrument=instrument)
    options = {f: list(o.options) for f, o in instrument.choice_fields.items()}
    for i in range(40):
        answers = {q: int(rng.integers(*answer_bounds(instrument, q))) for q in instrument.question_ids}
        if i % 7 == 3:  # some unanswered optional bits and a missing item
            answers[instrument.question_ids[i % 10]] = None
        for f, opts in options.items():
            if rng.random() < 0.8:
                answers[f] = str(rng.choice(opts))
        answers["comment"] = TRICKY[i % len(TRICKY)] if i % 3 else None
        answers["consent"] = True
        if i % 7 == 3:
            store.save_draft(None, answers)  # drafts may be incomplete
            continue
        store.submit(
            answers,
            cohort=["A", "B-2", None][i % 3],
            started_at=pd.Timestamp("2026-05-01 10:00:00.123", tz="UTC") + pd.Timedelta(seconds=i),
            language=["en", "de"][i % 2],
        )
    store.save_draft(None, {"consent": True, instrument.question_ids[0]: 2})
    # imported historic rows: missing items, no timestamps, no cohort
    old = pd.DataFrame(
        rng.integers(1, 6, size=(3, len(instrument.question_ids))), columns=instrument.question_ids
    ).astype("Int64")
    old.iloc[0, 2] = pd.NA
    old.iloc[2, :5] = pd.NA
    store.import_frame(old)
    yield store
    store.close()


def _fresh(tmp_path, instrument, name):
    return open_store(tmp_path / f"{name}.sqlite", instrument=instrument)


def _csv(path, header, rows, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _good_rows(instrument, n, rng):
    header = instrument.question_ids + ["role", "comment"]
    rows = [
        [int(rng.integers(*answer_bounds(instrument, q))) for q in instrument.question_ids] + ["sales", "ok"]
        for _ in range(n)
    ]
    return header, rows


# ------------------------------------------------------------- round trips
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "sav"])
def test_import_export_import_is_lossless(filled, tmp_path, instrument, fmt):
    original = filled.to_frame()
    assert len(original) == 37
    assert original["language"].value_counts().to_dict() == {"de": 17, "en": 20}
    assert original[instrument.question_ids].isna().sum().sum() == 6
    first = tmp_path / f"first.{fmt}"
    write_responses(original, first, instrument, with_ids=True)
    one = _fresh(tmp_path, instrument, "one")
    one.import_frame(read_responses(first, instrument))
    pd.testing.assert_frame_equal(one.to_frame(), original)
    # and once more through the command line
    second = tmp_path / f"second.{fmt}"
    assert main(["export", "--db", str(tmp_path / "one.sqlite"), "--out", str(second), "--with-ids"]) == 0
    assert main(["import", str(second), "--db", str(tmp_path / "two.sqlite")]) == 0
    with _fresh(tmp_path, instrument, "two") as two:
        pd.testing.assert_frame_equal(two.to_frame(), original)


def test_exports_leave_ids_out_unless_asked(filled, tmp_path, instrument, capsys):
    out = tmp_path / "anon.csv"
    assert main(["export", "--db", str(tmp_path / "src.sqlite"), "--out", str(out)]) == 0
    assert "exported 37 responses (without respondent ids)" in capsys.readouterr().out
    table = pd.read_csv(out)
    assert "respondent_id" not in table.columns
    ids = filled.to_frame()["respondent_id"]
    assert not any(rid in out.read_text(encoding="utf-8") for rid in ids)
    # content is otherwise the same
    back = read_responses(out, instrument)
    pd.testing.assert_frame_equal(
        back.drop(columns="respondent_id"), filled.to_frame().drop(columns="respondent_id")
    )


def test_export_by_cohort(filled, tmp_path, instrument):
    out = tmp_path / "a.parquet"
    assert main(["export", "--db", str(tmp_path / "src.sqlite"), "--out", str(out), "--cohort", "A"]) == 0
    assert set(pd.read_parquet(out)["cohort"]) == {"A"}


@pytest.mark.fault("export: formulas in cells", expect="prefixed with ' so spreadsheets show text")
# --------------------------------------------------------------- exporting
def test_formula_injection_is_neutralised(filled, tmp_path, instrument):
    df = filled.to_frame()
    write_responses(df, tmp_path / "x.csv", instrument)
    raw = pd.read_csv(tmp_path / "x.csv", dtype=str, keep_default_na=False)
    comments = set(raw["comment"]) - {""}
    assert {"'=1+1", "'+SUM(A1)", "'-5 points", "'@cmd", "''=already quoted", "plain, with comma"} <= comments
    assert not any(c[0] in "=+-@\t\r" for c in comments)
    # numbers are untouched
    assert raw[instrument.question_ids[0]].str.fullmatch(r"[1-5]|").all()

    write_responses(df, tmp_path / "x.xlsx", instrument)
    sheet = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    values = [c.value for row in sheet.iter_rows(min_row=2) for c in row]
    texts = [v for v in values if isinstance(v, str)]
    assert "'=1+1" in texts and not any(t[0] in "=+-@" for t in texts)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert any(isinstance(v, int) for v in values)


def test_neutralise_is_reversible():
    s = pd.Series(
        ["=a", "'=a", "''=a", "'plain", "plain", None, "-", "@", "\tx", "\rx", "a=b"], dtype="string"
    )
    escaped = neutralise(s)
    assert escaped.tolist()[:5] == ["'=a", "''=a", "'''=a", "'plain", "plain"]
    assert escaped.tolist()[8:] == ["'\tx", "'\rx", "a=b"]
    pd.testing.assert_series_equal(unneutralise(escaped), s)


def test_spss_file_carries_codebook_labels(filled, tmp_path, instrument):
    out = tmp_path / "x.sav"
    write_responses(filled.to_frame(), out, instrument)
    _, meta = pyreadstat.read_sav(str(out), metadataonly=True)
    labels = dict(zip(meta.column_names, meta.column_labels))
    item = instrument.items[0]
    assert labels[item.id] == item.text
    assert meta.variable_value_labels[item.id] == {
        float(k): v for k, v in instrument.value_labels(item.id).items()
    }
    assert meta.variable_value_labels["role"] == instrument.choice_fields["role"].options
    assert labels["language"] == "Language answered in (BCP 47 tag)"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "sav"])
def test_exports_carry_the_language_after_the_metadata(filled, tmp_path, instrument, fmt):
    out = write_responses(filled.to_frame(), tmp_path / f"lang.{fmt}", instrument)
    back = read_responses(out, instrument, validate=False)
    assert list(back.columns[:6]) == [
        "cohort",
        "instrument_id",
        "instrument_version",
        "started_at",
        "submitted_at",
        "language",
    ]
    assert back["language"].tolist() == filled.to_frame()["language"].tolist()


@pytest.mark.fault("export: existing or bad target file", expect="DataError, existing file untouched")
def test_no_silent_overwrite(filled, tmp_path, capsys):
    out = tmp_path / "x.csv"
    out.write_text("precious", encoding="utf-8")
    db = str(tmp_path / "src.sqlite")
    assert main(["export", "--db", db, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "already exists; use --force" in err and "Traceback" not in err
    assert out.read_text(encoding="utf-8") == "precious"
    assert main(["export", "--db", db, "--out", str(out), "--force"]) == 0
    assert out.read_text(encoding="utf-8").startswith("cohort,")


@pytest.mark.fault("export: existing or bad target file", expect="DataError, existing file untouched")
@pytest.mark.parametrize(
    "target, message",
    [
        ("missing_dir/x.csv", "directory .* does not exist"),
        ("adir.csv", "is a directory"),
        ("x.txt", "unsupported file type '.txt'"),
    ],
)
def test_bad_export_targets(filled, tmp_path, monkeypatch, capsys, target, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "adir.csv").mkdir()
    assert main(["export", "--db", "src.sqlite", "--out", target]) == 1
    err = capsys.readouterr().err
    assert re.search(message, err), err
    assert "Traceback" not in err


@pytest.mark.fault("export: empty store", expect="DataError, no file written")
def test_export_of_empty_store_is_an_error(tmp_path, capsys):
    missing = tmp_path / "e.sqlite"
    assert main(["export", "--db", str(missing), "--out", str(tmp_path / "e.csv")]) == 1
    assert f"store {missing}: no such store" in capsys.readouterr().err  # a typo creates nothing
    assert not missing.exists()
    open_store(missing).close()
    assert main(["export", "--db", str(missing), "--out", str(tmp_path / "e.csv")]) == 1
    assert "no submitted responses" in capsys.readouterr().err
    assert not (tmp_path / "e.csv").exists()


# --------------------------------------------------------------- importing
def test_labels_and_numeric_text_become_codes(tmp_path, instrument, rng):
    header, rows = _good_rows(instrument, 3, rng)
    rows[0][0] = " agree "
    rows[1][0] = "Strongly Disagree"
    rows[2][0] = "4"
    rows[0][-2] = "Sales or business development"
    df = read_responses(_csv(tmp_path / "l.csv", header, rows), instrument)
    assert df[instrument.question_ids[0]].tolist() == [4, 1, 4]
    assert df["role"].tolist() == ["sales"] * 3


def test_excel_numbers_and_labels(tmp_path, instrument, rng):
    header, rows = _good_rows(instrument, 2, rng)
    rows[1][1] = "Neither agree nor disagree"
    pd.DataFrame(rows, columns=header).to_excel(tmp_path / "x.xlsx", index=False)
    df = read_responses(tmp_path / "x.xlsx", instrument)
    assert df[instrument.question_ids[1]].iloc[1] == 3
    assert df[instrument.question_ids[0]].tolist() == [r[0] for r in rows]


def test_mapping_file_renames_columns(tmp_path, instrument, rng):
    header, rows = _good_rows(instrument, 2, rng)
    renamed = [f"Q{i + 1}" for i in range(len(instrument.question_ids))] + ["Job", "Notes"]
    path = _csv(tmp_path / "m.csv", renamed, rows)
    mapping_csv = tmp_path / "map.csv"
    pd.DataFrame({"column": renamed, "variable": header}).to_csv(mapping_csv, index=False)
    mapping_yaml = tmp_path / "map.yaml"
    mapping_yaml.write_text("\n".join(f"{a}: {b}" for a, b in zip(renamed, header)), encoding="utf-8")
    for mapping in (mapping_csv, mapping_yaml):
        df = read_responses(path, instrument, mapping=mapping)
        assert df[instrument.question_ids].to_numpy().tolist() == [r[:-2] for r in rows]
    bad = tmp_path / "bad.yaml"
    bad.write_text("Q1: not_an_item\nNOPE: role\n", encoding="utf-8")
    with pytest.raises(DataError, match="does not fit") as info:
        read_responses(path, instrument, mapping=bad)
    assert "['NOPE'] that the file does not have" in str(info.value)
    assert "['not_an_item'] are not variables" in str(info.value)


def _import_fails(tmp_path, args, capsys):
    """Run ``netsoc import`` expecting failure; the store must stay empty."""
    db = tmp_path / "target.sqlite"
    assert main(["import", *map(str, args), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("netsoc import: error: ")
    if db.exists():
        with open_store(db) as s:
            assert s.count(include_drafts=True) == 0
    return err


@pytest.mark.fault(
    "import file: values off the scale or unknown labels",
    expect="ResponseValidationError naming rows and columns; nothing imported",
)
def test_bad_labels_name_rows_and_columns(tmp_path, instrument, rng, capsys):
    header, rows = _good_rows(instrument, 30, rng)
    for r in (4, 9, 17):
        rows[r][2] = "Agreeish"
    rows[20][0] = 6
    rows[21][0] = 2.5
    rows[22][-2] = "astronaut"
    err = _import_fails(tmp_path, [_csv(tmp_path / "b.csv", header, rows)], capsys)
    q = instrument.question_ids
    assert "nothing was imported" in err
    assert f"column '{q[2]}': not a code 1..5 or a label on the scale" in err
    assert "rows 6 ('Agreeish'), 11 ('Agreeish'), 19 ('Agreeish')" in err
    assert f"column '{q[0]}': outside the response scale 1..5 in row 22 (6)" in err
    assert f"column '{q[0]}': not a whole number, expected codes 1..5 in row 23 (2.5)" in err
    assert "column 'role': not one of the options" in err and "row 24 ('astronaut')" in err


@pytest.mark.fault(
    "import file: values off the scale or unknown labels",
    expect="ResponseValidationError naming rows and columns; nothing imported",
)
def test_long_problem_lists_are_capped(tmp_path, instrument, rng):
    header, rows = _good_rows(instrument, 30, rng)
    for r in rows:
        r[: len(instrument.question_ids)] = [9] * len(instrument.question_ids)
    with pytest.raises(ResponseValidationError) as info:
        read_responses(_csv(tmp_path / "c.csv", header, rows), instrument)
    n = len(instrument.question_ids)
    assert len(info.value.problems) == n  # every problem is kept ...
    assert [p.field for p in info.value.problems] == instrument.question_ids
    assert info.value.problems[0].rows == tuple(range(2, 32))  # ... with every row
    listed = str(info.value).splitlines()[1:]
    assert len(listed) == 21  # ... but the message lists 20
    assert listed[-1] == f"  - ... and {n - 20} more problem(s)"
    assert "and 22 more" in listed[0]  # rows capped within a problem too


@pytest.mark.fault("import file: encoding", expect="DataError naming the byte and line; store unchanged")
def test_wrong_encoding(tmp_path, instrument, rng, capsys):
    header, rows = _good_rows(instrument, 3, rng)
    rows[2][-1] = "café"
    path = _csv(tmp_path / "latin.csv", header, rows, encoding="cp1252")
    err = _import_fails(tmp_path, [path], capsys)
    assert "not UTF-8 text" in err and "(line 4)" in err and "--encoding" in err
    assert main(["import", str(path), "--encoding", "cp1252", "--db", str(tmp_path / "ok.sqlite")]) == 0
    with open_store(tmp_path / "ok.sqlite") as s:
        assert s.to_frame()["comment"].tolist()[-1] == "café"


@pytest.mark.fault("import file: duplicate headers", expect="ResponseValidationError naming the column")
def test_duplicate_columns(tmp_path, instrument, rng, capsys):
    header, rows = _good_rows(instrument, 2, rng)
    header[-1] = "role"
    err = _import_fails(tmp_path, [_csv(tmp_path / "d.csv", header, rows)], capsys)
    assert "duplicate column(s) ['role']" in err


@pytest.mark.fault(
    "import file: missing or unknown columns", expect="ResponseValidationError naming them; nothing imported"
)
def test_missing_and_unknown_columns(tmp_path, instrument, rng, capsys):
    header, rows = _good_rows(instrument, 2, rng)
    header[0] = "favourite_colour"
    err = _import_fails(tmp_path, [_csv(tmp_path / "m.csv", header, rows)], capsys)
    assert "unknown column(s) ['favourite_colour']" in err
    assert f"missing column(s) ['{instrument.question_ids[0]}']" in err


@pytest.mark.fault("import file: empty, header only, blank", expect="DataError saying so; store unchanged")
@pytest.mark.parametrize(
    "content, message",
    [
        ("", "the file is empty"),
        ("\n\n  \n", "the file is empty"),
        ("HEADER_ONLY", "has a header but no data rows"),
    ],
)
def test_empty_files(tmp_path, instrument, capsys, content, message):
    if content == "HEADER_ONLY":
        content = ",".join(instrument.question_ids) + "\n"
    path = tmp_path / "e.csv"
    path.write_text(content, encoding="utf-8")
    assert message in _import_fails(tmp_path, [path], capsys)


@pytest.mark.fault("import file: corrupt Excel, Parquet, SPSS", expect="DataError naming the format")
def test_empty_excel_and_corrupt_files(tmp_path, instrument, capsys):
    pd.DataFrame(columns=instrument.question_ids).to_excel(tmp_path / "h.xlsx", index=False)
    assert "no data rows" in _import_fails(tmp_path, [tmp_path / "h.xlsx"], capsys)
    for name, kind in (("c.xlsx", "Excel"), ("c.parquet", "Parquet"), ("c.sav", "SPSS")):
        (tmp_path / name).write_bytes(b"this is not really a " + kind.encode())
        assert f"not a readable {kind}" in _import_fails(tmp_path, [tmp_path / name], capsys)


@pytest.mark.fault("import file: missing or over the size limit", expect="DataError before reading")
def test_missing_file_and_size_limit(tmp_path, instrument, rng, monkeypatch, capsys):
    assert "file not found" in _import_fails(tmp_path, [tmp_path / "nope.csv"], capsys)
    header, rows = _good_rows(instrument, 50, rng)
    path = _csv(tmp_path / "big.csv", header, rows)
    monkeypatch.setenv("NETSOC_MAX_IMPORT_MB", "0.001")
    err = _import_fails(tmp_path, [path], capsys)
    assert "larger than the import limit of 1,048 bytes" in err


@pytest.mark.fault(
    "import file: hostile ids, cohorts, timestamps", expect="ResponseValidationError; store unchanged"
)
def test_repeated_ids_in_one_file(tmp_path, instrument, rng, capsys):
    header, rows = _good_rows(instrument, 3, rng)
    header = ["respondent_id", *header]
    rows = [["ABC", *rows[0]], ["XYZ", *rows[1]], ["ABC", *rows[2]]]
    err = _import_fails(tmp_path, [_csv(tmp_path / "r.csv", header, rows)], capsys)
    assert "the same id appears more than once in rows 2 ('ABC'), 4 ('ABC')" in err


@pytest.mark.fault("import file: ids already in the store", expect="StoreError; nothing imported")
def test_importing_the_same_file_twice_is_refused(tmp_path, filled, instrument, capsys):
    path = tmp_path / "all.csv"
    write_responses(filled.to_frame(), path, instrument, with_ids=True)
    db = str(tmp_path / "twice.sqlite")
    assert main(["import", str(path), "--db", db]) == 0
    assert "imported 37 responses into sqlite:///" in capsys.readouterr().out
    assert main(["import", str(path), "--db", db]) == 1
    assert "37 respondent id(s) are already in the store" in capsys.readouterr().err
    with open_store(db) as s:
        assert s.count() == 37


@pytest.mark.fault(
    "import file: hostile ids, cohorts, timestamps", expect="ResponseValidationError; store unchanged"
)
def test_bad_timestamps_and_other_instrument(tmp_path, instrument, rng, capsys):
    header, rows = _good_rows(instrument, 2, rng)
    header += ["submitted_at", "instrument_id"]
    rows[0] += ["yesterday", "netsoc"]
    rows[1] += ["2026-01-01T10:00:00Z", "other_survey"]
    err = _import_fails(tmp_path, [_csv(tmp_path / "t.csv", header, rows)], capsys)
    assert "column 'submitted_at': not a date and time (ISO 8601 expected) in row 2 ('yesterday')" in err
    assert "column 'instrument_id': responses to another instrument" in err


def test_erase_command(tmp_path, instrument, capsys):
    db = str(tmp_path / "e.sqlite")
    with open_store(db, instrument=instrument) as s:
        rid = s.save_draft(None, {"consent": True})
    assert main(["erase", rid, "--db", db]) == 0
    assert f"erased respondent {rid}" in capsys.readouterr().out
    assert main(["erase", rid, "--db", db]) == 1
    assert "nothing was erased" in capsys.readouterr().err
    assert main(["db-info", "--db", db]) == 0
    assert f"schema version: {SCHEMA_VERSION}" in capsys.readouterr().out


def test_numpy_integer_frame_imports(tmp_path, instrument, rng):
    df = pd.DataFrame(
        rng.integers(1, 6, size=(4, len(instrument.question_ids))), columns=instrument.question_ids
    )
    with _fresh(tmp_path, instrument, "np") as s:
        assert s.import_frame(df) == 4
        got = s.to_frame()[instrument.question_ids].to_numpy(dtype=np.int64)
    assert (got == df.to_numpy()).all()


@pytest.mark.fault("import file: duplicate headers", expect="ResponseValidationError naming the column")
def test_duplicate_headers_in_excel_and_parquet(tmp_path, instrument, rng, capsys):
    import pyarrow as pa
    import pyarrow.parquet as pq

    header, rows = _good_rows(instrument, 2, rng)
    header[-1] = header[0]
    wb = openpyxl.Workbook()
    wb.active.append(header)
    for r in rows:
        wb.active.append(r)
    wb.save(tmp_path / "d.xlsx")
    err = _import_fails(tmp_path, [tmp_path / "d.xlsx"], capsys)
    assert f"duplicate column(s) ['{header[0]}']" in err
    table = pa.table([pa.array([r[i] for r in rows]) for i in range(len(header))], names=header)
    pq.write_table(table, tmp_path / "d.parquet")
    err = _import_fails(tmp_path, [tmp_path / "d.parquet"], capsys)
    assert f"duplicate column(s) ['{header[0]}']" in err


def test_cli_import_with_mapping_and_cohort(tmp_path, instrument, rng, capsys):
    header, rows = _good_rows(instrument, 4, rng)
    renamed = ["Job" if h == "role" else h for h in header]
    path = _csv(tmp_path / "m.csv", renamed, rows)
    (tmp_path / "map.yaml").write_text("Job: role\n", encoding="utf-8")
    db = str(tmp_path / "m.sqlite")
    assert (
        main(["import", str(path), "--mapping", str(tmp_path / "map.yaml"), "--cohort", "spring", "--db", db])
        == 0
    )
    assert "imported 4 responses" in capsys.readouterr().out
    with open_store(db) as s:
        df = s.to_frame()
    assert (df["cohort"] == "spring").all() and (df["role"] == "sales").all()


@pytest.mark.fault("export: existing or bad target file", expect="DataError, existing file untouched")
def test_format_and_suffix_must_agree(filled, tmp_path, capsys):
    out = tmp_path / "x.csv"
    assert main(["export", "--db", str(tmp_path / "src.sqlite"), "--format", "sav", "--out", str(out)]) == 1
    assert "the suffix '.csv' does not match --format sav" in capsys.readouterr().err
    assert not out.exists()
    assert (
        main(
            [
                "export",
                "--db",
                str(tmp_path / "src.sqlite"),
                "--format",
                "sav",
                "--out",
                str(tmp_path / "x.sav"),
            ]
        )
        == 0
    )


def test_import_validates_each_cell_once(filled, tmp_path, instrument, monkeypatch):
    """``netsoc import`` reads the file and the store checks it: one validate_frame call."""
    import survey.io.reading
    import survey.store.facade
    from survey.validate import validate_frame

    calls = []

    def counted(*args, **kwargs):
        calls.append(kwargs.get("source"))
        return validate_frame(*args, **kwargs)

    monkeypatch.setattr(survey.io.reading, "validate_frame", counted)
    monkeypatch.setattr(survey.store.facade, "validate_frame", counted)
    out = tmp_path / "once.csv"
    assert main(["export", "--db", str(tmp_path / "src.sqlite"), "--out", str(out)]) == 0
    assert main(["import", str(out), "--db", str(tmp_path / "dst.sqlite")]) == 0
    assert calls == [str(out)]


@pytest.mark.fault(
    "export: formula-like text in an SPSS file", expect="neutralised as in CSV and xlsx, read back unchanged"
)
def test_spss_export_neutralises_formulas_in_cells_and_labels(filled, tmp_path, instrument):
    """A .sav file is often opened in or converted to a spreadsheet: cells and labels are escaped."""
    import yaml

    from survey.instrument import DEFAULT_INSTRUMENT, instrument_from_dict

    raw = yaml.safe_load(DEFAULT_INSTRUMENT.read_text(encoding="utf-8"))
    raw["fields"][0]["options"]["sales"]["en"] = '=HYPERLINK("http://evil.example","Sales")'
    raw["response_scales"]["agree5"]["values"][1]["en"] = "@SUM(1+1)"
    raw["items"][0]["text"]["en"] = "+cmd|' /C calc'!A0"
    hostile = instrument_from_dict(raw, origin="hostile")
    df = filled.to_frame()
    out = write_responses(df, tmp_path / "x.sav", hostile)

    data, meta = pyreadstat.read_sav(str(out), apply_value_formats=False)
    comments = set(data["comment"]) - {""}
    assert {"'=1+1", "'+SUM(A1)", "'-5 points", "'@cmd", "''=already quoted"} <= comments
    assert not any(c[0] in "=+-@\t\r" for c in comments)
    role = meta.variable_value_labels["role"]
    assert role["sales"] == '\'=HYPERLINK("http://evil.example","Sales")'
    item = hostile.items[0].id
    assert meta.variable_value_labels[item][1.0] == "'@SUM(1+1)"
    assert dict(zip(meta.column_names, meta.column_labels))[item] == "'+cmd|' /C calc'!A0"
    every_label = [label for labels in meta.variable_value_labels.values() for label in labels.values()]
    assert not any(label[0] in "=+-@\t\r" for label in [*every_label, *meta.column_labels] if label)
    # read back through netsoc, the text is exactly what was stored
    back = read_responses(out, hostile)
    pd.testing.assert_series_equal(back["comment"], df["comment"], check_names=False)
