"""Accounts: passwords, logins to the web studio, their sessions, API tokens and login throttling.

:func:`login`, :func:`logout`, :func:`session_user` and :func:`token_user` are how a face finds its acting
user, so they run without one (``ctx.user_id`` is None); the others act for the context's user, on their
own account or, for an owner, on any account of their clinic.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106 [rfc9106]); a wrong, unknown or
locked-out login is one answer (``wrong_login``), and the time it takes does not tell them apart (an
unknown e-mail verifies a dummy hash). Session cookies and API tokens are 256-bit random values of which
the store keeps only the SHA-256. More than :data:`MAX_FAILED_LOGINS` failures in :data:`LOGIN_WINDOW`
for one e-mail or one network address refuse the next attempts (``too_many_logins``) before any password
is checked.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import unicodedata
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import Field, StringConstraints
from sqlalchemy.orm import Session as Db

from smpstudio.errors import AccessError, RateLimitedError, SmpError, UnauthenticatedError
from smpstudio.records.models import User
from smpstudio.records.repositories import accounts as rows
from smpstudio.records.repositories import clinics as clinic_rows
from smpstudio.services.access import Actor, get_user, log, target, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import Id
from smpstudio.services.models import Request, Result

__all__ = [
    "LOGIN_WINDOW",
    "MAX_FAILED_LOGINS",
    "MIN_PASSWORD_CHARS",
    "TOKEN_PREFIX",
    "LoginRequest",
    "LoginResult",
    "PasswordSet",
    "SessionUser",
    "SetPasswordRequest",
    "login",
    "logout",
    "own_account",
    "session_user",
    "set_password",
    "token_digest",
    "user_summary",
]

#: Failed logins per e-mail and per network address within :data:`LOGIN_WINDOW` before the next
#: attempts are refused (NIST SP 800-63B [nist-800-63b] §5.2.2 allows at most 100).
MAX_FAILED_LOGINS = 10
LOGIN_WINDOW = dt.timedelta(minutes=15)
#: The shortest password: NIST SP 800-63B rev. 3 [nist-800-63b] §5.1.1.2 asks at least 8 characters, we ask
#: 10 (rev. 4 asks 15 where the password is the only factor; see docs/references.md).
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024
#: How long failed logins are kept (the throttle reads the last :data:`LOGIN_WINDOW` of them).
FAILURES_KEPT = dt.timedelta(days=1)
#: A session's ``last_seen_at`` and a token's ``last_used_at`` are written at most this often.
TOUCH_EVERY = dt.timedelta(minutes=1)
#: Longer tokens are no token of ours (they are not even hashed).
MAX_TOKEN_CHARS = 256
TOKEN_PREFIX = "smp_"

Password = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=MIN_PASSWORD_CHARS, max_length=MAX_PASSWORD_CHARS),
]


@functools.cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's defaults (RFC 9106's second recommendation)


@functools.cache
def _dummy_hash() -> str:
    """A hash no password is checked against but for timing: an unknown e-mail costs a verification too."""
    return _hasher().hash(secrets.token_urlsafe(16))


def _secret(password: str) -> str:
    """The password as hashed: Unicode NFKC, so one password typed on two keyboards is one password."""
    return unicodedata.normalize("NFKC", password)


def _verify(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches the argon2 hash ``stored`` (None: a dummy verification, False)."""
    try:
        return _hasher().verify(stored or _dummy_hash(), _secret(password)) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str | None:
    """The SHA-256 (hex) under which a cookie or API token is stored; None for a value too long to be one."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _actor(user: User) -> Actor:
    return Actor(user.id, user.clinic_id, user.role, user.name)


# --- login and logout --------------------------------------------------------------------------------------


class LoginRequest(Request):
    """An e-mail and password given to log in, and the caller's network address (for throttling)."""

    email: Annotated[str, StringConstraints(max_length=200)]
    password: Annotated[str, StringConstraints(strip_whitespace=False, max_length=MAX_PASSWORD_CHARS)] = (
        Field(repr=False)
    )
    address: Annotated[str, StringConstraints(max_length=64)] = "unknown"


class LoginResult(Result):
    """Who logged in, and the new session's token (the cookie's value, never printed in JSON)."""

    user_id: int
    clinic_id: int
    role: str
    name: str
    session_token: str = Field(exclude=True, repr=False)


def _wrong_login() -> UnauthenticatedError:
    return UnauthenticatedError(
        "the e-mail address or the password is wrong",
        field="password",
        allowed="the e-mail and password of an active user",
        code="wrong_login",
    )


def _too_many() -> RateLimitedError:
    return RateLimitedError(
        f"too many failed logins; try again in {LOGIN_WINDOW.seconds // 60} minutes",
        field="email",
        code="too_many_logins",
    )


def login(ctx: ServiceContext, request: LoginRequest) -> LoginResult:
    """Check an e-mail and password and open a web session; every failure is recorded for the throttle.

    Raises :class:`RateLimitedError` (``too_many_logins``) when the e-mail or the address has failed
    :data:`MAX_FAILED_LOGINS` times within :data:`LOGIN_WINDOW`, before the password is checked, and
    :class:`UnauthenticatedError` (``wrong_login``) for an unknown e-mail, a user without a password or an
    inactive user, or a wrong password. The password is verified outside any transaction.
    """
    email, address = request.email.lower(), request.address or "unknown"
    now = ctx.clock.now_utc()

    def throttled(db: Db) -> bool:
        by_email, by_address = rows.failure_counts(db, email=email, address=address, since=now - LOGIN_WINDOW)
        return max(by_email, by_address) >= MAX_FAILED_LOGINS

    def failed(db: Db, error: SmpError) -> SmpError:
        rows.add_login_failure(db, email=email, address=address, at=now, keep=FAILURES_KEPT)
        return error

    def reserve(db: Db) -> tuple[int | None, User | None]:
        """Count this attempt as a failure before the (slow) password check, in the same transaction as
        the throttle's count, so concurrent attempts cannot all pass the count; None: throttled."""
        if throttled(db):
            rows.add_login_failure(db, email=email, address=address, at=now, keep=FAILURES_KEPT)
            return None, None
        attempt = rows.add_login_failure(db, email=email, address=address, at=now, keep=FAILURES_KEPT)
        return attempt, rows.user_by_email(db, email) if email else None

    attempt, user = ctx.db.write(reserve)
    if attempt is None:
        raise _too_many()
    stored = user.password_hash if user is not None else None
    if not _verify(stored, request.password) or user is None or not user.active:
        raise _wrong_login()  # the attempt stays counted
    rehashed = (
        _hasher().hash(_secret(request.password)) if _hasher().check_needs_rehash(stored or "") else None
    )
    token = secrets.token_urlsafe(32)
    user_id = user.id

    def begin(db: Db) -> LoginResult | SmpError:
        rows.drop_login_failure(db, attempt)  # it succeeded: not a failure
        if throttled(db):  # failures recorded while the password was being checked
            return failed(db, _too_many())
        current = clinic_rows.get_user(db, user_id)
        if current is None or not current.active or current.password_hash != stored or current.email != email:
            return failed(db, _wrong_login())  # changed while the password was being checked
        if rehashed is not None:
            current.password_hash = rehashed
        sess = rows.add_web_session(db, current.id, token_hash=str(token_digest(token)), at=now)
        log(db, _actor(current), "login", "web_session", sess.id, address=address)
        return LoginResult(
            user_id=current.id,
            clinic_id=current.clinic_id,
            role=current.role,
            name=current.name,
            session_token=token,
        )

    outcome = ctx.db.write(begin)
    if isinstance(outcome, SmpError):
        raise outcome
    return outcome


def logout(ctx: ServiceContext, session_token: str) -> None:
    """End the web session of ``session_token`` (``logout``); an unknown or ended one is left as it is."""
    digest = token_digest(session_token)
    if digest is None:
        return

    def action(db: Db) -> None:
        sess = rows.web_session_by_hash(db, digest)
        if sess is None or sess.ended_at is not None:
            return
        sess.ended_at, sess.end_reason = ctx.clock.now_utc(), "logout"
        user = clinic_rows.get_user(db, sess.user_id)
        if user is not None:
            log(db, _actor(user), "logout", "web_session", sess.id)

    ctx.db.write(action)


# --- who a session or a token is ---------------------------------------------------------------------------


class SessionUser(Result):
    """The user a web session or an API token belongs to."""

    user_id: int
    clinic_id: int
    role: str
    name: str
    timezone: str = Field("UTC", description="The clinic's IANA timezone: what today is for this user.")


def _session_ended() -> UnauthenticatedError:
    return UnauthenticatedError(
        "the session has ended; log in again",
        field="session",
        allowed="an open session",
        code="session_ended",
    )


def user_summary(db: Db, user: User) -> SessionUser:
    return SessionUser(
        user_id=user.id,
        clinic_id=user.clinic_id,
        role=user.role,
        name=user.name,
        timezone=clinic_rows.clinic_timezone(db, user.clinic_id),
    )


def session_user(ctx: ServiceContext, session_token: str, *, idle_minutes: int) -> SessionUser:
    """The active user whose open web session ``session_token`` is (its last use noted once a minute).

    An unknown or ended session, one idle longer than ``idle_minutes`` (then ended, ``idle``) or an
    inactive user's is :class:`UnauthenticatedError` (``session_ended``).
    """
    digest = token_digest(session_token)
    if digest is None:
        raise _session_ended()
    now = ctx.clock.now_utc()

    def look(db: Db) -> tuple[int, dt.datetime, SessionUser] | None:
        sess = rows.web_session_by_hash(db, digest)
        user = clinic_rows.get_user(db, sess.user_id) if sess is not None else None
        if sess is None or sess.ended_at is not None or user is None or not user.active:
            return None
        return sess.id, sess.last_seen_at, user_summary(db, user)

    found = ctx.db.read(look)
    if found is None:
        raise _session_ended()
    session_id, last_seen, who = found
    idle = now - last_seen > dt.timedelta(minutes=idle_minutes)
    if idle or now - last_seen >= TOUCH_EVERY:

        def note(db: Db) -> None:
            sess = rows.web_session_by_hash(db, digest)
            if sess is not None and sess.id == session_id and sess.ended_at is None:
                if idle:
                    sess.ended_at, sess.end_reason = now, "idle"
                else:
                    sess.last_seen_at = max(sess.last_seen_at, now)

        ctx.db.write(note)
    if idle:
        raise _session_ended()
    return who


def own_account(db: Db, actor: Actor, user_id: int) -> User:
    """The user ``user_id`` when it is the actor or the actor is an owner of its clinic (another clinic's
    user answers as not found, as :func:`get_user` does). The store's administrator's account is theirs
    alone: another owner taking it over would hold the whole store."""
    user = get_user(db, actor, user_id, field="user_id")
    admin = clinic_rows.store_meta(db, "admin_user_id")
    if user.id != actor.id and admin == str(user.id):
        error = AccessError(
            "only the store's administrator may change their own password or tokens",
            field="user_id",
            allowed="your own user id",
            code="not_your_account",
        )
        raise target(error, "user", user_id)
    if user.id != actor.id and actor.role != "owner":
        error = AccessError(
            "only the user themself or an owner of their clinic may do this",
            field="user_id",
            allowed="your own user id",
            code="not_your_account",
        )
        raise target(error, "user", user_id)
    return user


class SetPasswordRequest(Request):
    """A user's new password (kept exactly as typed)."""

    user_id: Id
    password: Password = Field(
        repr=False, description=f"{MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters."
    )


class PasswordSet(Result):
    """The user whose password was set, and how many of their web sessions ended and tokens were revoked."""

    user_id: int
    sessions_ended: int
    tokens_revoked: int = 0


def set_password(ctx: ServiceContext, request: SetPasswordRequest) -> PasswordSet:
    """Set a user's password (the user themself, or an owner of their clinic), end their web sessions
    (``password``) and revoke their API tokens (a password reset is how a lost device is shut out, and a
    token must not outlive it); the audit entry says a password was set, never which."""
    hashed = _hasher().hash(_secret(request.password))

    def action(db: Db, actor: Actor) -> PasswordSet:
        user = own_account(db, actor, request.user_id)
        user.password_hash = hashed
        now = ctx.clock.now_utc()
        ended = rows.end_web_sessions(db, user.id, at=now, reason="password")
        revoked = rows.revoke_api_tokens(db, user.id, at=now)
        detail = {"password": "set", "sessions_ended": ended, "tokens_revoked": revoked}
        log(db, actor, "update", "user", user.id, **detail)
        return PasswordSet(user_id=user.id, sessions_ended=ended, tokens_revoked=revoked)

    return transact(ctx, action)
