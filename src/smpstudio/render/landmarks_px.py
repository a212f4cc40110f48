"""Where the head's landmarks fall in a rendered view, in image pixels.

Pixels are ``[x, y]`` with ``x`` to the right and ``y`` down, the centre of the top-left pixel at
``[0.5, 0.5]``. A landmark is given when it faces the camera and falls inside the image. The mid-frontal
point is the design's hairline midpoint (the hairline height of the design). In views from the front or
the side the vertex is the top of the head as the image shows it: the highest point of the midline's
outline, on the silhouette when the vertex itself lies behind it or below it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.head import Head, midline_points_mm, surface_normals
from smpstudio.design.landmarks import landmarks
from smpstudio.render.camera import Camera

__all__ = ["landmarks_px"]

FloatArray = NDArray[np.float64]

#: A view looks down on the head (the top view) when its viewing direction points down more than this. [-]
TOP_VIEW_DOWN = 0.7


def _midline_outline_top(head: Head, camera: Camera) -> FloatArray:
    """The midline point that projects highest in the image (the top of the head's outline). [mm]"""
    points = midline_points_mm(head)
    rc, _ = camera.project(points)
    return np.asarray(points[int(np.argmin(rc[:, 0]))], dtype=np.float64)


def landmarks_px(head: Head, camera: Camera, *, hairline_height_mm: float = 80.0) -> dict[str, list[float]]:
    """Image positions ``{name: [x, y]}`` [px] of the landmarks that face ``camera`` and fall in its image.

    Parameters
    ----------
    head : Head
        The canonical head.
    camera : Camera
        The view's camera.
    hairline_height_mm : float, default 80
        The design's hairline height: arc from the glabella to the mid-frontal point. [mm]
    """
    points = landmarks(head, hairline_height_mm)
    if camera.forward[2] > -TOP_VIEW_DOWN:
        points["vertex"] = _midline_outline_top(head, camera)
    names = list(points)
    xyz = np.array([points[n] for n in names])
    rc, depth = camera.project(xyz)
    normals = surface_normals(head, xyz)
    toward = np.einsum("ij,ij->i", normals, camera.eye_mm - xyz)
    out: dict[str, list[float]] = {}
    for k, name in enumerate(names):
        row, col = float(rc[k, 0]), float(rc[k, 1])
        seen = toward[k] > -1e-6 or name == "vertex"
        if seen and depth[k] > 0 and 0.0 <= col <= camera.cols and 0.0 <= row <= camera.rows:
            out[name] = [round(col, 2), round(row, 2)]
    return out


#: Side of the measuring patches as a share of the glabella to vertex distance in the image ([M]). [-]
PATCH_SIDE_SHARE = 0.08


def scalp_over_forehead_luminance(image: NDArray[np.uint8], marks: dict[str, list[float]]) -> float:
    """Mean linear luminance of a scalp patch over that of a forehead patch, in a front view.

    The scalp patch is centred a third of the way from the mid-frontal point to the vertex, the forehead
    patch midway between the glabella and the mid-frontal point, as healed SMP was measured in published
    before and after photos (docs/healed-dots.md); both are squares of side ``PATCH_SIDE_SHARE`` of the
    glabella to vertex distance.

    Parameters
    ----------
    image : ndarray of shape (rows, cols, 3), uint8
        An sRGB image.
    marks : dict
        From :func:`landmarks_px`: needs ``glabella``, ``mid_frontal_point`` and ``vertex``. [px]

    Returns
    -------
    float
        The ratio of the two patches' mean linear luminance. [-]
    """
    from smpstudio.skin.healed_dot import luminance, srgb_to_linear

    g, m, v = (np.asarray(marks[k], dtype=np.float64) for k in ("glabella", "mid_frontal_point", "vertex"))
    half = 0.5 * PATCH_SIDE_SHARE * float(np.linalg.norm(v - g))

    def patch(centre: FloatArray) -> float:
        x0, x1 = round(centre[0] - half), round(centre[0] + half) + 1
        y0, y1 = round(centre[1] - half), round(centre[1] + half) + 1
        pixels = srgb_to_linear(image[max(y0, 0) : y1, max(x0, 0) : x1, :3] / 255.0)
        return float(np.mean(luminance(pixels)))

    return patch(m + (v - m) / 3.0) / patch(0.5 * (g + m))
