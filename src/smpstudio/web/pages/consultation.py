"""The consultation page: the design placed, drawn and edited on the client's own photo.

``/clients/{id}/consultation`` lists the client's consultation photos with the design versions saved on each,
and takes a new photo (a tablet's camera or a file). ``/clients/{id}/consultation/{photo_id}`` is the editor:
the photo with the anchors clicked on it, the fitted head's wire-frame, the design drawn on the photo as it
looks on a day of its timeline, the hairline's control points dragged with the client watching, a
before/after divider, and saving the design as the client's next version. The editor's scripts
(``static/consultation.js``: the shared state and requests; ``consultation-anchors.js``: the anchors, the
head's outline and the fit; ``consultation-design.js``: the design's controls, the preview and the hairline's
handles, and the proposal matching the hair the photo shows; ``consultation-divider.js``: the before/after
divider) call the page's own endpoints (``.../fit``, ``.../preview``, ``.../hairline-drag``,
``.../match-hair``, ``.../save``) with the session's CSRF token; every one is one call of
:mod:`smpstudio.services.consultation`. Ids only in the URLs; the anchors and the design go in the body.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from smpstudio.errors import InputError, NotFoundError, SmpError
from smpstudio.services import consultation
from smpstudio.services.client_record import ClientRecord, PhotoEntry, client_record
from smpstudio.services.context import ServiceContext
from smpstudio.services.landmarks_guess import LandmarksGuessRequest, guess_landmarks
from smpstudio.web.pages.client_forms import Context, can, client_path
from smpstudio.web.pages.clinic_forms import FORM_ERRORS, attempt, field_error, json_document, see_other
from smpstudio.web.pages.consultation_words import (
    ACCEPTED,
    DAY_STOPS,
    HAIRLINE_WORDS,
    LANDMARK_WORDS,
    SLIDERS,
    STYLE_WORDS,
    VIEW_ANCHORS,
    VIEW_WORDS,
)
from smpstudio.web.pages.rendering import page

__all__ = ["DAY_STOPS", "LANDMARK_WORDS", "STYLE_WORDS", "VIEW_ANCHORS", "VIEW_WORDS", "router"]

router = APIRouter(include_in_schema=False)


T = TypeVar("T")
Text = Annotated[str, Form(max_length=40)]
Document = Annotated[str, Form(max_length=20_000)]
#: The landmarks document, with the brush's strokes (at most 200 of up to 2,000 points each are accepted).
LandmarksDocument = Annotated[str, Form(max_length=200_000)]
Number = Annotated[str, Form(max_length=24)]


def _base(client_id: int) -> str:
    return f"{client_path(client_id)}/consultation"


# --- the list and the upload ------------------------------------------------------------------------------


def _list_page(
    request: Request,
    ctx: ServiceContext,
    client_id: int,
    *,
    error: SmpError | None = None,
    view: str = "front",
    status_code: int = 200,
) -> Response:
    record = client_record(ctx, client_id)
    history = consultation.consultation_history(
        ctx, consultation.ConsultationHistoryRequest.of(client_id=client_id)
    )
    consented = any(c.kind == "photography" and c.withdrawn_at is None for c in record.consents)
    refused = error is not None and error.code == "photo_consent_missing"
    return page(
        request,
        "consultation/index.html",
        status_code=status_code,
        json_twin=f"/api/v1/clients/{client_id}/consultations",
        client=record.client,
        history=history,
        views=VIEW_WORDS,
        view=view,
        base=_base(client_id),
        consented=consented and not refused,
        may_consent=can(request, "GET", "/clients/{client_id}/consent"),
        error=None if refused else error,
        refused=error if refused else None,
        photo_error=field_error(error, "photo", "image", "view") if not refused else None,
        accepted=ACCEPTED,
    )


@router.get("/clients/{client_id}/consultation")
def consultation_list(request: Request, client_id: int, ctx: Context) -> Response:
    return _list_page(request, ctx, client_id)


@router.post("/clients/{client_id}/consultation")
def consultation_upload(
    request: Request,
    client_id: int,
    ctx: Context,
    photo: Annotated[UploadFile | None, File()] = None,
    view: Text = "front",
) -> Response:
    """A new consultation photo: stored (photography consent required), then the editor."""

    def call() -> consultation.ConsultationPhoto:
        data = photo.file.read() if photo is not None else b""
        if not data:
            raise InputError("no photo was sent", field="photo", allowed="a photo from the camera or a file")
        ask = consultation.StartConsultationRequest.of(client_id=client_id, image=data, view=view)
        return consultation.start_consultation(ctx, ask)

    stored, error = attempt(call)
    if stored is not None:
        return see_other(f"{_base(client_id)}/{stored.photo_id}")
    status = error.http_status if error is not None else 422
    return _list_page(request, ctx, client_id, error=error, view=view, status_code=status)


# --- the editor ---------------------------------------------------------------------------------------------


def _photo_of(record: ClientRecord, photo_id: int) -> PhotoEntry:
    for entry in record.photos:
        if entry.id == photo_id:
            return entry
    raise NotFoundError(
        f"no photo {photo_id} of this client", field="photo_id", allowed="a photo of this client"
    )


def _suggested(shown: consultation.ConsultationImage, view: str) -> dict[str, Any] | None:
    """The automatic first guess of anchors in photo pixels (from the photo as shown), or None where the
    view or the photo shows no face."""
    try:
        guess = guess_landmarks(LandmarksGuessRequest.of(photo=shown.image, view=view))
    except InputError:
        return None
    scale = shown.scale or 1.0
    points = {k: [round(v[0] / scale, 1), round(v[1] / scale, 1)] for k, v in guess.points_px.items()}
    return {"view": view, "points_px": points, "confidence": guess.confidence}


@router.get("/clients/{client_id}/consultation/{photo_id}")
def consultation_editor(request: Request, client_id: int, photo_id: int, ctx: Context) -> Response:
    shown = consultation.consultation_photo(  # another clinic's or client's photo: not found, audited
        ctx, consultation.ConsultationImageRequest.of(client_id=client_id, photo_id=photo_id)
    )
    record = client_record(ctx, client_id)
    photo = _photo_of(record, photo_id)
    width, height = shown.photo_width, shown.photo_height
    stored = photo.landmarks if photo.landmarks and photo.landmarks.get("points_px") else None
    suggested = None if stored else _suggested(shown, photo.view)
    history = consultation.consultation_history(
        ctx, consultation.ConsultationHistoryRequest.of(client_id=client_id)
    )
    saved = next((e.designs for e in history.photos if e.photo_id == photo_id), [])
    view = photo.view if photo.view in VIEW_ANCHORS else "front"
    usual = VIEW_ANCHORS[view]
    return page(
        request,
        "consultation/editor.html",
        json_twin=f"/api/v1/clients/{client_id}/consultations",
        client=record.client,
        photo=photo,
        view=view,
        view_words=VIEW_WORDS.get(photo.view, photo.view),
        width=width,
        height=height,
        base=f"{_base(client_id)}/{photo_id}",
        usual=[(n, *LANDMARK_WORDS[n]) for n in usual],
        others=[(n, *LANDMARK_WORDS[n]) for n in LANDMARK_WORDS if n not in usual],
        landmarks_json=json.dumps(stored or suggested or {"view": view, "points_px": {}}),
        guessed=stored is None and suggested is not None,
        hairline_json=json.dumps(HAIRLINE_WORDS),
        designs=sorted(record.designs, key=lambda d: d.version, reverse=True),
        saved=saved,
        selected_version=saved[-1].version if saved else None,
        sliders=SLIDERS,
        styles=STYLE_WORDS,
        days=DAY_STOPS,
        may_save=can(request, "POST", "/clients/{client_id}/consultation/{photo_id}/save"),
    )


@router.get("/clients/{client_id}/consultation/{photo_id}/photo.jpg")
def consultation_image(client_id: int, photo_id: int, ctx: Context) -> Response:
    """The photo as the page shows it: JPEG without metadata, at most 1600 px wide."""
    ask = consultation.ConsultationImageRequest.of(client_id=client_id, photo_id=photo_id)
    shown = consultation.consultation_photo(ctx, ask)
    return Response(shown.image, media_type="image/jpeg")


# --- the editor's endpoints (JSON, or the preview's JPEG) ------------------------------------------------


def _design(client_id: int, photo_id: int, form: dict[str, str]) -> dict[str, Any]:
    """The design inputs of a posted form, as the service's request takes them (blank fields left out)."""
    values: dict[str, Any] = {
        "client_id": client_id,
        "photo_id": photo_id,
        "landmarks": json_document(form.get("landmarks", ""), "landmarks"),
    }
    for key in ("density_per_cm2", "dot_diameter_mm", "ink_fraction", "style", "design_version"):
        if form.get(key):
            values[key] = form[key]
    shifts = json_document(form.get("hairline_shift_mm", ""), "hairline_shift_mm")
    if shifts is not None:
        values["hairline_shift_mm"] = shifts
    return values


def _answer(call: Callable[[], T], render: Callable[[T], Response]) -> Response:
    """The endpoint's answer: the result rendered, or a form error as JSON (422, 409); an id that is not
    the clinic's, or a refused role, goes to the error page."""
    try:
        result = call()
    except FORM_ERRORS as exc:
        return JSONResponse(exc.to_dict(), status_code=exc.http_status)
    return render(result)


def _placing(
    landmarks: LandmarksDocument = "",
    design_version: Number = "",
    hairline_shift_mm: Document = "",
    style: Text = "",
) -> dict[str, str]:
    """The fields every editor call sends: the anchors, the design version, the hairline's shifts, style."""
    return {
        "landmarks": landmarks,
        "design_version": design_version,
        "density_per_cm2": "",
        "dot_diameter_mm": "",
        "ink_fraction": "",
        "hairline_shift_mm": hairline_shift_mm,
        "style": style,
    }


def _drawing(
    placing: Annotated[dict[str, str], Depends(_placing)],
    density_per_cm2: Number = "",
    dot_diameter_mm: Number = "",
    ink_fraction: Number = "",
) -> dict[str, str]:
    """:func:`_placing` and the sliders' values (density, dot size, shade) of the calls that draw or save."""
    return {
        **placing,
        "density_per_cm2": density_per_cm2,
        "dot_diameter_mm": dot_diameter_mm,
        "ink_fraction": ink_fraction,
    }


Placing = Annotated[dict[str, str], Depends(_placing)]
Drawing = Annotated[dict[str, str], Depends(_drawing)]


@router.post("/clients/{client_id}/consultation/{photo_id}/fit")
def consultation_fit(
    client_id: int,
    photo_id: int,
    ctx: Context,
    form: Placing,
) -> Response:
    """The head fitted to the anchors so far: the wire-frame (its hairline after the shifts and in the
    chosen style), the error, the hairline's handles and the design's own values."""

    def call() -> consultation.ConsultationFit:
        values = _design(client_id, photo_id, form)
        return consultation.fit_consultation(ctx, consultation.FitConsultationRequest.of(**values))

    return _answer(call, lambda fit: JSONResponse(fit.to_json()))


@router.post("/clients/{client_id}/consultation/{photo_id}/preview")
def consultation_preview(
    client_id: int,
    photo_id: int,
    ctx: Context,
    form: Drawing,
    day: Number = "30",
    technique: Text = "smp",
    width_px: Number = "1600",
    want: Text = "after",
) -> Response:
    """The design on the photo (JPEG); what was drawn in the ``X-Preview`` header (JSON)."""

    def call() -> consultation.LivePreview:
        values = _design(client_id, photo_id, form)
        ask = consultation.LivePreviewRequest.of(
            **values, day=day, technique=technique, width_px=width_px, want=want
        )
        return consultation.live_preview(ctx, ask)

    def render(shown: consultation.LivePreview) -> Response:
        facts = json.dumps(shown.to_json(), ensure_ascii=True, separators=(",", ":"))
        return Response(shown.image, media_type="image/jpeg", headers={"X-Preview": facts})

    return _answer(call, render)


@router.post("/clients/{client_id}/consultation/{photo_id}/hairline-drag")
def consultation_drag(
    client_id: int,
    photo_id: int,
    ctx: Context,
    form: Placing,
    name: Text = "",
    x_px: Number = "",
    y_px: Number = "",
) -> Response:
    """A hairline control point dragged to a pixel: the shifts [mm] with the point's new one."""

    def call() -> consultation.ConsultationDrag:
        values = _design(client_id, photo_id, form)
        ask = consultation.DragHairlineRequest.of(**values, name=name, x_px=x_px, y_px=y_px)
        return consultation.drag_hairline_point(ctx, ask)

    return _answer(call, lambda drag: JSONResponse(drag.to_json()))


@router.post("/clients/{client_id}/consultation/{photo_id}/match-hair")
def consultation_match_hair(
    client_id: int,
    photo_id: int,
    ctx: Context,
    form: Placing,
) -> Response:
    """The density, dot size and shade that match the hair the photo shows (the sliders take them), or the
    refusal when it shows too little hair."""

    def call() -> consultation.PhotoHairMatch:
        ask = consultation.MatchPhotoHairRequest.of(**_design(client_id, photo_id, form))
        return consultation.match_photo_hair(ctx, ask)

    return _answer(call, lambda match: JSONResponse(match.to_json()))


@router.post("/clients/{client_id}/consultation/{photo_id}/save")
def consultation_save(
    client_id: int,
    photo_id: int,
    ctx: Context,
    form: Drawing,
) -> Response:
    """The anchors kept on the photo and the design saved as the client's next version."""

    def call() -> consultation.ConsultationSaved:
        ask = consultation.SaveConsultationRequest.of(**_design(client_id, photo_id, form))
        return consultation.save_consultation(ctx, ask)

    return _answer(call, lambda saved: JSONResponse(saved.to_json()))
