"""The audit trail's tail: an anchor kept outside the database, and verification against it.

The hash chain shows any changed, removed or reordered entry, except the loss of the newest ones (a
truncated chain is a valid shorter chain). An anchor records the chain's head (entry count, last sequence
number and hash, the store's id, the time); verifying against an anchor reports truncation: fewer entries
than the anchor counted, or the anchored entry's hash no longer in the chain. Every backup's manifest
carries the same head. The walk without an anchor is :func:`smpstudio.services.protection.verify_audit`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationError
from sqlalchemy.orm import Session as Db

from smpstudio.errors import InputError, RefusedError
from smpstudio.records import audit
from smpstudio.records.repositories import clinics as clinic_rows
from smpstudio.services.access import resolve_actor
from smpstudio.services.context import ServiceContext
from smpstudio.services.models import Result

__all__ = ["AnchoredCheck", "AuditAnchor", "anchor_audit", "parse_anchor", "verify_against_anchor"]

ANCHOR_FORMAT = 1


class AuditAnchor(Result):
    """The audit chain's head, to be kept outside the database."""

    anchor_format: int = Field(default=ANCHOR_FORMAT, description="The anchor document's format.")
    store_id: str | None = Field(description="The store's identity.")
    entries: int = Field(ge=0, le=2**62, description="Entries in the chain.")
    last_seq: int = Field(ge=0, le=2**62, description="The last entry's sequence number (0: none).")
    last_hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="The last entry's hash.")
    at: str = Field(max_length=64, description="When the anchor was taken (ISO 8601, UTC).")


class AnchoredCheck(Result):
    """The audit chain walked from its first entry, and compared with an anchor."""

    ok: bool = Field(
        description="Whether every entry verifies, nothing the anchor saw is missing and the database keeps "
        "the trail append-only."
    )
    entries: int = Field(description="Entries that verify, from the first.")
    first_bad_entry: int | None = Field(description="The first entry that fails (None when all verify).")
    last_hash: str = Field(description="The hash of the last entry that verifies.")
    truncated: bool = Field(description="Whether entries the anchor saw are gone (or were replaced).")
    anchor_entries: int = Field(description="Entries the anchor counted.")
    append_only: bool = Field(
        description="Whether the database refuses changing or deleting an entry (its append-only triggers)."
    )


def anchor_audit(ctx: ServiceContext) -> AuditAnchor:
    """The chain's head now (owners only); a broken chain is refused (there is nothing sound to anchor)."""

    def read(db: Db) -> tuple[dict[str, Any], str | None]:
        resolve_actor(db, ctx.user_id).require("audit")
        return audit.verify(db), clinic_rows.store_meta(db, "store_id")

    chain, store_id = ctx.db.read(read)
    if not chain["ok"]:
        raise RefusedError(
            f"the audit trail is broken at entry {chain['first_bad_entry']}: no sound head to anchor",
            code="audit_broken",
        )
    return AuditAnchor(
        store_id=store_id,
        entries=chain["entries"],
        last_seq=chain["entries"],
        last_hash=chain["last_hash"],
        at=ctx.clock.now_utc().isoformat(timespec="seconds"),
    )


def parse_anchor(data: Any) -> AuditAnchor:
    """The anchor in a parsed document, or an :class:`InputError` naming the anchor."""
    if not isinstance(data, dict) or data.get("anchor_format") != ANCHOR_FORMAT:
        raise InputError("not an audit anchor", field="anchor", allowed="a file written by the audit anchor")
    try:
        return AuditAnchor.model_validate(data, strict=True)
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0]["loc"]) or "anchor"
        raise InputError(
            f"the anchor's {where} is not valid", field="anchor", allowed="a file written by the audit anchor"
        ) from None


def verify_against_anchor(ctx: ServiceContext, anchor: AuditAnchor) -> AnchoredCheck:
    """Walk the chain and compare it with ``anchor`` (owners only); an anchor of another store is refused."""

    def check(db: Db) -> tuple[dict[str, Any], str | None, str | None]:
        resolve_actor(db, ctx.user_id).require("audit")
        chain = audit.verify(db)
        found = audit.hash_at(db, anchor.last_seq) if anchor.last_seq else audit.GENESIS
        return chain, found, clinic_rows.store_meta(db, "store_id")

    chain, found, store_id = ctx.db.read(check)
    if anchor.store_id is not None and store_id is not None and anchor.store_id != store_id:
        raise InputError("the anchor is of another store", field="anchor", allowed="this store's anchor")
    truncated = chain["entries"] < anchor.entries or found != anchor.last_hash
    guarded = audit.append_only(ctx.db.engine)
    return AnchoredCheck(
        ok=bool(chain["ok"]) and not truncated and guarded,
        entries=chain["entries"],
        first_bad_entry=chain["first_bad_entry"],
        last_hash=chain["last_hash"],
        truncated=truncated,
        anchor_entries=anchor.entries,
        append_only=guarded,
    )
