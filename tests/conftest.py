"""Shared fixtures.

``require(condition, reason)`` skips a test locally when an external component
(a browser, a database server) is missing, and fails it when ``CI=true``: CI
must never skip.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from tests.helpers import IN_CI, ROOT, require  # noqa: F401 - kept importable from here

os.environ.setdefault("MPLBACKEND", "agg")


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator; never use global random state in tests."""
    return np.random.default_rng(20261122)


@pytest.fixture(scope="session")
def instrument():
    """The shipped default instrument."""
    from survey.instrument import load_instrument

    return load_instrument()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Nothing a test runs may write to the user's home or default store."""
    home = tmp_path_factory.getbasetemp() / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(home / ".jupyter"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(home / ".local/share/jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(home / ".local/share/jupyter/runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(home / ".ipython"))
    monkeypatch.setenv("MPLBACKEND", "agg")


@pytest.fixture(scope="session")
def pg_engine():
    """An engine on the PostgreSQL server of ``NETSOC_TEST_PG_URL`` (required in CI)."""
    import sqlalchemy as sa

    url = os.environ.get("NETSOC_TEST_PG_URL")
    require(bool(url), "no PostgreSQL server: set NETSOC_TEST_PG_URL (see .ci/postgres.sh)")
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    """URL of a fresh, empty store: a new SQLite file, then a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "store.sqlite")
        return
    from tests.helpers import pg_schema

    with pg_schema(request.getfixturevalue("pg_engine"), os.environ["NETSOC_TEST_PG_URL"]) as url:
        yield url


@pytest.fixture
def any_store_url(store_url):
    """The same as :func:`store_url` (its former name)."""
    return store_url


@pytest.fixture
def store(store_url, instrument):
    """A fresh store with the shipped instrument, on SQLite and on PostgreSQL."""
    from survey.store import open_store

    s = open_store(store_url, instrument=instrument)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path, instrument):
    """A fresh SQLite store with the shipped instrument (for tests of what sits on a store)."""
    from survey.store import open_store

    s = open_store(tmp_path / "store.sqlite", instrument=instrument)
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_data():
    """The one seeded demo factory: ``demo_data(n, seed)`` -> a fresh copy of
    :func:`analysis.make_demo`'s table (its defaults; drawn once per size and seed)."""
    import functools

    from analysis.demo import DEFAULT_N, DEFAULT_SEED, make_demo

    draw = functools.lru_cache(maxsize=8)(make_demo)

    def factory(n: int = DEFAULT_N, seed: int = DEFAULT_SEED):
        return draw(n, seed).copy()

    return factory
