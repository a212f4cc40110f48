"""The named views of a design: the standard views of the head and the hairline close-up."""

from __future__ import annotations

from smpstudio.design.head import midline_point_at_arc_mm
from smpstudio.design.spec import DesignContext
from smpstudio.errors import check_choice, check_range
from smpstudio.render.camera import CLOSE_UP_FRAMED_MM, VIEWS, Camera, close_up_camera, view_camera

__all__ = ["HAIRLINE_VIEW_BEHIND_MM", "LOOKS", "PREVIEW_SIZE_RANGE_PX", "PREVIEW_VIEWS", "design_camera"]

#: The looks of a preview: the client today (remaining hair only), the healed result, the plan by session.
LOOKS = ("before", "healed", "plan")

#: Views of a design: the standard views of the head, and ``hairline``, a close-up of the frontal hairline.
PREVIEW_VIEWS = (*VIEWS, "hairline")
#: How far behind the mid-frontal point (along the midline) the hairline close-up is centred. [mm]
HAIRLINE_VIEW_BEHIND_MM = 12.0
#: Image sizes accepted. [px]
PREVIEW_SIZE_RANGE_PX = (64, 8000)


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
