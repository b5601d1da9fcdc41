"""Backends for the store's contract tests: a fresh SQLite file and a fresh PostgreSQL database.

PostgreSQL is reached at ``$TRUEOEM_TEST_PG`` (an admin URL; by default the local server over its
Unix socket as the current OS user, which peer authentication accepts once that role exists:
``su postgres -c "createuser -s $(whoami)"``). Every test gets its own database, dropped after.
If the server is unreachable the PostgreSQL cases fail when ``$CI`` is set and are skipped
with the reason otherwise -- never silently.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from trueoem.store import Store

PG_DEFAULT = "postgresql+psycopg:///postgres?host=/var/run/postgresql"
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_admin() -> URL:
    """The PostgreSQL admin URL, checked once; fails (CI) or skips loudly when unreachable."""
    url = make_url(os.environ.get("TRUEOEM_TEST_PG", PG_DEFAULT))
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as e:
        why = f"PostgreSQL unreachable at {url.render_as_string(hide_password=True)}: {str(e).splitlines()[0]}"
        if os.environ.get("CI"):
            pytest.fail(why + " (CI is set: the PostgreSQL contract tests must run)")
        pytest.skip("STORE CONTRACT TESTS NOT RUN ON POSTGRESQL -- " + why + " (set TRUEOEM_TEST_PG)")
    finally:
        engine.dispose()
    return url


@pytest.fixture
def pg_url(pg_admin: URL) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"trueoem_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_admin, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'trueoem.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An opened (migrated) store on each backend."""
    s = Store.open(db_url)
    try:
        yield s
    finally:
        s.close()
