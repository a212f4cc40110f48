"""The audit trail: append-only, hash-chained, verifiable.

Every read and write of client data appends one entry (who, when, what: ids and the action, never a
client's name or health data). Each entry's hash is SHA-256 over the previous hash and the entry's own
canonical fields, so changing, removing or reordering any entry breaks the chain from there on.
Appends are serialised: SQLite's ``BEGIN IMMEDIATE`` already holds the write lock; on PostgreSQL a
transaction-scoped advisory lock does.

What the chain cannot show on its own is the loss of the newest entries (truncating the tail leaves a
valid shorter chain); ``verify`` reports the entry count and last hash so an operator can compare them
with a copy kept elsewhere, and backups carry them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from smpstudio.records.models import AuditEntry, utc_now

__all__ = ["GENESIS", "append", "entry_hash", "verify", "verify_rows"]

GENESIS = "0" * 64
ACTIONS = ("create", "read", "update", "delete", "export", "erase", "override", "refuse", "restore")
_PG_LOCK_KEY = 0x534D5041  # "SMPA"


def entry_hash(
    prev_hash: str,
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    clinic_id: int | None,
    action: str,
    entity: str,
    entity_id: str | None,
    detail: dict[str, Any],
) -> str:
    body = json.dumps(
        [
            seq,
            at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            actor_id,
            clinic_id,
            action,
            entity,
            entity_id,
            detail,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


def append(
    s: Session,
    *,
    actor_id: int | None,
    clinic_id: int | None,
    action: str,
    entity: str,
    entity_id: int | str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (it commits or rolls back with the change it records)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    last = s.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = utc_now()
    eid = None if entity_id is None else str(entity_id)
    det = detail or {}
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor_id=actor_id,
        clinic_id=clinic_id,
        action=action,
        entity=entity,
        entity_id=eid,
        detail=det,
        prev_hash=prev,
        hash=entry_hash(prev, seq, at, actor_id, clinic_id, action, entity, eid, det),
    )
    s.add(entry)
    s.flush()
    return entry


def verify_rows(rows: Iterable[tuple[Any, ...]]) -> dict[str, Any]:
    """Check a stream of (seq, at, actor, clinic, action, entity, entity_id, detail, prev_hash, hash) rows."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    for seq, at, actor, clinic, action, entity, eid, detail, prev_hash, h in rows:
        if isinstance(detail, str):
            detail = json.loads(detail)
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        ok = (
            seq == expected_seq
            and prev_hash == prev
            and h == entry_hash(prev, seq, at, actor, clinic, action, entity, eid, detail)
        )
        if not ok:
            return {"ok": False, "entries": count, "first_bad_entry": seq, "last_hash": prev}
        prev = h
        expected_seq += 1
        count += 1
    return {"ok": True, "entries": count, "first_bad_entry": None, "last_hash": prev}


def verify(s: Session, *, chunk: int = 20_000) -> dict[str, Any]:
    """Walk the whole chain in order; ``first_bad_entry`` is the first sequence number that fails."""
    cols = (
        AuditEntry.seq,
        AuditEntry.at,
        AuditEntry.actor_id,
        AuditEntry.clinic_id,
        AuditEntry.action,
        AuditEntry.entity,
        AuditEntry.entity_id,
        AuditEntry.detail,
        AuditEntry.prev_hash,
        AuditEntry.hash,
    )
    result = s.execute(select(*cols).order_by(AuditEntry.seq).execution_options(yield_per=chunk))
    return verify_rows(tuple(r) for r in result)
