"""Engines for the store's URLs: the default SQLite file, other SQLite files, PostgreSQL (psycopg).

SQLite runs in WAL mode with ``synchronous=NORMAL`` (durable against a process crash; a power cut
may lose the last commits), foreign keys on and a 30 s busy timeout. Transactions begin with
``BEGIN IMMEDIATE`` so concurrent writers queue on the busy timeout instead of failing when a
read upgrades to a write; sessions bound with the ``trueoem_read`` execution option begin with a
deferred ``BEGIN`` so readers do not block writers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from trueoem.kb.oui_registry import data_home


def default_url() -> str:
    """``sqlite:///<data home>/trueoem.db``."""
    return f"sqlite:///{data_home() / 'trueoem.db'}"


def _normalise_url(url: str) -> str:
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys, a busy timeout and ``BEGIN IMMEDIATE`` writes."""
    u = make_url(_normalise_url(url))
    if u.get_backend_name() != "sqlite":
        return create_engine(u, pool_pre_ping=True)
    memory = u.database in (None, "", ":memory:")
    if not memory:
        Path(str(u.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(u, poolclass=StaticPool) if memory else create_engine(u)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (pysqlite's own is deferred)
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("trueoem_read") else "BEGIN IMMEDIATE")

    return engine
