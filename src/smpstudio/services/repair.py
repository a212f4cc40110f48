"""Repair, first use case: detect and measure every dot in a calibrated close-up of an existing SMP.

:func:`detect` takes the photo's bytes and its scale, refuses what is not a readable image or is over the
pixel limit before decoding it, runs :func:`smpstudio.repair.detect.detect_dots` and
:func:`smpstudio.repair.layout.dot_layout`, and returns the dot map as one result model (the JSON every
face prints) with the annotated image as bytes the face stores.

The scale is given as ``mm_per_px``, or found from a ruler lying in the photo (:mod:`smpstudio.repair.ruler`):
``ruler_mm`` is then the spacing of the ruler's finest graduation ticks (1 for a millimetre ruler, 0.5 for
a half-millimetre scale). The ruler's strip is painted over with the skin around it before detection and
nothing found on it is counted.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from smpstudio.errors import InputError
from smpstudio.services.models import Request, Result

if TYPE_CHECKING:
    from smpstudio.repair.dotmap import DotMap
    from smpstudio.repair.ruler import RulerFit

__all__ = ["RepairDetectRequest", "RepairDetectResult", "RepairDot", "RulerScale", "detect"]

#: Scales accepted: 5-200 px/mm (dot-level work needs about 20 px/mm or more). [mm/px]
MM_PER_PX_RANGE = (0.005, 0.2)
#: Spacings of a ruler's finest ticks accepted: from a tenth of a millimetre to a centimetre. [mm]
RULER_TICK_RANGE_MM = (0.1, 10.0)
#: A dot is counted only when its half-maximum disc stays this far off the ruler's strip (a choice here:
#: with the strip's 0.3 mm margin, no half-hidden dot was counted on the synthetic rulers). [mm]
CLEAR_OF_RULER_MM = 0.05


class RepairDetectRequest(Request):
    """A close-up and its scale: ``mm_per_px``, or ``ruler_mm``, the spacing of the finest graduation
    ticks of a ruler lying in the photo (1 for a millimetre ruler, 0.5 for a half-millimetre scale) [mm],
    from which the scale is found."""

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


class RulerScale(Result):
    """The ruler the scale was found from: its finest ticks' period square to them, the spacing they
    were given, the confidence (0-1), the axis's direction from x towards y, the ticks fitted and the strip
    left out of detection (four corners, x and y)."""

    period_px: float
    tick_mm: float
    confidence: float
    angle_deg: float
    ticks: int
    corners_px: list[list[float]]
    covered_fraction: float


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
    ruler: RulerScale | None = None
    out: str | None = None
    annotated: bytes | None = Field(default=None, exclude=True, repr=False)

    def stored_at(self, location: str) -> RepairDetectResult:
        """The same result, saying where the face stored the annotated image."""
        return self.model_copy(update={"out": location})


def _given_scale(request: RepairDetectRequest) -> float | None:
    """The scale given as ``mm_per_px``; None when a ruler is to give it."""
    if request.mm_per_px is not None and request.ruler_mm is not None:
        raise InputError("give the scale once", field="mm_per_px", allowed="mm_per_px or ruler_mm, not both")
    if request.ruler_mm is not None:
        lo, hi = RULER_TICK_RANGE_MM
        if not (math.isfinite(request.ruler_mm) and lo <= request.ruler_mm <= hi):
            raise InputError(
                f"{request.ruler_mm:g} mm is not a ruler's tick spacing",
                field="ruler_mm",
                allowed=f"the spacing of the ruler's finest ticks, {lo:g} to {hi:g} mm (1 for a mm ruler)",
            )
        return None
    if request.mm_per_px is None:
        raise InputError("the photo's scale is missing", field="mm_per_px", allowed="mm_per_px or ruler_mm")
    lo, hi = MM_PER_PX_RANGE
    if not (math.isfinite(request.mm_per_px) and lo <= request.mm_per_px <= hi):
        raise InputError(
            f"{request.mm_per_px:g} is out of range", field="mm_per_px", allowed=f"{lo:g} to {hi:g}"
        )
    return float(request.mm_per_px)


def _ruler(image: NDArray[np.uint8], tick_mm: float) -> RulerFit:
    """The ruler in the photo; refused when none is found with confidence."""
    from smpstudio.repair.ruler import MIN_CONFIDENCE, find_ruler

    fit = find_ruler(image, tick_mm, MM_PER_PX_RANGE)
    if fit is None or fit.confidence < MIN_CONFIDENCE:
        seen = "" if fit is None else f" (the best candidate's confidence is {fit.confidence:.2f})"
        raise InputError(
            f"no ruler with {tick_mm:g} mm ticks was found in the photo{seen}",
            field="ruler_mm",
            allowed=(
                "a photo with a straight ruler or scale strip in view (dark ticks on a light strip, at least "
                f"{MIN_CONFIDENCE:g} confidence), or the scale as mm_per_px instead"
            ),
            code="ruler_not_found",
        )
    return fit


def _outside(found: DotMap, mask: NDArray[np.bool_]) -> DotMap:
    """The dot map without what lies on the ruler's strip or whose half-maximum disc comes within
    :data:`CLEAR_OF_RULER_MM` of it (a dot the strip's edge half hides is neither placed nor measured
    right)."""
    from scipy import ndimage

    rows, cols = mask.shape
    away_px = ndimage.distance_transform_edt(~mask)

    def off(
        r: NDArray[np.float64], c: NDArray[np.float64], fwhm_mm: NDArray[np.float64]
    ) -> NDArray[np.bool_]:
        ri = np.clip(np.round(r).astype(np.int64), 0, rows - 1)
        ci = np.clip(np.round(c).astype(np.int64), 0, cols - 1)
        return np.asarray(away_px[ri, ci] > (0.5 * fwhm_mm + CLEAR_OF_RULER_MM) / found.mm_per_px, dtype=bool)

    keep = off(found.rows_px, found.cols_px, found.fwhm_mm)
    gone = off(found.rejected_rows_px, found.rejected_cols_px, found.rejected_fwhm_mm)
    return replace(
        found,
        rows_px=found.rows_px[keep],
        cols_px=found.cols_px[keep],
        fwhm_mm=found.fwhm_mm[keep],
        contrast=found.contrast[keep],
        blue_shift=found.blue_shift[keep],
        delta_l=found.delta_l[keep],
        blur_mm=found.blur_mm[keep],
        blob=found.blob[keep],
        flags=tuple(f for f, k in zip(found.flags, keep, strict=True) if k),
        rejected_rows_px=found.rejected_rows_px[gone],
        rejected_cols_px=found.rejected_cols_px[gone],
        rejected_fwhm_mm=found.rejected_fwhm_mm[gone],
        rejected_reasons=tuple(r for r, k in zip(found.rejected_reasons, gone, strict=True) if k),
    )


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

    given = _given_scale(request)
    image = _decode(request.image, max_pixels)
    ruler: RulerScale | None = None
    notes: list[str] = []
    if given is None:
        from smpstudio.repair.ruler_cover import cover_ruler

        tick_mm = float(request.ruler_mm or 0.0)
        fit = _ruler(image, tick_mm)
        mm_per_px = fit.mm_per_px
        mask = fit.mask((int(image.shape[0]), int(image.shape[1])))
        covered = float(mask.mean())
        found = _outside(detect_dots(cover_ruler(image, mask, mm_per_px), mm_per_px), mask)
        ruler = RulerScale(
            period_px=round(fit.period_px, 3),
            tick_mm=tick_mm,
            confidence=round(fit.confidence, 3),
            angle_deg=round(fit.angle_deg, 2),
            ticks=fit.ticks,
            corners_px=[[round(x, 1), round(y, 1)] for x, y in fit.corners_px],
            covered_fraction=round(covered, 4),
        )
        notes.append(f"scale from ruler: period {fit.period_px:.2f} px, confidence {fit.confidence:.2f}")
        notes.append(
            f"the ruler covers {100 * covered:.0f} % of the photo: nothing on it is counted and the mean "
            "density is over the skin beside it; the density map and the hairline read it as bare skin"
        )
    else:
        mm_per_px, covered = given, 0.0
        found = detect_dots(image, mm_per_px)
    layout = dot_layout(found, front=request.front)
    free_cm2 = image.shape[0] * image.shape[1] * (1.0 - covered) * mm_per_px**2 / 100.0
    density = round(found.count / free_cm2, 2) if free_cm2 > 0 else 0.0
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
        density_per_cm2=density if ruler is not None else layout.mean_density_per_cm2,
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
        warnings=[*notes, *found.warnings, *layout.warnings],
        ruler=ruler,
        annotated=annotate(image, found) if request.annotate else None,
    )
