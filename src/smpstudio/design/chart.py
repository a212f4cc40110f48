"""The scalp chart as a raster: every map of a design (hair, density, zones) lives on this grid.

The chart is the azimuthal-equidistant projection about the vertical axis described in
:func:`smpstudio.design.head.chart_from_points_mm`. The grid stores, per cell, the chart polar
coordinates, the surface point and the surface area the cell covers, so integrals over the scalp
(treated area, expected dot count) are sums over cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from smpstudio.design.head import Head, points_from_chart_mm

__all__ = ["ChartGrid", "chart_grid"]

FloatArray = NDArray[np.float64]

#: The chart reaches this polar angle from the vertex, beyond the nape (about 135 degrees). [rad]
CHART_MAX_PSI_RAD = np.radians(142.0)
#: Default raster step. [mm]
DEFAULT_STEP_MM = 1.0


@dataclass(frozen=True, eq=False)
class ChartGrid:
    """A square raster over the scalp chart; rows follow ``v`` (increasing), columns ``u``.

    Attributes
    ----------
    head : Head
    step_mm : float
        Cell size on the chart. [mm]
    u_mm, v_mm : ndarray of shape (N,)
        Cell-centre chart coordinates. [mm]
    psi_rad, beta_rad : ndarray of shape (N, N)
        Polar angle from the vertex direction and azimuth (0 towards the face). [rad]
    points_mm : ndarray of shape (N, N, 3)
        Surface point of each cell centre. [mm]
    area_mm2 : ndarray of shape (N, N)
        Surface area covered by each cell; 0 outside the chart's reach. [mm²]
    """

    head: Head
    step_mm: float
    u_mm: FloatArray
    v_mm: FloatArray
    psi_rad: FloatArray = field(repr=False)
    beta_rad: FloatArray = field(repr=False)
    points_mm: FloatArray = field(repr=False)
    area_mm2: FloatArray = field(repr=False)

    @property
    def origin_mm(self) -> float:
        """Chart coordinate of the first cell centre (same for u and v). [mm]"""
        return float(self.u_mm[0])

    @property
    def shape(self) -> tuple[int, int]:
        return (self.v_mm.size, self.u_mm.size)

    def cell_of(self, chart_mm: FloatArray) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Nearest cell (row, col) of chart points ``(..., 2)``, clipped to the grid."""
        q = np.asarray(chart_mm, dtype=np.float64)
        col = np.clip(np.rint((q[..., 0] - self.origin_mm) / self.step_mm), 0, self.u_mm.size - 1)
        row = np.clip(np.rint((q[..., 1] - self.origin_mm) / self.step_mm), 0, self.v_mm.size - 1)
        return row.astype(np.intp), col.astype(np.intp)


def chart_grid(head: Head, step_mm: float = DEFAULT_STEP_MM) -> ChartGrid:
    """The chart raster of ``head`` at ``step_mm`` [mm] resolution."""
    reach = head.chart_radius_mm * CHART_MAX_PSI_RAD
    n = int(np.ceil(2 * reach / step_mm)) | 1  # odd, so the vertex is a cell centre
    coords: FloatArray = ((np.arange(n) - n // 2) * step_mm).astype(np.float64)
    uu, vv = np.meshgrid(coords, coords)
    chart = np.stack([uu, vv], axis=-1)
    psi: FloatArray = np.hypot(uu, vv) / head.chart_radius_mm
    beta: FloatArray = np.arctan2(uu, vv)
    pts = points_from_chart_mm(head, chart)
    du = np.gradient(pts, step_mm, axis=1)
    dv = np.gradient(pts, step_mm, axis=0)
    area = np.linalg.norm(np.cross(du, dv), axis=-1) * step_mm**2
    area[psi > CHART_MAX_PSI_RAD] = 0.0
    return ChartGrid(head, step_mm, coords, coords.copy(), psi, beta, pts, area)
