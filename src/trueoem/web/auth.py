"""Local users, roles, argon2 password hashes, server-side sessions, CSRF tokens and API tokens.

Roles are ordered: ``viewer`` reads everything; ``operator`` may also start and cancel scans and
upload catalogs; ``admin`` may also manage users. Browser sessions are random cookie tokens whose
SHA-256 is kept in ``web_sessions`` (logout deletes the row). API tokens are random bearer tokens
(``toem_…``) kept as SHA-256 digests in ``api_tokens``; a token acts with its user's role.

CSRF: every browser gets a random ``trueoem_csrf`` cookie; forms and HTMX requests carry
``HMAC(secret, cookie)`` (hidden ``csrf_token`` field or ``X-CSRF-Token`` header), checked on every
state-changing request that a cookie authenticates (signed double-submit, works before login too).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from trueoem.store import Store
from trueoem.store.auth_tables import ROLES, ApiToken, User, WebSession
from trueoem.store.codec import utcnow

SESSION_COOKIE = "trueoem_session"
CSRF_COOKIE = "trueoem_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_TTL = timedelta(hours=12)
TOKEN_PREFIX = "toem_"
USERNAME_MAX = 64
PASSWORD_MIN = 8

_hasher = PasswordHasher()
# A fixed hash to verify against when the user does not exist, so timing does not reveal usernames.
_DUMMY = _hasher.hash("trueoem-no-such-user")


class AuthError(ValueError):
    """A user, password, role or token that cannot be used; the message is one line."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is making a request: a user (or the anonymous ``--no-auth`` user) and their role."""

    id: int | None
    username: str
    role: str
    via: str  # "session", "token" or "anonymous"

    def may(self, role: str) -> bool:
        """Whether this principal has ``role`` or a higher one."""
        return ROLES.index(self.role) >= ROLES.index(role)


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A user as listed (never the hash)."""

    id: int
    username: str
    role: str
    disabled: bool


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """An API token as listed (only its prefix)."""

    id: int
    name: str
    prefix: str
    username: str


def _write(store: Store) -> sessionmaker[Session]:
    """Write sessions on the store's engine (SQLite: ``BEGIN IMMEDIATE``)."""
    return sessionmaker(store.engine, expire_on_commit=False)


def _read(store: Store) -> sessionmaker[Session]:
    """Read sessions on the store's engine (SQLite: deferred ``BEGIN``, see trueoem.store.engine)."""
    return sessionmaker(store.engine.execution_options(trueoem_read=True), expire_on_commit=False)


def digest(token: str) -> str:
    """SHA-256 hex of a session or API token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r} (one of {', '.join(ROLES)})")


def _check_username(username: str) -> str:
    name = username.strip()
    if not name or len(name) > USERNAME_MAX or not all(c.isalnum() or c in "._-@" for c in name):
        raise AuthError(f"a username is 1-{USERNAME_MAX} letters, digits and . _ - @")
    return name


def add_user(store: Store, username: str, password: str, role: str = "admin") -> UserInfo:
    """Create a local user with an argon2 hash of ``password``; the CLI's ``trueoem user add``."""
    _check_role(role)
    name = _check_username(username)
    if len(password) < PASSWORD_MIN:
        raise AuthError(f"a password has at least {PASSWORD_MIN} characters")
    with _write(store).begin() as s:
        if s.scalar(select(User.id).where(User.username == name)) is not None:
            raise AuthError(f"user {name!r} exists")
        u = User(username=name, password_hash=_hasher.hash(password), role=role, created_at=utcnow(), disabled=False)
        s.add(u)
        s.flush()
        return UserInfo(u.id, u.username, u.role, u.disabled)


def list_users(store: Store) -> list[UserInfo]:
    """Every user, by id."""
    with _read(store).begin() as s:
        return [UserInfo(u.id, u.username, u.role, u.disabled) for u in s.scalars(select(User).order_by(User.id))]


def set_role(store: Store, username: str, role: str) -> None:
    """Change a user's role."""
    _check_role(role)
    with _write(store).begin() as s:
        if s.execute(update(User).where(User.username == username).values(role=role)).rowcount == 0:  # type: ignore[attr-defined]
            raise AuthError(f"no user {username!r}")


def delete_user(store: Store, username: str) -> None:
    """Remove a user with their sessions and tokens."""
    with _write(store).begin() as s:
        u = s.scalar(select(User).where(User.username == username))
        if u is None:
            raise AuthError(f"no user {username!r}")
        s.execute(delete(WebSession).where(WebSession.user_id == u.id))
        s.execute(delete(ApiToken).where(ApiToken.user_id == u.id))
        s.delete(u)


def count_users(store: Store) -> int:
    """How many users exist (0: the server says to run ``trueoem user add``)."""
    return len(list_users(store))


def verify(store: Store, username: str, password: str) -> Principal | None:
    """The user if ``password`` is theirs (and they are enabled), else None; rehashes old parameters."""
    with _write(store).begin() as s:
        u = s.scalar(select(User).where(User.username == username.strip()))
        try:
            _hasher.verify(u.password_hash if u is not None else _DUMMY, password)
        except (VerificationError, InvalidHashError):
            return None
        if u is None or u.disabled:
            return None
        if _hasher.check_needs_rehash(u.password_hash):
            u.password_hash = _hasher.hash(password)
        return Principal(u.id, u.username, u.role, "session")


def new_session(store: Store, user_id: int) -> str:
    """Start a session; return the cookie token (only its digest is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with _write(store).begin() as s:
        s.execute(delete(WebSession).where(WebSession.expires_at < now))
        s.add(WebSession(token_hash=digest(token), user_id=user_id, created_at=now, expires_at=now + SESSION_TTL))
    return token


def session_principal(store: Store, token: str) -> Principal | None:
    """The user of a live session cookie, or None."""
    with _read(store).begin() as s:
        row = s.execute(
            select(User, WebSession.expires_at)
            .join(WebSession, WebSession.user_id == User.id)
            .where(WebSession.token_hash == digest(token))
        ).first()
    if row is None or row[1] < utcnow() or row[0].disabled:
        return None
    u = row[0]
    return Principal(u.id, u.username, u.role, "session")


def end_session(store: Store, token: str) -> None:
    """Log out: forget the session."""
    with _write(store).begin() as s:
        s.execute(delete(WebSession).where(WebSession.token_hash == digest(token)))


def new_token(store: Store, username: str, name: str = "api") -> str:
    """Create an API token for ``username``; return it (shown once, only its digest is stored)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with _write(store).begin() as s:
        u = s.scalar(select(User).where(User.username == username))
        if u is None:
            raise AuthError(f"no user {username!r}")
        s.add(ApiToken(token_hash=digest(token), prefix=token[:12], name=name[:200], user_id=u.id, created_at=utcnow()))
    return token


def list_tokens(store: Store, username: str | None = None) -> list[TokenInfo]:
    """API tokens (of ``username``), by id."""
    with _read(store).begin() as s:
        q = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
        if username is not None:
            q = q.where(User.username == username)
        return [TokenInfo(t.id, t.name, t.prefix, n) for t, n in s.execute(q)]


def revoke_token(store: Store, token_id: int, username: str | None = None) -> bool:
    """Delete a token (only ``username``'s when given); whether one was deleted."""
    with _write(store).begin() as s:
        q = delete(ApiToken).where(ApiToken.id == token_id)
        if username is not None:
            q = q.where(ApiToken.user_id.in_(select(User.id).where(User.username == username)))
        return bool(s.execute(q).rowcount)  # type: ignore[attr-defined]


def token_principal(store: Store, token: str) -> Principal | None:
    """The user of a bearer token, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with _write(store).begin() as s:
        row = s.execute(
            select(User, ApiToken)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == digest(token))
        ).first()
        if row is None or row[0].disabled:
            return None
        row[1].last_used_at = utcnow()
        u = row[0]
        return Principal(u.id, u.username, u.role, "token")


def csrf_token(secret: bytes, seed: str) -> str:
    """The CSRF token for a browser's ``trueoem_csrf`` cookie value."""
    return hmac.new(secret, seed.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, seed: str | None, token: str | None) -> bool:
    """Whether ``token`` is the CSRF token of cookie ``seed`` (constant time)."""
    if not seed or not token:
        return False
    return hmac.compare_digest(csrf_token(secret, seed), token)
