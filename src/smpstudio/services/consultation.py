"""The consultation on the client's own photo: store the photo, place the head by its anchors, draw the design
on it live as the practitioner changes it, and keep the result as the client's next design version.

Each use case is ``f(ctx, request) -> result`` (models in :mod:`.consultation_models`, importable from here).
Every call reads or writes the client's photo under the acting user's clinic and role and is audited; a photo
of another clinic or another client answers as not found. The slow steps (decoding and scaling the photo,
sampling the design, the scalp mask, projecting the dots) are kept in small in-process caches keyed by the
photo's SHA-256, the anchors and the design inputs that change the sampling
(:mod:`smpstudio.photo.live_preview`), so a slider move only draws.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import replace

import numpy as np
from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session as Db

from smpstudio.design.document import dump_design
from smpstudio.design.hairline import HAIRLINE_POINTS, shift_of_point_mm
from smpstudio.design.landmarks import landmarks as head_landmarks
from smpstudio.errors import InputError
from smpstudio.photo.anchors import PHOTO_VIEWS, parse_anchors
from smpstudio.photo.fit import HeadFit
from smpstudio.photo.image_io import read_photo_header
from smpstudio.photo.live_preview import (
    draw_live,
    encode_jpeg,
)
from smpstudio.photo.unproject import unproject
from smpstudio.photo.wireframe import facing_runs, points_px, wireframe
from smpstudio.records.models import Design, Photo
from smpstudio.records.repositories import clients as rows
from smpstudio.services.access import Actor, get_client, log, transact
from smpstudio.services.clients import AddPhotoRequest, add_photo
from smpstudio.services.consultation_models import (
    MAX_PREVIEW_WIDTH_PX,
    ConsultationDrag,
    ConsultationEntry,
    ConsultationFit,
    ConsultationHistory,
    ConsultationHistoryRequest,
    ConsultationImage,
    ConsultationImageRequest,
    ConsultationPhoto,
    ConsultationSaved,
    DragHairlineRequest,
    FitConsultationRequest,
    LivePreview,
    LivePreviewRequest,
    MatchPhotoHairRequest,
    PhotoHairMatch,
    SaveConsultationRequest,
    SavedVersion,
    StartConsultationRequest,
)
from smpstudio.services.consultation_state import (
    ConsultationDesign,
    chosen_values,
    design_of,
    fit_of,
    photo_row,
    read_seen,
    scaled_photo,
    scene_of,
)
from smpstudio.services.context import ServiceContext
from smpstudio.services.design import create_design
from smpstudio.services.landmarks_guess import LandmarksGuessRequest, guess_landmarks
from smpstudio.services.photo_stubble import photo_stubble_target

__all__ = [
    "ConsultationDrag",
    "ConsultationFit",
    "ConsultationHistory",
    "ConsultationHistoryRequest",
    "ConsultationImage",
    "ConsultationImageRequest",
    "ConsultationPhoto",
    "ConsultationSaved",
    "DragHairlineRequest",
    "FitConsultationRequest",
    "LivePreview",
    "LivePreviewRequest",
    "MatchPhotoHairRequest",
    "PhotoHairMatch",
    "SaveConsultationRequest",
    "StartConsultationRequest",
    "consultation_history",
    "consultation_photo",
    "drag_hairline_point",
    "fit_consultation",
    "live_preview",
    "match_photo_hair",
    "save_consultation",
    "start_consultation",
]

#: The wire-frame's colour on the overlay preview (as the one-shot preview's fit overlay). [sRGB 8-bit]
WIRE_RGB = (40, 200, 255)
#: The design's hairline on the overlay preview. [sRGB 8-bit]
HAIRLINE_RGB = (255, 230, 40)
# --- the use cases ------------------------------------------------------------------------------------------


def start_consultation(ctx: ServiceContext, request: StartConsultationRequest) -> ConsultationPhoto:
    """Store the client's photo for a consultation (as :func:`~smpstudio.services.clients.add_photo` does:
    content-addressed, without its metadata, refused without the photography consent; audited), with the
    automatic first guess of its anchors when one can be made."""
    if request.view not in PHOTO_VIEWS:
        raise InputError(f"unknown view {request.view!r}", field="view", allowed=", ".join(PHOTO_VIEWS))
    stored = add_photo(
        ctx,
        AddPhotoRequest.of(
            client_id=request.client_id, image=request.image, view=request.view, kind="consultation"
        ),
    )
    data = ctx.db.files.get(stored.sha256)
    width, height, _ = read_photo_header(data, max_pixels=ctx.max_image_pixels)
    suggested = None
    try:
        guess = guess_landmarks(
            LandmarksGuessRequest(photo=data, view=request.view, max_photo_pixels=ctx.max_image_pixels)
        )
        suggested = guess.to_json()
    except InputError:
        pass  # no face in this view or this photo: the practitioner clicks the anchors
    preview_width, preview_height = _fitted_size(width, height, MAX_PREVIEW_WIDTH_PX)
    return ConsultationPhoto(
        photo_id=stored.id,
        width=width,
        height=height,
        view=request.view,
        landmarks=None,
        suggested=suggested,
        preview_width=preview_width,
        preview_height=preview_height,
    )


def _fitted_size(width: int, height: int, max_width_px: int) -> tuple[int, int]:
    if width <= max_width_px:
        return width, height
    return max_width_px, max(round(height * max_width_px / width), 1)


def consultation_photo(ctx: ServiceContext, request: ConsultationImageRequest) -> ConsultationImage:
    """The consultation photo as a JPEG at most ``max_width_px`` wide, for the page to show (audited)."""
    seen = read_seen(ctx, request, "photo", "show")
    photo = scaled_photo(ctx, seen.sha256, request.max_width_px)
    rows_px, cols_px = photo.srgb8.shape[:2]
    return ConsultationImage(
        image=encode_jpeg(photo.srgb8),
        width=cols_px,
        height=rows_px,
        scale=photo.scale,
        photo_width=photo.width,
        photo_height=photo.height,
    )


def _landmarks_px(
    fit: HeadFit, design: ConsultationDesign, width: int, height: int
) -> dict[str, list[float]]:
    shown = points_px(fit, head_landmarks(design.head, design.height_mm))
    return {k: v for k, v in shown.items() if 0 <= v[0] <= width and 0 <= v[1] <= height}


def fit_consultation(ctx: ServiceContext, request: FitConsultationRequest) -> ConsultationFit:
    """The head fitted to the anchors clicked so far (and the outline points), with the wire-frame and the
    hairline's control points after the request's shifts in photo pixels (bad anchors are refused with the
    fit's errors naming the point), and the design's own values."""
    seen = read_seen(ctx, request, "design", "fit")
    design = design_of(seen, request)
    photo = scaled_photo(ctx, seen.sha256, MAX_PREVIEW_WIDTH_PX)
    fit, _ = fit_of(seen, photo, request.landmarks, design)
    hairline = design.hairline_mm()
    return ConsultationFit(
        fit_error_px=round(fit.error_px, 2),
        fit_error_mm=round(fit.error_mm, 2),
        mm_per_px=round(fit.mm_per_px, 5),
        warnings=[*fit.warnings, *design.warnings],
        landmarks_px=_landmarks_px(fit, design, photo.width, photo.height),
        wireframe=wireframe(fit, hairline),
        hairline_px=facing_runs(fit, hairline),
        hairline_points_px=points_px(fit, design.control_points_mm()),
        density_per_cm2=round(design.density_per_cm2, 2),
        dot_diameter_mm=round(design.dot_diameter_mm, 4),
        ink_fraction=round(design.ink_fraction, 4),
        style=design.style,
    )


def live_preview(ctx: ServiceContext, request: LivePreviewRequest) -> LivePreview:
    """The design on the photo, redrawn for a slider move (see :mod:`smpstudio.photo.live_preview`)."""
    t0 = time.perf_counter()
    seen = read_seen(ctx, request, "design", "preview")
    design = design_of(seen, request)
    density, diameter, ink = chosen_values(design, request)
    photo = scaled_photo(ctx, seen.sha256, request.width_px)
    fit, fit_key = fit_of(seen, photo, request.landmarks, design)
    scene, resampled = scene_of(seen, photo, fit, fit_key, design, density)
    drawing = draw_live(
        scene,
        density_per_cm2=density,
        diameter_scale=diameter / design.dot_diameter_mm,
        ink_scale=ink / design.ink_fraction,
        day=request.day,
        technique=request.technique,
        skin_type=design.skin_type,
        depth_mm=design.depth_mm,
        pigment=design.pigment,
    )
    shown = drawing.srgb8 if request.want != "before" else photo.srgb8
    if request.want == "overlay":
        im = Image.fromarray(shown, "RGB")
        pen = ImageDraw.Draw(im)
        width = max(1, round(shown.shape[1] / 800))
        hairline = design.hairline_mm()
        for line in wireframe(scene.fit, hairline):
            pen.line([(x, y) for x, y in line], fill=WIRE_RGB, width=width)
        for line in facing_runs(scene.fit, hairline):
            pen.line([(x, y) for x, y in line], fill=HAIRLINE_RGB, width=2 * width)
        shown = np.asarray(im, dtype=np.uint8)
    delta = drawing.tone_match_delta_e00
    return LivePreview(
        image=encode_jpeg(shown),
        width=int(shown.shape[1]),
        height=int(shown.shape[0]),
        dots_drawn=drawing.drawn,
        dots_hidden=drawing.hidden,
        tone_match_delta_e00=None if np.isnan(delta) else delta,
        fit_error_px=round(fit.error_px, 2),
        fit_error_mm=round(fit.error_mm, 2),
        mm_per_px=round(fit.mm_per_px, 5),
        density_per_cm2=round(density, 2),
        dot_diameter_mm=round(diameter, 4),
        ink_fraction=round(ink, 4),
        day=request.day,
        technique=request.technique,
        warnings=[*fit.warnings, *design.warnings, *drawing.notes],
        hairline_points_px=points_px(fit, design.control_points_mm()),
        resampled=resampled,
        elapsed_ms=round(1000.0 * (time.perf_counter() - t0), 1),
    )


def drag_hairline_point(ctx: ServiceContext, request: DragHairlineRequest) -> ConsultationDrag:
    """A hairline control point dragged to a pixel: the pixel's ray cast onto the fitted head
    (:mod:`smpstudio.photo.unproject`), and the point's shift that reaches it along its radial line."""
    if request.name not in HAIRLINE_POINTS:
        raise InputError(
            f"{request.name!r} is not a control point of the hairline",
            field="name",
            allowed=", ".join(HAIRLINE_POINTS),
        )
    seen = read_seen(ctx, request, "design", "hairline drag")
    design = design_of(seen, request)
    photo = scaled_photo(ctx, seen.sha256, MAX_PREVIEW_WIDTH_PX)
    if request.x_px > photo.width or request.y_px > photo.height:
        raise InputError(
            f"[{request.x_px:g}, {request.y_px:g}] is outside the {photo.width} x {photo.height} photo",
            field="x_px",
            allowed=f"0 <= x_px <= {photo.width}, 0 <= y_px <= {photo.height}",
        )
    fit, _ = fit_of(seen, photo, request.landmarks, design)
    on_head = unproject(fit, np.array([[request.x_px, request.y_px]]))
    warnings = (
        [] if on_head.hit[0] else ["the point is off the head: it goes to the nearest point of its outline"]
    )
    shift = round(
        shift_of_point_mm(
            design.head, design.style, design.height_mm, request.name, on_head.points_mm[0], design.shifts
        ),
        2,
    )
    shifts = {k: v for k, v in {**design.shifts, request.name: shift}.items() if v != 0.0}
    moved = replace(design, shifts=shifts)
    points = points_px(fit, moved.control_points_mm())
    return ConsultationDrag(
        hairline_shift_mm=shifts,
        name=request.name,
        shift_mm=shift,
        point_px=points.get(request.name, [request.x_px, request.y_px]),
        hairline_points_px=points,
        warnings=warnings,
    )


def match_photo_hair(ctx: ServiceContext, request: MatchPhotoHairRequest) -> PhotoHairMatch:
    """The density, dot size and shade that match the stubble the photo shows: the remaining hair measured
    beside the bare scalp (:func:`~smpstudio.services.photo_stubble.photo_stubble_target`, on the design's
    head and the client's skin type) and the tone-match solver run for it with the design's hair, deposit
    and pigment, as :func:`~smpstudio.services.design.create_design` does for a photo's stubble (audited;
    permission ``design``). A photo showing too little hair is refused (field ``photo``, code
    ``too_little_hair``)."""
    from smpstudio.design.proposal import propose  # here: the solver loads with a proposal

    seen = read_seen(ctx, request, "design", "hair match")
    design = design_of(seen, request)
    head = design.head
    measured = photo_stubble_target(
        ctx.db.files.get(seen.sha256),
        request.landmarks,
        skin_type=design.skin_type,
        head=head.preset if head.preset in ("male", "female") else "male",
        head_length_mm=head.length_mm,
        head_width_mm=head.width_mm,
        head_height_mm=head.height_mm,
        max_photo_pixels=ctx.max_image_pixels,
    )
    target = measured.stubble_target_rgb_linear
    hair = design.spec(*design.values).hair
    p = propose(
        hair, design.skin_type, depth_mm=design.depth_mm, pigment=design.pigment, target_rgb_linear=target
    )
    return PhotoHairMatch(
        density_per_cm2=round(p.density_per_cm2, 2),
        dot_diameter_mm=round(p.dot_diameter_mm, 4),
        ink_fraction=round(p.ink_fraction, 4),
        tone_match_delta_e00=round(p.tone_match_delta_e00, 2),
        reachable=p.reachable,
        stubble_target_rgb_linear=target,
        nearest_hair_colour=measured.hair_colour,
        grey_fraction=measured.grey_fraction,
        warnings=[*measured.warnings, *design.warnings, *([p.note] if p.note else [])],
    )


def save_consultation(ctx: ServiceContext, request: SaveConsultationRequest) -> ConsultationSaved:
    """Keep the anchors on the photo and the design as the client's next design version, linked to the
    photo (both audited; permission ``design``)."""
    seen = read_seen(ctx, request, "design", "save")
    design = design_of(seen, request)
    values = chosen_values(design, request)
    photo = scaled_photo(ctx, seen.sha256, MAX_PREVIEW_WIDTH_PX)
    fit_of(seen, photo, request.landmarks, design)  # bad anchors are refused before anything is kept
    anchors = parse_anchors(request.landmarks, width=photo.width, height=photo.height).to_json()
    document = json.loads(dump_design(create_design(design.request(*values)).document))
    sha = hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    def action(db: Db, actor: Actor) -> ConsultationSaved:
        actor.require("design")
        client = get_client(db, actor, request.client_id, for_update=True)
        row = photo_row(db, actor, client, request.photo_id)
        row.landmarks = anchors
        version = rows.latest_design_version(db, client.id) + 1
        stored = rows.add_design(
            db, client.id, version=version, document=document, sha256=sha, photo_id=row.id
        )
        log(db, actor, "update", "photo", row.id, client=client.id, landmarks=True)
        log(db, actor, "create", "design", stored.id, client=client.id, version=version, photo=row.id)
        return ConsultationSaved(design_id=stored.id, version=version, photo_id=row.id)

    return transact(ctx, action)


def consultation_history(ctx: ServiceContext, request: ConsultationHistoryRequest) -> ConsultationHistory:
    """The client's consultation photos, newest first, with the design versions saved on each (audited)."""

    def action(db: Db, actor: Actor) -> ConsultationHistory:
        actor.require("photo")
        client = get_client(db, actor, request.client_id)
        photos = list(
            db.scalars(
                select(Photo)
                .where(Photo.client_id == client.id, Photo.kind == "consultation")
                .order_by(Photo.created_at.desc(), Photo.id.desc())
            )
        )
        designs = db.execute(
            select(Design.id, Design.version, Design.photo_id, Design.created_at)
            .where(Design.client_id == client.id, Design.photo_id.is_not(None))
            .order_by(Design.version)
        ).all()
        log(db, actor, "read", "photo", None, client=client.id, ids=[p.id for p in photos], use="history")
        return ConsultationHistory(
            client_id=client.id,
            photos=[
                ConsultationEntry(
                    photo_id=p.id,
                    view=p.view,
                    created_at=p.created_at.isoformat(),
                    has_landmarks=p.landmarks is not None,
                    landmarks=p.landmarks,
                    designs=[
                        SavedVersion(design_id=d.id, version=d.version, created_at=d.created_at.isoformat())
                        for d in designs
                        if d.photo_id == p.id
                    ],
                )
                for p in photos
            ],
        )

    return transact(ctx, action)
