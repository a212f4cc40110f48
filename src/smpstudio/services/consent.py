"""Consent (signing, withdrawing, the versioned texts) and patch tests.

Each use case is ``f(ctx, request) -> result``; a drawn signature comes in as the image's bytes and a
consent text as its wording: the faces read the files.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator
from sqlalchemy.orm import Session as Db

from smpstudio.care.patch_test import patch_test_record
from smpstudio.care.rules import RuleSet
from smpstudio.errors import ConflictError, InputError, NotFoundError, RefusedError, echo
from smpstudio.records.models import CONSENT_KINDS, Lot
from smpstudio.records.repositories import consent as rows
from smpstudio.records.repositories import lots as lot_rows
from smpstudio.services.access import Actor, get_client, log, not_in_clinic, rules_for, target, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import (
    DateTimeInput,
    Id,
    OptionalId,
    Text,
    choice,
    clean_image,
    optional_text,
    text,
)
from smpstudio.services.models import Request, Result

__all__ = [
    "AddConsentTextRequest",
    "ConsentSigned",
    "ConsentTextAdded",
    "ConsentTextRequest",
    "ConsentTextShown",
    "ConsentWithdrawn",
    "PatchTestReadRequest",
    "PatchTestRecordRequest",
    "PatchTestRecorded",
    "SignConsentRequest",
    "WithdrawConsentRequest",
    "add_consent_text",
    "read_due_at",
    "read_patch_test",
    "record_patch_test",
    "show_consent_text",
    "sign_consent",
    "withdraw_consent",
]

#: A drawn signature is a small image: the studio's pad is 560 x 200 CSS pixels, about 1 megapixel at a
#: tablet's pixel ratio of 3. Anything far larger is not a signature and costs memory to decode.
SIGNATURE_MAX_PIXELS = 4_000_000
SIGNATURE_MAX_BYTES = 2_000_000

ConsentKind = Literal["treatment", "photography"]
ConsentKindField = Annotated[ConsentKind, choice(CONSENT_KINDS)]

# --- signing and withdrawing -------------------------------------------------------------------------------


class SignConsentRequest(Request):
    """A client's consent: the name they typed, the text (newest version unless named), and optionally
    the image of a drawn signature."""

    client_id: int
    signed_name: Text
    kind: ConsentKindField = "treatment"
    version: Annotated[str | None, optional_text(40)] = Field(None, description="Newest version when None.")
    signature: bytes | None = Field(None, repr=False, description="The drawn signature's image bytes.")


class ConsentSigned(Result):
    """The consent's id, the exact text version signed, how it was signed, and warnings."""

    id: int
    kind: str
    text_version: str
    text_sha256: str
    signature: str
    warnings: list[str]


def sign_consent(ctx: ServiceContext, request: SignConsentRequest) -> ConsentSigned:
    """Record a signed consent: the exact text version, a typed name, and optionally a drawn signature."""
    drawing: bytes | None = None
    if request.signature is not None:
        if len(request.signature) > SIGNATURE_MAX_BYTES:
            raise InputError(
                "the signature image is too large",
                field="signature",
                allowed=f"at most {SIGNATURE_MAX_BYTES:,} bytes",
                code="image_too_large",
            )
        drawing, _ = clean_image(
            request.signature, min(SIGNATURE_MAX_PIXELS, ctx.max_image_pixels), "signature"
        )
    kind, version = request.kind, request.version
    signed_at = ctx.clock.now()

    def action(db: Db, actor: Actor) -> ConsentSigned:
        actor.require("consent")
        client = get_client(db, actor, request.client_id, for_update=True)
        text_row = rows.consent_text(db, actor.clinic_id, kind, version)
        if text_row is None:
            raise InputError(
                f"no {kind} consent text {version!r}", field="version", allowed="a stored version"
            )
        sha = ctx.db.files.put(drawing) if drawing is not None else None
        consent = rows.add_consent(
            db,
            client.id,
            text=text_row,
            signed_name=request.signed_name,
            signature_sha256=sha,
            signed_at=signed_at,
            witness_id=actor.id,
        )
        log(db, actor, "create", "consent", consent.id, client=client.id, kind=kind, version=text_row.version)
        warnings = []
        if request.signed_name.casefold() != client.name.casefold():
            warnings.append("the signed name differs from the client's name on file (a guardian or a typo?)")
        return ConsentSigned(
            id=consent.id,
            kind=kind,
            text_version=text_row.version,
            text_sha256=text_row.sha256,
            signature=consent.signature_kind,
            warnings=warnings,
        )

    return transact(ctx, action)


class WithdrawConsentRequest(Request):
    """Which of a client's consents to withdraw: every open one of a kind, or the one ``consent_id``
    names (of whatever kind)."""

    client_id: int
    kind: ConsentKindField = "treatment"
    consent_id: OptionalId = Field(None, description="Only this consent (its kind is its own).")


class ConsentWithdrawn(Result):
    """The ids of the consents withdrawn."""

    withdrawn: list[int]


def withdraw_consent(ctx: ServiceContext, request: WithdrawConsentRequest) -> ConsentWithdrawn:
    """Withdraw every open consent of one kind of a client, or the one named (now, by the clinic's clock).

    A consent named that is not an open consent of this client (another client's, another clinic's, one
    already withdrawn) answers as not found."""
    kind, one = request.kind, request.consent_id

    def action(db: Db, actor: Actor) -> ConsentWithdrawn:
        actor.require("consent")
        client = get_client(db, actor, request.client_id)
        if one is not None:
            open_ = [c for k in CONSENT_KINDS for c in rows.open_consents(db, client.id, k) if c.id == one]
            if not open_:
                error = NotFoundError(
                    f"no open consent {one} of this client",
                    field="consent",
                    allowed="an open consent of the client",
                    code="no_consent",
                )
                raise target(error, "consent", one)
        else:
            open_ = rows.open_consents(db, client.id, kind)
        if not open_:
            raise InputError(
                f"no {kind} consent to withdraw", field="client", allowed="a client with consent"
            )
        now = ctx.clock.now()
        for c in open_:
            c.withdrawn_at = now
            log(db, actor, "update", "consent", c.id, client=client.id, withdrawn=True)
        return ConsentWithdrawn(withdrawn=[c.id for c in open_])

    return transact(ctx, action)


# --- consent texts -----------------------------------------------------------------------------------------


class AddConsentTextRequest(Request):
    """A clinic's own version of a consent text: its kind, version label and wording."""

    kind: ConsentKindField
    version: Annotated[str, text(40)]
    body: Annotated[str, StringConstraints(strip_whitespace=False)] = Field(
        repr=False, description="The wording (Markdown), kept exactly as given."
    )


class ConsentTextAdded(Result):
    """The new text's id and the SHA-256 of its wording."""

    id: int
    sha256: str


def add_consent_text(ctx: ServiceContext, request: AddConsentTextRequest) -> ConsentTextAdded:
    """Store a new version of a consent text for the acting owner's clinic only (its clients sign it from
    now on); an existing version, the clinic's or a packaged one, is never replaced."""
    kind, version = request.kind, request.version

    def action(db: Db, actor: Actor) -> ConsentTextAdded:
        actor.require("consent_text")
        if rows.text_exists(db, actor.clinic_id, kind, version):
            raise InputError(f"{kind} version {version} exists", field="version", allowed="a new version")
        text_row = rows.add_text(db, actor.clinic_id, kind=kind, version=version, body=request.body)
        log(db, actor, "create", "consent_text", text_row.id, kind=kind, version=version)
        return ConsentTextAdded(id=text_row.id, sha256=text_row.sha256)

    return transact(ctx, action)


class ConsentTextRequest(Request):
    """Which consent text to show: its kind, and a version (the one a client signs now when None)."""

    kind: ConsentKindField = "treatment"
    version: Annotated[str | None, optional_text(40)] = Field(None, description="Newest version when None.")


class ConsentTextShown(Result):
    """A consent text in full, as a client of the clinic signs it."""

    kind: str
    version: str
    sha256: str
    clinic_own: bool = Field(description="The clinic's own wording (False: the packaged text).")
    body: str = Field(description="The wording (Markdown), exactly as kept.")


def show_consent_text(ctx: ServiceContext, request: ConsentTextRequest) -> ConsentTextShown:
    """The consent text a client of the acting user's clinic signs (:func:`sign_consent` picks the same
    one): the clinic's newest own version of the kind, else the newest packaged one, or the version named."""
    kind, version = request.kind, request.version

    def action(db: Db, actor: Actor) -> ConsentTextShown:
        found = rows.consent_text(db, actor.clinic_id, kind, version)
        if found is None:
            raise NotFoundError(
                f"no {kind} consent text {version or ''}".rstrip(),
                field="version" if version else "kind",
                allowed="a stored version",
                code="no_consent_text",
            )
        return ConsentTextShown(
            kind=found.kind,
            version=found.version,
            sha256=found.sha256,
            clinic_own=found.clinic_id is not None,
            body=found.body,
        )

    return transact(ctx, action)


# --- patch tests -------------------------------------------------------------------------------------------


class PatchTestRecordRequest(Request):
    """A patch test: the lot tested, when applied and, once read, when read (as written, naive) and its
    result. Applied only (no ``read`` and no ``result``), the test is pending until
    :func:`read_patch_test` records its reading."""

    client_id: int
    lot: Annotated[str, text(80)] = Field(description="A pigment lot of the clinic: its code or #id.")
    applied: DateTimeInput
    read: DateTimeInput | None = Field(None, description="When it was read (None: not read yet).")
    result: str | None = Field(None, description="negative, positive or doubtful (None: not read yet).")
    site: Annotated[str, text(80)] = "behind the ear"

    @model_validator(mode="after")
    def _read_with_result(self) -> PatchTestRecordRequest:
        if (self.read is None) != (self.result is None):
            missing = "result" if self.result is None else "read"
            raise InputError(
                "a reading needs both when it was read and its result",
                field=missing,
                allowed="both read and result, or neither (read later)",
            )
        return self


class PatchTestRecorded(Result):
    """The kept patch test with its hours, whether it blocks a session, and its limited predictive value;
    a pending test (applied, not read yet) has no reading and is due to be read at ``read_due_at``."""

    id: int
    site: str
    lot: str
    applied_at: str
    read_at: str | None
    hours: float | None
    result: str | None
    blocks_session: bool
    limited_value: str
    rules_version: str
    pending: bool = Field(False, description="Applied and not read yet: no result, never passed.")
    read_due_at: str | None = Field(
        None, description="When a pending test is due to be read (the care rules' first reading time)."
    )


def read_due_at(applied_at: dt.datetime, rules: RuleSet) -> dt.datetime:
    """When a patch test applied at ``applied_at`` is first due to be read: the care rules' first reading
    time (``[patch_test] read_at_hours``, 48 h: [clinic-patch-test] in docs/references.md, grade C)."""
    hours = min(float(h) for h in rules.data["patch_test"]["read_at_hours"])
    return applied_at + dt.timedelta(hours=hours)


def _pigment_lot(db: Db, actor: Actor, ref: str) -> Lot:
    """The clinic's pigment lot ``ref`` names (a lot code or ``#id``); anything else is refused naming
    the field ``lot``."""
    if ref.startswith("#") and ref[1:].isdigit():
        found = lot_rows.get_lot(db, actor.clinic_id, int(ref[1:]))
        candidates = [found] if found is not None else []
    else:
        candidates = lot_rows.lots_by_code(db, actor.clinic_id, ref)
    pigments = [lot for lot in candidates if lot.kind == "pigment"]
    if len(pigments) == 1:
        return pigments[0]
    if len(pigments) > 1:
        raise InputError(
            f"lot {echo(ref)} names {len(pigments)} pigments",
            field="lot",
            allowed="the lot by id: #" + ", #".join(str(lot.id) for lot in pigments),
        )
    known = lot_rows.lot_codes(db, actor.clinic_id, "pigment")
    what = f"lot {echo(ref)} is a {candidates[0].kind} lot" if candidates else f"no pigment lot {echo(ref)}"
    raise InputError(
        what, field="lot", allowed="a pigment lot of the clinic: " + (", ".join(known) or "none yet")
    )


def _check_dates(applied: dt.datetime, read: dt.datetime | None, today: dt.date) -> None:
    """A patch test was applied (and read) by the clinic's today, and read after it was applied."""
    for field, when in (("applied", applied), ("read", read)):
        if when is not None and when.date() > today:
            raise InputError(f"{when.date()} is in the future", field=field, allowed=f"a date up to {today}")
    if read is not None and read <= applied:
        raise InputError(
            f"read at {read.isoformat(timespec='minutes')}, not after it was applied",
            field="read",
            allowed="a time after the applied time",
        )


def _pending_record(site: str, lot: str, applied_at: dt.datetime, rules: RuleSet) -> dict[str, Any]:
    """The record of a test applied and not read yet (no reading, no result)."""
    cfg = rules.data["patch_test"]
    return {
        "site": site,
        "lot": lot,
        "applied_at": applied_at.isoformat(timespec="minutes"),
        "read_at": None,
        "hours": None,
        "result": None,
        "limited_value": cfg["limited_value"],
        "rules_version": rules.version,
        "pending": True,
        "read_due_at": read_due_at(applied_at, rules).isoformat(timespec="minutes"),
    }


def record_patch_test(ctx: ServiceContext, request: PatchTestRecordRequest) -> PatchTestRecorded:
    """Record a patch test on a pigment lot of the clinic, with the clinic's care rules' statement of its
    limited predictive value: read at once (``read`` and ``result``), or applied only and read later
    (:func:`read_patch_test`). Times are as written, in the clinic's timezone."""

    def action(db: Db, actor: Actor) -> PatchTestRecorded:
        actor.require("patch_test")
        client = get_client(db, actor, request.client_id, for_update=True)
        lot = _pigment_lot(db, actor, request.lot)
        if lot.recalled_at is not None:  # a recalled pigment is not used on a client, not even for a test
            raise RefusedError(
                f"pigment lot {lot.lot_code} is recalled",
                field="lot",
                allowed="a pigment lot that is not recalled",
                code="lot_recalled",
            )
        _check_dates(request.applied, request.read, actor.today())
        rules = rules_for(db, actor, ctx)
        zone = actor.clock.tz
        applied = request.applied.replace(tzinfo=zone)
        if request.read is None or request.result is None:
            record = _pending_record(request.site, lot.lot_code, request.applied, rules)
            read_at = None
        else:
            record = patch_test_record(
                site=request.site,
                lot=lot.lot_code,
                applied_at=request.applied,
                read_at=request.read,
                result=request.result,
                rules=rules,
            )
            read_at = request.read.replace(tzinfo=zone)
        row = rows.add_patch_test(
            db,
            client.id,
            lot_code=lot.lot_code,
            lot_id=lot.id,
            site=request.site,
            applied_at=applied,
            read_at=read_at,
            result=request.result,
            record=record,
            rules_version=rules.version,
        )
        log(db, actor, "create", "patch_test", row.id, client=client.id, lot=lot.id, result=request.result)
        if read_at is None:
            record = {**record, "blocks_session": rows.patch_test_advised(db, client.id)}
        return PatchTestRecorded(id=row.id, **record)

    return transact(ctx, action)


class PatchTestReadRequest(Request):
    """The reading of a pending patch test: its result and when it was read (now by default; as written,
    naive, in the clinic's timezone)."""

    client_id: Id
    patch_test_id: Id
    result: str = Field(description="negative, positive or doubtful.")
    read: DateTimeInput | None = Field(None, description="When it was read (now by default).")


def read_patch_test(ctx: ServiceContext, request: PatchTestReadRequest) -> PatchTestRecorded:
    """Record the reading of a patch test applied earlier and not read yet: its result and when.

    A test of another client or clinic answers as not found; a test already read is a conflict (code
    ``patch_test_already_read``: a later reading of the same application is recorded as a test of its own).
    The reading must come at least the care rules' first reading time after the application.
    """
    r = request

    def action(db: Db, actor: Actor) -> PatchTestRecorded:
        actor.require("patch_test")
        client = get_client(db, actor, r.client_id, for_update=True)
        test = rows.get_patch_test(db, actor.clinic_id, client.id, r.patch_test_id, for_update=True)
        if test is None:
            raise not_in_clinic(
                "patch_test",
                r.patch_test_id,
                noun="patch test",
                field="patch_test_id",
                allowed="a patch test of this client",
            )
        if test.read_at is not None:
            raise ConflictError(
                f"patch test {test.id} was read on {test.read_at.astimezone(actor.clock.tz).date()}",
                field="patch_test_id",
                allowed="a patch test not read yet (record a later reading as a new patch test)",
                code="patch_test_already_read",
            )
        zone = actor.clock.tz
        applied = test.applied_at.astimezone(zone).replace(tzinfo=None)
        read = r.read or actor.clock.now().replace(tzinfo=None, second=0, microsecond=0)
        _check_dates(applied, read, actor.today())
        rules = rules_for(db, actor, ctx)
        record = patch_test_record(
            site=test.site, lot=test.lot_code, applied_at=applied, read_at=read, result=r.result, rules=rules
        )
        test.read_at = read.replace(tzinfo=zone)
        test.result = r.result
        test.record = {**test.record, **record, "pending": False, "read_due_at": None}
        test.rules_version = rules.version
        db.flush()
        log(db, actor, "update", "patch_test", test.id, client=client.id, result=r.result)
        return PatchTestRecorded(id=test.id, **record)

    return transact(ctx, action)
