"""Start-up checks (netsoc.startup): the store and the port fail before anything runs."""

from __future__ import annotations

import os
import socket
import stat

import pytest

from netsoc.startup import StartupError, check_port, check_store, cohort_note, sqlite_path
from survey.config import default_db_path, user_data_dir
from survey.store import open_store
from tests.helpers import keyed_answers


def test_default_store_lives_in_the_user_data_dir_and_its_folder_is_created(tmp_path, monkeypatch):
    monkeypatch.delenv("NETSOC_DB", raising=False)
    monkeypatch.delenv("NETSOC_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    assert user_data_dir() == tmp_path / "xdg" / "netsoc"
    url = check_store(None)
    assert sqlite_path(url) == default_db_path() == tmp_path / "xdg" / "netsoc" / "netsoc.sqlite"
    assert default_db_path().is_file()
    assert not (tmp_path / "data").exists()  # nothing under the current folder


def test_netsoc_data_dir_overrides(tmp_path, monkeypatch):
    monkeypatch.delenv("NETSOC_DB", raising=False)
    monkeypatch.setenv("NETSOC_DATA_DIR", str(tmp_path / "mine"))
    assert sqlite_path(check_store(None)) == tmp_path / "mine" / "netsoc.sqlite"


def test_default_folder_that_cannot_be_created_is_named(tmp_path, monkeypatch):
    if os.geteuid() == 0:
        blocker = tmp_path / "file"
        blocker.write_text("not a folder")  # even root cannot make a folder inside a file
        target = blocker / "netsoc"
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
        target = locked / "netsoc"
    monkeypatch.delenv("NETSOC_DB", raising=False)
    monkeypatch.setenv("NETSOC_DATA_DIR", str(target))
    with pytest.raises(StartupError, match=f"cannot create the folder {target}.*--db PATH"):
        check_store(None)


def test_missing_db_path_is_refused_unless_create(tmp_path):
    typo = tmp_path / "wrokshop.sqlite"
    (tmp_path / "workshop.sqlite").write_bytes(b"")
    with pytest.raises(StartupError) as err:
        check_store(str(typo))
    msg = str(err.value)
    assert str(typo) in msg and "--create" in msg and "workshop.sqlite" in msg
    assert not typo.exists()
    url = check_store(str(tmp_path / "new" / "ws.sqlite"), create=True)
    assert sqlite_path(url) == tmp_path / "new" / "ws.sqlite" and sqlite_path(url).is_file()
    assert check_store(str(tmp_path / "new" / "ws.sqlite")) == url  # exists now: no flag needed


def test_store_that_is_a_folder_or_unreachable_database_is_named(tmp_path):
    with pytest.raises(StartupError, match="this is a folder"):
        check_store(str(tmp_path))
    bad = "postgresql+psycopg://u:secret@127.0.0.1:1/db?connect_timeout=2"
    with pytest.raises(StartupError, match="store postgresql") as err:
        check_store(bad)
    assert "secret" not in str(err.value)


def test_busy_port_fails_with_a_hint():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(StartupError, match=rf"port {port} on 127.0.0.1 is already in use.*--port \d+"):
            check_port("127.0.0.1", port)
    check_port("127.0.0.1", port)  # free again once closed


@pytest.mark.parametrize(
    "host, port, expected",
    [
        ("127.0.0.1", 0, "expected a port from 1 to 65535"),
        ("127.0.0.1", 70000, "expected a port from 1 to 65535"),
        ("no-such-host.invalid", 8866, "not an address this machine knows"),
        ("192.0.2.1", 8866, "not an address of this machine"),
    ],
)
def test_bad_address_or_port_is_named(host, port, expected):
    with pytest.raises(StartupError, match=expected):
        check_port(host, port)


def test_cohort_note_lists_codes_that_exist(tmp_path, instrument):
    store = open_store(tmp_path / "s.sqlite", instrument=instrument)
    try:
        assert cohort_note(store, None) is None
        note = cohort_note(store, "WS-X")
        assert note is not None and "no responses yet" in note and "none yet" in note
        store.submit(keyed_answers(instrument, 4, 2, consent=True), cohort="WS-A")
        store.submit(keyed_answers(instrument, 4, 2, consent=True), cohort="WS-B")
        assert "WS-A, WS-B" in cohort_note(store, "WS-X")
        assert cohort_note(store, "WS-A") is None
    finally:
        store.close()
