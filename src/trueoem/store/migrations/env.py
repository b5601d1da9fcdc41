"""Alembic environment, run programmatically by :func:`trueoem.store.migrate.upgrade`.

There is no ``alembic.ini``: the caller passes an open connection (inside a transaction) in
``config.attributes["connection"]``. SQLite migrations run in batch mode so later revisions can
alter tables. To write a new revision, change ``tables.py`` and run::

    python -c "from trueoem.store.migrate import revision; revision('what changed', 'sqlite:///x.db')"
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

import trueoem.store.auth_tables  # noqa: F401  (the web auth tables, migration 0002)
import trueoem.store.schedule_tables  # noqa: F401  (the schedule and alert tables, migration 0003)
from trueoem.store.tables import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("trueoem migrations run through trueoem.store.migrate, with a connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
