"""The store commands check the store first: a missing --db is refused, an unknown cohort
names the codes that exist, db-info counts responses per questionnaire version."""

from __future__ import annotations

from netsoc.cli import main
from survey.config import instrument_path
from survey.instrument import load_instrument
from survey.store import open_store
from tests.helpers import keyed_answers


def test_missing_store_is_refused_by_every_reading_command(tmp_path, capsys):
    missing = tmp_path / "typo.sqlite"
    for argv in (
        ["db-info"],
        ["erase", "ABCDEFGHJK"],
        ["purge", "--older-than", "30"],
        ["export", "--out", str(tmp_path / "x.csv")],
    ):
        assert main([*argv, "--db", str(missing)]) == 1, argv
        out, err = capsys.readouterr()
        assert out == "" and f"store {missing}: no such store" in err, argv
    assert not missing.exists()


def test_unknown_cohort_lists_the_codes_and_versions_are_counted(tmp_path, capsys, instrument):
    db = tmp_path / "s.sqlite"
    old = load_instrument(instrument_path("1.0.0"))
    with open_store(db, instrument=old) as store:
        store.submit(keyed_answers(old, 4, 2, consent=True), cohort="WS-2025")
    with open_store(db, instrument=instrument) as store:
        for code in ("WS-A", "WS-B"):
            store.submit(keyed_answers(instrument, 4, 2, consent=True), cohort=code)
    assert main(["export", "--db", str(db), "--cohort", "WS-C", "--out", str(tmp_path / "x.csv")]) == 1
    err = capsys.readouterr().err
    assert "no submitted responses in cohort 'WS-C'" in err and "WS-2025: 1, WS-A: 1, WS-B: 1" in err
    assert main(["db-info", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "versions:       1.0.0: 1, 1.1.0: 2" in out
