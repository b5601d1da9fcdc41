"""Sessions on a :class:`~trueoem.store.Store`'s engine, as the store itself makes them.

Writes begin with ``BEGIN IMMEDIATE`` on SQLite (the engine's hook); reads use the store's
``trueoem_read`` option so they do not block writers. Every function of this package that writes
is one transaction, committed before it returns.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from trueoem.store import Store


def writer(store: Store) -> sessionmaker[Session]:
    """Write sessions on ``store``."""
    return sessionmaker(store.engine, expire_on_commit=False)


def reader(store: Store) -> sessionmaker[Session]:
    """Read-only sessions on ``store`` (deferred ``BEGIN`` on SQLite)."""
    return sessionmaker(store.engine.execution_options(trueoem_read=True), expire_on_commit=False)
