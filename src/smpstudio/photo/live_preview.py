"""The design on the client's photo, redrawn live as the practitioner moves a slider.

What does not change between two slider moves is prepared once and kept (:class:`LiveScene`): the photo
scaled to the preview's width, the head fitted to the anchors, the scalp mask, and a dense sampling of the
design (:func:`sampling_density`: a quarter above the density shown, or :data:`SAMPLED_DENSITY_PER_CM2`)
projected onto the photo with each dot's fixed random rank. A move then only draws:

* density: the dots whose rank is below ``requested / sampled`` density are kept, so a lower density is a
  deterministic thinning of a higher one (the same dots stay, the density map's shape is kept); only a
  density above the sampled one samples again, at the most;
* dot size and shade: every dot's diameter and ink fraction are scaled by the ratio to the design's own, and
  the spots come from the same physics as every preview (:func:`smpstudio.photo.day_look.day_spots`: the
  appearance table at the deposit's depth, the skin's blur, scabs and redness on the day);
* technique: SMP is the design's own impression; ``tattoo`` is the tattoo preset of
  :data:`smpstudio.skin.impression.TECHNIQUES` (a five-needle cluster, 1 mm deep, tattoo-black ink) with the
  shade as its ink fraction, through the same appearance table at its own depth (:func:`technique_spots`).

Drawing is :func:`smpstudio.photo.draw.draw_spots` on a copy of the scaled photo, scalp skin only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, replace
from typing import Generic, Literal, TypeVar

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from scipy import ndimage

from smpstudio.design.document import DesignDocument, DotTable
from smpstudio.photo.anchors import MaskStroke
from smpstudio.photo.day_look import REDNESS_OPACITY, DaySpots, day_spots, design_impression
from smpstudio.photo.draw import draw_spots
from smpstudio.photo.fit import HeadFit
from smpstudio.photo.image_io import linear_rgb
from smpstudio.photo.scalp_mask import ScalpMask, apply_strokes, reduced, scalp_mask
from smpstudio.skin.appearance_table import packaged_table
from smpstudio.skin.cielab import delta_e2000, linear_srgb_to_xyz, xyz_to_lab
from smpstudio.skin.erythema import erythema_srgb
from smpstudio.skin.healed_dot import DISC_TO_GAUSSIAN_FWHM, spot_fwhm_mm, spot_peak_darkening, srgb_to_linear
from smpstudio.skin.impression import TECHNIQUES
from smpstudio.skin.kinetics import Kinetics, redness_state, scabbed, shed_days
from smpstudio.skin.stubble import stubble_reflectance_rgb
from smpstudio.skin.technique import SETTLED_DAY, healed_diameter_mm, looks_on_day

__all__ = [
    "SAMPLED_DENSITY_PER_CM2",
    "SAMPLING_HEADROOM",
    "LiveDrawing",
    "LiveScene",
    "LruCache",
    "PreviewPhoto",
    "draw_live",
    "mask_cells",
    "prepare_scene",
    "preview_photo",
    "sampling_density",
    "scaled_fit",
    "technique_spots",
]

FloatArray = NDArray[np.float64]
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: The densest sampling of the live preview: the top of the accepted range
#: (:data:`smpstudio.design.maps.DENSITY_RANGE_PER_CM2`), so every density a slider offers is a
#: thinning of it. [cm⁻²]
SAMPLED_DENSITY_PER_CM2 = 200.0
#: A design (re-)sampled for a new hairline, style or pattern is sampled this much denser than the density
#: shown: sampling costs in proportion to the dots, and a hairline drag should answer in about a second;
#: a slider move above it samples once at :data:`SAMPLED_DENSITY_PER_CM2`. [-] (performance setting)
SAMPLING_HEADROOM = 1.25
#: Remaining hair must cover this share of the scalp region for the photo's tone match (as the one-shot
#: preview, :mod:`smpstudio.services.photo_preview`). [-]
MIN_HAIR_SHARE = 0.005
#: JPEG quality of the live preview (the studio's screen, not a print). [-]
JPEG_QUALITY = 85


class LruCache(Generic[K, V]):
    """A small in-process cache: at most ``entries`` values and ``max_bytes`` of them (the size each value
    is given with), the least recently used dropped first; safe to share between the web server's threads."""

    def __init__(self, entries: int, max_bytes: int) -> None:
        self.entries, self.max_bytes = entries, max_bytes
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: K, value: V, nbytes: int) -> V:
        with self._lock:
            self._items[key] = (value, nbytes)
            self._items.move_to_end(key)
            while len(self._items) > self.entries or (len(self._items) > 1 and self._size() > self.max_bytes):
                self._items.popitem(last=False)
        return value

    def _size(self) -> int:
        return sum(n for _, n in self._items.values())

    @property
    def nbytes(self) -> int:
        with self._lock:
            return self._size()

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass(frozen=True, eq=False)
class PreviewPhoto:
    """The photo scaled to the preview's width (never enlarged), its own size [px] and the scale (preview
    pixels per photo pixel) [-]."""

    srgb8: NDArray[np.uint8]
    width: int
    height: int
    scale: float

    @property
    def nbytes(self) -> int:
        return int(self.srgb8.nbytes)


def sampling_density(density_per_cm2: float) -> float:
    """The density a design shown at ``density_per_cm2`` is sampled at (see :data:`SAMPLING_HEADROOM`),
    rounded up to 5 per cm². [cm⁻²]"""
    return min(SAMPLED_DENSITY_PER_CM2, 5.0 * float(np.ceil(SAMPLING_HEADROOM * density_per_cm2 / 5.0)))


def preview_photo(srgb8: NDArray[np.uint8], width_px: int) -> PreviewPhoto:
    """The photo at most ``width_px`` wide (Lanczos, after a box reduction of large photos)."""
    rows, cols = srgb8.shape[:2]
    if cols <= width_px:
        return PreviewPhoto(srgb8, cols, rows, 1.0)
    size = (width_px, max(round(rows * width_px / cols), 1))
    im = Image.fromarray(srgb8, "RGB").resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    return PreviewPhoto(np.ascontiguousarray(np.asarray(im, dtype=np.uint8)), cols, rows, size[0] / cols)


def scaled_fit(fit: HeadFit, scale: float) -> HeadFit:
    """The same fit on the photo scaled by ``scale`` (its projections scale with the image)."""
    return replace(
        fit,
        scale_px_per_mm=fit.scale_px_per_mm * scale,
        centre_px=(fit.centre_px[0] * scale, fit.centre_px[1] * scale),
        residuals_px={k: (v[0] * scale, v[1] * scale) for k, v in fit.residuals_px.items()},
        warnings=list(fit.warnings),
    )


def _lab(rgb_linear: FloatArray) -> FloatArray:
    return xyz_to_lab(linear_srgb_to_xyz(rgb_linear))


@dataclass(frozen=True, eq=False)
class LiveScene:
    """What a slider move does not change (see the module docstring): the scaled photo, the fit to it, the
    sampled design and the scalp mask (``auto``). ``shown`` are the indices of the
    dots that face the camera and fall on scalp skin in the photo, ``xy_px`` their centres on the scaled
    photo and ``shrink`` their scale there (px/mm times the foreshortening); ``rank`` is every dot's fixed
    rank (0-1); ``hair_rgb`` the mean linear colour of the photo's remaining hair (``None`` when it shows
    too little), with the reduced copy's region and hair share for the tone match."""

    photo: PreviewPhoto
    fit: HeadFit
    doc: DesignDocument
    auto: ScalpMask
    shown: NDArray[np.int64]
    xy_px: FloatArray
    shrink: FloatArray
    rank: FloatArray
    tone_region: NDArray[np.bool_]
    tone_factor: float
    hair_rgb: FloatArray | None
    before_small: FloatArray

    @property
    def sampled_density_per_cm2(self) -> float:
        """The density the design was sampled at: every density up to it is a thinning. [cm⁻²]"""
        return float(self.doc.header.maps.density_per_cm2)

    @property
    def nbytes(self) -> int:
        arrays = (self.auto.mask, self.shown, self.xy_px, self.shrink, self.rank, self.before_small)
        return self.photo.nbytes + sum(int(a.nbytes) for a in arrays) + 64 * len(self.doc.dots)


#: The scalp mask's region reaches this far beyond the design's treated cells (on the chart), so a hairline
#: moved by up to the largest control-point shift (30 mm, :mod:`smpstudio.design.hairline`) keeps the same
#: mask and a drag need not compute it again. [mm]
MASK_REACH_MM = 30.0


def mask_cells(doc: DesignDocument) -> NDArray[np.bool_]:
    """The chart cells the scalp mask covers: where hair remains, and the treated cells with
    :data:`MASK_REACH_MM` around them (dots go only where the design puts them)."""
    grid, maps = doc.context.grid, doc.context.maps
    reach = max(int(np.ceil(MASK_REACH_MM / grid.step_mm)), 1)
    grown = ndimage.binary_dilation(maps.density_per_mm2 > 0.0, iterations=reach)
    return np.asarray((grid.area_mm2 > 0.0) & ((maps.hair > 0.0) | grown), dtype=np.bool_)


def prepare_scene(
    photo: PreviewPhoto,
    fit: HeadFit,
    doc: DesignDocument,
    auto: ScalpMask | None = None,
    strokes: tuple[MaskStroke, ...] = (),
) -> LiveScene:
    """Prepare the design ``doc`` (densely sampled: :func:`sampling_density`) on the photo, with the head
    ``fit`` to the photo's own pixels; ``auto`` is a scalp mask of the same photo, fit and
    :func:`mask_cells` (or more) made before, else it is made here. The practitioner's brush ``strokes``
    (photo pixels) are painted on a copy of it (:func:`apply_strokes`), so ``auto`` can be kept."""
    view = scaled_fit(fit, photo.scale)
    if auto is None:
        auto = scalp_mask(photo.srgb8, view, doc.context.grid, mask_cells(doc))
    if strokes:
        auto = replace(auto, mask=apply_strokes(auto.mask, strokes, photo.scale))
    rows, cols = photo.srgb8.shape[:2]
    dots = doc.dots
    facing, cosine = view.facing(dots.position_mm)
    xy, px_per_mm = view.project(dots.position_mm)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < cols) & (xy[:, 1] >= 0) & (xy[:, 1] < rows)
    idx = np.flatnonzero(facing & inside)
    idx = idx[auto.mask[xy[idx, 1].astype(np.int64), xy[idx, 0].astype(np.int64)] > 0]
    rank = np.random.default_rng(np.random.SeedSequence(doc.seed, spawn_key=(7,))).random(len(dots))
    small, factor = reduced(photo.srgb8)
    region = ndimage.binary_erosion(auto.region, iterations=3)  # not the shaded rim of the head's outline
    before_small = linear_rgb(small).astype(np.float64)
    hair = region & (auto.hair > 0.8)
    hair_rgb = (
        before_small[hair].mean(axis=0) if hair.sum() >= max(MIN_HAIR_SHARE * region.sum(), 4) else None
    )
    return LiveScene(
        photo=photo,
        fit=view,
        doc=doc,
        auto=auto,
        shown=idx,
        xy_px=xy[idx],
        shrink=px_per_mm[idx] * np.sqrt(np.clip(cosine[idx], 0.02, 1.0)),
        rank=rank,
        tone_region=region & (auto.hair < 0.2),
        tone_factor=factor,
        hair_rgb=hair_rgb,
        before_small=before_small,
    )


def technique_spots(
    dots: DotTable,
    *,
    seed: int,
    skin_type: str,
    day: float,
    technique: Literal["smp", "tattoo"],
    depth_mm: float = 0.2,
    pigment: str = "carbon-black",
) -> DaySpots:
    """The dots' spots on ``day`` by SMP (:func:`~smpstudio.photo.day_look.day_spots` with the design's
    depth and pigment) or by a tattoo machine: the tattoo preset's needle, depth and ink, its ink fraction
    the dots' median shade, through the same steps as ``day_spots`` (the appearance table at the preset's
    depth, the skin's blur there, the scab and the redness of the day). The hand is the design's: a dot's
    size relative to the SMP healed dot scales the tattoo needle's dot alike."""
    if technique == "smp":
        return day_spots(dots, seed=seed, skin_type=skin_type, day=day, depth_mm=depth_mm, pigment=pigment)
    kin = Kinetics()
    table = packaged_table()
    skin_lin = np.maximum(srgb_to_linear(table.skin(skin_type)[:3]), 1e-9)
    n = len(dots)
    smp = design_impression(dots.ink_fraction)
    impression = replace(TECHNIQUES["tattoo"], ink_fraction=smp.ink_fraction)
    scab = scabbed(kin, day, shed_days(kin, n, seed)).astype(np.float64)
    look = looks_on_day(
        table, skin_type, impression, kin, day, ink_scale=dots.ink_fraction / smp.ink_fraction, scab=scab
    )
    size_scale = dots.diameter_mm / healed_diameter_mm(smp, kin, SETTLED_DAY)
    diameter = size_scale * look.diameter_mm
    ratio = np.clip(srgb_to_linear(look.srgb) / skin_lin, 0.0, 1.0)
    blur = float(table.lookup(skin_type, impression.depth_mm, 1.0, impression.pigment)[8])
    buried_w = spot_fwhm_mm(diameter, blur)
    on = scab > 0.0
    fwhm = np.where(on, DISC_TO_GAUSSIAN_FWHM * diameter, buried_w)
    peak = np.where(on[:, None], 1.0 - ratio, spot_peak_darkening(ratio, diameter, buried_w))
    red = redness_state(kin, day)
    if red <= 0.0 or not n:
        return DaySpots(fwhm, peak, float(scab.mean()) if n else 0.0)
    red_ratio = np.clip(srgb_to_linear(erythema_srgb(skin_type)) / skin_lin, 0.0, 1.5)
    halo = DISC_TO_GAUSSIAN_FWHM * size_scale * impression.fresh_diameter_mm * kin.redness_halo
    return DaySpots(
        fwhm, peak, float(scab.mean()), halo, np.tile(REDNESS_OPACITY * red * (1.0 - red_ratio), (n, 1))
    )


@dataclass(frozen=True, eq=False)
class LiveDrawing:
    """The drawn preview (scaled photo's size), the dots drawn and hidden, the tone match (``nan`` when
    too few dots fell on the scalp) and notes."""

    srgb8: NDArray[np.uint8]
    drawn: int
    hidden: int
    tone_match_delta_e00: float
    notes: list[str]


def _tone(scene: LiveScene, after: NDArray[np.uint8], drawn_xy: FloatArray, target: FloatArray) -> float:
    """CIEDE2000 between the treated scalp in the preview and ``target`` (linear RGB), on reduced copies."""
    small_after, factor = reduced(after)
    region = scene.tone_region
    marks = np.zeros(region.shape, dtype=np.bool_)
    r = np.clip((drawn_xy[:, 1] / factor).astype(np.int64), 0, region.shape[0] - 1)
    c = np.clip((drawn_xy[:, 0] / factor).astype(np.int64), 0, region.shape[1] - 1)
    marks[r, c] = True
    treated = ndimage.binary_closing(marks, iterations=2) & region
    if treated.sum() < 4:
        return float("nan")
    treated_rgb = linear_rgb(small_after)[treated].astype(np.float64).mean(axis=0)
    return round(float(delta_e2000(_lab(treated_rgb), _lab(target))), 2)


def draw_live(
    scene: LiveScene,
    *,
    density_per_cm2: float,
    diameter_scale: float,
    ink_scale: float,
    day: float,
    technique: Literal["smp", "tattoo"],
    skin_type: str,
    depth_mm: float = 0.2,
    pigment: str = "carbon-black",
) -> LiveDrawing:
    """Draw the prepared design at ``density_per_cm2`` (a thinning of the sampled density: at most that),
    its dots' diameters and ink fractions scaled by ``diameter_scale`` and ``ink_scale`` (ink kept within
    the appearance table's 0.02-1), on ``day``, by ``technique``."""
    keep_share = density_per_cm2 / scene.sampled_density_per_cm2
    kept_total = int(np.count_nonzero(scene.rank < keep_share))
    sel = scene.shown[scene.rank[scene.shown] < keep_share]
    at = np.searchsorted(scene.shown, sel)
    all_dots = scene.doc.dots
    dots = DotTable(
        position_mm=all_dots.position_mm[sel],
        diameter_mm=all_dots.diameter_mm[sel] * diameter_scale,
        ink_fraction=np.clip(all_dots.ink_fraction[sel] * ink_scale, 0.02, 1.0),
        zone=all_dots.zone[sel],
        session=all_dots.session[sel],
    )
    spots = technique_spots(
        dots,
        seed=scene.doc.seed,
        skin_type=skin_type,
        day=day,
        technique=technique,
        depth_mm=depth_mm,
        pigment=pigment,
    )
    out = scene.photo.srgb8.copy()
    xy, shrink = scene.xy_px[at], scene.shrink[at]
    if spots.halo_fwhm_mm is not None and spots.halo_peak is not None:
        draw_spots(out, scene.auto.mask, xy, spots.halo_fwhm_mm * shrink, spots.halo_peak)
    drawn = draw_spots(out, scene.auto.mask, xy, spots.fwhm_mm * shrink, spots.peak)
    notes: list[str] = []
    if kept_total and not drawn:
        notes.append("no dot of the design falls on scalp skin in this photo: check the view and the anchors")
    target: FloatArray | None = scene.hair_rgb
    if target is None:
        skin = scene.before_small[scene.tone_region].mean(axis=0) if scene.tone_region.any() else None
        hair = scene.doc.header.hair.hair()
        target = (
            np.asarray(stubble_reflectance_rgb(hair, skin, skin_type=skin_type)) if skin is not None else None
        )
        notes.append("the photo shows too little remaining hair: the tone match is against the design's hair")
    delta = _tone(scene, out, xy, target) if target is not None else float("nan")
    return LiveDrawing(out, drawn, kept_total - drawn, delta, notes)


def encode_jpeg(srgb8: NDArray[np.uint8]) -> bytes:
    """The preview as a JPEG without any metadata."""
    import io

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(srgb8), "RGB").save(buf, format="JPEG", quality=JPEG_QUALITY)
    return buf.getvalue()
