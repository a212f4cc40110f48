"""Queries of the accounts: users' password hashes, web sessions, API tokens and failed logins.

Tokens are stored as their SHA-256 (hex) only; the callers hash what they are given and look that up.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session as Db

from smpstudio.records.models import ApiToken, LoginFailure, User, WebSession

__all__ = [
    "add_api_token",
    "add_login_failure",
    "add_web_session",
    "api_token_by_hash",
    "end_web_sessions",
    "failure_counts",
    "get_api_token",
    "tokens_of_user",
    "user_by_email",
    "web_session_by_hash",
]


def user_by_email(db: Db, email: str) -> User | None:
    """The user of any clinic who logs in with ``email`` (lower case), None when none does."""
    return db.scalars(select(User).where(User.email == email)).first()


def add_web_session(db: Db, user_id: int, *, token_hash: str, at: dt.datetime) -> WebSession:
    """Insert an open web session of the user, begun and last seen at ``at``."""
    row = WebSession(user_id=user_id, token_hash=token_hash, created_at=at, last_seen_at=at)
    db.add(row)
    db.flush()
    return row


def web_session_by_hash(db: Db, token_hash: str) -> WebSession | None:
    """The web session whose token hashes to ``token_hash`` (open or ended), None when none does."""
    return db.scalars(select(WebSession).where(WebSession.token_hash == token_hash)).first()


def end_web_sessions(db: Db, user_id: int, *, at: dt.datetime, reason: str) -> int:
    """End every open web session of the user at ``at`` for ``reason``; returns how many were open."""
    result = db.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=at, end_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def revoke_api_tokens(db: Db, user_id: int, *, at: dt.datetime) -> int:
    """Revoke every live API token of the user at ``at``; returns how many were live."""
    result = db.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=at)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def add_api_token(db: Db, user_id: int, *, name: str, token_hash: str, at: dt.datetime) -> ApiToken:
    """Insert an API token of the user, issued at ``at``."""
    row = ApiToken(user_id=user_id, name=name, token_hash=token_hash, created_at=at)
    db.add(row)
    db.flush()
    return row


def api_token_by_hash(db: Db, token_hash: str) -> ApiToken | None:
    """The API token that hashes to ``token_hash`` (revoked or not), None when none does."""
    return db.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash)).first()


def get_api_token(db: Db, token_id: int) -> ApiToken | None:
    """The API token ``token_id`` of any user (None when there is none)."""
    return db.get(ApiToken, token_id)


def tokens_of_user(db: Db, user_id: int) -> list[ApiToken]:
    """Every API token of the user, revoked ones too, by id."""
    return list(db.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)))


def add_login_failure(db: Db, *, email: str, address: str, at: dt.datetime, keep: dt.timedelta) -> int:
    """Record a failed login at ``at`` (its id) and delete the failures older than ``keep`` before it."""
    db.execute(delete(LoginFailure).where(LoginFailure.at < at - keep))
    row = LoginFailure(email=email, address=address, at=at)
    db.add(row)
    db.flush()
    return row.id


def drop_login_failure(db: Db, failure_id: int) -> None:
    """Delete the failure ``failure_id`` (an attempt counted in advance that succeeded)."""
    db.execute(delete(LoginFailure).where(LoginFailure.id == failure_id))


def failure_counts(db: Db, *, email: str, address: str, since: dt.datetime) -> tuple[int, int]:
    """How many logins failed since ``since`` for ``email`` and from ``address``."""
    recent = select(func.count()).select_from(LoginFailure).where(LoginFailure.at >= since)
    by_email = db.scalar(recent.where(LoginFailure.email == email)) or 0
    by_address = db.scalar(recent.where(LoginFailure.address == address)) or 0
    return int(by_email), int(by_address)
