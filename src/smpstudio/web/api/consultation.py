"""The JSON API of the consultation on the client's own photo: upload the photo (multipart), list the client's
consultation photos, fetch a photo scaled for the screen, fit the head to clicked anchors, draw the design on
the photo live, drag a hairline control point, and keep the design as the client's next version.

The preview answers ``image/jpeg`` with what was drawn as JSON in the ``X-Preview`` header (ASCII: numbers
and short notes, never client data); ``?format=json`` answers that JSON with the image inside, base64, under
``image_jpeg_base64``.
"""

from __future__ import annotations

import base64
import json
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from smpstudio.services import consultation as svc
from smpstudio.services.consultation import (
    ConsultationDrag,
    ConsultationFit,
    ConsultationHistory,
    ConsultationPhoto,
    ConsultationSaved,
    DragHairlineRequest,
    FitConsultationRequest,
    LivePreview,
    LivePreviewRequest,
    SaveConsultationRequest,
)
from smpstudio.web.api import API_PREFIX
from smpstudio.web.api.clients import Context, with_path

__all__ = ["DragBody", "FitBody", "PreviewBody", "PreviewJson", "SaveBody", "router"]

router = APIRouter(prefix=API_PREFIX, tags=["consultation"])

_BASE = "/clients/{client_id}/consultations"
_JPEG_SCHEMA = {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}
_JPEG = {200: {"content": _JPEG_SCHEMA}}


class FitBody(FitConsultationRequest):
    """The anchors clicked so far and the design whose hairline is drawn (ids come from the path)."""

    client_id: SkipJsonSchema[None] = Field(None, exclude=True)  # type: ignore[assignment]
    photo_id: SkipJsonSchema[None] = Field(None, exclude=True)  # type: ignore[assignment]


class PreviewBody(LivePreviewRequest):
    """The anchors, the design and what to draw (ids come from the path)."""

    client_id: SkipJsonSchema[None] = Field(None, exclude=True)  # type: ignore[assignment]
    photo_id: SkipJsonSchema[None] = Field(None, exclude=True)  # type: ignore[assignment]


class DragBody(DragHairlineRequest):
    """The anchors, the design, and the control point dragged to ``(x_px, y_px)`` (ids from the path)."""

    client_id: SkipJsonSchema[None] = Field(None, exclude=True)  # type: ignore[assignment]
    photo_id: SkipJsonSchema[None] = Field(None, exclude=True)  # type: ignore[assignment]


class SaveBody(SaveConsultationRequest):
    """The anchors and the design to keep (ids come from the path)."""

    client_id: SkipJsonSchema[None] = Field(None, exclude=True)  # type: ignore[assignment]
    photo_id: SkipJsonSchema[None] = Field(None, exclude=True)  # type: ignore[assignment]


class PreviewJson(LivePreview):
    """What was drawn, with the preview JPEG as base64."""

    image: SkipJsonSchema[bytes] = Field(b"", exclude=True, repr=False)
    image_jpeg_base64: str


_PREVIEW = {
    200: {
        "model": PreviewJson,
        "content": _JPEG_SCHEMA,
        "description": "The preview (JPEG; what was drawn in X-Preview), or JSON with ?format=json.",
        "headers": {"X-Preview": {"description": "What was drawn, as JSON.", "schema": {"type": "string"}}},
    }
}


@router.post(
    _BASE,
    response_model=ConsultationPhoto,
    status_code=201,
    summary="Start a consultation on a photo (JPEG, PNG or WebP; needs the client's photography consent)",
)
def start_consultation(
    client_id: int,
    ctx: Context,
    file: Annotated[UploadFile, File(description="The photo: JPEG, PNG or WebP.")],
    view: Annotated[str, Form(max_length=40, description="front, top, left, right, back, three-quarter.")],
) -> ConsultationPhoto:
    request = svc.StartConsultationRequest.of(client_id=client_id, image=file.file.read(), view=view)
    return svc.start_consultation(ctx, request)


@router.get(
    _BASE, response_model=ConsultationHistory, summary="The client's consultation photos and their designs"
)
def consultation_history(client_id: int, ctx: Context) -> ConsultationHistory:
    return svc.consultation_history(ctx, svc.ConsultationHistoryRequest.of(client_id=client_id))


@router.get(
    _BASE + "/{photo_id}/photo.jpg",
    response_class=Response,
    responses=_JPEG,  # type: ignore[arg-type]
    summary="The consultation photo, scaled for the screen (JPEG without metadata)",
)
def consultation_photo(
    client_id: int,
    photo_id: int,
    ctx: Context,
    max_width_px: Annotated[int, Query(ge=64, le=8000, description="The widest it may be. [px]")] = 1600,
) -> Response:
    request = svc.ConsultationImageRequest.of(
        client_id=client_id, photo_id=photo_id, max_width_px=max_width_px
    )
    image = svc.consultation_photo(ctx, request)
    return Response(image.image, media_type="image/jpeg", headers={"X-Scale": f"{image.scale:.6f}"})


@router.post(
    _BASE + "/{photo_id}/fit",
    response_model=ConsultationFit,
    summary="Fit the head to the anchors: the fit's error, the wire-frame and the hairline's control points",
)
def fit_consultation(client_id: int, photo_id: int, body: FitBody, ctx: Context) -> ConsultationFit:
    request = with_path(FitConsultationRequest, body, client_id=client_id, photo_id=photo_id)
    return svc.fit_consultation(ctx, request)


@router.post(
    _BASE + "/{photo_id}/preview",
    response_class=Response,
    responses=_PREVIEW,  # type: ignore[arg-type]
    summary="The design drawn on the photo (JPEG, or JSON with ?format=json)",
)
def live_preview(
    client_id: int,
    photo_id: int,
    body: PreviewBody,
    ctx: Context,
    format: Annotated[Literal["jpeg", "json"], Query(description="jpeg (default) or json.")] = "jpeg",
) -> Response:
    request = with_path(LivePreviewRequest, body, client_id=client_id, photo_id=photo_id)
    result = svc.live_preview(ctx, request)
    drawn = result.to_json()
    if format == "json":
        payload = PreviewJson(
            **result.model_dump(), image_jpeg_base64=base64.b64encode(result.image).decode()
        )
        return Response(payload.model_dump_json(), media_type="application/json")
    return Response(result.image, media_type="image/jpeg", headers={"X-Preview": json.dumps(drawn)})


@router.post(
    _BASE + "/{photo_id}/hairline-drag",
    response_model=ConsultationDrag,
    summary="Drag a hairline control point to a pixel: the shifts that place it there",
)
def drag_hairline_point(client_id: int, photo_id: int, body: DragBody, ctx: Context) -> ConsultationDrag:
    request = with_path(DragHairlineRequest, body, client_id=client_id, photo_id=photo_id)
    return svc.drag_hairline_point(ctx, request)


@router.post(
    _BASE + "/{photo_id}/save",
    response_model=ConsultationSaved,
    status_code=201,
    summary="Keep the anchors on the photo and the design as the client's next version",
)
def save_consultation(client_id: int, photo_id: int, body: SaveBody, ctx: Context) -> ConsultationSaved:
    request = with_path(SaveConsultationRequest, body, client_id=client_id, photo_id=photo_id)
    return svc.save_consultation(ctx, request)
