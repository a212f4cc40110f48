"""What a consultation works on: the photo read under the actor's clinic (audited), the design it draws (a
stored design version of the client, or the default design for the client's pattern, hair and skin, with what
the practitioner changed: style, hairline shifts, density, dot size, shade), the head fitted to the anchors,
and the design sampled densely and prepared on the photo; the slow steps kept in small in-process caches
(a few entries each, within a byte budget) keyed by the photo's SHA-256, the anchors and the design inputs
that change the sampling.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session as Db

from smpstudio.design.document import DesignDocument, load_design
from smpstudio.design.hairline import (
    STYLES,
    check_hairline_shifts,
    control_points_mm,
    design_edge,
    resolve_hairline_height,
)
from smpstudio.design.head import Head, head_preset, surface_points_from_directions
from smpstudio.design.maps import DENSITY_RANGE_PER_CM2, DIAMETER_RANGE_MM, INK_FRACTION_RANGE, MapSettings
from smpstudio.design.patterns import PATTERNS, Pattern
from smpstudio.design.spec import DesignSpec
from smpstudio.errors import InputError, check_choice, check_range
from smpstudio.photo.anchors import mask_strokes, parse_anchors
from smpstudio.photo.fit import HeadFit, fit_head
from smpstudio.photo.image_io import read_photo
from smpstudio.photo.live_preview import (
    SAMPLED_DENSITY_PER_CM2,
    LiveScene,
    LruCache,
    PreviewPhoto,
    mask_cells,
    prepare_scene,
    preview_photo,
    sampling_density,
    scaled_fit,
)
from smpstudio.photo.scalp_mask import ScalpMask, scalp_mask
from smpstudio.records.models import Client, Design, Photo
from smpstudio.services.access import Actor, get_client, log, not_in_clinic, transact
from smpstudio.services.consultation_models import ConsultationImageRequest, DesignInputs
from smpstudio.services.context import ServiceContext
from smpstudio.services.design import DesignRequest
from smpstudio.services.fields import check_id
from smpstudio.skin.stubble import DEFAULT_HAIR, HAIR_COLOURS, Hair

__all__ = [
    "DEFAULT_PATTERN",
    "ConsultationDesign",
    "Seen",
    "chosen_values",
    "consultation_design",
    "design_of",
    "fit_of",
    "photo_row",
    "read_seen",
    "scaled_photo",
    "scene_of",
]

FloatArray = NDArray[np.float64]

#: The pattern of a default design when the client's record names none the design engine knows.
DEFAULT_PATTERN = "norwood-3"
#: The hairline's curve and control points on the head, by head, style, height and shifts.
_HAIRLINES: LruCache[str, Any] = LruCache(64, 2**20)
#: Stored design versions read back, by their SHA-256 (a few, within a byte budget).
_STORED: LruCache[str, DesignDocument] = LruCache(4, 64 * 2**20)
#: The hair fields of a design request, by the design document's names.
_HAIR_FIELDS = {
    "colour": "hair_colour",
    "grey_fraction": "grey_fraction",
    "diameter_um": "hair_diameter_um",
    "units_per_cm2": "hair_units_per_cm2",
    "hairs_per_unit": "hairs_per_unit",
    "shave_length_mm": "shave_length_mm",
}


@dataclass(frozen=True)
class ConsultationDesign:
    """The design drawn: its head and hairline (the style's curve with its MFP at ``height_mm`` before the
    control points' ``shifts`` [mm]), its own density [cm⁻²], dot size [mm] and shade [-], the client's skin
    and deposit, and the design request's other fields (``base``)."""

    head: Head
    style: str
    height_mm: float
    shifts: dict[str, float]
    density_per_cm2: float
    dot_diameter_mm: float
    ink_fraction: float
    skin_type: str
    depth_mm: float
    pigment: str
    base: dict[str, Any]
    warnings: tuple[str, ...]

    def request(self, density: float, diameter: float, ink: float) -> DesignRequest:
        """The design request at these values (the same seed: the same design)."""
        extra = {"hairline_shift_mm": dict(self.shifts)} if self.shifts else {}
        if self.shifts and "hairline_shift_mm" not in DesignRequest.model_fields:
            raise InputError(
                "the hairline's control points cannot be moved in this version",
                field="hairline_shift_mm",
                allowed="{}",
            )
        return DesignRequest.of(
            **self.base, density_per_cm2=density, dot_diameter_mm=diameter, ink_fraction=ink, **extra
        )

    def spec(self, density: float, diameter: float, ink: float) -> DesignSpec:
        """The design's spec at these values, for sampling it without the tone-match proposal (the live
        preview's dense sampling; a saved design goes through :meth:`request`)."""
        b = self.base
        names = {name: key for key, name in _HAIR_FIELDS.items()}
        hair = Hair(**{names[k]: v for k, v in b.items() if k in names})
        shifts = {"hairline_shift_mm": tuple(self.shifts.items())} if self.shifts else {}
        maps = MapSettings(
            density_per_cm2=density,
            feather_mm=b.get("feather_mm", 10.0),
            sessions=b["sessions"],
            ink_fraction=ink,
            dot_diameter_mm=diameter,
        )
        return DesignSpec(
            head=self.head,
            pattern=Pattern(b["pattern"], b.get("regions", ())),
            style=self.style,
            hairline_height_mm=self.height_mm,
            force=True,
            maps=maps,
            seed=b["seed"],
            hair=hair,
            **shifts,  # type: ignore[arg-type]
        )

    def sampling_key(self) -> str:
        """What changes the dots' sampling: everything but density, dot size and shade."""
        return json.dumps(
            {**self.base, "shifts": self.shifts, "own": self.values}, sort_keys=True, default=str
        )

    @property
    def values(self) -> tuple[float, float, float]:
        return self.density_per_cm2, self.dot_diameter_mm, self.ink_fraction

    def _geometry_key(self) -> str:
        return json.dumps([repr(self.head), self.style, self.height_mm, self.shifts], sort_keys=True)

    def control_points_mm(self) -> dict[str, FloatArray]:
        """The hairline's named control points on the head after the shifts (kept per hairline). [mm]"""
        key = "points|" + self._geometry_key()
        points = _HAIRLINES.get(key)
        if points is None:
            points = control_points_mm(self.head, self.style, self.height_mm, self.shifts)
            _HAIRLINES.put(key, points, 256)
        return dict(points)

    def hairline_mm(self) -> FloatArray:
        """The frontal hairline (before irregularity), temporal peak to temporal peak, on the head (kept per
        hairline). [mm]"""
        key = "line|" + self._geometry_key()
        line = _HAIRLINES.get(key)
        if line is None:
            edge = design_edge(self.head, self.style, self.height_mm, self.shifts)
            beta = np.linspace(-edge.beta_temporal_peak, edge.beta_temporal_peak, 121)
            psi = edge.psi(beta)
            d = np.stack([np.sin(psi) * np.sin(beta), np.sin(psi) * np.cos(beta), np.cos(psi)], axis=1)
            line = surface_points_from_directions(self.head, d)
            _HAIRLINES.put(key, line, int(line.nbytes))
        return np.asarray(line)


def consultation_design(
    request: DesignInputs,
    *,
    stored: tuple[str, dict[str, Any] | None] | None,
    pattern: str | None,
    hair_colour: str | None,
    skin_type: str | None,
    seed: int,
) -> ConsultationDesign:
    """The design a request names: the stored version ``stored`` (its SHA-256 and, when not read before,
    its document), else the default design for the client's ``pattern``, ``hair_colour`` and
    ``skin_type`` with ``seed``; with the request's style and hairline shifts."""
    if request.style is not None:
        check_choice("style", request.style, STYLES)
    shifts = check_hairline_shifts(request.hairline_shift_mm)
    warnings: list[str] = []
    if stored is not None:
        sha, document = stored
        doc = _STORED.get(sha)
        if doc is None:
            if document is None:  # evicted between the read and now: a programming error of the caller
                raise InputError("the design version could not be read", field="design_version")
            doc = _STORED.put(sha, load_design(json.dumps(document)), 0)
            _STORED.put(sha, doc, 160 * len(doc.dots))
        h = doc.header
        style = request.style or h.hairline.style
        stored_shifts = {k: float(v) for k, v in (getattr(h.hairline, "shift_mm", None) or {}).items()}
        # The stored height is the MFP's after its shift (positive: lower); the curve's is before it.
        height = h.hairline.height_mm + stored_shifts.get("mid_frontal_point", 0.0)
        if style != h.hairline.style:
            height = resolve_hairline_height(style, None, force=True)[0]
        if not request.hairline_shift_mm:
            shifts = stored_shifts
        head = Head(h.head.length_mm, h.head.width_mm, h.head.height_mm, h.head.preset)
        p = h.proposal
        skin: str = p.skin_type if p else "III"
        depth, pigment = (p.depth_mm, p.pigment) if p else (0.2, "carbon-black")
        own = (h.maps.density_per_cm2, h.maps.dot_diameter_mm, h.maps.ink_fraction)
        base: dict[str, Any] = {
            "pattern": h.pattern.name,
            "regions": tuple(tuple((float(u), float(v)) for u, v in r) for r in h.pattern.regions),
            "feather_mm": h.maps.feather_mm,
            "sessions": tuple(h.maps.sessions),
            "seed": h.seed,
            "head": h.head.preset if h.head.preset in ("male", "female") else "male",
            "head_length_mm": h.head.length_mm,
            "head_width_mm": h.head.width_mm,
            "head_height_mm": h.head.height_mm,
            **{name: getattr(h.hair, key) for key, name in _HAIR_FIELDS.items()},
        }
    else:
        chosen = pattern if pattern in PATTERNS else DEFAULT_PATTERN
        if chosen != pattern:
            warnings.append(f"the client's record names no known hair-loss pattern: drawn as {chosen}")
        colour = hair_colour if hair_colour in HAIR_COLOURS else DEFAULT_HAIR.colour
        skin, depth, pigment = (skin_type or "III"), 0.2, "carbon-black"
        style = request.style or "soft"
        height = resolve_hairline_height(style, None, force=True)[0]
        head = head_preset("male")
        density, diameter, ink, sessions = _proposal(colour, skin, depth, pigment)
        own = (density, diameter, ink)
        base = {"pattern": chosen, "sessions": sessions, "seed": seed, "hair_colour": colour}
    base.update(
        style=style, hairline_height_mm=height, skin_type=skin, depth_mm=depth, pigment=pigment, force=True
    )
    return ConsultationDesign(head, style, height, shifts, *own, skin, depth, pigment, base, tuple(warnings))


@functools.lru_cache(maxsize=32)
def _proposal(
    colour: str, skin: str, depth: float, pigment: str
) -> tuple[float, float, float, tuple[float, ...]]:
    """The tone-match proposal for a client's hair colour and skin (density, dot size, shade, sessions),
    computed once per combination."""
    from smpstudio.design.proposal import propose  # here: the solver loads with a default design

    p = propose(Hair(colour=colour), skin, depth_mm=depth, pigment=pigment)
    return p.density_per_cm2, p.dot_diameter_mm, p.ink_fraction, tuple(p.sessions)


def chosen_values(design: ConsultationDesign, request: DesignInputs) -> tuple[float, float, float]:
    """The density [cm⁻²], dot size [mm] and shade [-] drawn: the request's (checked) or the design's."""
    density = request.density_per_cm2 if request.density_per_cm2 is not None else design.density_per_cm2
    diameter = request.dot_diameter_mm if request.dot_diameter_mm is not None else design.dot_diameter_mm
    ink = request.ink_fraction if request.ink_fraction is not None else design.ink_fraction
    check_range("density_per_cm2", density, *DENSITY_RANGE_PER_CM2, unit="dots/cm²")
    check_range("dot_diameter_mm", diameter, *DIAMETER_RANGE_MM, unit="mm")
    check_range("ink_fraction", ink, *INK_FRACTION_RANGE)
    return float(density), float(diameter), float(ink)


def stored_design_known(sha256: str) -> bool:
    """Whether the stored design ``sha256`` was read before (its document need not be read again)."""
    return _STORED.get(sha256) is not None


#: About what a design's chart maps and grid hold in memory besides its dots (a 453 x 453 grid of surface
#: points, areas and maps in float64). [bytes]
MAPS_BYTES = 24 * 2**20
#: Caches of the live preview (each a few entries within a byte budget: a consultation or two at a time):
#: scaled photos, densely sampled designs, prepared scenes, fits, and scalp masks.
_PHOTOS: LruCache[tuple[str, int], PreviewPhoto] = LruCache(4, 96 * 2**20)
_DESIGNS: LruCache[str, DesignDocument] = LruCache(3, 128 * 2**20)
_SCENES: LruCache[tuple[str, ...], LiveScene] = LruCache(3, 192 * 2**20)
_FITS: LruCache[tuple[str, ...], HeadFit] = LruCache(32, 2**20)
_MASKS: LruCache[tuple[str, ...], tuple[NDArray[np.bool_], ScalpMask]] = LruCache(4, 32 * 2**20)

# --- reading the photo and the design under the actor's clinic ---------------------------------------------


@dataclass(frozen=True)
class Seen:
    """What one audited read gives: the photo's file, the client's defaults, a stored design's hash (and its
    document when it was not read before)."""

    client_id: int
    photo_id: int
    sha256: str
    view: str
    pattern: str | None
    hair_colour: str | None
    skin_type: str | None
    stored: tuple[str, dict[str, Any] | None] | None


def photo_row(db: Db, actor: Actor, client: Client, photo_id: int) -> Photo:
    """The client's consultation photo ``photo_id``; any other id answers as not found."""
    photo = db.get(Photo, check_id(photo_id, "photo_id"))
    if photo is None or photo.client_id != client.id or photo.kind != "consultation":
        raise not_in_clinic(
            "photo", photo_id, noun="consultation photo", field="photo_id", allowed="a consultation photo id"
        )
    return photo


def read_seen(
    ctx: ServiceContext, request: DesignInputs | ConsultationImageRequest, permission: str, use: str
) -> Seen:
    """The audited read of the photo, and of the design version the request names."""
    version = getattr(request, "design_version", None)

    def action(db: Db, actor: Actor) -> Seen:
        actor.require(permission)
        client = get_client(db, actor, request.client_id)
        photo = photo_row(db, actor, client, request.photo_id)
        stored = None
        if version is not None:
            row = db.execute(
                select(Design.id, Design.sha256).where(
                    Design.client_id == client.id, Design.version == version
                )
            ).first()
            if row is None:
                raise InputError(
                    f"no design version {version}", field="design_version", allowed="a stored version"
                )
            known = stored_design_known(row.sha256)
            stored = (
                row.sha256,
                None if known else db.scalar(select(Design.document).where(Design.id == row.id)),
            )
            log(db, actor, "read", "design", row.id, client=client.id, version=version)
        log(db, actor, "read", "photo", photo.id, client=client.id, use=use)
        return Seen(
            client.id,
            photo.id,
            photo.sha256,
            photo.view,
            client.hair_loss_pattern,
            client.hair_colour,
            client.skin_type,
            stored,
        )

    return transact(ctx, action)


def scaled_photo(ctx: ServiceContext, sha256: str, width_px: int) -> PreviewPhoto:
    """The stored photo scaled to at most ``width_px`` wide (decoded once per photo and width)."""
    key = (sha256, width_px)
    cached = _PHOTOS.get(key)
    if cached is None:
        photo = read_photo(ctx.db.files.get(sha256), max_pixels=ctx.max_image_pixels, field="photo")
        cached = preview_photo(photo.srgb8, width_px)
        _PHOTOS.put(key, cached, cached.nbytes)
    return cached


def design_of(seen: Seen, request: DesignInputs) -> ConsultationDesign:
    return consultation_design(
        request,
        stored=seen.stored,
        pattern=seen.pattern,
        hair_colour=seen.hair_colour,
        skin_type=seen.skin_type,
        seed=seen.photo_id,
    )


def fit_of(
    seen: Seen, photo: PreviewPhoto, landmarks: dict[str, Any], design: ConsultationDesign
) -> tuple[HeadFit, str]:
    """The head fitted to the anchors in the photo's own pixels (kept by photo, anchors and head), and the
    anchors' key: the fit's, then (after :data:`STROKES_MARK`) the brush strokes on the scalp mask, which
    do not change the fit."""
    anchors = parse_anchors(landmarks, width=photo.width, height=photo.height)
    key = (
        seen.sha256,
        json.dumps(replace(anchors, mask_strokes=()).to_json(), sort_keys=True),
        repr(design.head),
        f"{design.height_mm:.3f}",
    )
    fit = _FITS.get(key)
    if fit is None:
        fit = fit_head(anchors, design.head, hairline_height_mm=design.height_mm)
        _FITS.put(key, fit, 4096)
    strokes = [stroke.to_json() for stroke in anchors.mask_strokes]
    painted = STROKES_MARK + json.dumps(strokes, separators=(",", ":")) if strokes else ""
    return fit, "|".join(key[1:]) + painted


#: Separates the fit's part of the anchors' key from the brush strokes' part.
STROKES_MARK = "|mask_strokes="


def scene_of(
    seen: Seen, photo: PreviewPhoto, fit: HeadFit, fit_key: str, design: ConsultationDesign, density: float
) -> tuple[LiveScene, bool]:
    """The design sampled densely enough for ``density`` and prepared on the photo, and whether it was
    sampled for this call (a new hairline, style or pattern, or a density above the one sampled)."""
    from smpstudio.design.build import build_design  # here: the sampler's kernels load with a design

    sampling = design.sampling_key()
    key = (seen.sha256, str(photo.srgb8.shape[1]), fit_key, sampling)  # the strokes change the dots shown
    scene = _SCENES.get(key)
    if scene is not None and scene.sampled_density_per_cm2 >= density:
        return scene, False
    sampled = SAMPLED_DENSITY_PER_CM2 if scene is not None else sampling_density(density)
    doc_key = f"{sampled:g}|{sampling}"
    doc = _DESIGNS.get(doc_key)
    resampled = doc is None
    if doc is None:
        doc = build_design(design.spec(sampled, design.dot_diameter_mm, design.ink_fraction))
        _DESIGNS.put(doc_key, doc, 160 * len(doc.dots) + MAPS_BYTES)
    # The mask is kept across hairline drags while it covers every treated cell (it reaches 30 mm beyond),
    # and across brush strokes, painted on a copy of it.
    fit_part, _, painted = fit_key.partition(STROKES_MARK)
    strokes = mask_strokes(json.loads(painted), photo.width, photo.height) if painted else ()
    mask_key = (seen.sha256, str(photo.srgb8.shape[1]), fit_part, repr(design.head), design.base["pattern"])
    kept = _MASKS.get(mask_key)
    treated = doc.context.maps.density_per_mm2 > 0.0
    auto = kept[1] if kept is not None and not np.any(treated & ~kept[0]) else None
    if auto is None:
        cells = mask_cells(doc)
        auto = scalp_mask(photo.srgb8, scaled_fit(fit, photo.scale), doc.context.grid, cells)
        _MASKS.put(mask_key, (cells, auto), int(cells.nbytes + auto.mask.nbytes))
    scene = prepare_scene(photo, fit, doc, auto, strokes)
    _SCENES.put(key, scene, scene.nbytes)
    return scene, resampled
