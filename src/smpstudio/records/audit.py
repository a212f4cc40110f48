"""The audit trail: append-only, hash-chained, verifiable.

Every read and write of client data appends one entry (who, when, what: ids and the action, never a
client's name or health data). Each entry's hash is SHA-256 over the previous entry's hash and the entry's
own fields, so changing, removing or reordering any entry breaks the chain from there on. The time and the
detail are stored as the exact text that was hashed (ISO 8601 UTC; canonical JSON), so verification reads
text and hashes it without re-encoding anything. The database refuses UPDATE and DELETE on the table
(triggers in the migration); appends are serialised: SQLite's ``BEGIN IMMEDIATE`` already holds the write
lock, and on PostgreSQL a transaction-scoped advisory lock does.

What the chain cannot show on its own is the loss of the newest entries (truncating the tail leaves a
valid shorter chain); ``verify`` reports the entry count and last hash, an anchor file kept outside the
database holds them (:func:`hash_at` then finds the anchored entry), and every backup's manifest carries
them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from smpstudio.records.models import AuditEntry, utc_now

__all__ = [
    "GENESIS",
    "append",
    "append_only",
    "canonical_detail",
    "entry_hash",
    "hash_at",
    "verify",
    "verify_rows",
]

GENESIS = "0" * 64
ACTIONS = (
    "create",
    "read",
    "update",
    "delete",
    "export",
    "erase",
    "override",
    "refuse",
    "restore",
    "backup",
    "anchor",
    "login",
    "logout",
)
_PG_LOCK_KEY = 0x534D5041  # "SMPA"
#: The sequence number of the probe entry :func:`append_only` writes (and rolls back) in a live store: far
#: beyond any real entry, so a concurrent append never collides with it.
_PROBE_SEQ = 2**62


def canonical_detail(detail: dict[str, Any]) -> str:
    return json.dumps(detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    prev_hash: str,
    seq: int,
    at: str,
    actor_id: int | None,
    clinic_id: int | None,
    action: str,
    entity: str,
    entity_id: str | None,
    detail: str,
) -> str:
    """SHA-256 of one entry; every field but the last is free of ``|``, and the detail comes last."""
    actor = "" if actor_id is None else actor_id
    clinic = "" if clinic_id is None else clinic_id
    eid = "" if entity_id is None else entity_id
    body = f"{prev_hash}|{seq}|{at}|{actor}|{clinic}|{action}|{entity}|{eid}|{detail}"
    return hashlib.sha256(body.encode()).hexdigest()


#: Where a transaction keeps the entries it appends until it commits (``Session.info``).
_PENDING = "smp_audit_pending"


def append(
    s: Session,
    *,
    actor_id: int | None,
    clinic_id: int | None,
    action: str,
    entity: str,
    entity_id: int | str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry in the caller's transaction: it is chained when the transaction commits (and is
    gone with it when it rolls back).

    The chain is extended at commit time (:func:`_chain_pending`), so the lock that serialises appends is
    held for the last moment of a transaction only, not for the whole of the work that follows its first
    entry; the entry's time is when it joined the chain, so times rise with the sequence.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    eid = None if entity_id is None else str(entity_id)
    pending: list[tuple[int | None, int | None, str, str, str | None, str]] = s.info.setdefault(_PENDING, [])
    pending.append((actor_id, clinic_id, action, entity, eid, canonical_detail(detail or {})))


@event.listens_for(Session, "before_commit")
def _chain_pending(s: Session) -> None:
    """Chain the transaction's pending entries after the newest entry, under the append lock (SQLite's
    ``BEGIN IMMEDIATE`` write lock; a transaction-scoped advisory lock on PostgreSQL)."""
    pending = s.info.pop(_PENDING, None)
    if not pending:
        return
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    last = s.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
    for actor_id, clinic_id, action, entity, eid, det in pending:
        seq += 1
        at = utc_now().isoformat(timespec="microseconds")
        h = entry_hash(prev, seq, at, actor_id, clinic_id, action, entity, eid, det)
        s.add(
            AuditEntry(
                seq=seq,
                at=at,
                actor_id=actor_id,
                clinic_id=clinic_id,
                action=action,
                entity=entity,
                entity_id=eid,
                detail=det,
                prev_hash=prev,
                hash=h,
            )
        )
        prev = h
    s.flush()


@event.listens_for(Session, "after_rollback")
def _drop_pending(s: Session) -> None:
    """A rolled-back transaction's entries are not chained."""
    s.info.pop(_PENDING, None)


def verify_rows(rows: Iterable[tuple[Any, ...]]) -> dict[str, Any]:
    """Check a stream of (seq, at, actor, clinic, action, entity, entity_id, detail, prev_hash, hash) rows."""
    prev = GENESIS
    expected_seq = 1
    sha256 = hashlib.sha256
    for seq, at, actor, clinic, action, entity, eid, detail, prev_hash, h in rows:
        a = "" if actor is None else actor
        c = "" if clinic is None else clinic
        e = "" if eid is None else eid
        body = f"{prev}|{seq}|{at}|{a}|{c}|{action}|{entity}|{e}|{detail}"
        if seq != expected_seq or prev_hash != prev or h != sha256(body.encode()).hexdigest():
            return {"ok": False, "entries": expected_seq - 1, "first_bad_entry": seq, "last_hash": prev}
        prev = h
        expected_seq += 1
    return {"ok": True, "entries": expected_seq - 1, "first_bad_entry": None, "last_hash": prev}


def verify(s: Session, *, chunk: int = 50_000) -> dict[str, Any]:
    """Walk the whole chain in order, streaming; ``first_bad_entry`` is the first entry that fails."""
    result = (
        s.connection()
        .execution_options(stream_results=True, yield_per=chunk)
        .exec_driver_sql(
            "SELECT seq, at, actor_id, clinic_id, action, entity, entity_id, detail, prev_hash, hash "
            "FROM audit_log ORDER BY seq"
        )
    )
    try:
        return verify_rows(result)
    finally:
        result.close()


def hash_at(s: Session, seq: int) -> str | None:
    """The stored hash of entry ``seq`` (None when there is no such entry)."""
    return s.execute(select(AuditEntry.hash).where(AuditEntry.seq == seq)).scalar_one_or_none()


def append_only(engine: Engine) -> bool:
    """Whether the database refuses an UPDATE and a DELETE of an audit entry (the migration's triggers:
    ``audit_log_no_update``/``audit_log_no_delete`` on SQLite, ``audit_log_append_only`` on PostgreSQL).

    This is the restore's own check (:mod:`smpstudio.records.restore`), run on the live store: a probe
    entry is written and an update and a delete of it tried, each in a transaction that is rolled back, so
    nothing changes (on SQLite writers wait for the moment it holds the write lock). Opens its own
    connections: call it outside any write transaction on ``engine``.
    """
    from smpstudio.errors import InputError
    from smpstudio.records.restore import check_append_only  # one check for restore and verification

    try:
        check_append_only(engine, _PROBE_SEQ)
    except InputError as exc:
        if exc.code == "backup_not_append_only":
            return False
        raise
    return True
