"""Run the packaged Alembic migrations programmatically (no ``alembic.ini`` on the user's side)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"
#: Key of the PostgreSQL advisory lock that serialises concurrent first opens of one database.
PG_LOCK_KEY = 0x7472_7565_6F65  # "trueoe"


class MigrationError(RuntimeError):
    """The database cannot be brought to this version's schema (e.g. it is newer)."""


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head() -> str:
    """The revision this version of trueoem expects."""
    h = ScriptDirectory.from_config(_config()).get_current_head()
    assert h is not None
    return h


def current(engine: Engine) -> str | None:
    """The database's revision (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` in one transaction (PostgreSQL: under an advisory lock)."""
    cfg = _config()
    known = {s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()}
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
        have = MigrationContext.configure(conn).get_current_revision()
        if have is not None and have not in known:
            raise MigrationError(
                f"the database is at schema revision {have!r}, unknown to this trueoem (expects {head()!r}); "
                "it was written by a newer trueoem: upgrade trueoem or use another --db"
            )
        if have == head() and revision == "head":
            return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def revision(message: str, url: str) -> None:
    """Developer helper: autogenerate a new revision against the database at ``url`` (at head)."""
    cfg = _config()
    engine = create_engine(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True)
