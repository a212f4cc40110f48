"""Consent: signing, withdrawing, and the versioned texts a client signs (patch tests are in
:mod:`smpstudio.services.patch_tests`).

Each use case is ``f(ctx, request) -> result``; a drawn signature comes in as the image's bytes and a
consent text as its wording: the faces read the files.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints
from sqlalchemy.orm import Session as Db

from smpstudio.errors import InputError, NotFoundError
from smpstudio.records.models import CONSENT_KINDS
from smpstudio.records.repositories import consent as rows
from smpstudio.services.access import Actor, get_client, log, target, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import OptionalId, Text, choice, clean_image, optional_text, text
from smpstudio.services.models import Request, Result

__all__ = [
    "AddConsentTextRequest",
    "ConsentSigned",
    "ConsentTextAdded",
    "ConsentTextRequest",
    "ConsentTextShown",
    "ConsentWithdrawn",
    "SignConsentRequest",
    "WithdrawConsentRequest",
    "add_consent_text",
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
