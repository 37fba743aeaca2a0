"""Hostile and broken import files: each ends in a clear error, the store unchanged.

Every case opens a store that already holds responses, tries the import the
way ``netsoc import`` does (read, validate, store), checks the error type and
message, and compares ``to_frame`` before and after.  Random bytes come from
hypothesis; the rest is a hand-made corpus.
"""

from __future__ import annotations

import codecs
import csv
import os

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.errors import DataError, NetsocError, ResponseValidationError
from survey.io import read_responses
from survey.store import open_store

FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
LABELS = {"strongly disagree", "disagree", "neither agree nor disagree", "agree", "strongly agree"}


def is_an_answer(text: str) -> bool:
    """Would the importer rightly accept this cell as an answer (or as missing)?"""
    t = text.strip()
    if t == "" or t.casefold() in LABELS:
        return True
    try:
        return float(t) in (1.0, 2.0, 3.0, 4.0, 5.0)
    except ValueError:
        return False


@pytest.fixture
def store(tmp_path_factory, instrument):
    """A SQLite store with 12 submitted responses and a draft."""
    path = tmp_path_factory.mktemp("fuzzio") / "kept.sqlite"
    s = open_store(path, instrument=instrument)
    for i in range(12):
        answers = {q: 1 + (i + j) % 5 for j, q in enumerate(instrument.question_ids)}
        answers.update(consent=True, comment=f"kept {i}")
        s.submit(answers, cohort="KEEP")
    s.save_draft(None, {"consent": True, instrument.question_ids[0]: 3})
    yield s
    s.close()


@pytest.fixture
def before(store):
    return store.to_frame(include_drafts=True)


def attempt(store, before, path, error=NetsocError, match=None, **kw):
    """Import ``path`` like ``netsoc import``; it must fail and store nothing."""
    with pytest.raises(error, match=match) as info:
        df = read_responses(path, store.instrument, validate=False, **kw)
        first = df.attrs["first_row"]
        store.import_frame(df, row_numbers=range(first, first + len(df)), source=str(path))
    pd.testing.assert_frame_equal(store.to_frame(include_drafts=True), before)
    return info.value


def header(instrument):
    return [*instrument.question_ids, "role", "comment"]


def good_row(instrument, i=0):
    return [1 + (i + j) % 5 for j in range(len(instrument.question_ids))] + ["sales", "fine"]


def write_csv(path, rows, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_xlsx(path, rows):
    import openpyxl

    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


# ----------------------------------------------------------- random bytes
@pytest.mark.fault(
    "import file: random bytes", expect="DataError or ResponseValidationError; store unchanged"
)
@FUZZ
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".csv", ".xlsx", ".parquet", ".sav"]))
def test_random_bytes(tmp_path, store, before, data, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    err = attempt(store, before, path, error=(DataError, ResponseValidationError))
    assert str(path) in str(err) or "cannot import" in str(err) or "nothing was imported" in str(err)


@pytest.mark.fault(
    "import file: random text cells", expect="ResponseValidationError naming row and column; store unchanged"
)
@FUZZ
@given(cell=st.text(min_size=1, max_size=40).filter(lambda s: not is_an_answer(s)))
def test_random_text_in_an_item_cell(tmp_path, store, before, instrument, cell):
    row = good_row(instrument)
    row[3] = cell
    path = write_csv(tmp_path / "cell.csv", [header(instrument), good_row(instrument, 1), row])
    err = attempt(store, before, path, error=(ResponseValidationError, DataError))
    if isinstance(err, ResponseValidationError):  # a cell that survived CSV parsing
        assert instrument.question_ids[3] in {p.field for p in err.problems}, err.problems


# --------------------------------------------------------------- encodings
@pytest.mark.fault("import file: encoding", expect="DataError naming the byte and line; store unchanged")
@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "latin-1", "cp1252"])
def test_wrong_encodings_are_refused(tmp_path, store, before, instrument, codec):
    rows = [header(instrument), good_row(instrument)]
    rows[1][-1] = "Café, très bien"
    path = write_csv(tmp_path / f"{codec}.csv", rows, encoding=codec)
    attempt(store, before, path, error=DataError, match=r"not UTF-8 text: byte \d+ \(line \d+\)")


@pytest.mark.fault("import file: encoding", expect="DataError naming the byte and line; store unchanged")
def test_wrong_encoding_named_explicitly(tmp_path, store, before, instrument):
    rows = [header(instrument), good_row(instrument)]
    path = write_csv(tmp_path / "u8.csv", rows)
    path.write_bytes(path.read_bytes() + "Ω".encode())
    attempt(store, before, path, error=DataError, match="not valid ascii at byte", encoding="ascii")
    attempt(store, before, path, error=DataError, match="unknown encoding 'klingon'", encoding="klingon")


@pytest.mark.fault("import file: encoding", expect="DataError naming the byte and line; store unchanged")
def test_latin1_imports_when_named(tmp_path, instrument):
    rows = [header(instrument), good_row(instrument)]
    rows[1][-1] = "Café"
    path = write_csv(tmp_path / "l1.csv", rows, encoding="latin-1")
    df = read_responses(path, instrument, encoding="latin-1")
    assert df["comment"].tolist() == ["Café"]


@pytest.mark.fault("import file: byte-order mark", expect="BOM ignored, file imported")
@pytest.mark.parametrize("bom, codec", [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le")])
def test_byte_order_mark(tmp_path, store, before, instrument, bom, codec):
    rows = [header(instrument), good_row(instrument)]
    path = tmp_path / "bom.csv"
    text = "\r\n".join(",".join(map(str, r)) for r in rows) + "\r\n"
    path.write_bytes(bom + text.encode(codec))
    if codec == "utf-8":
        df = read_responses(path, instrument)  # the BOM does not stick to the first header
        assert df[instrument.question_ids[0]].tolist() == [1]
    else:  # UTF-16 needs --encoding; without it a clear refusal
        attempt(store, before, path, error=DataError, match="not UTF-8 text")
        df = read_responses(path, instrument, encoding="utf-16")
        assert df[instrument.question_ids[0]].tolist() == [1]


# ------------------------------------------------------------ shapes
@pytest.mark.fault("import file: empty, header only, blank", expect="DataError saying so; store unchanged")
@pytest.mark.parametrize(
    "content, match",
    [
        (b"", "the file is empty"),
        (b"\n\r\n   \n", "the file is empty"),
        (codecs.BOM_UTF8, "the file is empty"),
        (b"HEADER", "has a header but no data rows"),
        (b"HEADER\n\n\n", "has a header but no data rows"),
        (b",,,\n,,,\n", "no data rows|the file is empty|has a header but no data rows|missing column"),
    ],
)
def test_empty_and_header_only(tmp_path, store, before, instrument, content, match):
    if content.startswith(b"HEADER"):
        content = content.replace(b"HEADER", ",".join(header(instrument)).encode())
    path = tmp_path / "e.csv"
    path.write_bytes(content)
    attempt(store, before, path, match=match)


@pytest.mark.fault("import file: duplicate headers", expect="ResponseValidationError naming the column")
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_duplicate_headers(tmp_path, store, before, instrument, suffix):
    h = header(instrument)
    h[-1] = instrument.question_ids[0]
    rows = [h, good_row(instrument)]
    path = tmp_path / f"dup{suffix}"
    if suffix == ".csv":
        write_csv(path, rows)
    else:
        write_xlsx(path, rows)
    attempt(
        store,
        before,
        path,
        error=ResponseValidationError,
        match=rf"duplicate column\(s\) \['{instrument.question_ids[0]}'\]",
    )


@pytest.mark.fault(
    "import file: 10,000 columns", expect="ResponseValidationError listing unknown columns; store unchanged"
)
def test_ten_thousand_columns(tmp_path, store, before, instrument):
    extra = [f"x{i}" for i in range(10_000 - len(header(instrument)))]
    rows = [header(instrument) + extra, good_row(instrument) + ["1"] * len(extra)]
    path = write_csv(tmp_path / "wide.csv", rows)
    err = attempt(store, before, path, error=ResponseValidationError, match="unknown column")
    assert len(str(err)) < 200_000  # the message names the columns, within reason


@pytest.mark.fault("import file: 1 GB file", expect="DataError from the size limit before reading")
@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet", ".sav"])
def test_one_gigabyte_file_refused_before_reading(tmp_path, store, before, monkeypatch, suffix):
    path = tmp_path / f"huge{suffix}"
    with open(path, "wb") as fh:
        fh.truncate(1 << 30)  # sparse: no gigabyte is written
    monkeypatch.delenv("NETSOC_MAX_IMPORT_MB", raising=False)
    opened = []
    real_open = open

    def spy(file, *a, **k):
        if os.fspath(file) == os.fspath(path):
            opened.append(file)
        return real_open(file, *a, **k)

    monkeypatch.setattr("builtins.open", spy)
    attempt(
        store,
        before,
        path,
        error=DataError,
        match=r"1,073,741,824 bytes, larger than the import limit of 209,715,200 bytes",
    )
    assert opened == []


# ---------------------------------------------------------- cell contents
@pytest.mark.fault(
    "import file: formulas in cells", expect="ResponseValidationError in item cells; text kept as text"
)
@pytest.mark.parametrize(
    "formula", ["=1+1", '=HYPERLINK("http://x","y")', "=4", "@SUM(A1)", "-2", "=cmd|' /C calc'!A0"]
)
def test_formulas_in_item_cells(tmp_path, store, before, instrument, formula):
    row = good_row(instrument)
    row[0] = formula
    path = write_csv(tmp_path / "f.csv", [header(instrument), row])
    attempt(
        store, before, path, error=ResponseValidationError, match=rf"column '{instrument.question_ids[0]}'"
    )


@pytest.mark.fault(
    "import file: formulas in cells", expect="ResponseValidationError in item cells; text kept as text"
)
def test_formula_in_a_comment_stays_text(tmp_path, instrument):
    row = good_row(instrument)
    row[-1] = "=1+1"
    df = read_responses(write_csv(tmp_path / "fc.csv", [header(instrument), row]), instrument)
    assert df["comment"].tolist() == ["=1+1"]


@pytest.mark.fault("import file: numbers as text", expect="numeric text read as codes; non-codes refused")
@pytest.mark.parametrize(
    "text, code",
    [
        ("4", 4),
        (" 4 ", 4),
        ("4.0", 4),
        ("+4", 4),
        ("４", 4),
        ("agree", 4),
        (" Strongly AGREE ", 5),
        ("", None),
    ],
)
def test_numbers_and_labels_as_text(tmp_path, instrument, text, code):
    row = good_row(instrument)
    row[0] = text
    df = read_responses(write_csv(tmp_path / "n.csv", [header(instrument), row]), instrument)
    value = df[instrument.question_ids[0]].iloc[0]
    assert (value is pd.NA) if code is None else value == code


@pytest.mark.fault("import file: numbers as text", expect="numeric text read as codes; non-codes refused")
@pytest.mark.parametrize(
    "text, match",
    [
        ("4,0", "not a code"),
        ("1e400", "outside the response scale|not a"),
        ("NaN", "not a code|outside"),
        ("inf", "outside|not a"),
        ("4.5", "not a whole number"),
        ("-1", "outside"),
        ("0x4", "not a code"),
        ("-inf", "not a code"),
    ],
)
def test_bad_numeric_text(tmp_path, store, before, instrument, text, match):
    row = good_row(instrument)
    row[0] = text
    path = write_csv(tmp_path / "bn.csv", [header(instrument), row])
    err = attempt(store, before, path, error=ResponseValidationError)
    assert instrument.question_ids[0] in {p.field for p in err.problems}


@pytest.mark.fault(
    "import file: dates in item columns", expect="ResponseValidationError naming row and column"
)
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_dates_in_item_columns(tmp_path, store, before, instrument, suffix):
    rows = [header(instrument), good_row(instrument), good_row(instrument, 2)]
    rows[2][1] = "2026-03-04"
    path = tmp_path / f"date{suffix}"
    if suffix == ".csv":
        write_csv(path, rows)
    else:
        import datetime as dt

        rows[2][1] = dt.datetime(2026, 3, 4)  # a real Excel date cell
        write_xlsx(path, rows)
    attempt(
        store,
        before,
        path,
        error=ResponseValidationError,
        match=rf"column '{instrument.question_ids[1]}': not a code 1..5 or a label.*row 3",
    )


@pytest.mark.fault(
    "import file: hostile ids, cohorts, timestamps", expect="ResponseValidationError; store unchanged"
)
@pytest.mark.parametrize(
    "column, value, match",
    [
        ("respondent_id", "<script>", "ids must be 1-64"),
        ("respondent_id", "x" * 65, "ids must be 1-64"),
        ("cohort", "<img src=x onerror=alert(1)>", "does not match the pattern"),
        ("cohort", "A" * 200, "text longer than"),
        ("started_at", "yesterday", "not a date and time"),
        ("submitted_at", "2026-13-45T99:00", "not a date and time"),
        ("instrument_id", "other-survey", "responses to another instrument"),
    ],
)
def test_hostile_metadata(tmp_path, store, before, instrument, column, value, match):
    rows = [[column, *header(instrument)], [value, *good_row(instrument)]]
    path = write_csv(tmp_path / "meta.csv", rows)
    attempt(store, before, path, error=ResponseValidationError, match=match)


@pytest.mark.fault("import file: ids already in the store", expect="StoreError; nothing imported")
def test_import_of_stored_ids_changes_nothing(tmp_path, store, before, instrument):
    rid = before["respondent_id"].iloc[0]
    rows = [
        ["respondent_id", *header(instrument)],
        [rid, *good_row(instrument)],
        ["NEWID00001", *good_row(instrument, 1)],
    ]
    path = write_csv(tmp_path / "again.csv", rows)
    attempt(store, before, path, match=rid)
