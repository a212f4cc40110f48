"""Synthetic close-ups of an SMP scalp with known dots and decoys, the ground truth of the dot detector.

Each dot is drawn as the healed-dot model draws it (:mod:`smpstudio.skin.healed_dot`): a Gaussian
darkening per linear-sRGB channel whose width and peak come from the deposit's size, depth and ink through
the packaged appearance table (light transport, :mod:`smpstudio.skin.appearance_table`). The kinds:

* ``dot``: an ordinary healed dot, 0.10-0.15 mm deposit 0.10-0.20 mm deep [clinic-dot-size],
  [clinic-technique]; ``faded``: ink fraction 0.1; ``blue``: tattoo ink 0.42-0.47 mm deep, a 0.46-0.52 mm
  spot;
  ``oversize``: a deposit at SMP depth wide enough for a 0.68-0.80 mm spot; ``blowout``: one 0.9-1.2 mm
  deep wide enough for a 0.9-1.1 mm spot;
  ``merged``: two ordinary deposits 0.7-1.2 FWHM apart; a ``helmet`` patch of dots 0.65 mm apart (about
  270 per cm²).
* Decoys (:mod:`smpstudio.repair.decoys`), which are not dots: ``pore``, ``freckle``, ``mole``,
  ``stubble`` (a cut hair lying on the skin), ``hair`` (a long shaft) and ``highlight`` (specular). Their
  sizes and colours are illustrative (melanin-brown darkening, white highlights), chosen to test the
  detector's rules, not a model of skin.

The photo is then lit unevenly, blurred by the camera, given noise and saved as JPEG, as phone close-ups
are. The truth lists every deposit's centre (pixel centres at integers, rows down, columns right), its
apparent FWHM after the camera blur, its kind and the flags it should get.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from scipy import ndimage
from scipy.spatial import cKDTree

from smpstudio.repair.decoys import draw_decoys, draw_highlights
from smpstudio.repair.drawing import splat_spots
from smpstudio.skin.appearance_table import packaged_table
from smpstudio.skin.healed_dot import linear_to_srgb, spot_fwhm_mm, spot_peak_darkening, srgb_to_linear

__all__ = ["SyntheticCloseup", "synthetic_closeup"]

FloatArray = NDArray[np.float64]

#: The detector's default widest healed dot (:mod:`smpstudio.repair.rules`), for the expected flags. [mm]
OVERSIZE_FWHM_MM = 0.6


@dataclass(frozen=True)
class SyntheticCloseup:
    """A synthetic close-up and its truth.

    Attributes
    ----------
    image : ndarray of shape (M, N, 3), uint8
        The photo as decoded from its JPEG.
    jpeg : bytes
        The JPEG file.
    mm_per_px : float
        Scale. [mm/px]
    rows_px, cols_px : ndarray of shape (K,)
        Deposit centres. [px]
    fwhm_mm : ndarray of shape (K,)
        Apparent FWHM after the camera blur. [mm]
    kinds : tuple of str
        ``dot``, ``faded``, ``blue``, ``oversize``, ``blowout``, ``merged`` or ``helmet``.
    flags : tuple of tuple of str
        The flags each deposit should get.
    decoys : tuple of tuple
        ``(kind, row_px, col_px)`` of each decoy's centre.
    hairline_mm : ndarray of shape (N,)
        Per column, the depth of the front edge of the dots below the top edge. [mm]
    """

    image: NDArray[np.uint8]
    jpeg: bytes
    mm_per_px: float
    rows_px: FloatArray
    cols_px: FloatArray
    fwhm_mm: FloatArray
    kinds: tuple[str, ...]
    flags: tuple[tuple[str, ...], ...]
    decoys: tuple[tuple[str, float, float], ...]
    hairline_mm: FloatArray


def _lattice(shape_mm: tuple[float, float], spacing_mm: float, rng: np.random.Generator) -> FloatArray:
    """A jittered hexagonal lattice of (row, col) positions in mm inside ``shape_mm``."""
    pts = []
    row_step = spacing_mm * math.sqrt(3.0) / 2.0
    for a, y in enumerate(np.arange(0.5, shape_mm[0] - 0.4, row_step)):
        for x in np.arange(0.5 + (a % 2) * spacing_mm / 2.0, shape_mm[1] - 0.4, spacing_mm):
            pts.append((y, x))
    out = np.array(pts, dtype=np.float64)
    return out + rng.uniform(-0.12 * spacing_mm, 0.12 * spacing_mm, out.shape)


def _spot(table_row: FloatArray, skin_srgb: FloatArray, deposit_mm: float) -> tuple[float, FloatArray]:
    """FWHM [mm] and per-channel peak darkening of a healed spot (:mod:`smpstudio.skin.healed_dot`)."""
    ratio = srgb_to_linear(table_row[:3]) / srgb_to_linear(skin_srgb)
    w = float(spot_fwhm_mm(deposit_mm, table_row[8]))
    return w, np.asarray(spot_peak_darkening(ratio, deposit_mm, w), dtype=np.float64)


def _deposit_for(table_row: FloatArray, fwhm_mm: float) -> float:
    """The deposit diameter whose healed spot has the FWHM ``fwhm_mm`` (bisection; the spot widens with
    the deposit). [mm]"""
    lo, hi = 0.01, 2.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if float(spot_fwhm_mm(mid, table_row[8])) < fwhm_mm:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def synthetic_closeup(
    *,
    size_px: tuple[int, int] = (600, 600),
    mm_per_px: float = 1.0 / 30.0,
    skin_type: str = "II",
    seed: int | np.random.Generator = 0,
    front_mm: float = 5.0,
    special: int = 3,
    decoys: bool = True,
    uneven_light: bool = True,
    camera_blur_px: float = 0.6,
    noise: float = 0.006,
    jpeg_quality: int = 85,
    helmet: bool = True,
) -> SyntheticCloseup:
    """Draw a close-up of healed SMP with known dots, special dots and decoys.

    Parameters
    ----------
    size_px : tuple of int
        Rows and columns. [px]
    mm_per_px : float
        Scale. [mm/px]
    skin_type : str
        Fitzpatrick type of the appearance table.
    seed : int or numpy.random.Generator
        Randomness; the same seed gives the same image.
    front_mm : float
        Mean depth of the dots' front edge below the top edge (bare skin above it). [mm]
    special : int
        How many of each special kind (faded, blue, oversize, blowout, merged pair); 0 for none.
    decoys, uneven_light, helmet : bool
        Draw the decoys, an uneven light field, an over-dense patch.
    camera_blur_px : float
        Standard deviation of the camera's Gaussian blur. [px]
    noise : float
        Standard deviation of the sensor noise in linear light. [-]
    jpeg_quality : int
        JPEG quality, 1-95.

    Returns
    -------
    SyntheticCloseup
    """
    rng = np.random.default_rng(seed)
    table = packaged_table()
    skin_srgb = table.skin(skin_type)[:3]
    rows_n, cols_n = size_px
    shape_mm = (rows_n * mm_per_px, cols_n * mm_per_px)
    px = 1.0 / mm_per_px
    phase = rng.uniform(0, 2 * np.pi)
    col_mm = np.arange(cols_n) * mm_per_px
    hairline = front_mm + 0.8 * np.sin(2 * np.pi * col_mm / 7.0 + phase) + 0.3 * np.sin(col_mm * 1.7 + phase)
    sites = _lattice(shape_mm, 1.0, rng)
    edge = np.interp(sites[:, 1], col_mm, hairline)
    sites = sites[sites[:, 0] >= edge]
    in_helmet = np.zeros(len(sites), dtype=bool)
    if helmet:
        box = (shape_mm[0] - 5.0, shape_mm[1] - 5.0)
        patch = _lattice((4.6, 4.6), 0.65, rng) + np.array(box)
        near = np.min(
            np.hypot(sites[:, None, 0] - patch[None, :, 0], sites[:, None, 1] - patch[None, :, 1]), axis=1
        )
        sites = sites[(near >= 0.85) & ~((sites[:, 0] > box[0]) & (sites[:, 1] > box[1]))]
        sites = np.vstack([sites, patch])
        in_helmet = np.r_[np.zeros(len(sites) - len(patch), dtype=bool), np.ones(len(patch), dtype=bool)]
    order = rng.permutation(np.flatnonzero(~in_helmet))
    kinds = np.array(["helmet" if h else "dot" for h in in_helmet], dtype=object)
    special_kinds = ("faded", "blue", "oversize", "blowout", "merged")
    for k, kind in enumerate(special_kinds):
        kinds[order[k * special : (k + 1) * special]] = kind
    spots_r: list[float] = []
    spots_c: list[float] = []
    spots_w: list[float] = []
    spots_d: list[FloatArray] = []
    truth_kind: list[str] = []
    for (y, x), kind in zip(sites, kinds, strict=True):
        depth, ink, deposit, pigment = (
            rng.uniform(0.1, 0.2),
            rng.uniform(0.5, 1.0),
            rng.uniform(0.1, 0.15),
            "carbon-black",
        )
        if kind == "faded":
            depth, ink = rng.uniform(0.1, 0.2), 0.1
        elif kind == "blue":
            depth, ink, deposit, pigment = (
                rng.uniform(0.42, 0.47),
                1.0,
                -rng.uniform(0.46, 0.52),
                "tattoo-black",
            )
        elif kind == "oversize":
            depth, ink, deposit = rng.uniform(0.1, 0.15), 1.0, -rng.uniform(0.68, 0.8)
        elif kind == "blowout":
            depth, ink, deposit, pigment = rng.uniform(0.9, 1.2), 1.0, -rng.uniform(0.9, 1.1), "tattoo-black"
        row = table.lookup(skin_type, depth, ink, pigment)
        if deposit < 0:  # a target apparent FWHM: the deposit that gives it
            deposit = _deposit_for(row, -deposit)
        w, peak = _spot(row, skin_srgb, deposit)
        if kind == "merged":
            sep = rng.uniform(0.7, 1.2) * w
            theta = rng.uniform(0, np.pi)
            for sign in (-0.5, 0.5):
                spots_r.append(y + sign * sep * math.sin(theta))
                spots_c.append(x + sign * sep * math.cos(theta))
                spots_w.append(w)
                spots_d.append(peak)
                truth_kind.append(kind)
            continue
        spots_r.append(y)
        spots_c.append(x)
        spots_w.append(w)
        spots_d.append(peak)
        truth_kind.append(str(kind))
    r_mm, c_mm, w_mm = np.array(spots_r), np.array(spots_c), np.array(spots_w)
    trans = np.ones((rows_n, cols_n, 3), dtype=np.float64)
    splat_spots(trans, r_mm * px, c_mm * px, w_mm * px, np.array(spots_d).reshape(-1, 3), 2.0)
    decoy_list = draw_decoys(trans, rng, r_mm, c_mm, hairline, shape_mm, px) if decoys else []
    linear = trans * srgb_to_linear(skin_srgb)[None, None, :]
    if decoys:
        draw_highlights(linear, rng, r_mm, c_mm, shape_mm, px, decoy_list)
    if uneven_light:
        yy, xx = np.mgrid[0:rows_n, 0:cols_n] / np.array([rows_n, cols_n])[:, None, None]
        light = 0.7 + 0.45 * xx - 0.3 * (yy - 0.4) ** 2 + 0.08 * np.sin(3.0 * yy + phase)
        linear *= light[:, :, None]
    if camera_blur_px > 0:
        linear = ndimage.gaussian_filter(linear, (camera_blur_px, camera_blur_px, 0))
    linear += rng.normal(0.0, noise, linear.shape)
    srgb = np.round(255.0 * linear_to_srgb(np.clip(linear, 0.0, 1.0))).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(srgb).save(buffer, format="JPEG", quality=jpeg_quality)
    jpeg = buffer.getvalue()
    image = np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"))
    apparent = np.sqrt(w_mm**2 + (2.3548 * camera_blur_px * mm_per_px) ** 2)
    joined = _joined(r_mm, c_mm, apparent, np.array(spots_d).reshape(-1, 3) @ _luminance_share(skin_srgb))
    # Deep tattoo ink is blue too (the appearance table): a blow-out is oversize, a blow-out and blue.
    expected: dict[str, tuple[str, ...]] = {
        "dot": (),
        "faded": (),
        "helmet": (),
        "blue": ("blue",),
        "blowout": ("oversize", "blowout", "blue"),
    }
    flags: list[tuple[str, ...]] = []
    for kind, w in zip(truth_kind, apparent, strict=True):
        f = list(expected.get(kind, ()))
        if kind in ("oversize", "blue") and w > OVERSIZE_FWHM_MM:
            f.insert(0, "oversize")
        if kind == "merged" or joined[len(flags)]:
            f.append("merged")
        flags.append(tuple(f))
    return SyntheticCloseup(
        image=image,
        jpeg=jpeg,
        mm_per_px=mm_per_px,
        rows_px=r_mm * px,
        cols_px=c_mm * px,
        fwhm_mm=apparent,
        kinds=tuple(truth_kind),
        flags=tuple(flags),
        decoys=tuple(decoy_list),
        hairline_mm=hairline,
    )


def _luminance_share(skin_srgb: FloatArray) -> FloatArray:
    """Weights turning per-channel darkening into luminance darkening over this skin. [-]"""
    lin = srgb_to_linear(skin_srgb) * np.array([0.2126, 0.7152, 0.0722])
    return np.asarray(lin / lin.sum(), dtype=np.float64)


def _joined(r_mm: FloatArray, c_mm: FloatArray, fwhm_mm: FloatArray, peak: FloatArray) -> NDArray[np.bool_]:
    """Deposits that share a half-maximum outline with another: on the segment between two spots, the sum
    of their luminance darkening (a Gaussian each) never falls below half the stronger peak."""
    out = np.zeros(r_mm.size, dtype=bool)
    if r_mm.size < 2:
        return out
    t = np.linspace(0.0, 1.0, 41)
    tree = cKDTree(np.c_[r_mm, c_mm])
    for i, j in tree.query_pairs(2.0 * float(np.max(fwhm_mm))):
        d = math.hypot(r_mm[i] - r_mm[j], c_mm[i] - c_mm[j])
        if d <= fwhm_mm[i] + fwhm_mm[j]:
            prof = peak[i] * 2.0 ** (-((2 * t * d / fwhm_mm[i]) ** 2)) + peak[j] * 2.0 ** (
                -((2 * (1 - t) * d / fwhm_mm[j]) ** 2)
            )
            if prof.min() >= 0.5 * max(peak[i], peak[j]):
                out[i] = out[j] = True
    return out
