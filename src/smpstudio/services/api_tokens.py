"""Personal API tokens: issued to a user (shown once, kept as a hash), listed, revoked, and the user a
bearer token stands for. Passwords and login sessions are :mod:`smpstudio.services.accounts`."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated

from pydantic import Field
from sqlalchemy.orm import Session as Db

from smpstudio.errors import UnauthenticatedError
from smpstudio.records.repositories import accounts as rows
from smpstudio.records.repositories import clinics as clinic_rows
from smpstudio.services.access import Actor, log, not_in_clinic, transact
from smpstudio.services.accounts import (
    TOKEN_PREFIX,
    TOUCH_EVERY,
    SessionUser,
    own_account,
    token_digest,
    user_summary,
)
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import Id, text
from smpstudio.services.models import Request, Result

__all__ = [
    "IssueTokenRequest",
    "RevokeTokenRequest",
    "TokenIssued",
    "TokenList",
    "TokenRevoked",
    "TokenSummary",
    "issue_token",
    "list_tokens",
    "revoke_token",
    "token_user",
]


def _bad_token() -> UnauthenticatedError:
    return UnauthenticatedError(
        "the API token is unknown or revoked",
        field="token",
        allowed="a token issued to an active user",
        code="bad_token",
    )


def token_user(ctx: ServiceContext, token: str) -> SessionUser:
    """The active user whose API token ``token`` is (its last use noted once a minute).

    An unknown or revoked token or an inactive user's is :class:`UnauthenticatedError` (``bad_token``).
    """
    digest = token_digest(token)
    if digest is None or not token.startswith(TOKEN_PREFIX):
        raise _bad_token()
    now = ctx.clock.now_utc()

    def look(db: Db) -> tuple[dt.datetime | None, SessionUser] | None:
        row = rows.api_token_by_hash(db, digest)
        user = clinic_rows.get_user(db, row.user_id) if row is not None else None
        if row is None or row.revoked_at is not None or user is None or not user.active:
            return None
        return row.last_used_at, user_summary(db, user)

    found = ctx.db.read(look)
    if found is None:
        raise _bad_token()
    last_used, who = found
    if last_used is None or now - last_used >= TOUCH_EVERY:

        def note(db: Db) -> None:
            row = rows.api_token_by_hash(db, digest)
            if row is not None and (row.last_used_at is None or row.last_used_at < now):
                row.last_used_at = now

        ctx.db.write(note)
    return who


# --- passwords and tokens ----------------------------------------------------------------------------------


class IssueTokenRequest(Request):
    """A new API token for a user, with a label."""

    user_id: Id
    name: Annotated[str, text(80)] = "api"


class TokenIssued(Result):
    """The new token: shown this once (the store keeps only its SHA-256)."""

    id: int
    user_id: int
    name: str
    token: str = Field(repr=False)


def issue_token(ctx: ServiceContext, request: IssueTokenRequest) -> TokenIssued:
    """Issue an API token to a user (the user themself, or an owner of their clinic)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)

    def action(db: Db, actor: Actor) -> TokenIssued:
        user = own_account(db, actor, request.user_id)
        row = rows.add_api_token(
            db, user.id, name=request.name, token_hash=str(token_digest(token)), at=ctx.clock.now_utc()
        )
        log(db, actor, "create", "api_token", row.id, user=user.id)
        return TokenIssued(id=row.id, user_id=user.id, name=row.name, token=token)

    return transact(ctx, action)


class RevokeTokenRequest(Request):
    """An API token to revoke."""

    token_id: Id


class TokenRevoked(Result):
    """The revoked token and its user."""

    id: int
    user_id: int


def revoke_token(ctx: ServiceContext, request: RevokeTokenRequest) -> TokenRevoked:
    """Revoke an API token (its user, or an owner of their clinic); revoking it again changes nothing."""

    def action(db: Db, actor: Actor) -> TokenRevoked:
        row = rows.get_api_token(db, request.token_id)
        user = clinic_rows.get_user(db, row.user_id) if row is not None else None
        if row is None or user is None or user.clinic_id != actor.clinic_id:
            raise not_in_clinic(
                "api_token",
                request.token_id,
                noun="API token",
                field="token_id",
                allowed="a token id of this clinic",
                code="no_token",
            )
        own_account(db, actor, user.id)
        if row.revoked_at is None:
            row.revoked_at = ctx.clock.now_utc()
            log(db, actor, "update", "api_token", row.id, revoked=True)
        return TokenRevoked(id=row.id, user_id=row.user_id)

    return transact(ctx, action)


class TokenSummary(Result):
    """An API token as listed: never the token itself."""

    id: int
    user_id: int
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked: bool


class TokenList(Result):
    """A user's API tokens, by id."""

    tokens: list[TokenSummary]


def list_tokens(ctx: ServiceContext, user_id: int) -> TokenList:
    """A user's API tokens, revoked ones too (the user themself, or an owner of their clinic)."""

    def action(db: Db, actor: Actor) -> TokenList:
        user = own_account(db, actor, user_id)
        return TokenList(
            tokens=[
                TokenSummary(
                    id=t.id,
                    user_id=t.user_id,
                    name=t.name,
                    created_at=t.created_at,
                    last_used_at=t.last_used_at,
                    revoked=t.revoked_at is not None,
                )
                for t in rows.tokens_of_user(db, user.id)
            ]
        )

    return transact(ctx, action)
