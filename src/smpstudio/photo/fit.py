r"""The canonical head placed on a photo: pose, scale, position and a per-photo shape, from clicked anchors.

Camera model: a pinhole at :data:`~smpstudio.render.camera.CAMERA_DISTANCE_MM` (650 mm, arm's length) from
the head centre. A head point ``p`` [mm] (RAS, :mod:`smpstudio.design.head`) is stretched by the shape
``k = (k_x, k_y, k_z)`` and the head size ``g``, turned into camera space by ``R = Rot(δ) R_view`` (``R_view``
the view's canonical camera, ``δ`` a rotation vector), and projected:

.. math::

    c = R\,(g\,k \odot p), \quad
    x = t_x + s\,\frac{D\,c_x}{D + c_z}, \quad
    y = t_y - s\,\frac{D\,c_y}{D + c_z}

with ``s`` the scale at the head centre [px/mm] and ``(t_x, t_y)`` the centre's image position [px].
``scipy.optimize.least_squares`` fits ``δ, log s, t, log k`` (and ``log g`` when a ruler fixes ``s``) to the
anchors, with weak priors that keep an under-determined fit (three anchors) near the view's usual pose
(:data:`ROTATION_PRIOR_RAD`) and the average shape (:data:`SHAPE_PRIOR`).

Points clicked on the head's outline (``outline_px``) add one residual each: the signed distance from the
point to the outline of the projected cranial vault (the convex hull of the projected vault: the head model
is convex, so its outline is the hull of its projection). They fix what face anchors alone leave loose: the
head's size and shape in the photo and a bowed or raised head's tilt. With them the fit also starts from
a head bowed and raised by :data:`TILT_STARTS_RAD`, and keeps the best.

Bounds (anthropometric, [young1993] in docs/references.md): the shape stays within
:data:`SHAPE_BOUNDS` of the canonical proportions, about the spread of adult head breadth and length around
their means; with a ruler the head size ``g`` must stay within the adult ranges of
:mod:`smpstudio.design.head` (head length 150-240 mm against the canonical 195 mm): anything outside is
refused as no adult head. The fit's error is reported in pixels and millimetres; a large one is a warning
(real photos are stretched, tilted, taken with eyes closed), not a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import least_squares
from scipy.spatial import ConvexHull
from scipy.spatial.transform import Rotation

from smpstudio.design.head import LENGTH_RANGE_MM, Head, surface_normals, surface_points_from_directions
from smpstudio.design.landmarks import landmarks
from smpstudio.errors import InputError
from smpstudio.photo.anchors import Anchors, check_order
from smpstudio.render.camera import CAMERA_DISTANCE_MM, view_camera

__all__ = [
    "FIT_WARN_MM",
    "SHAPE_BOUNDS",
    "HeadFit",
    "fit_head",
]

FloatArray = NDArray[np.float64]

#: The per-axis shape factor stays within these bounds of the canonical head: adult head breadth and
#: length vary about ±8 % (1st-99th percentile) around their means [young1993]; a little more is
#: allowed for the head's surface model. [-]
SHAPE_BOUNDS = (0.85, 1.15)
#: Standard deviation of the shape prior (log scale): the 5th-95th percentile spread of head breadth. [-]
SHAPE_PRIOR = 0.05
#: Standard deviation of the rotation prior around the view's usual pose. [rad] (fit setting, [M])
ROTATION_PRIOR_RAD = 0.6
#: A fit whose RMS anchor error exceeds this on the head is reported with a warning. [mm]
FIT_WARN_MM = 6.0
#: Anchor residuals are weighed against this share of the anchors' spread in the image. [-]
ANCHOR_SIGMA_SHARE = 0.004
#: The ruler's scale is held to this relative standard deviation. [-]
RULER_SIGMA = 0.01
#: Outline points are weighed against this many times the anchors' standard deviation: an outline is
#: clicked less precisely than a landmark, and the canonical vault only approximates a skull (fit setting,
#: [M]). [-]
OUTLINE_SIGMA_FACTOR = 3.0
#: Surface points sampled over the vault (a Fibonacci lattice of directions, z >= 0) for its outline. [-]
OUTLINE_SAMPLES = 500
#: Head tilts (about the camera's x axis) the fit also starts from when the outline is given. [rad]
TILT_STARTS_RAD = (0.5, -0.5)
#: Head sizes a ruler may imply, as a factor on the canonical head: adult head length range over 195 mm.
SIZE_RANGE = (LENGTH_RANGE_MM[0] / 195.0, LENGTH_RANGE_MM[1] / 195.0)


@dataclass(frozen=True, eq=False)
class HeadFit:
    """The head as placed on the photo (see the module docstring for the model).

    ``rotation`` maps head directions to camera space (x right, y up, z away from the camera);
    ``scale_px_per_mm`` is ``s``; ``centre_px`` is ``(t_x, t_y)``; ``shape`` is ``k``; ``size`` is ``g``.
    """

    head: Head
    view: str
    rotation: FloatArray
    scale_px_per_mm: float
    centre_px: tuple[float, float]
    shape: tuple[float, float, float]
    size: float
    residuals_px: dict[str, tuple[float, float]]
    warnings: list[str] = field(default_factory=list)
    distance_mm: float = CAMERA_DISTANCE_MM
    outline_residuals_px: tuple[float, ...] = ()

    @property
    def outline_error_px(self) -> float | None:
        """RMS distance between the clicked outline points and the fitted head's outline; None without
        outline points. [px]"""
        r = np.asarray(self.outline_residuals_px)
        return float(np.sqrt(np.mean(r * r))) if r.size else None

    @property
    def error_px(self) -> float:
        """RMS distance between the clicked anchors and the fitted head's landmarks. [px]"""
        r = np.array(list(self.residuals_px.values()))
        return float(np.sqrt(np.mean(np.sum(r * r, axis=1)))) if r.size else 0.0

    @property
    def mm_per_px(self) -> float:
        """Millimetres on the head per image pixel at the head centre's depth. [mm/px]"""
        return 1.0 / self.scale_px_per_mm

    @property
    def error_mm(self) -> float:
        """:attr:`error_px` on the head. [mm]"""
        return self.error_px * self.mm_per_px

    def camera_points(self, points_mm: FloatArray) -> FloatArray:
        """Camera-space positions ``(x right, y up, z away)`` relative to the head centre. [mm]"""
        q = np.asarray(points_mm, dtype=np.float64) * (self.size * np.asarray(self.shape))
        out: FloatArray = q @ self.rotation.T
        return out

    def project(self, points_mm: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Image positions ``[x, y]`` [px] of head points [mm] and the scale there [px/mm]."""
        c = self.camera_points(points_mm)
        persp = self.distance_mm / (self.distance_mm + c[..., 2])
        x = self.centre_px[0] + self.scale_px_per_mm * c[..., 0] * persp
        y = self.centre_px[1] - self.scale_px_per_mm * c[..., 1] * persp
        return np.stack([x, y], axis=-1), self.scale_px_per_mm * persp

    def facing(self, points_mm: FloatArray) -> tuple[NDArray[np.bool_], FloatArray]:
        """Whether each surface point faces the camera, and the cosine of the angle between its normal
        and the line of sight (0-1, for foreshortening). [-]"""
        p = np.asarray(points_mm, dtype=np.float64)
        n = surface_normals(self.head, p) / (self.size * np.asarray(self.shape))
        n = n @ self.rotation.T
        n /= np.linalg.norm(n, axis=-1, keepdims=True)
        c = self.camera_points(p)
        sight = -c
        sight[..., 2] -= self.distance_mm
        cos = np.einsum("...k,...k->...", n, sight) / np.linalg.norm(sight, axis=-1)
        return cos > 0.0, np.clip(cos, 0.0, 1.0)

    @property
    def turn(self) -> Rotation:
        """The head's turn away from the view's usual pose, in camera space (x right, y up, z away)."""
        return Rotation.from_matrix(self.rotation @ _view_rotation(self.head, self.view).T)

    def to_json(self) -> dict[str, object]:
        angles = self.turn.as_euler("zyx", degrees=True)
        body: dict[str, object] = {
            "view": self.view,
            "scale_px_per_mm": round(self.scale_px_per_mm, 4),
            "centre_px": [round(self.centre_px[0], 2), round(self.centre_px[1], 2)],
            "shape": [round(v, 4) for v in self.shape],
            "size": round(self.size, 4),
            "turn_zyx_deg": [round(float(a), 2) for a in angles],
        }
        outline = self.outline_error_px
        if outline is not None:
            body["outline_error_px"] = round(outline, 2)
        return body


def _view_rotation(head: Head, view: str) -> FloatArray:
    cam = view_camera(head, view, 1000)
    return np.stack([cam.right, cam.up, cam.forward])


def _similarity(p: FloatArray, q: FloatArray) -> tuple[float, float, FloatArray]:
    """Scale, angle [rad] and translation of the 2-D similarity taking ``p`` closest to ``q``
    (Umeyama 1991 [umeyama1991] in docs/references.md)."""
    pc, qc = p - p.mean(axis=0), q - q.mean(axis=0)
    cov = qc.T @ pc / len(p)
    u, sv, vt = np.linalg.svd(cov)
    d = np.diag([1.0, np.sign(np.linalg.det(u @ vt))])
    rot = u @ d @ vt
    var = float(np.mean(np.sum(pc * pc, axis=1)))
    scale = float(np.trace(np.diag(sv) @ d) / max(var, 1e-12))
    angle = float(np.arctan2(rot[1, 0], rot[0, 0]))
    return scale, angle, q.mean(axis=0) - scale * (rot @ p.mean(axis=0))


def vault_points(head: Head, n: int = OUTLINE_SAMPLES) -> FloatArray:
    """Points of the cranial vault (``z >= 0``) along a Fibonacci lattice of directions. [mm]"""
    i = np.arange(n, dtype=np.float64) + 0.5
    z = i / n  # uniform in z over the upper hemisphere: uniform over its area
    phi = np.pi * (3.0 - np.sqrt(5.0)) * i
    r = np.sqrt(1.0 - z * z)
    directions = np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=1)
    ring = np.linspace(0.0, 2.0 * np.pi, 72, endpoint=False)
    equator = np.stack([np.cos(ring), np.sin(ring), np.zeros_like(ring)], axis=1)
    return surface_points_from_directions(head, np.vstack([directions, equator]))


def outline_distances(outline_xy: FloatArray, points_xy: FloatArray) -> FloatArray:
    """Signed distance [px] from each point to the convex hull of ``outline_xy`` (positive outside)."""
    hull = outline_xy[ConvexHull(outline_xy).vertices]  # counter-clockwise
    a, b = hull, np.roll(hull, -1, axis=0)
    ab = b - a
    ap = points_xy[:, None, :] - a[None, :, :]
    t = np.clip(np.einsum("pek,ek->pe", ap, ab) / np.maximum(np.einsum("ek,ek->e", ab, ab), 1e-12), 0.0, 1.0)
    nearest = a[None, :, :] + t[:, :, None] * ab[None, :, :]
    dist = np.min(np.linalg.norm(points_xy[:, None, :] - nearest, axis=2), axis=1)
    cross = ab[None, :, 0] * ap[:, :, 1] - ab[None, :, 1] * ap[:, :, 0]
    inside = np.all(cross >= 0.0, axis=1)
    return np.asarray(np.where(inside, -dist, dist), dtype=np.float64)


def fit_head(anchors: Anchors, head: Head, *, hairline_height_mm: float = 80.0) -> HeadFit:
    """Fit the canonical ``head`` to a photo's ``anchors`` (see the module docstring).

    Raises
    ------
    InputError
        Anchors in an impossible order or a view that cannot show them (:func:`check_order`), anchors on
        one line, or a ruler that implies a head size no adult has.
    """
    check_order(anchors, head, hairline_height_mm=hairline_height_mm)
    names = list(anchors.points_px)
    marks = landmarks(head, hairline_height_mm)
    p = np.array([marks[n] for n in names])
    q = np.array([anchors.points_px[n] for n in names], dtype=np.float64)
    centred = q - q.mean(axis=0)
    spread = float(np.sqrt(np.mean(np.sum(centred**2, axis=1))))
    if len(q) >= 3 and np.linalg.svd(centred, compute_uv=False)[-1] < 0.02 * spread * np.sqrt(len(q)):
        raise InputError(
            "the anchors lie on one line",
            field="landmarks.points_px",
            allowed="at least three anchors off one line",
            code="degenerate_anchors",
        )
    if spread < 4.0:
        raise InputError(
            f"the anchors span only {spread:.1f} px",
            field="landmarks.points_px",
            allowed="anchors spread over the head",
            code="degenerate_anchors",
        )
    r_view = _view_rotation(head, anchors.view)
    dist = CAMERA_DISTANCE_MM
    sigma = max(ANCHOR_SIGMA_SHARE * spread, 0.5)
    ruler = anchors.ruler
    s_ruler = ruler.length_px / ruler.mm if ruler is not None else None
    # The ruler's scale holds at its own depth: that of the anchor nearest its middle.
    near = 0
    if ruler is not None:
        mid = 0.5 * (np.asarray(ruler.a_px) + np.asarray(ruler.b_px))
        near = int(np.argmin(np.linalg.norm(q - mid, axis=1)))

    outline = np.asarray(anchors.outline_px, dtype=np.float64).reshape(-1, 2)
    vault = vault_points(head) if len(outline) else np.zeros((0, 3))
    n_marks = len(p)
    both = np.vstack([p, vault])

    def model(theta: FloatArray) -> tuple[FloatArray, FloatArray, float, float, FloatArray]:
        rot = Rotation.from_rotvec(theta[:3]).as_matrix() @ r_view
        k = np.exp(theta[6:9])
        g = float(np.exp(theta[9])) if ruler is not None else 1.0
        c = (both * (g * k)) @ rot.T
        persp = dist / (dist + c[:, 2])
        s = float(np.exp(theta[3]))
        xy = np.stack([theta[4] + s * c[:, 0] * persp, theta[5] - s * c[:, 1] * persp], axis=1)
        return xy, rot, s, g, persp

    def residuals(theta: FloatArray) -> FloatArray:
        xy_all, _, s, _, persp = model(theta)
        xy = xy_all[:n_marks]
        parts = [((xy - q) / sigma).ravel(), theta[:3] / ROTATION_PRIOR_RAD, theta[6:9] / SHAPE_PRIOR]
        if len(outline):
            parts.append(outline_distances(xy_all[n_marks:], outline) / (OUTLINE_SIGMA_FACTOR * sigma))
        if s_ruler is not None:
            parts.append(np.array([(np.log(s * persp[near]) - np.log(s_ruler)) / RULER_SIGMA]))
        return np.concatenate(parts)

    # Start from the 2-D similarity between the canonical projection and the clicked points.
    canon = (p @ r_view.T)[:, :2] * np.array([1.0, -1.0])
    scale0, angle0, _ = _similarity(canon, q)
    scale0 = max(scale0, 1e-3)
    n_par = 10 if ruler is not None else 9
    lower = np.full(n_par, -np.inf)
    upper = np.full(n_par, np.inf)
    lower[6:9], upper[6:9] = np.log(SHAPE_BOUNDS[0]), np.log(SHAPE_BOUNDS[1])
    if ruler is not None:
        lower[9], upper[9] = np.log(0.4), np.log(2.5)
    best = None
    tilts = (0.0, *TILT_STARTS_RAD) if len(outline) else (0.0,)
    for sign, tilt in ((a, b) for a in (1.0, -1.0) for b in tilts):
        theta0 = np.zeros(n_par)
        theta0[0] = tilt  # bowed (positive) or raised
        theta0[2] = sign * angle0  # a roll about the line of sight
        theta0[3] = np.log(s_ruler if s_ruler is not None else scale0)
        if ruler is not None:
            theta0[9] = np.log(np.clip(scale0 / s_ruler, 0.5, 2.0))  # type: ignore[operator]
        xy0 = model(theta0)[0][:n_marks]
        theta0[4:6] = (q - xy0).mean(axis=0)
        sol = least_squares(residuals, theta0, bounds=(lower, upper), x_scale="jac", max_nfev=400)
        if best is None or sol.cost < best.cost:
            best = sol
    assert best is not None
    xy_all, rot, s, g, _ = model(best.x)
    xy = xy_all[:n_marks]
    if ruler is not None and not SIZE_RANGE[0] <= g <= SIZE_RANGE[1]:
        length = g * head.length_mm
        raise InputError(
            f"the ruler makes the head {length:.0f} mm long, which no adult head is",
            field="landmarks.ruler",
            allowed=f"a ruler that gives a head {LENGTH_RANGE_MM[0]:g}-{LENGTH_RANGE_MM[1]:g} mm long",
            code="impossible_head_scale",
        )
    res = {n: (float(xy[i, 0] - q[i, 0]), float(xy[i, 1] - q[i, 1])) for i, n in enumerate(names)}
    k = np.exp(best.x[6:9])
    fit = HeadFit(
        head=head,
        view=anchors.view,
        rotation=rot,
        scale_px_per_mm=s,
        centre_px=(float(best.x[4]), float(best.x[5])),
        shape=(float(k[0]), float(k[1]), float(k[2])),
        size=g,
        residuals_px=res,
        distance_mm=dist,
        outline_residuals_px=tuple(
            float(v) for v in (outline_distances(xy_all[n_marks:], outline) if len(outline) else ())
        ),
    )
    if fit.error_mm > FIT_WARN_MM:
        worst = max(res, key=lambda n: np.hypot(*res[n]))
        fit.warnings.append(
            f"the head fits the anchors only to {fit.error_mm:.1f} mm ({fit.error_px:.1f} px RMS; "
            f"{worst} is {np.hypot(*res[worst]):.0f} px off): check the anchors and the view"
        )
    outline_rms = fit.outline_error_px
    if outline_rms is not None and outline_rms * fit.mm_per_px > FIT_WARN_MM:
        fit.warnings.append(
            f"the head's outline misses the clicked outline by {outline_rms * fit.mm_per_px:.1f} mm "
            f"({outline_rms:.1f} px RMS): click the skin's edge above the ears, not the hair's"
        )
    at_bound = [
        a for a, v in zip("xyz", k, strict=True) if min(v / SHAPE_BOUNDS[0], SHAPE_BOUNDS[1] / v) < 1.01
    ]
    if at_bound:
        fit.warnings.append(
            f"the head's shape reached its limit along {', '.join(at_bound)}: "
            "the photo may be stretched or an anchor misplaced"
        )
    if ruler is None:
        fit.warnings.append("no ruler: the scale assumes an average adult head")
    return fit
