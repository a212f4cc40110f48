"""Where the dots are: a density map, the hairline (the front edge of the dots) and over-dense areas.

* Density: deposits per cm² on a 1 mm grid, a Gaussian kernel density (standard deviation
  :attr:`~smpstudio.repair.rules.DetectionRules.density_kernel_mm`) divided by the kernel's share inside
  the photo, so that the edges are not read as thin.
* Hairline: per 1 mm column strip, where the density first reaches half the median density of the treated
  area, walking from the photo's front edge (the edge the ``front`` argument names). A strip whose dots
  already start at half density on the front edge has no hairline in view. Its straightness is the RMS
  distance of those points from their least-squares line.
* Helmet: connected areas of the density map above
  :attr:`~smpstudio.repair.rules.DetectionRules.helmet_density_per_cm2`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from smpstudio.repair.dotmap import DotMap
from smpstudio.repair.rules import DEFAULT_RULES, DetectionRules

__all__ = ["FRONTS", "Hairline", "HelmetRegion", "Layout", "dot_layout"]

#: The photo's edges that can be the front (towards the forehead).
FRONTS = ("top", "bottom", "left", "right")
CELL_MM = 1.0


@dataclass(frozen=True)
class Hairline:
    """The front edge of the dots: points in the photo's pixels, and how straight they lie."""

    points_px: tuple[tuple[float, float], ...]
    rms_from_line_mm: float
    strips_without_edge: int


@dataclass(frozen=True)
class HelmetRegion:
    """An over-dense area: its bounding box in pixels (x0, y0, x1, y1), area and peak density."""

    box_px: tuple[float, float, float, float]
    area_mm2: float
    peak_density_per_cm2: float


@dataclass(frozen=True)
class Layout:
    """Density map (per cm², rows x columns of :data:`CELL_MM` cells), hairline and helmet regions."""

    density_per_cm2: NDArray[np.float64]
    cell_mm: float
    mean_density_per_cm2: float
    hairline: Hairline | None
    helmets: tuple[HelmetRegion, ...]
    warnings: tuple[str, ...]


def _density(dots: DotMap, kernel_mm: float) -> NDArray[np.float64]:
    rows, cols = dots.shape
    n_r = max(1, int(np.ceil(rows * dots.mm_per_px / CELL_MM)))
    n_c = max(1, int(np.ceil(cols * dots.mm_per_px / CELL_MM)))
    r = np.clip((dots.rows_px * dots.mm_per_px / CELL_MM).astype(np.int64), 0, n_r - 1)
    c = np.clip((dots.cols_px * dots.mm_per_px / CELL_MM).astype(np.int64), 0, n_c - 1)
    counts = np.zeros((n_r, n_c))
    np.add.at(counts, (r, c), 1.0)
    sigma = kernel_mm / CELL_MM
    smooth = ndimage.gaussian_filter(counts, sigma, mode="constant")
    inside = ndimage.gaussian_filter(np.ones_like(counts), sigma, mode="constant")
    return np.asarray(100.0 * smooth / np.maximum(inside, 1e-9) / CELL_MM**2, dtype=np.float64)


def _hairline(density: NDArray[np.float64], dots: DotMap, front: str) -> Hairline | None:
    """Front edge per strip; the density is turned so that the front is row 0."""
    turns = {"top": 0, "left": 1, "bottom": 2, "right": 3}[front]
    grid = np.rot90(density, k=-turns) if turns else density
    treated = grid[grid >= 20.0]
    if treated.size == 0:
        return None
    half = 0.5 * float(np.median(treated))
    points: list[tuple[float, float]] = []
    missing = 0
    for j in range(grid.shape[1]):
        col = grid[:, j]
        above = np.flatnonzero(col >= half)
        if above.size == 0:
            continue
        i = int(above[0])
        if i == 0:
            missing += 1
            continue
        t = (half - col[i - 1]) / max(col[i] - col[i - 1], 1e-9)
        points.append((j + 0.5, i - 0.5 + t))
    if len(points) < 2:
        return Hairline(points_px=(), rms_from_line_mm=float("nan"), strips_without_edge=missing)
    pts = np.array(points) * CELL_MM / dots.mm_per_px  # (across, depth) in px of the turned photo
    fit = np.polyfit(pts[:, 0], pts[:, 1], 1)
    rms = float(np.sqrt(np.mean((pts[:, 1] - np.polyval(fit, pts[:, 0])) ** 2)) * dots.mm_per_px)
    rows, cols = dots.shape
    out: list[tuple[float, float]] = []
    for a, d in pts:  # back to the photo's (x, y)
        x, y = {"top": (a, d), "left": (d, rows - a), "bottom": (cols - a, rows - d), "right": (cols - d, a)}[
            front
        ]
        out.append((round(float(x), 1), round(float(y), 1)))
    return Hairline(points_px=tuple(out), rms_from_line_mm=round(rms, 3), strips_without_edge=missing)


def dot_layout(dots: DotMap, *, front: str = "top", rules: DetectionRules = DEFAULT_RULES) -> Layout:
    """Density map, hairline and over-dense regions of a photo's dots.

    Parameters
    ----------
    dots : DotMap
        The deposits (:func:`~smpstudio.repair.detect.detect_dots`).
    front : {'top', 'bottom', 'left', 'right'}
        The photo's edge towards the forehead.
    rules : DetectionRules
        Kernel and helmet threshold.

    Returns
    -------
    Layout
    """
    density = _density(dots, rules.density_kernel_mm)
    rows, cols = dots.shape
    area_cm2 = rows * cols * dots.mm_per_px**2 / 100.0
    warnings: list[str] = []
    hairline = _hairline(density, dots, front) if dots.count else None
    if hairline is not None and not hairline.points_px:
        warnings.append("the dots reach the front edge of the photo: no hairline in view")
        hairline = None
    labels, _n = ndimage.label(density > rules.helmet_density_per_cm2)
    helmets: list[HelmetRegion] = []
    for k, box in enumerate(ndimage.find_objects(labels), start=1):
        if box is None:
            continue
        cell_px = CELL_MM / dots.mm_per_px
        helmets.append(
            HelmetRegion(
                box_px=(
                    box[1].start * cell_px,
                    box[0].start * cell_px,
                    min(box[1].stop * cell_px, cols),
                    min(box[0].stop * cell_px, rows),
                ),
                area_mm2=float(np.sum(labels == k)) * CELL_MM**2,
                peak_density_per_cm2=round(float(density[labels == k].max()), 1),
            )
        )
    return Layout(
        density_per_cm2=density,
        cell_mm=CELL_MM,
        mean_density_per_cm2=round(dots.count / area_cm2, 2) if area_cm2 > 0 else 0.0,
        hairline=hairline,
        helmets=tuple(helmets),
        warnings=tuple(warnings),
    )
