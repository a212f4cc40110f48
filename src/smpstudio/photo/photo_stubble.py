"""The client's remaining hair as a photo shows it: its mean colour against the bare skin beside it, and the
nearest named hair colour with a grey share.

Works on the reduced copy of the photo the scalp mask was computed on (:func:`smpstudio.photo.scalp_mask.
reduced`), with the mask's scalp region and hair share:

1. the region loses its rim (:data:`RIM_SHARE`): the shaded edge of the head's outline is neither hair
   nor lit skin;
2. hair pixels are those the mask calls hair (share above :data:`HAIR_SHARE_MIN`, as the preview's tone
   match takes them); skin pixels those it calls skin (below :data:`SKIN_SHARE_MAX`);
3. the light on the skin at each hair pixel is the normalised blur of the skin pixels' linear colour
   (width :data:`LOCAL_LIGHT_SHARE` of the region's size, the scalp mask's own light estimate), so a hair
   pixel's ratio to it is its darkening in the same light, whatever the light's gradient; a pixel the mask
   calls hair but whose luminance is not below the mask's hair threshold of that light
   (:data:`smpstudio.photo.scalp_mask.HAIR_LUMINANCE_RATIO`) is shading, not hair, and left out;
4. means are trimmed (:data:`TRIM_SHARE` at each end, by the ratio's luminance): a few mislabelled skin
   pixels at the edge of the hair, or specks of shadow, do not move them.

Fewer than :data:`MIN_HAIR_PIXELS` hair pixels, or less than :data:`MIN_HAIR_SHARE` of the region, measure
nothing (``None``): the shading at the outline of a bald head, seen from the side, still passes the steps
above over about 3 % of the region.

The named colour: a hair pixel is skin partly covered by shafts, ``K (1 - c D)`` with ``D = 1 - S / K`` the
darkening of a shaft of reflectance ``S`` over skin ``K`` (:func:`smpstudio.skin.stubble.stubble_texture`,
pigmented and unpigmented shafts mixed by the grey share) and ``c`` the cover (fitted, 0-1). Of the
named colours of :data:`smpstudio.skin.stubble.HAIR_COLOURS` and grey shares in steps of
:data:`GREY_STEP`, the one whose fitted pixel is nearest the measured one (CIEDE2000 [sharma2005]) wins.
The photo's exposure stands in for reflectance there, so the name is an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from smpstudio.photo.image_io import linear_rgb
from smpstudio.photo.scalp_mask import HAIR_LUMINANCE_RATIO, reduced
from smpstudio.skin.cielab import delta_e2000, linear_srgb_to_xyz, xyz_to_lab
from smpstudio.skin.stubble import HAIR_COLOURS, LUMINANCE_WEIGHTS, Hair, stubble_texture

__all__ = [
    "HAIR_SHARE_MIN",
    "LEANS_DARK_RATIO",
    "MIN_HAIR_PIXELS",
    "MIN_HAIR_SHARE",
    "PhotoStubble",
    "stubble_of_photo",
]

FloatArray = NDArray[np.float64]
RGB = tuple[float, float, float]

#: A pixel is hair where the mask's hair share exceeds this (the preview's tone match takes the same). [-]
HAIR_SHARE_MIN = 0.8
#: A pixel is bare skin where the hair share is below this. [-]
SKIN_SHARE_MAX = 0.2
#: Width taken off the region's rim, the shaded edge of the outline where the skin turns from the camera
#: and the light (share of the region's size; at least 3 px, as the preview's tone match takes off). [-]
RIM_SHARE = 0.06
#: Width of the blur that carries the skin's light to the hair pixels, share of the region's size (the
#: scalp mask's light estimate, :mod:`smpstudio.photo.scalp_mask`). [-]
LOCAL_LIGHT_SHARE = 0.08
#: Share of the hair pixels trimmed at each end before the means. [-]
TRIM_SHARE = 0.1
#: Fewest hair pixels (reduced copy) and smallest share of the scalp region measured (see the module
#: docstring: shading passes as hair over about 3 % of a bald head's region). [px], [-]
MIN_HAIR_PIXELS = 40
MIN_HAIR_SHARE = 0.05
#: Step of the grey shares tried for the named colour. [-]
GREY_STEP = 0.05
#: Hair whose luminance ratio to the skin measures above this lies close to where the scalp mask stops
#: calling a pixel hair (0.6 of the skin's light, :data:`smpstudio.photo.scalp_mask.HAIR_LUMINANCE_RATIO`):
#: only its darker pixels count and the measurement leans dark. Renders of known hair (left view, 320 px):
#: a light stubble of ratio 0.74 measures 0.45, brown hair of 0.49 measures 0.45, dense black hair of 0.35
#: measures 0.40. [-]
LEANS_DARK_RATIO = 0.42


@dataclass(frozen=True, slots=True)
class PhotoStubble:
    """The remaining hair a photo shows.

    Parameters
    ----------
    hair_rgb_linear : tuple of float
        Trimmed mean of the hair pixels, linear sRGB of the photo. [-]
    skin_rgb_linear : tuple of float
        The bare skin's light at the same pixels (the same trimmed mean), linear sRGB of the photo. [-]
    ratio_rgb : tuple of float
        The hair over the skin beside it, per channel: the share of the skin's light the hair leaves. [-]
    hair_colour : str
        Nearest named colour (:data:`smpstudio.skin.stubble.HAIR_COLOURS`).
    grey_fraction : float
        Estimated share of unpigmented shafts. [-]
    colour_delta_e00 : float
        CIEDE2000 between the measured hair and the named colour's fitted pixel. [-]
    pixels : int
        Hair pixels the means rest on (reduced copy, before trimming). [px]

    The measurement is of hair the scalp mask sees as hair; see :attr:`leans_dark`.
    """

    hair_rgb_linear: RGB
    skin_rgb_linear: RGB
    ratio_rgb: RGB
    hair_colour: str
    grey_fraction: float
    colour_delta_e00: float
    pixels: int

    @property
    def leans_dark(self) -> bool:
        """Whether the hair is so light the mask took only its darker pixels (:data:`LEANS_DARK_RATIO`)."""
        return float(np.dot(LUMINANCE_WEIGHTS, self.ratio_rgb)) > LEANS_DARK_RATIO


def _rgb(a: FloatArray) -> RGB:
    return float(a[0]), float(a[1]), float(a[2])


def _lab(rgb_linear: FloatArray) -> FloatArray:
    return np.asarray(xyz_to_lab(linear_srgb_to_xyz(np.asarray(rgb_linear, dtype=np.float64))))


def _local_skin(
    linear: FloatArray, skin: NDArray[np.bool_], sigma_px: float
) -> tuple[FloatArray, FloatArray]:
    """Normalised blur of the skin pixels' colour: the skin's light everywhere, and its weight."""
    weight = ndimage.gaussian_filter(skin.astype(np.float64), sigma_px)
    planes = [ndimage.gaussian_filter(np.where(skin, linear[..., k], 0.0), sigma_px) for k in range(3)]
    return np.stack(planes, axis=-1) / np.maximum(weight, 1e-9)[..., None], weight


def _shafts(skin_rgb: FloatArray) -> tuple[tuple[str, ...], FloatArray, FloatArray]:
    """Names, and pigmented and unpigmented shaft reflectances (a row each) over the skin ``skin_rgb``."""
    names = tuple(HAIR_COLOURS)
    tex = [stubble_texture(Hair(colour=name), np.clip(skin_rgb, 0.0, 1.0)) for name in names]
    pigmented = np.array([t.shaft_rgb_linear for t in tex])
    white = np.array([t.grey_shaft_rgb_linear for t in tex])
    return names, pigmented, white


def _name(hair_rgb: FloatArray, skin_rgb: FloatArray) -> tuple[str, float, float]:
    """Nearest named colour, grey share and their CIEDE2000 (see the module docstring)."""
    names, pigmented, white = _shafts(skin_rgb)
    greys = np.round(np.arange(0.0, 1.0 + GREY_STEP / 2, GREY_STEP), 6)
    shaft = (1.0 - greys)[None, :, None] * pigmented[:, None, :] + greys[None, :, None] * white[:, None, :]
    dark = 1.0 - shaft / np.maximum(skin_rgb, 1e-9)  # (colours, greys, 3)
    measured = 1.0 - hair_rgb / np.maximum(skin_rgb, 1e-9)
    cover = np.clip(
        np.einsum("ijk,k->ij", dark, measured) / np.maximum(np.einsum("ijk,ijk->ij", dark, dark), 1e-12), 0, 1
    )
    fitted = skin_rgb * (1.0 - cover[..., None] * dark)
    de = np.asarray(delta_e2000(_lab(fitted), np.broadcast_to(_lab(hair_rgb), fitted.shape)))
    i, j = np.unravel_index(int(np.argmin(de)), de.shape)
    return names[int(i)], float(greys[j]), round(float(de[i, j]), 2)


def stubble_of_photo(
    srgb8: NDArray[np.uint8], hair_share: NDArray[np.float64], region: NDArray[np.bool_]
) -> PhotoStubble | None:
    """The remaining hair of a photo (see the module docstring), or ``None`` where it shows too little.

    Parameters
    ----------
    srgb8 : ndarray of shape (rows, cols, 3), uint8
        The photo, at full size or already reduced to the mask's size.
    hair_share : ndarray of shape (r, c)
        The scalp mask's hair share on its reduced copy, 0-1. [-]
    region : ndarray of bool, shape (r, c)
        The scalp mask's region of the head's scalp on the same copy.

    Returns
    -------
    stubble : PhotoStubble or None
    """
    share = np.asarray(hair_share, dtype=np.float64)
    small = srgb8 if srgb8.shape[:2] == share.shape else reduced(srgb8)[0]
    if small.shape[:2] != share.shape or np.asarray(region).shape != share.shape:
        raise ValueError("the photo, the hair share and the region must come from the same scalp mask")
    region = np.asarray(region, dtype=np.bool_)
    if not region.any():
        return None
    rows, cols = np.nonzero(region)
    size_px = max(float(np.ptp(rows)), float(np.ptp(cols)), 1.0)
    rim_px = max(3, round(RIM_SHARE * size_px))
    inner = ndimage.binary_erosion(np.pad(region, 1), iterations=rim_px)[1:-1, 1:-1]
    hair = inner & (share > HAIR_SHARE_MIN)
    skin = inner & (share < SKIN_SHARE_MAX)
    if hair.sum() < max(MIN_HAIR_PIXELS, MIN_HAIR_SHARE * region.sum()) or skin.sum() < MIN_HAIR_PIXELS:
        return None
    linear = linear_rgb(small).astype(np.float64)
    light, weight = _local_skin(linear, skin, max(LOCAL_LIGHT_SHARE * size_px, 1.0))
    dark = linear @ LUMINANCE_WEIGHTS < HAIR_LUMINANCE_RATIO * (light @ LUMINANCE_WEIGHTS)
    hair &= (weight > 1e-6) & dark  # skin within reach of the blur, and darker than it as hair is
    count = int(hair.sum())
    if count < max(MIN_HAIR_PIXELS, MIN_HAIR_SHARE * region.sum()):
        return None
    pixel, beside = linear[hair], light[hair]
    ratio = pixel / np.maximum(beside, 1e-6)
    order = np.argsort(ratio @ LUMINANCE_WEIGHTS, kind="stable")
    cut = int(TRIM_SHARE * count)
    kept = order[cut : count - cut]
    hair_rgb = pixel[kept].mean(axis=0)
    skin_rgb = beside[kept].mean(axis=0)
    ratio_rgb = np.clip(ratio[kept].mean(axis=0), 0.0, None)
    colour, grey, de = _name(skin_rgb * ratio_rgb, skin_rgb)
    return PhotoStubble(
        hair_rgb_linear=_rgb(hair_rgb),
        skin_rgb_linear=_rgb(skin_rgb),
        ratio_rgb=_rgb(ratio_rgb),
        hair_colour=colour,
        grey_fraction=grey,
        colour_delta_e00=de,
        pixels=count,
    )
