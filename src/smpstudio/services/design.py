"""Design use cases: create a design from a practitioner's choices, save it, preview it.

The faces (command line, later the web studio) call these and nothing below them.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from smpstudio.design.build import DesignContext, DesignSpec, build_design, design_context
from smpstudio.design.document import DesignDocument, read_design, write_design
from smpstudio.design.hairline import STYLES
from smpstudio.design.head import HEAD_PRESETS, Head, head_preset, midline_point_at_arc_mm
from smpstudio.design.maps import DEFAULT_DENSITY_PER_CM2, MapSettings
from smpstudio.design.patterns import PATTERNS, Pattern
from smpstudio.errors import InputError, check_choice, check_range
from smpstudio.render.camera import CLOSE_UP_FRAMED_MM, VIEWS, Camera, close_up_camera, view_camera
from smpstudio.render.preview import LOOKS, RenderStyle, render_preview
from smpstudio.skin.appearance_table import packaged_table
from smpstudio.skin.kinetics import Kinetics, pigment_fraction
from smpstudio.skin.technique import SETTLED_DAY

__all__ = [
    "PREVIEW_VIEWS",
    "DesignRequest",
    "catalogue",
    "create_design",
    "design_camera",
    "design_summary",
    "load_design_file",
    "parse_regions",
    "parse_sessions",
    "preview_design",
    "save_design",
    "save_preview",
    "spec_from_document",
]

#: Preview sizes accepted. [px]
PREVIEW_SIZE_RANGE_PX = (64, 8000)


@dataclass(frozen=True)
class DesignRequest:
    """A practitioner's choices, as plain values (names as on the command line)."""

    pattern: str
    style: str = "soft"
    hairline_height_mm: float | None = None
    density_per_cm2: float = DEFAULT_DENSITY_PER_CM2
    feather_mm: float = 10.0
    sessions: tuple[float, ...] = (0.45, 0.80, 1.0)
    head: str = "male"
    head_length_mm: float | None = None
    head_width_mm: float | None = None
    head_height_mm: float | None = None
    regions: tuple[tuple[tuple[float, float], ...], ...] = field(default=())
    follicular_units: bool = False
    seed: int | None = None
    force: bool = False


def catalogue() -> dict[str, Any]:
    """What can be chosen: patterns, styles, heads, views and looks, with descriptions."""
    return {
        "patterns": {name: spec.description for name, spec in PATTERNS.items()},
        "styles": {
            name: f"transition {s.transition_mm:g} mm, edge density {s.edge_density:g}"
            for name, s in STYLES.items()
        },
        "heads": {
            name: dict(zip(("length_mm", "width_mm", "height_mm"), m, strict=True))
            for name, m in HEAD_PRESETS.items()
        },
        "views": list(PREVIEW_VIEWS),
        "looks": list(LOOKS),
    }


def parse_sessions(text: str) -> tuple[float, ...]:
    """``"0.45,0.8,1"`` -> cumulative fractions; a count like ``"3"`` gives equal steps."""
    try:
        parts = [float(p) for p in text.replace(" ", "").split(",") if p]
    except ValueError:
        raise InputError(
            f"{text!r} is not a number list",
            field="sessions",
            allowed="a session count 1-5, or increasing fractions like 0.45,0.8,1",
        ) from None
    if len(parts) == 1 and parts[0] >= 1 and parts[0].is_integer():
        count = int(parts[0])
        check_range("sessions", count, 1, 5)
        return tuple(round((i + 1) / count, 6) for i in range(count))
    return tuple(parts)


def parse_regions(texts: Sequence[str]) -> tuple[tuple[tuple[float, float], ...], ...]:
    """Free regions from ``"u,v; u,v; u,v"`` strings (chart millimetres)."""
    regions = []
    for i, text in enumerate(texts, start=1):
        try:
            pts = tuple(
                (float(a), float(b)) for a, b in (p.split(",") for p in text.replace(" ", "").split(";") if p)
            )
        except ValueError:
            raise InputError(
                f"region {i} {text!r} is not a list of points",
                field="region",
                allowed='"u,v; u,v; u,v" in chart millimetres',
            ) from None
        regions.append(pts)
    return tuple(regions)


def _head(request: DesignRequest) -> Head:
    check_choice("head", request.head, HEAD_PRESETS)
    return head_preset(
        request.head,
        length_mm=request.head_length_mm,
        width_mm=request.head_width_mm,
        height_mm=request.head_height_mm,
    )


def create_design(request: DesignRequest) -> DesignDocument:
    """Build the design a request describes. A missing seed is drawn at random and stored."""
    check_choice("pattern", request.pattern, PATTERNS)
    check_choice("style", request.style, STYLES)
    seed = secrets.randbelow(2**31) if request.seed is None else request.seed
    spec = DesignSpec(
        head=_head(request),
        pattern=Pattern(request.pattern, request.regions),
        style=request.style,
        hairline_height_mm=request.hairline_height_mm,
        force=request.force,
        maps=MapSettings(
            density_per_cm2=request.density_per_cm2,
            feather_mm=request.feather_mm,
            sessions=tuple(request.sessions),
        ),
        follicular_units=request.follicular_units,
        seed=seed,
    )
    return build_design(spec)


def spec_from_document(doc: DesignDocument) -> DesignSpec:
    """The :class:`DesignSpec` a document was built from (to regenerate its maps)."""
    h, p, hl, m = (doc.header[k] for k in ("head", "pattern", "hairline", "maps"))
    head = Head(h["length_mm"], h["width_mm"], h["height_mm"], h["preset"])
    regions = tuple(tuple((float(u), float(v)) for u, v in r) for r in p["regions"])
    return DesignSpec(
        head=head,
        pattern=Pattern(p["name"], regions),
        style=hl["style"],
        hairline_height_mm=hl["height_mm"],
        force=True,  # a stored design was accepted when it was made
        maps=MapSettings(
            density_per_cm2=m["density_per_cm2"], feather_mm=m["feather_mm"], sessions=tuple(m["sessions"])
        ),
        follicular_units=doc.header["sampling"]["follicular_units"],
        seed=doc.seed,
        chart_step_mm=m["chart_step_mm"],
    )


def design_summary(doc: DesignDocument) -> dict[str, Any]:
    """The ``smp design --json`` object."""
    s = doc.header["summary"]
    return {
        "schema_version": doc.header["schema_version"],
        "dot_count": s["dot_count"],
        "treated_area_cm2": s["treated_area_cm2"],
        "mean_density_per_cm2": s["mean_density_per_cm2"],
        "hairline_height_mm": doc.header["hairline"]["height_mm"],
        "seed": doc.seed,
        "warnings": list(doc.header["warnings"]),
        "pattern": doc.header["pattern"]["name"],
        "style": doc.header["hairline"]["style"],
        "dots_per_session": s["dots_per_session"],
        "remaining_hair_area_cm2": s["remaining_hair_area_cm2"],
    }


def save_design(doc: DesignDocument, path: str | Path) -> Path:
    """Write a design file (atomically; an existing file is replaced only by a complete one)."""
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{target} is a directory", field="out", allowed="a file path ending in .json")
    if not target.parent.exists():
        raise InputError(f"folder {target.parent} does not exist", field="out")
    return write_design(doc, target)


def load_design_file(path: str | Path) -> DesignDocument:
    """Read and validate a design file."""
    return read_design(path)


#: Default deposit depth of a healed SMP dot: the papillary dermis, just below a 66 µm scalp epidermis
#: (shared/optics.md §1.7: about 0.1-0.3 mm). [mm]
DEFAULT_DOT_DEPTH_MM = 0.2


def dot_colours(
    doc: DesignDocument,
    *,
    skin_type: str = "III",
    depth_mm: float = DEFAULT_DOT_DEPTH_MM,
    pigment: str = "carbon-black",
) -> tuple[tuple[float, float, float], NDArray[np.float64]]:
    """The skin's sRGB and each dot's colour-to-skin ratio, from the appearance table: the healed look, a
    month after the session, when the pigment the healing keeps (:mod:`smpstudio.skin.kinetics`) of the
    dot's dilution (its shade) remains."""
    check_range("depth_mm", depth_mm, 0.0, 3.0, unit="mm")
    table = packaged_table()
    skin = table.skin(skin_type)[:3]
    ink = doc.dots.shade * pigment_fraction(Kinetics(), SETTLED_DAY, depth_mm)
    dots = table.lookup_many(skin_type, np.full(len(doc.dots), depth_mm), ink, pigment)[:, :3]
    ratio = np.clip(dots / np.maximum(skin, 1e-6), 0.0, 1.0)
    return (float(skin[0]), float(skin[1]), float(skin[2])), ratio


#: Views of a design: the standard views of the head, and ``hairline``, a close-up of the frontal hairline.
PREVIEW_VIEWS = (*VIEWS, "hairline")
#: How far behind the mid-frontal point (along the midline) the hairline close-up is centred. [mm]
HAIRLINE_VIEW_BEHIND_MM = 12.0


def design_camera(
    ctx: DesignContext, view: str, size_px: int, *, close_up_mm: float = CLOSE_UP_FRAMED_MM
) -> Camera:
    """The camera of a named view (:data:`PREVIEW_VIEWS`) for a design; the ``hairline`` close-up frames
    ``close_up_mm`` of skin."""
    check_choice("view", view, PREVIEW_VIEWS)
    check_range("size", size_px, *PREVIEW_SIZE_RANGE_PX, unit="px")
    head = ctx.grid.head
    if view == "hairline":
        # Centred just behind the mid-frontal point, so the edge and the zone behind it show.
        target = midline_point_at_arc_mm(head, ctx.hairline_height_mm + HAIRLINE_VIEW_BEHIND_MM)
        return close_up_camera(target, (0.0, 1.0, 0.6), int(size_px), close_up_mm)
    return view_camera(head, view, int(size_px))


def preview_design(
    doc: DesignDocument,
    *,
    view: str = "front",
    size_px: int = 1600,
    look: str = "healed",
    context: DesignContext | None = None,
    skin_type: str = "III",
    depth_mm: float = DEFAULT_DOT_DEPTH_MM,
    pigment: str = "carbon-black",
) -> NDArray[np.uint8]:
    """Render a design's preview image (rows, cols, 3) uint8; the healed look takes the skin's and the
    dots' colours from the skin-optics appearance table for ``skin_type``, ``depth_mm`` and ``pigment``."""
    check_choice("look", look, LOOKS)
    skin_rgb, ratio = dot_colours(doc, skin_type=skin_type, depth_mm=depth_mm, pigment=pigment)
    ctx = context or design_context(spec_from_document(doc))
    camera = design_camera(ctx, view, size_px)
    return render_preview(
        ctx.grid.head,
        ctx.grid,
        ctx.maps.hair,
        doc.dots,
        camera,
        look=look,
        style=RenderStyle(skin_rgb=skin_rgb),
        dot_ratio=ratio,
    )


def save_preview(image: NDArray[np.uint8], path: str | Path) -> Path:
    """Write a preview as PNG (or JPEG/WebP by the file's extension)."""
    target = Path(path)
    suffix = target.suffix.lower()
    allowed = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
    if suffix not in allowed:
        raise InputError(
            f"cannot write {suffix or 'a file without extension'}", field="out", allowed=", ".join(allowed)
        )
    if not target.parent.exists():
        raise InputError(f"folder {target.parent} does not exist", field="out")
    tmp = target.with_name(f".{target.name}.tmp")
    options: dict[str, Any] = {"compress_level": 1} if suffix == ".png" else {"quality": 92}
    Image.fromarray(image).save(tmp, format=allowed[suffix], **options)
    tmp.replace(target)
    return target
