"""The JSON API of the repair consultation on a close-up: upload a close-up (multipart) to start a repair map,
list and read maps, correct dots' classes, draw the target hairline, and fetch the images rendered from
the stored photo and document."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from smpstudio.errors import InputError
from smpstudio.services import repair_records as rr
from smpstudio.web.api import API_PREFIX
from smpstudio.web.api.clients import Context

__all__ = ["CorrectionsBody", "HairlineBody", "router"]

router = APIRouter(prefix=API_PREFIX, tags=["repair"])

_PNG = {200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}}


class CorrectionsBody(BaseModel):
    """Dot index -> class (``keep``, ``remove``, ``watch``; ``auto`` goes back to the analysis' class)."""

    model_config = ConfigDict(extra="forbid")

    corrections: dict[int, Literal["keep", "remove", "watch", "auto"]] = Field(max_length=20_000)


class HairlineBody(BaseModel):
    """The target hairline on the photo, ``[[x, y], ...]`` in pixels (null: none)."""

    model_config = ConfigDict(extra="forbid")

    hairline_px: list[list[float]] | None = Field(max_length=200)


def _points(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise InputError("not JSON", field="hairline_px", allowed="[[x, y], ...] in pixels") from None


@router.post(
    "/clients/{client_id}/repairs",
    response_model=rr.RepairSummary,
    status_code=201,
    summary="Start a repair map from a close-up (needs the client's photography consent)",
)
def start_repair(
    client_id: int,
    ctx: Context,
    file: Annotated[UploadFile, File(description="The close-up: JPEG, PNG or WebP.")],
    skin_type: Annotated[str, Form(max_length=3, description="Fitzpatrick I-VI.")],
    mm_per_px: Annotated[float | None, Form(gt=0, description="The photo's scale. [mm/px]")] = None,
    px_per_mm: Annotated[float | None, Form(gt=0, description="Or the other way round. [px/mm]")] = None,
    front: Annotated[str, Form(max_length=10, description="The edge towards the forehead.")] = "top",
    ink: Annotated[str, Form(max_length=20, description="carbon, iron-oxide, titanium-dioxide, unknown.")] = (
        "unknown"
    ),
    scarring: Annotated[
        str, Form(max_length=20, description="none, minimal, moderate, significant.")
    ] = "none",
    hairline_px: Annotated[
        str | None, Form(max_length=20_000, description="JSON [[x, y], ...]. [px]")
    ] = None,
    design_version: Annotated[int | None, Form(description="The design to repair towards.")] = None,
) -> rr.RepairSummary:
    request = rr.StartRepairRequest.of(
        client_id=client_id,
        image=file.file.read(),
        mm_per_px=mm_per_px,
        px_per_mm=px_per_mm,
        skin_type=skin_type,
        front=front,
        ink=ink,
        scarring=scarring,
        hairline_px=_points(hairline_px),
        design_version=design_version,
    )
    return rr.start_repair(ctx, request)


@router.get("/clients/{client_id}/repairs", response_model=rr.RepairList, summary="The client's repair maps")
def client_repairs(client_id: int, ctx: Context) -> rr.RepairList:
    return rr.client_repairs(ctx, rr.ClientRepairsRequest.of(client_id=client_id))


@router.get(
    "/clients/{client_id}/repairs/{repair_id}",
    response_model=rr.RepairMapView,
    summary="A repair map: every dot with its class, counts per zone, the hairlines and the plan",
)
def repair_map(client_id: int, repair_id: int, ctx: Context) -> rr.RepairMapView:
    return rr.repair_map(ctx, rr.RepairMapRequest.of(client_id=client_id, repair_id=repair_id))


@router.post(
    "/clients/{client_id}/repairs/{repair_id}/corrections",
    response_model=rr.RepairMapView,
    summary="Set some dots' classes and re-plan",
)
def correct_dots(client_id: int, repair_id: int, body: CorrectionsBody, ctx: Context) -> rr.RepairMapView:
    request = rr.CorrectDotsRequest.of(client_id=client_id, repair_id=repair_id, corrections=body.corrections)
    return rr.correct_dots(ctx, request)


@router.post(
    "/clients/{client_id}/repairs/{repair_id}/hairline",
    response_model=rr.RepairMapView,
    summary="Set the target hairline drawn on the photo and re-plan",
)
def set_hairline(client_id: int, repair_id: int, body: HairlineBody, ctx: Context) -> rr.RepairMapView:
    request = rr.SetHairlineRequest.of(client_id=client_id, repair_id=repair_id, hairline_px=body.hairline_px)
    return rr.set_hairline(ctx, request)


@router.get(
    "/clients/{client_id}/repairs/{repair_id}/{which}.png",
    response_class=Response,
    responses=_PNG,  # type: ignore[arg-type]
    summary="An image of the map: photo, plan, after-removal or after-resmp (PNG)",
)
def repair_image(
    client_id: int,
    repair_id: int,
    which: str,
    ctx: Context,
    max_width_px: Annotated[int, Query(ge=64, le=4096, description="The widest it may be. [px]")] = 1600,
) -> Response:
    request = rr.RepairImageRequest.of(
        client_id=client_id, repair_id=repair_id, which=which, max_width_px=max_width_px, image_format="png"
    )
    image = rr.repair_images(ctx, request)
    return Response(image.data, media_type=image.media_type)
