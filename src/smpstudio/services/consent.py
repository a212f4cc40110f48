"""Consent (signing, withdrawing, the versioned texts) and patch tests."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as Db

from smpstudio.care.patch_test import patch_test_record
from smpstudio.errors import InputError, check_choice
from smpstudio.records.files import strip_image_metadata
from smpstudio.records.models import (
    CONSENT_KINDS,
    Consent,
    ConsentText,
    Lot,
    PatchTest,
    utc_now,
)
from smpstudio.services.access import Actor, get_client, log, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import parse_datetime, text_field

__all__ = ["add_consent_text", "record_patch_test", "sign_consent", "withdraw_consent"]


def sign_consent(
    ctx: ServiceContext,
    *,
    client_id: int,
    signed_name: str,
    kind: str = "treatment",
    version: str | None = None,
    signature_file: str | Path | None = None,
) -> dict[str, Any]:
    """Record a signed consent: the exact text version, a typed name, and optionally a drawn signature."""
    check_choice("kind", kind, CONSENT_KINDS)
    name = text_field(signed_name, "signed-name")
    drawing: bytes | None = None
    if signature_file is not None:
        path = Path(signature_file)
        if not path.is_file():
            raise InputError(f"no file {path}", field="signature", allowed="an image of the drawn signature")
        drawing, _ = strip_image_metadata(path.read_bytes(), field="signature")

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("consent")
        client = get_client(db, actor, client_id, for_update=True)
        q = select(ConsentText).where(ConsentText.kind == kind)
        text = (
            db.scalars(q.where(ConsentText.version == version)).first()
            if version
            else db.scalars(q.order_by(ConsentText.id.desc())).first()
        )
        if text is None:
            raise InputError(
                f"no {kind} consent text {version!r}", field="version", allowed="a stored version"
            )
        sha = ctx.db.files.put(drawing) if drawing is not None else None
        consent = Consent(
            client_id=client.id,
            consent_text_id=text.id,
            kind=kind,
            signed_name=name,
            signature_kind="drawn" if sha else "typed",
            signature_sha256=sha,
            signed_at=utc_now(),
            witness_id=actor.id,
        )
        db.add(consent)
        db.flush()
        log(db, actor, "create", "consent", consent.id, client=client.id, kind=kind, version=text.version)
        warnings = []
        if name is not None and name.casefold() != client.name.casefold():
            warnings.append("the signed name differs from the client's name on file (a guardian or a typo?)")
        return {
            "id": consent.id,
            "kind": kind,
            "text_version": text.version,
            "text_sha256": text.sha256,
            "signature": consent.signature_kind,
            "warnings": warnings,
        }

    return transact(ctx, action)


def withdraw_consent(ctx: ServiceContext, *, client_id: int, kind: str = "treatment") -> dict[str, Any]:
    check_choice("kind", kind, CONSENT_KINDS)

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("consent")
        client = get_client(db, actor, client_id)
        open_ = db.scalars(
            select(Consent).where(
                Consent.client_id == client.id, Consent.kind == kind, Consent.withdrawn_at.is_(None)
            )
        ).all()
        if not open_:
            raise InputError(
                f"no {kind} consent to withdraw", field="client", allowed="a client with consent"
            )
        now = utc_now()
        for c in open_:
            c.withdrawn_at = now
            log(db, actor, "update", "consent", c.id, client=client.id, withdrawn=True)
        return {"withdrawn": [c.id for c in open_]}

    return transact(ctx, action)


def add_consent_text(ctx: ServiceContext, *, kind: str, version: str, path: str | Path) -> dict[str, Any]:
    check_choice("kind", kind, CONSENT_KINDS)
    ver = text_field(version, "version", max_len=40)
    file = Path(path)
    if not file.is_file():
        raise InputError(f"no file {file}", field="file", allowed="a UTF-8 text or Markdown file")
    body = file.read_text(encoding="utf-8")

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("consent_text")
        if db.scalar(select(ConsentText.id).where(ConsentText.kind == kind, ConsentText.version == ver)):
            raise InputError(f"{kind} version {ver} exists", field="version", allowed="a new version")
        text = ConsentText(
            kind=kind, version=ver, body=body, sha256=hashlib.sha256(body.encode()).hexdigest()
        )
        db.add(text)
        db.flush()
        log(db, actor, "create", "consent_text", text.id, kind=kind, version=ver)
        return {"id": text.id, "sha256": text.sha256}

    return transact(ctx, action)


def record_patch_test(
    ctx: ServiceContext,
    *,
    client_id: int,
    lot: str,
    applied: str,
    read: str,
    result: str,
    site: str = "behind the ear",
) -> dict[str, Any]:
    rules = ctx.care_rules
    applied_at = parse_datetime(applied, "applied")
    read_at = parse_datetime(read, "read")
    record = patch_test_record(
        site=site, lot=lot, applied_at=applied_at, read_at=read_at, result=result, rules=rules
    )

    def action(db: Db, actor: Actor) -> dict[str, Any]:
        actor.require("patch_test")
        client = get_client(db, actor, client_id, for_update=True)
        lot_row = db.scalars(select(Lot).where(Lot.clinic_id == actor.clinic_id, Lot.lot_code == lot)).first()
        row = PatchTest(
            client_id=client.id,
            lot_code=lot,
            lot_id=lot_row.id if lot_row else None,
            site=site,
            applied_at=applied_at.replace(tzinfo=dt.UTC),
            read_at=read_at.replace(tzinfo=dt.UTC),
            result=result,
            record=record,
            rules_version=rules.version,
        )
        db.add(row)
        db.flush()
        log(db, actor, "create", "patch_test", row.id, client=client.id, result=result)
        return {"id": row.id, **record}

    return transact(ctx, action)
