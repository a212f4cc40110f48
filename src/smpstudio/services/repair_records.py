"""The repair consultation kept on the client's record: a close-up stored as a photo, its dot map with each
dot's class (as detected, then as the practitioner corrected it), the target hairline and the plan, as one
:class:`~smpstudio.records.models.RepairMap` document.

Each use case is ``f(ctx, request) -> result`` (the models are :mod:`.repair_record_models`, importable
from here), audited, inside the actor's clinic (another clinic's id answers as not found). Storing the
close-up follows :func:`smpstudio.services.clients.add_photo`'s rules (photography consent, metadata
stripped, content-addressed). The analysis itself is :mod:`smpstudio.services.repair_analysis` (pure:
bytes and inputs in, a document out); images are rendered on demand from the stored photo and document,
never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session as Db

from smpstudio.care.rules import RuleSet
from smpstudio.errors import ConflictError, InputError
from smpstudio.records.models import Client, RepairMap
from smpstudio.records.repositories import clients as client_rows
from smpstudio.records.repositories import consent as consent_rows
from smpstudio.records.repositories import repair_maps as rows
from smpstudio.services import repair_analysis as analysis
from smpstudio.services.access import Actor, get_client, log, not_in_clinic, rules_for, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.fields import check_id, clean_image
from smpstudio.services.repair_record_models import (
    ClientRepairsRequest,
    CorrectDotsRequest,
    RepairDotView,
    RepairImage,
    RepairImageRequest,
    RepairList,
    RepairMapRequest,
    RepairMapView,
    RepairSummary,
    SetHairlineRequest,
    StartRepairRequest,
)

__all__ = [
    "ClientRepairsRequest",
    "CorrectDotsRequest",
    "RepairDotView",
    "RepairImage",
    "RepairImageRequest",
    "RepairList",
    "RepairMapRequest",
    "RepairMapView",
    "RepairSummary",
    "SetHairlineRequest",
    "StartRepairRequest",
    "client_repairs",
    "correct_dots",
    "repair_images",
    "repair_map",
    "set_hairline",
    "start_repair",
]


# --- reading and writing ----------------------------------------------------------------------------------


def _summary(row: RepairMap) -> RepairSummary:
    doc = row.document
    dots = doc.get("dots", [])
    return RepairSummary(
        id=row.id,
        client_id=row.client_id,
        photo_id=row.photo_id,
        design_id=row.design_id,
        mm_per_px=row.mm_per_px,
        created_at=row.created_at,
        updated_at=row.updated_at,
        dot_count=len(dots),
        counts=analysis.class_counts(dots),
        corrected=sum(1 for d in dots if d.get("corrected")),
        warnings=list(doc.get("warnings", [])),
    )


def _view(row: RepairMap, client_name: str) -> RepairMapView:
    doc = row.document
    inputs = doc["inputs"]
    return RepairMapView(
        summary=_summary(row),
        client_name=client_name,
        width_px=doc["width_px"],
        height_px=doc["height_px"],
        front=inputs["front"],
        ink=inputs["ink"],
        skin_type=inputs["skin_type"],
        scarring=inputs["scarring"],
        design_version=inputs.get("design_version"),
        dots=[RepairDotView.model_validate(d) for d in doc["dots"]],
        zone_counts=doc.get("zone_counts", {}),
        hairline_px=inputs.get("hairline_px"),
        detected_hairline_px=doc.get("detected_hairline_px"),
        target_px=doc["target_px"],
        target_source=doc["target_source"],
        added=doc["plan"].get("added", []),
        not_dots=len(doc.get("not_dots", [])),
        plan=doc.get("plan", {}),
    )


def _repair_row(
    db: Db, actor: Actor, client_id: int, repair_id: int, *, for_update: bool = False
) -> tuple[Client, RepairMap]:
    """The client of the actor's clinic and their repair map ``repair_id`` (another client's or clinic's
    answers as a missing one)."""
    client = get_client(db, actor, client_id, for_update=for_update)
    row = rows.get_repair_map(db, client.id, check_id(repair_id, "repair"), for_update=for_update)
    if row is None:
        raise not_in_clinic("repair_map", repair_id, noun="repair map", field="repair", allowed="a repair id")
    return client, row


def _design(db: Db, client_id: int, version: int | None) -> tuple[int | None, dict[str, Any] | None]:
    if version is None:
        return None, None
    design = rows.design_of(db, client_id, version)
    if design is None:
        raise InputError(f"no design version {version}", field="design_version", allowed="a stored version")
    return design.id, design.document


def _require_photo_consent(db: Db, client_id: int) -> None:
    if not consent_rows.has_open_consent(db, client_id, "photography"):
        raise InputError(
            "the client has not consented to photographs",
            field="client",
            allowed="a client who signed the photography consent",
            code="photo_consent_missing",
        )


def start_repair(ctx: ServiceContext, request: StartRepairRequest) -> RepairSummary:
    """Store the close-up as the client's photo (kind ``closeup``; refused without photography consent),
    find and class its dots, plan the repair and keep it all as a new repair map.

    The client, consent and design are checked before the analysis runs, and again when the map is stored
    (the analysis runs outside the write transaction: it takes about a second on a phone's photo)."""
    mm_per_px = request.scale_mm_per_px()
    data, media = clean_image(request.image, ctx.max_image_pixels, "photo")
    inputs = analysis.RepairInputs(
        mm_per_px=mm_per_px,
        front=request.front,
        ink=request.ink,
        skin_type=request.skin_type,
        scarring=request.scarring,
        hairline_px=request.hairline_px,
        design_version=request.design_version,
    )

    def check(db: Db, actor: Actor) -> tuple[RuleSet, dict[str, Any] | None]:
        actor.require("photo")
        client = get_client(db, actor, request.client_id, for_update=True)
        _require_photo_consent(db, client.id)
        _, design = _design(db, client.id, request.design_version)
        return rules_for(db, actor, ctx), design

    rules, design = transact(ctx, check)
    document = analysis.analyse(data, inputs, {}, rules, design, max_pixels=ctx.max_image_pixels)

    def action(db: Db, actor: Actor) -> RepairSummary:
        actor.require("photo")
        client = get_client(db, actor, request.client_id, for_update=True)
        _require_photo_consent(db, client.id)
        design_id, _ = _design(db, client.id, request.design_version)
        sha = ctx.db.files.put(data)
        photo = client_rows.add_photo(
            db, client.id, session_id=None, kind="closeup", view="closeup", sha256=sha, media_type=media,
            landmarks=None,
        )  # fmt: skip
        log(db, actor, "create", "photo", photo.id, client=client.id, sha256=sha)
        row = rows.add_repair_map(
            db,
            client.id,
            photo_id=photo.id,
            design_id=design_id,
            mm_per_px=mm_per_px,
            document=document,
            created_by=actor.id,
        )
        log(db, actor, "create", "repair_map", row.id, client=client.id, photo=photo.id)
        return _summary(row)

    return transact(ctx, action)


def repair_map(ctx: ServiceContext, request: RepairMapRequest) -> RepairMapView:
    """One repair map in full (the read is audited)."""

    def action(db: Db, actor: Actor) -> RepairMapView:
        actor.require("photo")
        client, row = _repair_row(db, actor, request.client_id, request.repair_id)
        log(db, actor, "read", "repair_map", row.id, client=row.client_id)
        return _view(row, client.name)

    return transact(ctx, action)


def client_repairs(ctx: ServiceContext, request: ClientRepairsRequest) -> RepairList:
    """The client's repair maps, newest first (the read is audited)."""

    def action(db: Db, actor: Actor) -> RepairList:
        actor.require("photo")
        client = get_client(db, actor, request.client_id)
        found = rows.client_repair_maps(db, client.id)
        log(db, actor, "read", "repair_map", None, client=client.id, ids=[r.id for r in found])
        return RepairList(
            client_id=client.id,
            client_name=client.name,
            skin_type=client.skin_type,
            photo_consent=consent_rows.has_open_consent(db, client.id, "photography"),
            design_versions=rows.design_versions(db, client.id),
            repairs=[_summary(r) for r in found],
        )

    return transact(ctx, action)


@dataclass(frozen=True)
class _Stored:
    """What re-planning and rendering need from a stored map: its document, photo, the clinic's rules and
    the design it is planned towards."""

    document: dict[str, Any]
    photo: bytes
    rules: RuleSet
    design: dict[str, Any] | None


def _load(ctx: ServiceContext, client_id: int, repair_id: int, permission: str, **audit: Any) -> _Stored:
    """The stored map's document and photo, and the clinic's rules; ``audit``: the read is logged with it
    (a refusal is audited by :func:`transact` either way)."""

    def action(db: Db, actor: Actor) -> tuple[dict[str, Any], str, RuleSet, dict[str, Any] | None]:
        actor.require(permission)
        _, row = _repair_row(db, actor, client_id, repair_id)
        photo = rows.photo_of(db, row)
        if photo is None:  # erasure removes the map with its photo: a map without one is not the clinic's
            raise not_in_clinic(
                "repair_map", repair_id, noun="repair map", field="repair", allowed="a repair id"
            )
        if audit:
            log(db, actor, "read", "repair_map", row.id, client=row.client_id, **audit)
        _, design = _design(db, row.client_id, row.document["inputs"].get("design_version"))
        return row.document, photo.sha256, rules_for(db, actor, ctx), design

    document, sha, rules, design = transact(ctx, action)
    return _Stored(document, ctx.db.files.get(sha), rules, design)


def _replace(
    ctx: ServiceContext, request: CorrectDotsRequest | SetHairlineRequest, before: _Stored,
    document: dict[str, Any], what: dict[str, Any],
) -> RepairMapView:  # fmt: skip
    """Store the re-planned ``document`` unless the map changed since it was read (then a conflict)."""

    def action(db: Db, actor: Actor) -> RepairMapView:
        actor.require("session")
        client, row = _repair_row(db, actor, request.client_id, request.repair_id, for_update=True)
        revision = int(row.document.get("revision", 0))
        if revision != int(before.document.get("revision", 0)):
            raise ConflictError(
                "the repair map was changed meanwhile", field="repair", allowed="reload it and try again"
            )
        rows.update_document(db, row, {**document, "revision": revision + 1})
        log(db, actor, "update", "repair_map", row.id, client=row.client_id, **what)
        return _view(row, client.name)

    return transact(ctx, action)


def _analyse(
    ctx: ServiceContext, stored: _Stored, inputs: analysis.RepairInputs, corrections: dict[str, str]
) -> dict[str, Any]:
    return analysis.analyse(
        stored.photo,
        inputs,
        corrections,
        stored.rules,
        stored.design,
        max_pixels=ctx.max_image_pixels,
        previous=stored.document,
    )


def correct_dots(ctx: ServiceContext, request: CorrectDotsRequest) -> RepairMapView:
    """Set the class of some dots, re-plan with every correction so far and store them (audited)."""
    stored = _load(ctx, request.client_id, request.repair_id, "session")
    count = len(stored.document["dots"])
    corrections = dict(stored.document.get("corrections", {}))
    for index, value in request.corrections.items():
        if not 0 <= index < count:
            raise InputError(f"no dot {index}", field="corrections", allowed=f"dot indices 0 to {count - 1}")
        if value == "auto":
            corrections.pop(str(index), None)
        else:
            corrections[str(index)] = value
    document = _analyse(ctx, stored, analysis.RepairInputs.from_document(stored.document), corrections)
    return _replace(ctx, request, stored, document, {"corrected": len(request.corrections)})


def set_hairline(ctx: ServiceContext, request: SetHairlineRequest) -> RepairMapView:
    """Change the target hairline drawn on the photo and re-plan (audited)."""
    stored = _load(ctx, request.client_id, request.repair_id, "session")
    width, height = stored.document["width_px"], stored.document["height_px"]
    for x, y in request.hairline_px or []:
        if not (0 <= x <= width and 0 <= y <= height):
            raise InputError(
                "a hairline point lies outside the photo",
                field="hairline_px",
                allowed=f"points within {width} x {height} pixels",
            )
    inputs = analysis.RepairInputs.from_document(stored.document).with_hairline(request.hairline_px)
    document = _analyse(ctx, stored, inputs, dict(stored.document.get("corrections", {})))
    points = len(request.hairline_px or [])
    return _replace(ctx, request, stored, document, {"hairline_points": points})


def repair_images(ctx: ServiceContext, request: RepairImageRequest) -> RepairImage:
    """One image of the map, rendered now from the stored photo and document: the photo itself, the plan
    (each dot ringed by its class), or the look after the removal and after the re-SMP (audited)."""
    stored = _load(ctx, request.client_id, request.repair_id, "photo", image=request.which)
    rendered = analysis.render(
        stored.photo,
        stored.document,
        request.which,
        stored.rules,
        stored.design,
        max_width_px=request.max_width_px,
        image_format=request.image_format,
        max_pixels=ctx.max_image_pixels,
    )
    return RepairImage(
        which=request.which,
        media_type=rendered.media_type,
        width_px=rendered.width_px,
        height_px=rendered.height_px,
        data=rendered.data,
    )
