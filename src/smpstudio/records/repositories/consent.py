"""Queries of consent: the versioned consent texts, signed consents and their withdrawal, patch tests."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session as Db

from smpstudio.records.models import Client, Consent, ConsentText, PatchTest, Screening

__all__ = [
    "add_consent",
    "add_packaged_texts",
    "add_patch_test",
    "add_text",
    "consent_text",
    "get_patch_test",
    "has_open_consent",
    "open_consents",
    "patch_test_advised",
    "text_exists",
]


#: The PostgreSQL advisory lock that serialises the seeding of the packaged consent texts.
PG_SEED_LOCK_KEY = 0x534D5043  # "SMPC"


def text_exists(db: Db, clinic_id: int | None, kind: str, version: str) -> bool:
    """Whether the consent text ``kind`` has a version ``version`` of the clinic's own or a packaged one
    (``clinic_id`` None: a packaged one only)."""
    owners: ColumnElement[bool] = ConsentText.clinic_id.is_(None)
    if clinic_id is not None:
        owners = or_(owners, ConsentText.clinic_id == clinic_id)
    found = db.scalar(
        select(ConsentText.id)
        .where(owners, ConsentText.kind == kind, ConsentText.version == version)
        .limit(1)
    )
    return found is not None


def add_text(db: Db, clinic_id: int | None, *, kind: str, version: str, body: str) -> ConsentText:
    """Insert a consent text version of a clinic (None: a packaged text); its SHA-256 is of the UTF-8 body."""
    text = ConsentText(
        clinic_id=clinic_id,
        kind=kind,
        version=version,
        body=body,
        sha256=hashlib.sha256(body.encode()).hexdigest(),
    )
    db.add(text)
    db.flush()
    return text


def add_packaged_texts(db: Db, bodies: Mapping[str, str], version: str) -> int:
    """Store version ``version`` of each packaged consent text (``bodies``: kind -> text, belonging to no
    clinic) that is not stored yet; returns how many were added.

    The unique constraint on (clinic, kind, version) cannot keep out a second copy of a packaged text
    (NULL clinic ids are all distinct in it), so two writers seeding at once are serialised: on PostgreSQL
    by a transaction-scoped advisory lock, taken before the texts are looked for, so the second writer looks
    only once the first committed (each statement sees what was committed before it, READ COMMITTED); on
    SQLite the write transaction's ``BEGIN IMMEDIATE`` already does it.
    """
    if db.get_bind().dialect.name == "postgresql":
        db.execute(sql("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_SEED_LOCK_KEY})
    added = 0
    for kind, body in bodies.items():
        if not text_exists(db, None, kind, version):
            add_text(db, None, kind=kind, version=version, body=body)
            added += 1
    return added


def consent_text(db: Db, clinic_id: int, kind: str, version: str | None = None) -> ConsentText | None:
    """The consent text ``kind`` a client of the clinic signs: at ``version`` (the clinic's own before a
    packaged one of that label), or when none is named the clinic's newest own version, else the newest
    packaged one. Another clinic's texts are never returned."""
    for owner in (ConsentText.clinic_id == clinic_id, ConsentText.clinic_id.is_(None)):
        q = select(ConsentText).where(owner, ConsentText.kind == kind)
        if version:
            q = q.where(ConsentText.version == version)
        found = db.scalars(q.order_by(ConsentText.id.desc()).limit(1)).first()
        if found is not None:
            return found
    return None


def add_consent(
    db: Db,
    client_id: int,
    *,
    text: ConsentText,
    signed_name: str,
    signature_sha256: str | None,
    signed_at: dt.datetime,
    witness_id: int,
) -> Consent:
    """Insert a signed consent against the exact text; the signature is "drawn" when an image is kept."""
    consent = Consent(
        client_id=client_id,
        consent_text_id=text.id,
        kind=text.kind,
        signed_name=signed_name,
        signature_kind="drawn" if signature_sha256 else "typed",
        signature_sha256=signature_sha256,
        signed_at=signed_at,
        witness_id=witness_id,
    )
    db.add(consent)
    db.flush()
    return consent


def open_consents(db: Db, client_id: int, kind: str) -> list[Consent]:
    """The client's consents of ``kind`` that are not withdrawn."""
    return list(
        db.scalars(
            select(Consent).where(
                Consent.client_id == client_id, Consent.kind == kind, Consent.withdrawn_at.is_(None)
            )
        )
    )


def has_open_consent(db: Db, client_id: int, kind: str) -> bool:
    """Whether the client holds a consent of ``kind`` that is not withdrawn."""
    found = db.scalar(
        select(Consent.id)
        .where(Consent.client_id == client_id, Consent.kind == kind, Consent.withdrawn_at.is_(None))
        .limit(1)
    )
    return found is not None


def add_patch_test(
    db: Db,
    client_id: int,
    *,
    lot_code: str,
    lot_id: int | None,
    site: str,
    applied_at: dt.datetime,
    read_at: dt.datetime | None,
    result: str | None,
    record: dict[str, Any],
    rules_version: str,
) -> PatchTest:
    """Insert a patch test with its record (times aware); applied only, ``read_at`` and ``result`` are None
    (pending) until it is read."""
    row = PatchTest(
        client_id=client_id,
        lot_code=lot_code,
        lot_id=lot_id,
        site=site,
        applied_at=applied_at,
        read_at=read_at,
        result=result,
        record=record,
        rules_version=rules_version,
    )
    db.add(row)
    db.flush()
    return row


def get_patch_test(
    db: Db, clinic_id: int, client_id: int, patch_test_id: int, *, for_update: bool = False
) -> PatchTest | None:
    """The patch test ``patch_test_id`` of the client ``client_id`` of the clinic (None when there is none:
    another client's or another clinic's test is not found either); ``for_update`` locks its row."""
    q = (
        select(PatchTest)
        .join(Client, Client.id == PatchTest.client_id)
        .where(PatchTest.id == patch_test_id, PatchTest.client_id == client_id, Client.clinic_id == clinic_id)
    )
    return db.scalars(q.with_for_update(of=PatchTest) if for_update else q).first()


def patch_test_advised(db: Db, client_id: int) -> bool:
    """Whether the client's latest screening calls for a patch test."""
    advised = db.scalar(
        select(Screening.patch_test_recommended)
        .where(Screening.client_id == client_id)
        .order_by(Screening.id.desc())
        .limit(1)
    )
    return bool(advised)
