"""The web server's auth tables (typed declarative models on the store's ``Base``).

* ``users``: local accounts: a unique username, an argon2 password hash and a role
  (``viewer``, ``operator``, ``admin``).
* ``web_sessions``: server-side browser sessions; the cookie carries a random token and only its
  SHA-256 is stored, so a leaked database does not leak live sessions. Logging out deletes the row.
* ``api_tokens``: bearer tokens for the REST API, stored as SHA-256 digests with a short prefix
  for display; a token acts with its user's role.

Created by migration ``0002``; read and written only by :mod:`trueoem.web.auth`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from trueoem.store.codec import SafeText, UtcDateTime
from trueoem.store.tables import Base

ROLES = ("viewer", "operator", "admin")


class User(Base):
    """A local account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(SafeText())
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    disabled: Mapped[bool] = mapped_column(default=False)


class WebSession(Base):
    """A logged-in browser session (the cookie token's SHA-256)."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ApiToken(Base):
    """A REST API bearer token (its SHA-256) belonging to a user."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(SafeText())
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
