"""The preview use case: a design rendered on the canonical head as the client's skin will show it.

:func:`preview` returns the encoded image with the JSON that describes it; :func:`preview_design`
returns the image as an array, for callers that compose images (the timeline, the demo).
"""

from __future__ import annotations

import time
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from smpstudio.design.document import DesignDocument
from smpstudio.errors import check_choice, check_range
from smpstudio.render.camera import CAMERA_DISTANCE_MM
from smpstudio.render.preview import LOOKS, RenderStyle, landmarks_px, prepare_canvas, render_preview
from smpstudio.render.sheet import encode_image
from smpstudio.render.views import PREVIEW_VIEWS, design_camera
from smpstudio.services.design import design_tone_match
from smpstudio.services.models import Request, Result
from smpstudio.skin.appearance_table import packaged_table
from smpstudio.skin.healed_dot import srgb_to_linear
from smpstudio.skin.kinetics import Kinetics, pigment_fraction
from smpstudio.skin.technique import SETTLED_DAY
from smpstudio.skin.viewing import resolvable_size_mm

__all__ = [
    "DEFAULT_DOT_DEPTH_MM",
    "PREVIEW_VIEWS",
    "HealedDots",
    "ImageFormat",
    "PreviewRequest",
    "PreviewResult",
    "dot_colours",
    "healed_dots",
    "preview",
    "preview_design",
    "preview_image",
]

#: Default deposit depth of a healed SMP dot: the papillary dermis, just below a 66 µm scalp epidermis
#: (about 0.1-0.3 mm). [mm]
DEFAULT_DOT_DEPTH_MM = 0.2
ImageFormat = Literal["png", "jpeg", "webp"]
#: The name of the image in a :class:`PreviewResult` (the face stores it where it likes).
PREVIEW_NAMES = {"png": "preview.png", "jpeg": "preview.jpg", "webp": "preview.webp"}


class PreviewRequest(Request):
    """Which view, how large, which look (``before``, ``healed`` or ``plan``), and the client's skin, depth
    and pigment."""

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
    (:meth:`stored_at`). ``landmarks_px`` gives the head's landmarks that the view shows, ``[x, y]`` in
    image pixels (x to the right, y down); the mid-frontal point is the design's hairline midpoint.
    ``eye_distance_m`` says from how far a person would see what the image shows.
    """

    out: str
    view: str
    look: str
    size_px: int
    dot_count: int
    skin_type: str
    depth_mm: float
    pigment: str
    #: CIEDE2000 between the healed treated area and the client's stubble at 1 m (the design's hair).
    tone_match_delta_e00: float
    elapsed_s: float
    landmarks_px: dict[str, list[float]]
    #: Image scale on the skin at the view's centre. [px/mm]
    px_per_mm: float
    #: The distance from which a normal eye resolves what one pixel shows there
    #: (:mod:`smpstudio.skin.viewing`): what the picture shows is what a person sees from about this far. [m]
    eye_distance_m: float
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


class HealedDots(NamedTuple):
    """What the healed look needs from the optics: the skin's sRGB, each dot's linear deposit-to-skin
    reflectance ratio and the skin's light-transport blur FWHM at the deposits' depth [mm]."""

    skin_rgb: tuple[float, float, float]
    ratio_linear: NDArray[np.float64]
    blur_fwhm_mm: float


def healed_dots(
    doc: DesignDocument,
    *,
    skin_type: str = "III",
    depth_mm: float = DEFAULT_DOT_DEPTH_MM,
    pigment: str = "carbon-black",
) -> HealedDots:
    """The healed look's optics from the appearance table, a month after the session (the ink the healing
    keeps, :mod:`smpstudio.skin.kinetics`): linear reflectance ratios of each dot's deposit over the skin,
    and the blur at ``depth_mm``."""
    check_range("depth_mm", depth_mm, 0.0, 3.0, unit="mm")
    table = packaged_table()
    skin = table.skin(skin_type)[:3]
    ink = doc.dots.ink_fraction * pigment_fraction(Kinetics(), SETTLED_DAY, depth_mm)
    fields = table.lookup_many(skin_type, np.full(len(doc.dots), depth_mm), ink, pigment)
    ratio = np.clip(srgb_to_linear(fields[:, :3]) / np.maximum(srgb_to_linear(skin), 1e-9), 0.0, 1.0)
    blur = float(table.lookup(skin_type, depth_mm, 1.0, pigment)[8])
    return HealedDots((float(skin[0]), float(skin[1]), float(skin[2])), ratio, blur)


def preview_image(
    doc: DesignDocument,
    *,
    view: str = "front",
    size_px: int = 1600,
    look: str = "healed",
    skin_type: str = "III",
    depth_mm: float = DEFAULT_DOT_DEPTH_MM,
    pigment: str = "carbon-black",
) -> tuple[NDArray[np.uint8], dict[str, list[float]]]:
    """A design's preview image (rows, cols, 3) uint8 and the landmarks it shows ``{name: [x, y]}`` [px].

    The healed look takes the skin's colour, the dots' darkening and the skin's blur from the skin-optics
    appearance table for ``skin_type``, ``depth_mm`` and ``pigment``; the remaining hair is the stubble of
    the design's client hair (the stated default when the design names none). The design's maps are its
    cached context (computed once per design)."""
    check_choice("look", look, LOOKS)
    optics = healed_dots(doc, skin_type=skin_type, depth_mm=depth_mm, pigment=pigment)
    ctx = doc.context
    camera = design_camera(ctx, view, size_px)
    head = ctx.grid.head
    hair = doc.spec.hair
    style = RenderStyle(
        skin_rgb=optics.skin_rgb, hair=hair, skin_type=skin_type, blur_fwhm_mm=optics.blur_fwhm_mm
    )
    canvas = prepare_canvas(head, ctx.grid, ctx.maps.hair, doc.dots, camera, style=style)
    image = render_preview(
        head,
        ctx.grid,
        ctx.maps.hair,
        doc.dots,
        camera,
        look=look,
        style=style,
        dot_ratio=optics.ratio_linear,
        canvas=canvas,
    )
    return image, landmarks_px(head, camera, hairline_height_mm=ctx.hairline_height_mm)


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
    """Render a design's preview image (rows, cols, 3) uint8 (see :func:`preview_image`)."""
    image, _ = preview_image(
        doc, view=view, size_px=size_px, look=look, skin_type=skin_type, depth_mm=depth_mm, pigment=pigment
    )
    return image


def preview(doc: DesignDocument, request: PreviewRequest) -> PreviewResult:
    """Render and encode a design's preview (see :func:`preview_image`)."""
    t0 = time.perf_counter()
    image, marks = preview_image(
        doc,
        view=request.view,
        size_px=request.size_px,
        look=request.look,
        skin_type=request.skin_type,
        depth_mm=request.depth_mm,
        pigment=request.pigment,
    )
    camera = design_camera(doc.context, request.view, request.size_px)
    scale = camera.focal_px / CAMERA_DISTANCE_MM  # the view's centre lies this far from the eye
    return PreviewResult(
        out=PREVIEW_NAMES[request.format],
        view=request.view,
        look=request.look,
        size_px=request.size_px,
        dot_count=len(doc.dots),
        skin_type=request.skin_type,
        depth_mm=request.depth_mm,
        pigment=request.pigment,
        tone_match_delta_e00=design_tone_match(
            doc, skin_type=request.skin_type, depth_mm=request.depth_mm, pigment=request.pigment
        )[0],
        elapsed_s=round(time.perf_counter() - t0, 3),
        landmarks_px=marks,
        px_per_mm=round(scale, 3),
        eye_distance_m=round(1.0 / scale / resolvable_size_mm(1.0), 3),
        image=encode_image(image, request.format),
    )
