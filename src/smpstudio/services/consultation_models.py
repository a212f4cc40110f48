"""The requests and results of the consultation on the client's own photo (:mod:`.consultation`).

The studio's consultation page and the JSON API call the use cases of :mod:`smpstudio.services.consultation`
with these models; they are importable from there too. Pixels are the stored photo's own pixels (``x`` to the
right, ``y`` down, the top-left pixel's centre at ``[0.5, 0.5]``); the landmarks document is the one of
:mod:`smpstudio.photo.anchors` (``{"view", "points_px", optional "ruler"}``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from smpstudio.photo.day_look import DAY_RANGE
from smpstudio.services.fields import Id, OptionalId, nested_at_most, text
from smpstudio.services.models import Request, Result
from smpstudio.skin.technique import SETTLED_DAY

__all__ = [
    "MAX_PREVIEW_WIDTH_PX",
    "ConsultationDrag",
    "ConsultationEntry",
    "ConsultationFit",
    "ConsultationHistory",
    "ConsultationHistoryRequest",
    "ConsultationImage",
    "ConsultationImageRequest",
    "ConsultationPhoto",
    "ConsultationSaved",
    "DesignInputs",
    "DragHairlineRequest",
    "FitConsultationRequest",
    "LivePreview",
    "LivePreviewRequest",
    "MatchPhotoHairRequest",
    "PhotoHairMatch",
    "SaveConsultationRequest",
    "SavedVersion",
    "StartConsultationRequest",
]

#: The widest image the consultation draws or sends (a tablet's or a desktop's screen). [px]
MAX_PREVIEW_WIDTH_PX = 1600
#: The landmarks document: ``{"view": ..., "points_px": {name: [x, y]}, "outline_px"?: [[x, y], ...],
#: "ruler"?: {...}, "mask_strokes"?: [{"mode": "skin" | "not_skin", "radius_px": r,
#: "points_px": [[x, y], ...]}]}``
#: (``outline_px``: points on the skull's outline; ``mask_strokes``: the brush on the scalp mask;
#: :mod:`smpstudio.photo.anchors`).
Landmarks = Annotated[dict[str, Any], nested_at_most()]
Technique = Literal["smp", "tattoo"]
Want = Literal["after", "before", "overlay"]


class StartConsultationRequest(Request):
    """A client's photo for a consultation: the image file's bytes (JPEG, PNG, WebP) and the view it was
    taken from (front, top, left, right, back, three-quarter)."""

    client_id: Id
    image: bytes = Field(repr=False, description="The image file's bytes: JPEG, PNG or WebP.")
    view: Annotated[str, text(40)] = Field(description="front, top, left, right, back or three-quarter.")


class ConsultationPhoto(Result):
    """The stored consultation photo: its id and size [px], its view, its stored anchors (``None`` until
    saved), the automatic first guess of anchors when one could be made (the landmarks document with a
    ``confidence`` 0-1 per point; ``None`` for views without a face or when no face is found), and the size
    of the image :func:`consultation_photo` sends by default [px]."""

    photo_id: int
    width: int
    height: int
    view: str
    landmarks: dict[str, Any] | None
    suggested: dict[str, Any] | None
    preview_width: int
    preview_height: int


class ConsultationImageRequest(Request):
    """Which photo, and the widest image wanted [px]."""

    client_id: Id
    photo_id: Id
    max_width_px: int = Field(MAX_PREVIEW_WIDTH_PX, ge=64, le=8000)


class ConsultationImage(Result):
    """The photo as JPEG without metadata, at most ``max_width_px`` wide (``width`` x ``height``); ``scale``
    is image pixels per photo pixel (multiply photo pixels by it to place them on this image) [-];
    ``photo_width`` x ``photo_height`` is the stored photo's own size, the pixels every anchor is in [px]."""

    image: bytes = Field(exclude=True, repr=False)
    width: int
    height: int
    scale: float
    photo_width: int
    photo_height: int


class ConsultationFit(Result):
    """The head fitted to the anchors: its error [px, mm], the scale at the head centre [mm/px], warnings,
    the fitted landmarks that face the camera ``{name: [x, y]}``, the wire-frame as polylines of ``[x, y]``
    (head outline, the design's hairline, the midline, meridians and parallels facing the camera), the
    design's hairline alone (``hairline_px``: its runs facing the camera, to draw it apart) and its control
    points ``{name: [x, y]}`` (those facing the camera), all in photo pixels, after the request's hairline
    shifts; and the design's own density [cm⁻²], dot size [mm], shade [-] and hairline style, where the
    page's sliders and style chooser start."""

    fit_error_px: float
    fit_error_mm: float
    mm_per_px: float
    warnings: list[str]
    landmarks_px: dict[str, list[float]]
    wireframe: list[list[list[float]]]
    hairline_px: list[list[list[float]]]
    hairline_points_px: dict[str, list[float]]
    density_per_cm2: float
    dot_diameter_mm: float
    ink_fraction: float
    style: str


class DesignInputs(Request):
    """The design drawn: a stored version of the client (``None``: a default design for the client's
    pattern, hair and skin) with what the practitioner changed. Density, dot size and shade left out are
    the design's own (the tone-match proposal for a default design); ``hairline_shift_mm`` moves the named
    hairline control points (positive: forward, towards the brow) [mm]; ``style`` replaces the hairline
    style."""

    client_id: Id
    photo_id: Id
    landmarks: Landmarks
    design_version: OptionalId = None
    density_per_cm2: float | None = Field(None, description="Dots per cm² (10-200). [cm⁻²]")
    dot_diameter_mm: float | None = Field(None, description="The healed dot's diameter. [mm]")
    ink_fraction: float | None = Field(None, description="The shade: share of undiluted pigment. [-]")
    hairline_shift_mm: dict[str, float] = Field(default_factory=dict, max_length=16)
    style: Annotated[str, text(40)] | None = None


class FitConsultationRequest(DesignInputs):
    """The photo and the anchors clicked on it so far (photo pixels), with the design whose hairline and
    control points are drawn: its style and the hairline's shifts (positive: forward, towards the brow)
    [mm], so the wire-frame's hairline follows a drag (density, dot size and shade play no part in the
    fit)."""

    hairline_shift_mm: dict[str, float] = Field(default_factory=dict, max_length=16)


class LivePreviewRequest(DesignInputs):
    """The design on the photo on ``day`` of the timeline (0-3653 days), by SMP or by a tattoo machine and
    needle at tattoo depth, at most ``width_px`` wide: the ``after`` image, the ``before`` photo, or the
    after image with the fit's ``overlay``."""

    day: float = Field(float(SETTLED_DAY), ge=DAY_RANGE[0], le=DAY_RANGE[1])
    technique: Technique = "smp"
    width_px: int = Field(MAX_PREVIEW_WIDTH_PX, ge=64, le=MAX_PREVIEW_WIDTH_PX)
    want: Want = "after"


class LivePreview(Result):
    """The preview (JPEG, EXIF-free) and what was drawn: the dots on scalp skin and the rest (hidden: facing
    away, outside the photo or on hair), the tone match against the photo's remaining hair (CIEDE2000;
    ``None`` when too few dots were drawn), the fit, the density, dot size and shade drawn, the hairline's
    control points in photo pixels, whether the design was re-sampled for this call, and the time taken
    [ms]."""

    image: bytes = Field(exclude=True, repr=False)
    width: int
    height: int
    dots_drawn: int
    dots_hidden: int
    tone_match_delta_e00: float | None
    fit_error_px: float
    fit_error_mm: float
    mm_per_px: float
    density_per_cm2: float
    dot_diameter_mm: float
    ink_fraction: float
    day: float
    technique: Technique
    warnings: list[str]
    hairline_points_px: dict[str, list[float]]
    resampled: bool
    elapsed_ms: float


class DragHairlineRequest(DesignInputs):
    """A hairline control point dragged to ``(x_px, y_px)`` in photo pixels."""

    name: Annotated[str, text(40)]
    x_px: float = Field(ge=0.0, le=100_000.0)
    y_px: float = Field(ge=0.0, le=100_000.0)


class ConsultationDrag(Result):
    """The shifts with the dragged point's new one [mm] (clipped to the allowed range), where the point
    landed on the head (photo pixels) and the control points after the shift."""

    hairline_shift_mm: dict[str, float]
    name: str
    shift_mm: float
    point_px: list[float]
    hairline_points_px: dict[str, list[float]]
    warnings: list[str]


class MatchPhotoHairRequest(DesignInputs):
    """The photo whose remaining hair the design is to match, placed by its anchors, and the design whose
    hair, skin, deposit and head the proposal keeps (density, dot size and shade given here play no part:
    they are what the proposal answers)."""


class PhotoHairMatch(Result):
    """The tone-match proposal for the stubble the photo shows: density [cm⁻²], dot size [mm] and shade [-]
    that match it, the healed treatment's CIEDE2000 from it at 1 m [-] (``tone_target`` ``"photo"``: the
    measured stubble, not the hair model), whether that reaches the proposal's goal, the measured stubble
    on the modelled bare skin of the client's skin type (linear sRGB) [-], the nearest named hair colour and
    its grey fraction [-], and the measurement's and the proposal's warnings."""

    density_per_cm2: float
    dot_diameter_mm: float
    ink_fraction: float
    tone_match_delta_e00: float
    reachable: bool
    tone_target: Literal["photo"] = "photo"
    stubble_target_rgb_linear: tuple[float, float, float]
    nearest_hair_colour: str
    grey_fraction: float
    warnings: list[str]


class SaveConsultationRequest(DesignInputs):
    """The anchors and the design to keep: the anchors go on the photo, the design becomes the client's
    next design version, linked to the photo."""


class ConsultationSaved(Result):
    """The stored design's id and version, and the photo it was placed on."""

    design_id: int
    version: int
    photo_id: int


class ConsultationHistoryRequest(Request):
    """Whose consultation photos."""

    client_id: Id


class SavedVersion(Result):
    """A design version saved on a consultation photo."""

    design_id: int
    version: int
    created_at: str


class ConsultationEntry(Result):
    """A consultation photo: id, view, when it was taken (ISO date and time, UTC), its stored anchors (the
    landmarks document kept when a design was saved on it; ``None`` before), whether there are any, and the
    design versions saved on it (oldest first)."""

    photo_id: int
    view: str
    created_at: str
    has_landmarks: bool
    landmarks: dict[str, Any] | None
    designs: list[SavedVersion]


class ConsultationHistory(Result):
    """The client's consultation photos, newest first."""

    client_id: int
    photos: list[ConsultationEntry]
