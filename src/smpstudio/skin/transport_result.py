"""What the light transport returns: fractions of the incident light, their standard errors, profiles.

:func:`smpstudio.skin.wang1995.simulate` fills it (MCML's tallies, Wang, Jacques & Zheng 1995 [wang1995] in
docs/references.md); the spread measures below read its lateral-offset histograms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["TransportResult"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class TransportResult:
    """What :func:`simulate` returns: fractions of the incident light, their standard errors, the profiles.

    Attributes
    ----------
    specular : float
        Specular reflectance at the surface (through a clear first layer, with its multiple reflections).
        [-]
    diffuse_reflectance : float
        Diffuse reflectance ``Rd``: weight that left through the top surface after entering. [-]
    absorbed_per_layer : ndarray of shape (L,)
        Absorbed fraction per layer, from the surface down. [-]
    transmittance : float
        Total transmittance ``Tt`` through the bottom surface, ballistic light included (0 under a
        semi-infinite last layer). [-]
    stderr : dict of str to float
        Standard errors of ``diffuse_reflectance``, ``absorbed`` and ``transmittance``: the spread of the
        batch means over the square root of the batch count (``nan`` for one batch). [-]
    photons : int
        Photon packets traced. [-]
    seconds : float
        Wall-clock time of the transport. [s]
    radial_r_mm : ndarray of shape (nr,)
        Bin centres of the radial profile. [mm]
    radial_rd_per_mm2 : ndarray of shape (nr,)
        Diffuse reflectance per unit area at radius r, ``Rd(r)``. [mm⁻²]
    spread_depths_mm : ndarray of shape (P,)
        The probe depths, sorted. [mm]
    spread_r_mm : ndarray of shape (ns,)
        Bin centres of the lateral offset. [mm]
    spread_weight : ndarray of shape (P, ns)
        Reflected weight per probe depth and offset bin, as a fraction of the incident light. [-]

    References
    ----------
    .. [1] L. Wang, S. L. Jacques, L. Zheng, "MCML—Monte Carlo modeling of light transport in
       multi-layered tissues," Comput. Methods Programs Biomed. 47(2), 131-146, 1995.
       :doi:`10.1016/0169-2607(95)01640-F`
    """

    specular: float
    diffuse_reflectance: float
    absorbed_per_layer: FloatArray
    transmittance: float
    stderr: dict[str, float]
    photons: int
    seconds: float
    radial_r_mm: FloatArray = field(repr=False)
    """Bin centres of the radial profile. [mm]"""
    radial_rd_per_mm2: FloatArray = field(repr=False)
    """Diffuse reflectance per unit area at radius r. [mm⁻²]"""
    spread_depths_mm: FloatArray = field(repr=False)
    spread_r_mm: FloatArray = field(repr=False)
    """Bin centres of the lateral offset. [mm]"""
    spread_weight: FloatArray = field(repr=False)
    """Reflected weight per probe depth and offset bin, as a fraction of the incident light."""

    @property
    def absorbed(self) -> float:
        """Absorbed fraction of the incident light, all layers together. [-]"""
        return float(self.absorbed_per_layer.sum())

    @property
    def photons_per_s(self) -> float:
        """Photon packets traced per second of wall-clock time (``inf`` if too fast to time). [s⁻¹]"""
        return self.photons / self.seconds if self.seconds > 0 else float("inf")

    def spread_radius_mm(self, fraction: float = 0.5) -> FloatArray:
        """Per probe depth, the offset within which ``fraction`` of the returning light leaves.

        Parameters
        ----------
        fraction : float, default 0.5
            Share of the light that visited the depth and came back out, 0-1. [-]

        Returns
        -------
        radius : ndarray of shape (P,)
            Lateral offset between where light reached each probe depth and where it left the surface,
            interpolated within the histogram bins; ``nan`` for a depth no returning light reached. [mm]
        """
        out = np.full(self.spread_depths_mm.size, np.nan)
        edges = np.concatenate([[0.0], self.spread_r_mm + 0.5 * (self.spread_r_mm[1] - self.spread_r_mm[0])])
        for k in range(self.spread_depths_mm.size):
            cum = np.cumsum(self.spread_weight[k])
            if cum[-1] > 0:
                out[k] = float(np.interp(fraction * cum[-1], np.concatenate([[0.0], cum]), edges))
        return out

    def spread_fwhm_mm(self) -> FloatArray:
        """Per probe depth, the full width at half maximum of the areal density of returning light
        around the point where it reached the depth: the blur of an absorber there.

        Returns
        -------
        fwhm : ndarray of shape (P,)
            Full width at half maximum per probe depth; ``nan`` without returning light, or where the
            density does not fall to half within the histogram. [mm]

        Notes
        -----
        Estimated from the cumulative profile, which is smooth even for deep probes that return little
        light: the mean density within radius r, ``m(r) = W(<r) / (pi r²)``, falls to ``0.5 / ln 2``
        (0.7213) of the centre density exactly at the half maximum of a Gaussian profile. The centre
        density is ``m`` at ``max(3 bins, depth / 4)``.
        """
        dr = float(self.spread_r_mm[1] - self.spread_r_mm[0])
        outer = self.spread_r_mm + 0.5 * dr
        out = np.full(self.spread_depths_mm.size, np.nan)
        for k, depth in enumerate(self.spread_depths_mm):
            mean_within = np.cumsum(self.spread_weight[k]) / (np.pi * outer**2)
            centre = max(3, int(0.25 * depth / dr)) - 1
            h0 = float(mean_within[centre])
            if h0 <= 0.0:
                continue
            below = np.flatnonzero(mean_within[centre:] < (0.5 / np.log(2.0)) * h0)
            if below.size:
                out[k] = 2.0 * float(outer[centre + below[0]])
        return out

    def to_dict(self) -> dict[str, object]:
        """The totals as JSON-ready values: fractions [-], their standard errors [-], the photon count
        and the throughput [s⁻¹]; the profiles are left out."""
        return {
            "specular": self.specular,
            "diffuse_reflectance": self.diffuse_reflectance,
            "absorbed": self.absorbed,
            "absorbed_per_layer": self.absorbed_per_layer.tolist(),
            "transmittance": self.transmittance,
            "stderr": self.stderr,
            "photons": self.photons,
            "photons_per_s": round(self.photons_per_s, 1),
        }
