"""Clinic records at scale: 100k clients, 1M sessions, 1M audit entries, on SQLite and PostgreSQL.

Generated straight into a fresh store (bulk inserts; the audit entries form a valid hash chain), then
timed through the services a clinic uses: a recall lookup of one pigment lot (``smp lot clients``: the
exposed clients with contacts and sessions, the read audited), one client's full record (``smp client
show``, audited), and the verification of the whole audit chain (``smp audit verify``). Each is compared
with the issue's budget: 50 ms, 20 ms and 30 s.

Lots are sized like a busy clinic's: 5,000 pigment lots (about 200 sessions each), 20,000 needle lots,
2,000 diluent lots. PostgreSQL is the server at ``SMP_TEST_POSTGRES`` (default 127.0.0.1:5432); the
benchmark makes and drops its own database there.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import insert, inspect

from benchmarks._timing import Row, best_of
from smpstudio.records.audit import GENESIS, canonical_detail, entry_hash
from smpstudio.records.models import AuditEntry, Client, Clinic, Lot, Session, User
from smpstudio.records.store import Store, open_store
from smpstudio.services.clients import client_record
from smpstudio.services.context import ServiceContext
from smpstudio.services.lots import lot_clients
from smpstudio.services.protection import verify_audit

CLIENTS = 100_000
SESSIONS = 1_000_000
AUDIT = 1_000_000
LOTS = {"pigment": 5_000, "needle": 20_000, "diluent": 2_000}
BATCH = 50_000
#: The table column's key of ``Session.ink_fraction`` (its first name, ``dilution``, until it is renamed).
INK_FRACTION = inspect(Session).columns["ink_fraction"].key
PG_SERVER = os.environ.get("SMP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


def _batches(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]


def generate(store: Store, *, clients: int = CLIENTS, sessions: int = SESSIONS, audit: int = AUDIT) -> float:
    """Fill an empty store; returns the seconds it took."""
    t0 = time.perf_counter()
    rng = random.Random(6)
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    with store.engine.begin() as conn:
        conn.execute(
            insert(Clinic),
            [{"id": 1, "name": "Bench", "jurisdiction": "default", "retention_years": 6, "created_at": now}],
        )
        conn.execute(
            insert(User),
            [{"id": 1, "clinic_id": 1, "name": "Owner", "role": "owner", "active": True, "created_at": now}],
        )
        lot_rows, lot_id, first = [], 0, {}
        for kind, n in LOTS.items():
            first[kind] = lot_id + 1
            for _ in range(n):
                lot_id += 1
                lot_rows.append(
                    {
                        "id": lot_id,
                        "clinic_id": 1,
                        "kind": kind,
                        "product": f"{kind} product",
                        "lot_code": f"{kind[0].upper()}{lot_id:06d}",
                        "expires_on": dt.date(2030, 1, 1),
                        "quantity": 1000,
                        "compliance": "pass",
                        "created_at": now,
                    }
                )
        conn.execute(insert(Lot), lot_rows)
        for chunk in _batches(
            [
                {
                    "id": i,
                    "clinic_id": 1,
                    "name": f"Client {i}",
                    "date_of_birth": dt.date(1950 + i % 50, 1 + i % 12, 1),
                    "email": f"c{i}@example.org",
                    "phone": f"+44 {i:07d}",
                    "skin_type": "III",
                    "created_at": now,
                }
                for i in range(1, clients + 1)
            ]
        ):
            conn.execute(insert(Client), chunk)
        rows = []
        for i in range(1, sessions + 1):
            rows.append(
                {
                    "id": i,
                    "clinic_id": 1,
                    "client_id": 1 + (i - 1) % clients,
                    "practitioner_id": 1,
                    "started_at": now - dt.timedelta(days=rng.randrange(3000)),
                    "zones": ["full"],
                    "pigment_lot_id": first["pigment"] + rng.randrange(LOTS["pigment"]),
                    "needle_lot_id": first["needle"] + rng.randrange(LOTS["needle"]),
                    "diluent_lot_id": first["diluent"] + rng.randrange(LOTS["diluent"]),
                    INK_FRACTION: 0.5,
                    "rules_version": "care-2026.11.1",
                    "created_at": now,
                }
            )
            if len(rows) == BATCH:
                conn.execute(insert(Session), rows)
                rows = []
        if rows:
            conn.execute(insert(Session), rows)
        prev, rows = GENESIS, []
        for seq in range(1, audit + 1):
            at = (now + dt.timedelta(microseconds=seq)).isoformat(timespec="microseconds")
            detail = canonical_detail({"client": 1 + seq % clients})
            h = entry_hash(prev, seq, at, 1, 1, "read", "client", str(1 + seq % clients), detail)
            rows.append(
                {
                    "seq": seq,
                    "at": at,
                    "actor_id": 1,
                    "clinic_id": 1,
                    "action": "read",
                    "entity": "client",
                    "entity_id": str(1 + seq % clients),
                    "detail": detail,
                    "prev_hash": prev,
                    "hash": h,
                }
            )
            prev = h
            if len(rows) == BATCH:
                conn.execute(insert(AuditEntry), rows)
                rows = []
        if rows:
            conn.execute(insert(AuditEntry), rows)
    if store.dialect == "postgresql":
        with store.engine.connect() as conn:
            conn.exec_driver_sql("COMMIT")
            conn.exec_driver_sql("ANALYZE")
            for table in ("clinics", "users", "lots", "clients", "sessions"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
    else:
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - t0


def _measure(store: Store, label: str, generation_s: float) -> list[Row]:
    rng = random.Random(1)
    pigment_codes = [f"P{rng.randrange(1, LOTS['pigment'] + 1):06d}" for _ in range(3)]
    recall_s, recall = best_of(
        lambda i: lot_clients(ServiceContext(store=store, user_id=1), pigment_codes[max(i, 0)]), warmup=True
    )
    record_s, record = best_of(
        lambda i: client_record(ServiceContext(store=store, user_id=1), 1 + rng.randrange(CLIENTS)),
        warmup=True,
    )
    verify_s, chain = best_of(lambda i: verify_audit(ServiceContext(store=store, user_id=1)), runs=1)
    assert chain.ok, chain
    common = {"store": label, "clients": CLIENTS, "sessions": SESSIONS, "generate_s": round(generation_s, 1)}
    return [
        Row(
            "records-recall",
            {**common, "exposed_clients": len(recall.clients)},
            recall_s,
            "budget 50 ms",
            0.050,
        ),
        Row(
            "records-client-record",
            {**common, "sessions_each": len(record.sessions)},
            record_s,
            "budget 20 ms",
            0.020,
        ),
        Row("records-audit-verify", {**common, "entries": chain.entries}, verify_s, "budget 30 s", 30.0),
    ]


def run_sqlite() -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "var", create=True)
        try:
            return _measure(store, "sqlite", generate(store))
        finally:
            store.close()


def run_postgres() -> list[Row]:
    import psycopg

    name = f"smp_bench_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = open_store(Path(tmp) / "var", url=f"{PG_SERVER}/{name}", create=True)
            try:
                return _measure(store, "postgresql", generate(store))
            finally:
                store.close()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
