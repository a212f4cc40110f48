"""The client's own hair as shaved stubble: what it looks like on the scalp, seen from about a metre.

A stubble area is skin with two kinds of hair in it ([marschner2003], [pbrt4-hair]):

* **cut shafts above the skin**: each shaft leaves the skin at its exit angle, cut to the shave length;
  seen from above it covers ``d (L cos α) + π d² / 4`` (its side and its cut face). Its reflectance is
  the cuticle's Fresnel reflection, light scattered back by the keratin and attenuated by melanin, and
  skin seen through the shaft: ``F + (1 - F)² (S T + (1 - S)² T² R_skin)``;
* **the shaft under the skin**: a pigmented shaft running down through the epidermis and dermis is an
  absorbing inclusion. Light remitted by the skin that crosses depth ``z`` is the part an opaque layer
  at ``z`` would remove, ``1 - ratio_opaque(z)``, which the appearance table gives for an undiluted
  carbon-black deposit on each Fitzpatrick type (:mod:`smpstudio.skin.appearance_table`); a shaft
  crossing depth ``z`` over a footprint ``d dz / tan α`` removes ``(1 - T²)`` of it. The integral
  over depth, ``P = ∫ (1 - ratio_opaque(z)) dz`` (0-1.5 mm, the table's depths), is the "passage"
  length of that skin type per colour channel.

Both cover fractions combine as a Boolean model of randomly placed shafts (``1 - exp(-n a)``), so the
mean linear reflectance of the area is::

    R = (1 - f_above) R_skin exp(-n d P (1 - T²) / tan α) + f_above R_shaft

Melanin: a shaft's absorption per colour channel is ``σa = c_e σ_eu + c_p σ_pheo`` with the eumelanin
and pheomelanin absorption coefficients of d'Eon et al. ([deon2011], as in [pbrt4-hair]: σ_eu = (0.419,
0.697, 1.37), σ_pheo = (0.187, 0.4, 1.05) per unit of the pbrt fibre scale) and concentrations per hair
colour: blond 0.3, brown 1.3, black 8 ([pbrt4-hair]); the colours between are their geometric means
([D]), red hair is pheomelanin-dominated (Ito and Wakamatsu [ito2011]: red hair has by far the most
pheomelanin for its eumelanin) and grey and white shafts carry little or none. The transmission across
the shaft, ``T = exp(-σa π / 2)``, takes the mean chord of a cylinder crossed at random offsets,
``π/4`` of the diameter, on the pbrt scale on which the centre chord is 2 ([pbrt4-hair]).

Calibration defaults (weak evidence, configurable, labelled here):

* cuticle Fresnel reflectance at normal incidence, ``((1.55 - 1) / 2.55)² = 4.65 %`` (η = 1.55
  [marschner2003]);
* keratin back-scattering albedo ``S = 0.35`` (range 0.2-0.6, [M]): unpigmented shafts look white
  because the cortex and the medulla scatter ([robbins2012]); the value is not a measurement;
* exit angle of the shaft to the skin, 45° (range 15-90°, [M]).

The mean over an area is what the eye sees at 1 m: one arc minute there is 0.29 mm, wider than any
shaft, so single shafts of a shaved head are not resolved (the healed-look viewing model shares this).
The scalp is seen along its normal; an oblique view shows more of each cut shaft's side, which this model
leaves out (it matters most for stubble longer than about 1 mm).

Hair geometry and barbers' names:

* follicular units 60-100 per cm² (default 80) and 1-4 hairs per unit (default 2.2)
  ([follicular-units]); shaft diameter 60-120 µm (default 75, [robbins2012]);
* shave length 0-3 mm (default 0.5); clipper guards as barbers name them ([clipper-guards]): a razor
  cuts at the skin (0 mm), no guard ("0") leaves about 0.8 mm (0.5-1 mm), guard 0.5 1.5 mm (1/16 in),
  guard 1 3 mm (1/8 in).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from smpstudio.errors import check_choice, check_range

__all__ = [
    "CLIPPER_GUARD_MM",
    "DEFAULT_HAIR",
    "HAIR_COLOURS",
    "Hair",
    "HairPigment",
    "StubbleTexture",
    "linear_rgb_luminance",
    "passage_mm_rgb",
    "shaft_transmission_rgb",
    "shave_length_of_guard_mm",
    "stubble_darkening",
    "stubble_reflectance_rgb",
    "stubble_texture",
]

FloatArray = NDArray[np.float64]
RGB = tuple[float, float, float]

#: Eumelanin and pheomelanin absorption per unit concentration, linear R, G, B, per unit of the pbrt
#: fibre scale ([deon2011] as used in [pbrt4-hair]).
EUMELANIN_SIGMA_A = np.array([0.419, 0.697, 1.37])
PHEOMELANIN_SIGMA_A = np.array([0.187, 0.4, 1.05])
#: Mean chord of a cylinder crossed at uniformly random offsets, on the pbrt scale (centre chord 2). [-]
MEAN_CHORD = np.pi / 2.0
#: Cuticle refractive index ([marschner2003]) and its normal-incidence Fresnel reflectance. [-]
HAIR_INDEX = 1.55
CUTICLE_FRESNEL = ((HAIR_INDEX - 1.0) / (HAIR_INDEX + 1.0)) ** 2
#: Back-scattering albedo of keratin (calibration default, range 0.2-0.6, [M]; see the module docstring).
KERATIN_SCATTER = 0.35
#: Deepest depth of the under-skin shaft counted (the appearance table's deepest point). [mm]
PASSAGE_DEPTH_MM = 1.5
#: Rec. 709 / sRGB luminance weights of linear R, G, B (IEC 61966-2-1 [iec61966-2-1]).
LUMINANCE_WEIGHTS = np.array([0.2126, 0.7152, 0.0722])


@dataclass(frozen=True, slots=True)
class HairPigment:
    """Melanin of one hair colour on the pbrt concentration scale ([pbrt4-hair]). [-]"""

    eumelanin: float
    pheomelanin: float


#: Hair colour -> melanin: blond 0.3, brown 1.3, black 8 eumelanin ([pbrt4-hair]); dark brown and light
#: brown the geometric means of their neighbours ([D]); red pheomelanin-dominated ([ito2011], [D]);
#: grey a partly pigmented shaft and white none ([D]).
HAIR_COLOURS: dict[str, HairPigment] = {
    "black": HairPigment(8.0, 0.0),
    "dark-brown": HairPigment(3.2, 0.0),
    "brown": HairPigment(1.3, 0.0),
    "light-brown": HairPigment(0.62, 0.0),
    "red": HairPigment(0.3, 2.0),
    "blond": HairPigment(0.3, 0.0),
    "grey": HairPigment(0.15, 0.0),
    "white": HairPigment(0.0, 0.0),
}

#: Clipper guards as barbers name them -> hair length left. [mm] ([clipper-guards]; "0" is the bare
#: blade, 0.5-1 mm by make; "razor" cuts at the skin.)
CLIPPER_GUARD_MM: dict[str, float] = {"razor": 0.0, "0": 0.8, "0.5": 1.5, "1": 3.0}

DIAMETER_RANGE_UM = (60.0, 120.0)
UNITS_RANGE_PER_CM2 = (60.0, 100.0)
HAIRS_PER_UNIT_RANGE = (1.0, 4.0)
SHAVE_RANGE_MM = (0.0, 3.0)
EXIT_ANGLE_RANGE_DEG = (15.0, 90.0)


@dataclass(frozen=True, slots=True)
class Hair:
    """A client's hair, shaved (see the module docstring for sources and defaults).

    Parameters
    ----------
    colour : str, default 'dark-brown'
        Natural colour of the pigmented shafts: one of :data:`HAIR_COLOURS`.
    grey_fraction : float, default 0.0
        Share of unpigmented (white) shafts among all, 0-1. [-]
    diameter_um : float, default 75
        Shaft diameter, 60-120. [µm]
    units_per_cm2 : float, default 80
        Follicular units, 60-100. [cm⁻²]
    hairs_per_unit : float, default 2.2
        Mean hairs per follicular unit, 1-4. [-]
    shave_length_mm : float, default 0.5
        Length of the shafts above the skin, 0-3. [mm]
    exit_angle_deg : float, default 45
        Angle between the shaft and the skin surface, 15-90 (calibration default, [M]). [°]

    Raises
    ------
    InputError
        If a value is outside its range or the colour is unknown; the error names the field.

    Examples
    --------
    >>> Hair().hairs_per_mm2
    1.76
    """

    colour: str = "dark-brown"
    grey_fraction: float = 0.0
    diameter_um: float = 75.0
    units_per_cm2: float = 80.0
    hairs_per_unit: float = 2.2
    shave_length_mm: float = 0.5
    exit_angle_deg: float = 45.0

    def __post_init__(self) -> None:
        check_choice("hair_colour", self.colour, HAIR_COLOURS)
        check_range("grey_fraction", self.grey_fraction, 0.0, 1.0)
        check_range("hair_diameter_um", self.diameter_um, *DIAMETER_RANGE_UM, unit="µm")
        check_range("hair_units_per_cm2", self.units_per_cm2, *UNITS_RANGE_PER_CM2, unit="/cm²")
        check_range("hairs_per_unit", self.hairs_per_unit, *HAIRS_PER_UNIT_RANGE)
        check_range("shave_length_mm", self.shave_length_mm, *SHAVE_RANGE_MM, unit="mm")
        check_range("hair_exit_angle_deg", self.exit_angle_deg, *EXIT_ANGLE_RANGE_DEG, unit="°")

    @property
    def hairs_per_mm2(self) -> float:
        """Shafts per square millimetre. [mm⁻²]"""
        return round(self.units_per_cm2 * self.hairs_per_unit / 100.0, 9)

    @property
    def diameter_mm(self) -> float:
        """Shaft diameter. [mm]"""
        return self.diameter_um / 1000.0


#: The stated default: dark brown, not grey, shaved to 0.5 mm, native density.
DEFAULT_HAIR = Hair()


def shave_length_of_guard_mm(guard: str) -> float:
    """Hair length a clipper guard leaves, by its barber's name (:data:`CLIPPER_GUARD_MM`). [mm]

    Examples
    --------
    >>> shave_length_of_guard_mm("0.5")
    1.5
    """
    check_choice("clipper_guard", guard, CLIPPER_GUARD_MM)
    return CLIPPER_GUARD_MM[guard]


def shaft_transmission_rgb(colour: str) -> FloatArray:
    """Transmission ``T = exp(-σa π/2)`` across a shaft of ``colour``, linear R, G, B. [-]

    Examples
    --------
    >>> shaft_transmission_rgb("black").round(4).tolist()
    [0.0052, 0.0002, 0.0]
    """
    p = HAIR_COLOURS[check_choice("hair_colour", colour, HAIR_COLOURS)]
    sigma = p.eumelanin * EUMELANIN_SIGMA_A + p.pheomelanin * PHEOMELANIN_SIGMA_A
    return np.asarray(np.exp(-sigma * MEAN_CHORD), dtype=np.float64)


@cache
def _passage(skin_type: str) -> tuple[float, float, float]:
    from smpstudio.skin.appearance_table import packaged_table

    table = packaged_table()
    si = table.skin_types.index(check_choice("skin_type", skin_type, table.skin_types))
    pi = table.pigments.index("carbon-black")
    skin = _linear(table.skins[si, :3])
    dots = _linear(table.dots[si, pi, :, -1, :3])  # undiluted ink at every depth
    reach = np.clip(1.0 - dots / np.maximum(skin, 1e-9), 0.0, 1.0)
    depths = np.concatenate([[0.0], table.depths_mm])
    reach = np.vstack([np.ones((1, 3)), reach])  # an opaque layer at the surface removes everything
    keep = depths <= PASSAGE_DEPTH_MM
    d, r = depths[keep], reach[keep]
    area = np.sum(0.5 * (r[1:] + r[:-1]) * np.diff(d)[:, None], axis=0)
    return float(area[0]), float(area[1]), float(area[2])


def _linear(srgb: FloatArray) -> FloatArray:
    """Decode sRGB (IEC 61966-2-1 [iec61966-2-1]) to linear values."""
    c = np.asarray(srgb, dtype=np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def passage_mm_rgb(skin_type: str) -> FloatArray:
    """Depth-integrated share of remitted light that crosses each depth, ``∫ (1 - ratio_opaque) dz``.

    From the packaged appearance table (undiluted carbon black over 0-1.5 mm), linear R, G, B. [mm]

    Examples
    --------
    >>> bool(passage_mm_rgb("III")[0] > passage_mm_rgb("III")[2])
    True
    """
    return np.array(_passage(skin_type))


def linear_rgb_luminance(rgb: FloatArray | RGB) -> float:
    """Relative luminance Y of linear sRGB values (Rec. 709 weights, [iec61966-2-1]). [-]"""
    return float(np.dot(LUMINANCE_WEIGHTS, np.asarray(rgb, dtype=np.float64)))


@dataclass(frozen=True, slots=True)
class StubbleTexture:
    """What a renderer needs to draw the stubble, and its mean colour.

    Parameters
    ----------
    shafts_per_cm2 : float
        Shafts per square centimetre (all colours). [cm⁻²]
    shaft_width_mm : float
        Apparent width of a shaft seen from above (its diameter). [mm]
    shaft_length_mm : float
        Projected length of the cut shaft above the skin (0 for a razor shave). [mm]
    under_skin_length_mm : float
        Projected length of the shaft seen through the skin, to 1.5 mm depth. [mm]
    shaft_rgb_linear : tuple of float
        Reflectance of a pigmented shaft above the skin, linear sRGB. [-]
    grey_shaft_rgb_linear : tuple of float
        Reflectance of an unpigmented (white) shaft above the skin, linear sRGB. [-]
    under_skin_ratio_rgb : tuple of float
        Mean ratio of skin reflectance over a pigmented shaft's under-skin footprint to bare skin. [-]
    grey_fraction : float
        Share of unpigmented shafts. [-]
    above_cover : float
        Share of the skin covered by shafts above it. [-]
    mean_rgb_linear : tuple of float
        Mean linear reflectance of the stubble area (:func:`stubble_reflectance_rgb`). [-]
    """

    shafts_per_cm2: float
    shaft_width_mm: float
    shaft_length_mm: float
    under_skin_length_mm: float
    shaft_rgb_linear: RGB
    grey_shaft_rgb_linear: RGB
    under_skin_ratio_rgb: RGB
    grey_fraction: float
    above_cover: float
    mean_rgb_linear: RGB


def _shaft_rgb(transmission: FloatArray, skin: FloatArray) -> FloatArray:
    f, s = CUTICLE_FRESNEL, KERATIN_SCATTER
    inner = s * transmission + (1.0 - s) ** 2 * transmission**2 * skin
    return np.asarray(f + (1.0 - f) ** 2 * inner, dtype=np.float64)


def _rgb(a: FloatArray) -> RGB:
    return float(a[0]), float(a[1]), float(a[2])


def stubble_texture(
    hair: Hair, skin_rgb_linear: FloatArray | RGB, *, skin_type: str = "III"
) -> StubbleTexture:
    """The stubble's drawing parameters and mean colour on a skin (see the module docstring).

    Parameters
    ----------
    hair : Hair
        The client's hair.
    skin_rgb_linear : array-like of shape (3,)
        Bare skin reflectance, linear sRGB, 0-1. [-]
    skin_type : str, default 'III'
        Fitzpatrick type of the skin, for the under-skin shaft (:func:`passage_mm_rgb`).

    Returns
    -------
    texture : StubbleTexture
    """
    skin = np.clip(np.asarray(skin_rgb_linear, dtype=np.float64), 0.0, 1.0)
    if skin.shape != (3,):
        raise ValueError("skin_rgb_linear must hold three values")
    n = hair.hairs_per_mm2
    d = hair.diameter_mm
    alpha = np.radians(hair.exit_angle_deg)
    projected_mm = hair.shave_length_mm * np.cos(alpha)
    above_cover = 1.0 - np.exp(-n * (d * projected_mm + np.pi * d * d / 4.0))
    t_pig = shaft_transmission_rgb(hair.colour)
    t_white = shaft_transmission_rgb("white")
    g = hair.grey_fraction
    shaft_pig = _shaft_rgb(t_pig, skin)
    shaft_white = _shaft_rgb(t_white, skin)
    shaft_mean = (1.0 - g) * shaft_pig + g * shaft_white
    # Under the skin: footprint d dz / tan(alpha) per shaft and depth step, removing (1 - T²) of the
    # light that crosses that depth.
    passage = passage_mm_rgb(skin_type)
    cot = np.cos(alpha) / np.sin(alpha)
    absorbed = (1.0 - g) * (1.0 - t_pig**2) + g * (1.0 - t_white**2)
    under = np.exp(-n * d * cot * passage * absorbed)
    mean = (1.0 - above_cover) * skin * under + above_cover * shaft_mean
    under_length = PASSAGE_DEPTH_MM * cot
    # A streak of under_length x d drawn at this ratio darkens the area by the same mean amount.
    per_shaft = 1.0 - passage * (1.0 - t_pig**2) / PASSAGE_DEPTH_MM
    return StubbleTexture(
        shafts_per_cm2=n * 100.0,
        shaft_width_mm=d,
        shaft_length_mm=float(projected_mm),
        under_skin_length_mm=float(under_length),
        shaft_rgb_linear=_rgb(shaft_pig),
        grey_shaft_rgb_linear=_rgb(shaft_white),
        under_skin_ratio_rgb=_rgb(per_shaft),
        grey_fraction=g,
        above_cover=float(above_cover),
        mean_rgb_linear=_rgb(mean),
    )


def stubble_reflectance_rgb(hair: Hair, skin_rgb_linear: FloatArray | RGB, *, skin_type: str = "III") -> RGB:
    """Mean linear reflectance of a stubble area on a skin, as seen at 1 m (linear sRGB, 0-1). [-]

    Parameters
    ----------
    hair : Hair
        The client's hair.
    skin_rgb_linear : array-like of shape (3,)
        Bare skin reflectance, linear sRGB. [-]
    skin_type : str, default 'III'
        Fitzpatrick type of that skin (sets how much of the under-skin shaft shows).

    Examples
    --------
    >>> skin = (0.35, 0.22, 0.10)
    >>> r, g, b = stubble_reflectance_rgb(DEFAULT_HAIR, skin)
    >>> bool(g < 0.22 and r < 0.35)
    True
    """
    return stubble_texture(hair, skin_rgb_linear, skin_type=skin_type).mean_rgb_linear


def stubble_darkening(hair: Hair, skin_rgb_linear: FloatArray | RGB, *, skin_type: str = "III") -> float:
    """How much the stubble lowers the skin's linear luminance, ``1 - Y_stubble / Y_skin``. [-]"""
    mean = stubble_reflectance_rgb(hair, skin_rgb_linear, skin_type=skin_type)
    return 1.0 - linear_rgb_luminance(mean) / max(linear_rgb_luminance(skin_rgb_linear), 1e-12)
