"""Repair, first use case: detect and measure every dot in a calibrated close-up of an existing SMP.

:func:`detect` takes the photo's bytes and its scale, refuses what is not a readable image or is over the
pixel limit before decoding it, runs :func:`smpstudio.repair.detect.detect_dots` and
:func:`smpstudio.repair.layout.dot_layout`, and returns the dot map as one result model (the JSON every
face prints) with the annotated image as bytes the face stores.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from smpstudio.errors import InputError
from smpstudio.services.models import Request, Result

__all__ = ["RepairDetectRequest", "RepairDetectResult", "RepairDot", "detect"]

#: Scales accepted: 5-200 px/mm (dot-level work needs about 20 px/mm or more). [mm/px]
MM_PER_PX_RANGE = (0.005, 0.2)


class RepairDetectRequest(Request):
    """A close-up and its scale: ``mm_per_px``, or ``ruler_mm`` (a ruler in the photo, not found
    automatically yet: refused with a clear error)."""

    image: bytes = Field(repr=False)
    mm_per_px: float | None = Field(default=None, gt=0)
    ruler_mm: float | None = Field(default=None, gt=0)
    front: Literal["top", "bottom", "left", "right"] = "top"
    annotate: bool = False


class RepairDot(Result):
    """One deposit: centre (x right, y down, pixel centres at integers), apparent diameter (FWHM),
    contrast against the local skin (1 - Y/Y_skin), blue shift (-Δb*/|ΔL*|), edge width and flags."""

    x_px: float
    y_px: float
    diameter_mm: float
    contrast: float
    blue_shift: float
    blur_mm: float
    blob: int
    flags: list[str]


class HelmetArea(Result):
    box_px: list[float]
    area_mm2: float
    peak_density_per_cm2: float


class DensityMap(Result):
    """Deposits per cm² on a grid of square cells, rows from the top of the photo."""

    cell_mm: float
    per_cm2: list[list[float]]


class HairlineResult(Result):
    points_px: list[list[float]]
    rms_from_line_mm: float
    strips_without_edge: int


class NotADot(Result):
    x_px: float
    y_px: float
    diameter_mm: float
    reason: str


class RepairDetectResult(Result):
    """The dot map; ``annotated`` is the PNG the face stores under ``out``, not printed."""

    width: int
    height: int
    mm_per_px: float
    count: int
    density_per_cm2: float
    density_map: DensityMap
    dots: list[RepairDot]
    hairline: HairlineResult | None
    helmet_regions: list[HelmetArea]
    not_dots: list[NotADot]
    typical_contrast: float | None
    typical_blue_shift: float | None
    blue_shift_definition: str = "-Δb*/|ΔL*| in CIELAB (D65), dot core minus the local skin"
    warnings: list[str]
    out: str | None = None
    annotated: bytes | None = Field(default=None, exclude=True, repr=False)

    def stored_at(self, location: str) -> RepairDetectResult:
        """The same result, saying where the face stored the annotated image."""
        return self.model_copy(update={"out": location})


def _scale(request: RepairDetectRequest) -> float:
    if request.mm_per_px is not None and request.ruler_mm is not None:
        raise InputError("give the scale once", field="mm_per_px", allowed="mm_per_px or ruler_mm, not both")
    if request.ruler_mm is not None:
        raise InputError(
            "a ruler cannot be found in the photo automatically yet; measure a known length on the photo "
            "and give the scale in millimetres per pixel",
            field="ruler_mm",
            allowed="mm_per_px instead",
            code="ruler_not_found",
        )
    if request.mm_per_px is None:
        raise InputError("the photo's scale is missing", field="mm_per_px", allowed="mm_per_px or ruler_mm")
    lo, hi = MM_PER_PX_RANGE
    if not (math.isfinite(request.mm_per_px) and lo <= request.mm_per_px <= hi):
        raise InputError(
            f"{request.mm_per_px:g} is out of range", field="mm_per_px", allowed=f"{lo:g} to {hi:g}"
        )
    return float(request.mm_per_px)


def _decode(data: bytes, max_pixels: int) -> NDArray[np.uint8]:
    """The photo as 8-bit sRGB through the project's one photo reader (refused from its header when over
    ``max_pixels``, truncated or not an image; EXIF orientation applied; any mode made RGB)."""
    from smpstudio.photo.image_io import read_photo

    pixels = read_photo(data, max_pixels=max_pixels, field="photo").srgb8
    rows, cols = pixels.shape[:2]
    if rows < 16 or cols < 16:
        raise InputError(
            f"{cols} x {rows} pixels is too small", field="photo", allowed="at least 16 x 16 pixels"
        )
    return pixels


def detect(request: RepairDetectRequest, *, max_pixels: int = 50_000_000) -> RepairDetectResult:
    """Find and measure every dot in the close-up; the annotated image too when asked."""
    from smpstudio.repair.annotate import annotate
    from smpstudio.repair.detect import detect_dots
    from smpstudio.repair.layout import dot_layout

    mm_per_px = _scale(request)
    image = _decode(request.image, max_pixels)
    found = detect_dots(image, mm_per_px)
    layout = dot_layout(found, front=request.front)
    dots = [
        RepairDot(
            x_px=round(float(c), 2),
            y_px=round(float(r), 2),
            diameter_mm=round(float(w), 4),
            contrast=round(float(k), 4),
            blue_shift=round(float(b), 3),
            blur_mm=round(float(e), 4),
            blob=int(g),
            flags=list(f),
        )
        for r, c, w, k, b, e, g, f in zip(
            found.rows_px,
            found.cols_px,
            found.fwhm_mm,
            found.contrast,
            found.blue_shift,
            found.blur_mm,
            found.blob,
            found.flags,
            strict=True,
        )
    ]
    hairline = None
    if layout.hairline is not None:
        hairline = HairlineResult(
            points_px=[list(p) for p in layout.hairline.points_px],
            rms_from_line_mm=layout.hairline.rms_from_line_mm,
            strips_without_edge=layout.hairline.strips_without_edge,
        )
    return RepairDetectResult(
        width=int(image.shape[1]),
        height=int(image.shape[0]),
        mm_per_px=mm_per_px,
        count=found.count,
        density_per_cm2=layout.mean_density_per_cm2,
        density_map=DensityMap(cell_mm=layout.cell_mm, per_cm2=np.round(layout.density_per_cm2, 1).tolist()),
        dots=dots,
        hairline=hairline,
        helmet_regions=[
            HelmetArea(
                box_px=[round(v, 1) for v in h.box_px],
                area_mm2=h.area_mm2,
                peak_density_per_cm2=h.peak_density_per_cm2,
            )
            for h in layout.helmets
        ],
        not_dots=[
            NotADot(
                x_px=round(float(c), 2), y_px=round(float(r), 2), diameter_mm=round(float(w), 4), reason=why
            )
            for r, c, w, why in zip(
                found.rejected_rows_px,
                found.rejected_cols_px,
                found.rejected_fwhm_mm,
                found.rejected_reasons,
                strict=True,
            )
        ],
        typical_contrast=None if found.typical_contrast is None else round(found.typical_contrast, 4),
        typical_blue_shift=None if found.typical_blue_shift is None else round(found.typical_blue_shift, 3),
        warnings=[*found.warnings, *layout.warnings],
        annotated=annotate(image, found) if request.annotate else None,
    )
