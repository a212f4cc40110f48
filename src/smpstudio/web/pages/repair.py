"""The repair consultation page: a close-up's dot map, the practitioner's corrections and the plan.

``/clients/{id}/repair`` lists the client's repair maps and uploads a new close-up (a phone's camera on a
tablet); ``/clients/{id}/repair/{repair_id}`` shows the photo with every dot ringed by its class, the dot
table (a select per dot: the keyboard's way), the target hairline, counts and the plan, and the images
with a before/after slider. The corrections and the hairline are plain forms (POST, then redirect); the
page's script sends the same forms with ``Accept: application/json`` and gets the re-planned map back.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from smpstudio.errors import InputError, SmpError
from smpstudio.services import repair_records as rr
from smpstudio.services.context import ServiceContext
from smpstudio.web.pages.client_forms import client_path, filled
from smpstudio.web.pages.clinic_forms import FORM_ERRORS, Context, field_error, may, see_other
from smpstudio.web.pages.rendering import page

__all__ = ["CLASS_WORDS", "router"]

router = APIRouter(include_in_schema=False)

#: Each class in plain words, and the shape that marks it on the photo (so it is not told by colour only).
CLASS_WORDS = {
    "keep": ("Keep", "circle"),
    "remove": ("Remove (laser)", "crossed square"),
    "watch": ("Watch", "dashed diamond"),
}
#: The plan's zones (:mod:`smpstudio.repair.compare`) in plain words.
ZONE_WORDS = {
    "hairline": "Hairline band",
    "front": "Front (first 2 cm)",
    "body": "Further back",
    "outside": "Ahead of the target hairline",
}
IMAGE_WORDS = {
    "photo": "Before",
    "plan": "The plan",
    "after-removal": "After the removal",
    "after-resmp": "After the re-SMP",
}
FRONT_WORDS = (("top", "Top"), ("bottom", "Bottom"), ("left", "Left"), ("right", "Right"))
INK_WORDS = (
    ("unknown", "Not known"),
    ("carbon", "Carbon black"),
    ("iron-oxide", "Iron oxide"),
    ("titanium-dioxide", "Contains titanium dioxide"),
)
SCARRING_WORDS = (
    ("none", "None"),
    ("minimal", "Minimal"),
    ("moderate", "Moderate"),
    ("significant", "Significant"),
)
SKIN_TYPES = ("I", "II", "III", "IV", "V", "VI")
#: The fields of the upload form a service error may name, by the form field that shows it.
SCALE_FIELDS = ("scale", "mm_per_px", "px_per_mm")
Number = Annotated[str, Form(max_length=24)]
Word = Annotated[str, Form(max_length=20)]
#: The widest an image is sent. [px]
Width = Annotated[int, Query(ge=64, le=4096)]


def _base(client_id: int) -> str:
    return f"{client_path(client_id)}/repair"


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


# --- the list and the upload ------------------------------------------------------------------------------


def _list_page(
    request: Request,
    ctx: ServiceContext,
    client_id: int,
    *,
    values: dict[str, str] | None = None,
    error: SmpError | None = None,
    status_code: int = 200,
) -> Response:
    listing = rr.client_repairs(ctx, rr.ClientRepairsRequest.of(client_id=client_id))
    refused = error is not None and error.code == "photo_consent_missing"
    errors = {
        "photo": field_error(error, "photo", "image"),
        "scale": field_error(error, *SCALE_FIELDS),
        "skin_type": field_error(error, "skin_type"),
        "front": field_error(error, "front"),
        "ink": field_error(error, "ink"),
        "scarring": field_error(error, "scarring"),
        "design_version": field_error(error, "design_version", "design"),
    }
    shown = any(errors.values()) or refused
    return page(
        request,
        "repair/list.html",
        status_code=status_code,
        json_twin=f"/api/v1/clients/{client_id}/repairs",
        listing=listing,
        base=_base(client_id),
        client_link=client_path(client_id),
        values=values or {"skin_type": listing.skin_type or "II", "scale_unit": "px_per_mm"},
        errors=errors,
        error=None if shown else error,
        refused=error if refused else None,
        may_consent=may(request, "GET", "/clients/{client_id}/consent"),
        fronts=FRONT_WORDS,
        inks=INK_WORDS,
        scarring=SCARRING_WORDS,
        skin_types=SKIN_TYPES,
        classes=CLASS_WORDS,
        designs=[("", "None: the default design")]
        + [(str(v), f"Version {v}") for v in listing.design_versions],
    )


@router.get("/clients/{client_id}/repair")
def repair_list(request: Request, client_id: int, ctx: Context) -> Response:
    return _list_page(request, ctx, client_id)


def _scale(value: str, unit: str) -> dict[str, float]:
    """The scale typed in the form, as the service's ``mm_per_px`` or ``px_per_mm``."""
    try:
        number = float(value)
    except ValueError:
        raise InputError(
            "the photo's scale is missing or not a number",
            field="scale",
            allowed="a positive number: pixels per millimetre (measure a ruler on the photo) or mm per pixel",
        ) from None
    return {"mm_per_px" if unit == "mm_per_px" else "px_per_mm": number}


@router.post("/clients/{client_id}/repair")
async def repair_start(
    request: Request,
    client_id: int,
    ctx: Context,
    photo: Annotated[UploadFile | None, File()] = None,
    scale: Number = "",
    scale_unit: Word = "px_per_mm",
    skin_type: Word = "",
    front: Word = "top",
    ink: Word = "unknown",
    scarring: Word = "none",
    design_version: Word = "",
) -> Response:
    """A new close-up: stored (photography consent required), analysed, then its map's page."""
    data = await photo.read() if photo is not None else b""
    values = {
        "scale": scale,
        "scale_unit": scale_unit,
        "skin_type": skin_type,
        "front": front,
        "ink": ink,
        "scarring": scarring,
        "design_version": design_version,
    }

    def work() -> Response:
        try:
            started = rr.start_repair(
                ctx,
                rr.StartRepairRequest.of(
                    client_id=client_id,
                    image=data,
                    skin_type=skin_type,
                    front=front,
                    ink=ink,
                    scarring=scarring,
                    design_version=design_version or None,
                    **_scale(scale, scale_unit),
                ),
            )
        except FORM_ERRORS as exc:
            return _list_page(request, ctx, client_id, values=values, error=exc, status_code=exc.http_status)
        return see_other(f"{_base(client_id)}/{started.id}")

    return await run_in_threadpool(work)


# --- one map ------------------------------------------------------------------------------------------------


def _svg_points(points: list[list[float]] | None) -> str:
    return " ".join(f"{x:g},{y:g}" for x, y in points or [])


def _map_page(
    request: Request,
    ctx: ServiceContext,
    client_id: int,
    repair_id: int,
    *,
    error: SmpError | None = None,
    failed: str | None = None,
    status_code: int = 200,
) -> Response:
    view = rr.repair_map(ctx, rr.RepairMapRequest.of(client_id=client_id, repair_id=repair_id))
    base = f"{_base(client_id)}/{repair_id}"
    mm_per_px = view.summary.mm_per_px
    return page(
        request,
        "repair/map.html",
        status_code=status_code,
        json_twin=f"/api/v1/clients/{client_id}/repairs/{repair_id}",
        view=view,
        base=base,
        list_link=_base(client_id),
        client_link=client_path(client_id),
        hit_r_px=max(0.5 / mm_per_px, 6.0),  # a finger's reach on the photo: 0.5 mm, at least 6 px
        ring_r_px={d.index: max(0.5 * d.diameter_mm / mm_per_px + 2.0, 3.0) for d in view.dots},
        target_points=_svg_points(view.target_px),
        add_r_px=round(max(0.25 / mm_per_px, 3.0), 1),  # a plus 0.5 mm across, at least 6 px
        detected_points=_svg_points(view.detected_hairline_px),
        target_json=json.dumps(view.hairline_px or []),
        laser=view.plan.get("laser"),
        resmp=view.plan.get("resmp"),
        may_correct=may(request, "POST", "/clients/{client_id}/repair/{repair_id}/corrections"),
        images=list(IMAGE_WORDS.items()),
        classes=CLASS_WORDS,
        zones=ZONE_WORDS,
        error=error,
        failed=failed,
        stroke_px=max(1.0, 0.04 / mm_per_px),
    )


@router.get("/clients/{client_id}/repair/{repair_id}")
def repair_page(request: Request, client_id: int, repair_id: int, ctx: Context) -> Response:
    return _map_page(request, ctx, client_id, repair_id)


def _answer(
    request: Request,
    ctx: ServiceContext,
    client_id: int,
    repair_id: int,
    failed: str,
    call: Any,
) -> Response:
    """A write's answer: the re-planned map as JSON (the page's script) or the page again (a plain form);
    a form error as JSON or beside the form."""
    try:
        view: rr.RepairMapView = call()
    except FORM_ERRORS as exc:
        if _wants_json(request):
            return JSONResponse(exc.to_dict(), status_code=exc.http_status)
        return _map_page(
            request, ctx, client_id, repair_id, error=exc, failed=failed, status_code=exc.http_status
        )
    if _wants_json(request):
        return JSONResponse(view.to_json())
    return see_other(f"{_base(client_id)}/{repair_id}?done={failed}#{failed}")


@router.post("/clients/{client_id}/repair/{repair_id}/corrections")
async def repair_corrections(request: Request, client_id: int, repair_id: int, ctx: Context) -> Response:
    """Dot classes from the form's ``dot_<index>`` selects (``auto``: as the analysis classed it)."""
    form = filled(await request.form())

    def call() -> rr.RepairMapView:
        corrections: dict[str, str] = {}
        for key, value in form.items():
            if key.startswith("dot_"):
                corrections[key[4:]] = value
        if not corrections:
            raise InputError(
                "no dot was given", field="corrections", allowed="dot_<index> = keep, remove, watch"
            )
        request_ = rr.CorrectDotsRequest.of(client_id=client_id, repair_id=repair_id, corrections=corrections)
        return rr.correct_dots(ctx, request_)

    return await run_in_threadpool(_answer, request, ctx, client_id, repair_id, "dots", call)


@router.post("/clients/{client_id}/repair/{repair_id}/hairline")
async def repair_hairline(
    request: Request,
    client_id: int,
    repair_id: int,
    ctx: Context,
    hairline_px: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """The target hairline as JSON ``[[x, y], ...]`` in the photo's pixels (empty: none)."""

    def call() -> rr.RepairMapView:
        try:
            points = json.loads(hairline_px) if hairline_px.strip() else None
        except ValueError:
            raise InputError("not a line of points", field="hairline_px", allowed="[[x, y], ...]") from None
        return rr.set_hairline(
            ctx, rr.SetHairlineRequest.of(client_id=client_id, repair_id=repair_id, hairline_px=points)
        )

    return await run_in_threadpool(_answer, request, ctx, client_id, repair_id, "hairline", call)


def _image(
    ctx: ServiceContext, client_id: int, repair_id: int, which: str, width_px: int, kind: str
) -> Response:
    request = rr.RepairImageRequest.of(
        client_id=client_id, repair_id=repair_id, which=which, max_width_px=width_px, image_format=kind
    )
    image = rr.repair_images(ctx, request)
    return Response(image.data, media_type=image.media_type)


@router.get("/clients/{client_id}/repair/{repair_id}/photo.jpg")
def repair_photo(client_id: int, repair_id: int, ctx: Context, w: Width = 1600) -> Response:
    """The close-up as shown under the dot rings (JPEG, without metadata)."""
    return _image(ctx, client_id, repair_id, "photo", w, "jpeg")


@router.get("/clients/{client_id}/repair/{repair_id}/{which}.png")
def repair_image(client_id: int, repair_id: int, which: str, ctx: Context, w: Width = 1600) -> Response:
    """The plan, or the look after the removal or after the re-SMP (PNG), rendered from what is stored."""
    return _image(ctx, client_id, repair_id, which, w, "png")
