"""The stubble a photo of the client shows, as the colour a design is to match.

One call: :func:`photo_stubble_target` reads the photo, checks its anchors, places the canonical head on it
(:mod:`smpstudio.photo.fit`), finds the scalp and the remaining hair (:mod:`smpstudio.photo.scalp_mask`, the
scalp being the chart cells inside the client's natural edge, whatever the design) and measures the hair
against the bare skin beside it (:mod:`smpstudio.photo.photo_stubble`). The target is that ratio on the
modelled bare skin of the client's skin type (:func:`smpstudio.design.proposal.skin_rgb_linear`): the photo's
exposure cancels, and the tone-match solver compares like with like. Nothing is stored.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field

from smpstudio.design.chart import chart_grid
from smpstudio.design.hairline import DEFAULT_HAIRLINE_HEIGHT_MM, natural_edge
from smpstudio.design.head import HEAD_PRESETS, head_preset
from smpstudio.errors import InputError, check_choice
from smpstudio.photo.anchors import parse_anchors
from smpstudio.photo.fit import fit_head
from smpstudio.photo.image_io import read_photo
from smpstudio.photo.photo_stubble import MIN_HAIR_SHARE, stubble_of_photo
from smpstudio.photo.scalp_mask import scalp_mask
from smpstudio.services.models import Result
from smpstudio.services.photo_preview import DEFAULT_MAX_PHOTO_PIXELS

__all__ = ["PhotoStubbleResult", "photo_stubble_target"]

RGB = tuple[float, float, float]
SKIN_TYPES = ("I", "II", "III", "IV", "V", "VI")


class PhotoStubbleResult(Result):
    """The stubble measured on a photo.

    ``stubble_target_rgb_linear`` is what a design matches (:attr:`DesignRequest.stubble_target_rgb_linear
    <smpstudio.services.design.DesignRequest>`): ``ratio_rgb`` on the modelled bare skin of ``skin_type``.
    ``hair_rgb_linear`` and ``skin_rgb_linear`` are the photo's own (its exposure), ``pixels`` the hair
    pixels measured on the mask's reduced copy; ``hair_colour`` and ``grey_fraction`` the nearest named hair.
    """

    stubble_target_rgb_linear: RGB
    ratio_rgb: RGB
    hair_rgb_linear: RGB
    skin_rgb_linear: RGB
    hair_colour: str
    grey_fraction: float
    colour_delta_e00: float
    pixels: int
    skin_type: str
    mask_method: str
    fit_error_px: float
    warnings: list[str] = Field(default_factory=list)


def _round(rgb: Any, digits: int = 6) -> RGB:
    a = np.asarray(rgb, dtype=np.float64)
    return round(float(a[0]), digits), round(float(a[1]), digits), round(float(a[2]), digits)


def photo_stubble_target(
    photo: bytes,
    landmarks: str | dict[str, Any],
    *,
    skin_type: str = "III",
    head: str = "male",
    head_length_mm: float | None = None,
    head_width_mm: float | None = None,
    head_height_mm: float | None = None,
    max_photo_pixels: int = DEFAULT_MAX_PHOTO_PIXELS,
) -> PhotoStubbleResult:
    """The stubble ``photo`` shows, placed by its ``landmarks`` document (JSON text or object).

    Raises :class:`InputError` (field ``photo``, code ``too_little_hair``) when the photo shows too little
    remaining hair to measure, and the photo's and the anchors' own refusals.
    """
    from smpstudio.design.proposal import skin_rgb_linear  # here: the appearance table loads with a match

    check_choice("skin_type", skin_type, SKIN_TYPES)
    check_choice("head", head, HEAD_PRESETS)
    model = head_preset(head, length_mm=head_length_mm, width_mm=head_width_mm, height_mm=head_height_mm)
    image = read_photo(photo, max_pixels=max_photo_pixels, field="photo")
    anchors = parse_anchors(landmarks, width=image.cols, height=image.rows)
    fit = fit_head(anchors, model, hairline_height_mm=DEFAULT_HAIRLINE_HEIGHT_MM)
    grid = chart_grid(model)
    inside = grid.psi_rad <= natural_edge(model).psi(grid.beta_rad)
    # The colour model alone: its hair is what is darker than the skin's light by the mask's threshold
    # (GrabCut, which refines the edges a drawing needs, also takes shaded skin for hair).
    mask = scalp_mask(image.srgb8, fit, grid, (grid.area_mm2 > 0.0) & inside, refine=False)
    measured = stubble_of_photo(image.srgb8, mask.hair, mask.region)
    if measured is None:
        raise InputError(
            "the photo shows too little remaining hair to measure its colour",
            field="photo",
            allowed="a photo showing the client's remaining hair beside bare scalp (the sides or the back: "
            f"hair over at least {MIN_HAIR_SHARE:.0%} of the scalp it shows)",
            code="too_little_hair",
        )
    warnings = list(fit.warnings)
    if measured.leans_dark:
        warnings.append(
            "the remaining hair is barely darker than the bare scalp: only its darker pixels count as hair, "
            "so the measured stubble leans dark"
        )
    target = np.clip(skin_rgb_linear(skin_type) * np.asarray(measured.ratio_rgb), 0.0, 1.0)
    return PhotoStubbleResult(
        stubble_target_rgb_linear=_round(target),
        ratio_rgb=_round(measured.ratio_rgb, 4),
        hair_rgb_linear=_round(measured.hair_rgb_linear),
        skin_rgb_linear=_round(measured.skin_rgb_linear),
        hair_colour=measured.hair_colour,
        grey_fraction=measured.grey_fraction,
        colour_delta_e00=measured.colour_delta_e00,
        pixels=measured.pixels,
        skin_type=skin_type,
        mask_method=mask.method,
        fit_error_px=round(fit.error_px, 2),
        warnings=warnings,
    )
