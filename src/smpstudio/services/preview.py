"""The preview use case: a design rendered on the canonical head as the client's skin will show it.

:func:`preview` returns the encoded image with the JSON that describes it; :func:`preview_design`
returns the image as an array, for callers that compose images (the timeline, the demo).
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from smpstudio.design.document import DesignDocument
from smpstudio.errors import check_choice, check_range
from smpstudio.render.preview import LOOKS, RenderStyle, render_preview
from smpstudio.render.sheet import encode_image
from smpstudio.render.views import PREVIEW_VIEWS, design_camera
from smpstudio.services.models import Request, Result
from smpstudio.skin.appearance_table import packaged_table
from smpstudio.skin.kinetics import Kinetics, pigment_fraction
from smpstudio.skin.technique import SETTLED_DAY

__all__ = [
    "DEFAULT_DOT_DEPTH_MM",
    "PREVIEW_VIEWS",
    "ImageFormat",
    "PreviewRequest",
    "PreviewResult",
    "dot_colours",
    "preview",
    "preview_design",
]

#: Default deposit depth of a healed SMP dot: the papillary dermis, just below a 66 µm scalp epidermis
#: (about 0.1-0.3 mm). [mm]
DEFAULT_DOT_DEPTH_MM = 0.2
ImageFormat = Literal["png", "jpeg", "webp"]
#: The name of the image in a :class:`PreviewResult` (the face stores it where it likes).
PREVIEW_NAMES = {"png": "preview.png", "jpeg": "preview.jpg", "webp": "preview.webp"}


class PreviewRequest(Request):
    """Which view, how large, which look, and the client's skin, depth and pigment."""

    view: str = "front"
    size_px: int = 1600
    look: str = "healed"
    skin_type: str = "III"
    depth_mm: float = DEFAULT_DOT_DEPTH_MM
    pigment: str = "carbon-black"
    format: ImageFormat = "png"


class PreviewResult(Result):
    """What was rendered (the ``--json`` object); ``image`` holds the encoded picture, not printed.

    ``out`` names the image: the service's name for it until the face stores it and says where
    (:meth:`stored_at`).
    """

    out: str
    view: str
    look: str
    size_px: int
    dot_count: int
    skin_type: str
    depth_mm: float
    pigment: str
    elapsed_s: float
    image: bytes = Field(exclude=True, repr=False)

    def stored_at(self, location: str) -> PreviewResult:
        """The same result, saying where the face stored the image."""
        return self.model_copy(update={"out": location})


def dot_colours(
    doc: DesignDocument,
    *,
    skin_type: str = "III",
    depth_mm: float = DEFAULT_DOT_DEPTH_MM,
    pigment: str = "carbon-black",
) -> tuple[tuple[float, float, float], NDArray[np.float64]]:
    """The skin's sRGB and each dot's colour-to-skin ratio, from the appearance table: the healed look, a
    month after the session, when the pigment the healing keeps (:mod:`smpstudio.skin.kinetics`) of the
    dot's ink fraction remains."""
    check_range("depth_mm", depth_mm, 0.0, 3.0, unit="mm")
    table = packaged_table()
    skin = table.skin(skin_type)[:3]
    ink = doc.dots.ink_fraction * pigment_fraction(Kinetics(), SETTLED_DAY, depth_mm)
    dots = table.lookup_many(skin_type, np.full(len(doc.dots), depth_mm), ink, pigment)[:, :3]
    ratio = np.clip(dots / np.maximum(skin, 1e-6), 0.0, 1.0)
    return (float(skin[0]), float(skin[1]), float(skin[2])), ratio


def preview_design(
    doc: DesignDocument,
    *,
    view: str = "front",
    size_px: int = 1600,
    look: str = "healed",
    skin_type: str = "III",
    depth_mm: float = DEFAULT_DOT_DEPTH_MM,
    pigment: str = "carbon-black",
) -> NDArray[np.uint8]:
    """Render a design's preview image (rows, cols, 3) uint8; the healed look takes the skin's and the
    dots' colours from the skin-optics appearance table for ``skin_type``, ``depth_mm`` and ``pigment``.
    The design's maps are its cached context (computed once per design)."""
    check_choice("look", look, LOOKS)
    skin_rgb, ratio = dot_colours(doc, skin_type=skin_type, depth_mm=depth_mm, pigment=pigment)
    ctx = doc.context
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


def preview(doc: DesignDocument, request: PreviewRequest) -> PreviewResult:
    """Render and encode a design's preview (see :func:`preview_design`)."""
    t0 = time.perf_counter()
    image = preview_design(
        doc,
        view=request.view,
        size_px=request.size_px,
        look=request.look,
        skin_type=request.skin_type,
        depth_mm=request.depth_mm,
        pigment=request.pigment,
    )
    return PreviewResult(
        out=PREVIEW_NAMES[request.format],
        view=request.view,
        look=request.look,
        size_px=request.size_px,
        dot_count=len(doc.dots),
        skin_type=request.skin_type,
        depth_mm=request.depth_mm,
        pigment=request.pigment,
        elapsed_s=round(time.perf_counter() - t0, 3),
        image=encode_image(image, request.format),
    )
