"""Monte Carlo light transport in layered tissue with MCML semantics, compiled with Numba.

Wang L, Jacques SL, Zheng L, *MCML - Monte Carlo modeling of light transport in multi-layered
tissues*, Comput Methods Programs Biomed 1995;47:131-146, doi:10.1016/0169-2607(95)01640-F
([wang1995] in docs/references.md); and the MCML manual (Wang & Jacques 1992, "Monte Carlo Modeling
of Light Transport in Multi-layered Tissues in Standard C", [wang1992]). MCML follows the Monte Carlo
model of Prahl, Keijzer, Jacques & Welch 1989 ([prahl1989]).

An infinitely narrow photon beam meets the surface at normal incidence. The specular reflectance is
the Fresnel reflectance at the first boundary (through a clear first layer, its multiple
reflections, as MCML does). Each photon packet then hops (step length ``-ln(xi) / (mua + mus)``,
carried across boundaries as MCML carries its dimensionless step), meets boundaries with Fresnel
reflection or refraction (all-or-none by a random draw), drops weight ``w mua / (mua + mus)`` at each
interaction site, spins by Henyey-Greenstein scattering (Henyey & Greenstein 1941, [henyey1941]), and
plays Russian roulette below weight 1e-4 (survival 1 in 10). Lengths in mm, coefficients in mm⁻¹.

Published cases it reproduces ([wang1992] Tables 6.1-6.2, in mm): the slab of n = 1, mua 1 mm⁻¹, mus
9 mm⁻¹, g 0.75, 0.2 mm thick between matched media gives Rd 0.09739 and Tt 0.66096 (van de Hulst 1980,
[vandehulst1980]); the semi-infinite medium of n = 1.5 under air, mua 1 mm⁻¹, mus 9 mm⁻¹, g 0 gives a
total reflectance (specular 0.04 plus diffuse) of 0.2600 (Giovanelli 1955, as [wang1992] Table 6.2
gives it). ``tests/unit/test_skin_published_values.py`` checks both.

Tallies, as fractions of the incident light: specular reflectance, diffuse reflectance, absorption per
layer, total transmittance (ballistic included); the radial profile of diffuse reflectance
``Rd(r)`` [mm⁻²]; and, for chosen probe depths, the lateral offset between where a photon first reached
that depth and where it left the surface: the spread of light that visits the depth and comes back
out, which is what blurs a pigment dot lying there.

Photons run in batches, one batch per parallel task, each with its own xoshiro256** stream (Blackman &
Vigna [blackman2018]) seeded by splitmix64 (Steele, Lea & Flood 2014 [steele2014]) from
``(seed, batch)``: results are identical for a seed whatever the thread count, and the spread of the
batch means gives the standard errors.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numba as nb
import numpy as np
from numpy.typing import NDArray

from smpstudio.errors import check_range
from smpstudio.skin.layers import LayerStack

__all__ = ["TransportResult", "simulate"]

FloatArray = NDArray[np.float64]

#: Russian roulette: threshold weight and survival chance (MCML defaults).
ROULETTE_WEIGHT = 1e-4
ROULETTE_CHANCE = 0.1
COS_ZERO = 1.0 - 1e-12
COS_90D = 1e-6
#: Photons above which counts are refused (a run that long belongs to a batch job). [-]
MAX_PHOTONS = 2_000_000_000


@nb.njit(cache=True, inline="always")
def _rotl(x: np.uint64, k: int) -> np.uint64:
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@nb.njit(cache=True)
def _seed_state(seed: int, stream: int) -> NDArray[np.uint64]:
    """xoshiro256** state from splitmix64 of (seed, stream)."""
    state = np.empty(4, dtype=np.uint64)
    z = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(stream) * np.uint64(0xD1B54A32D192ED03)
    for i in range(4):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        x = z
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        state[i] = x ^ (x >> np.uint64(31))
    return state


@nb.njit(cache=True, inline="always")
def _uniform(s: NDArray[np.uint64]) -> float:
    """A double in [0, 1) from xoshiro256** (Blackman & Vigna 2018)."""
    result = _rotl(s[1] * np.uint64(5), 7) * np.uint64(9)
    t = s[1] << np.uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return float(result >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@nb.njit(cache=True, inline="always")
def _fresnel(n1: float, n2: float, ca1: float) -> tuple[float, float]:
    """Fresnel reflectance of unpolarised light and the cosine of the transmitted angle (MCML RFresnel)."""
    if n1 == n2:
        return 0.0, ca1
    if ca1 > COS_ZERO:
        r = (n2 - n1) / (n2 + n1)
        return r * r, ca1
    if ca1 < COS_90D:
        return 1.0, 0.0
    sa1 = math.sqrt(1.0 - ca1 * ca1)
    sa2 = n1 * sa1 / n2
    if sa2 >= 1.0:
        return 1.0, 0.0
    ca2 = math.sqrt(1.0 - sa2 * sa2)
    cap = ca1 * ca2 - sa1 * sa2
    cam = ca1 * ca2 + sa1 * sa2
    sap = sa1 * ca2 + ca1 * sa2
    sam = sa1 * ca2 - ca1 * sa2
    return 0.5 * sam * sam * (cam * cam + cap * cap) / (sap * sap * cam * cam), ca2


@nb.njit(cache=True)
def _run_batch(
    photons: int,
    w0: float,
    start: int,
    n: FloatArray,
    mua: FloatArray,
    mus: FloatArray,
    g: FloatArray,
    z_top: FloatArray,
    z_bottom: FloatArray,
    n_above: float,
    n_below: float,
    state: NDArray[np.uint64],
    absorbed: FloatArray,
    radial: FloatArray,
    dr: float,
    probes: FloatArray,
    spread: FloatArray,
    spread_dr: float,
) -> tuple[float, float]:
    """Run ``photons`` packets; returns (diffuse reflectance sum, transmittance sum); fills the tallies."""
    n_layers = n.size
    n_probes = probes.size
    rd = 0.0
    tt = 0.0
    cross_x = np.zeros(max(n_probes, 1))
    cross_y = np.zeros(max(n_probes, 1))
    crossed = np.zeros(max(n_probes, 1), dtype=np.bool_)
    nr = radial.size
    ns = spread.shape[1] if n_probes > 0 else 0
    for _ in range(photons):
        x = 0.0
        y = 0.0
        z = z_top[start]
        ux = 0.0
        uy = 0.0
        uz = 1.0
        w = w0
        layer = start
        sleft = 0.0
        for k in range(n_probes):
            crossed[k] = False
        alive = True
        while alive:
            mut = mua[layer] + mus[layer]
            if sleft == 0.0:
                xi = _uniform(state)
                while xi <= 0.0:
                    xi = _uniform(state)
                sleft = -math.log(xi)
            step = sleft / mut if mut > 0.0 else np.inf
            if uz > 0.0:
                db = (z_bottom[layer] - z) / uz
            elif uz < 0.0:
                db = (z_top[layer] - z) / uz
            else:
                db = np.inf
            hit = db <= step
            s = db if hit else step
            z_old = z
            x_old = x
            y_old = y
            x += s * ux
            y += s * uy
            z += s * uz
            if n_probes > 0 and uz > 0.0:
                for k in range(n_probes):
                    if not crossed[k] and z_old < probes[k] <= z:
                        t = (probes[k] - z_old) / (z - z_old)
                        cross_x[k] = x_old + t * (x - x_old)
                        cross_y[k] = y_old + t * (y - y_old)
                        crossed[k] = True
            if hit:
                sleft = sleft - db * mut if mut > 0.0 else 0.0
                if sleft < 0.0:
                    sleft = 0.0
                if uz < 0.0:
                    z = z_top[layer]
                    n2 = n_above if layer == 0 else n[layer - 1]
                else:
                    z = z_bottom[layer]
                    n2 = n_below if layer == n_layers - 1 else n[layer + 1]
                r, ca2 = _fresnel(n[layer], n2, abs(uz))
                if _uniform(state) <= r:
                    uz = -uz
                else:
                    ratio = n[layer] / n2
                    ux *= ratio
                    uy *= ratio
                    if uz < 0.0:
                        uz = -ca2
                        if layer == 0:
                            rd += w
                            rho = math.sqrt(x * x + y * y)
                            b = int(rho / dr)
                            if b < nr:
                                radial[b] += w
                            for k in range(n_probes):
                                if crossed[k]:
                                    off = math.sqrt((x - cross_x[k]) ** 2 + (y - cross_y[k]) ** 2)
                                    sb = int(off / spread_dr)
                                    if sb < ns:
                                        spread[k, sb] += w
                            alive = False
                        else:
                            layer -= 1
                    else:
                        uz = ca2
                        if layer == n_layers - 1:
                            tt += w
                            alive = False
                        else:
                            layer += 1
                continue
            # Interaction site: drop weight, then spin.
            sleft = 0.0
            dw = w * mua[layer] / mut
            w -= dw
            absorbed[layer] += dw
            gg = g[layer]
            xi = _uniform(state)
            if gg == 0.0:
                cost = 2.0 * xi - 1.0
            else:
                tmp = (1.0 - gg * gg) / (1.0 - gg + 2.0 * gg * xi)
                cost = (1.0 + gg * gg - tmp * tmp) / (2.0 * gg)
                cost = min(max(cost, -1.0), 1.0)
            sint = math.sqrt(1.0 - cost * cost)
            psi = 2.0 * math.pi * _uniform(state)
            cosp = math.cos(psi)
            sinp = math.sin(psi)
            if abs(uz) > COS_ZERO:
                ux = sint * cosp
                uy = sint * sinp
                uz = cost if uz >= 0.0 else -cost
            else:
                tmp = math.sqrt(1.0 - uz * uz)
                nux = sint * (ux * uz * cosp - uy * sinp) / tmp + ux * cost
                nuy = sint * (uy * uz * cosp + ux * sinp) / tmp + uy * cost
                uz = -sint * cosp * tmp + uz * cost
                ux = nux
                uy = nuy
            if w < ROULETTE_WEIGHT:
                if w == 0.0:
                    alive = False
                elif _uniform(state) <= ROULETTE_CHANCE:
                    w /= ROULETTE_CHANCE
                else:
                    alive = False
    return rd, tt


@nb.njit(cache=True, parallel=True)
def _run(
    photons_per_batch: NDArray[np.int64],
    first_batch: int,
    seed: int,
    w0: float,
    start: int,
    n: FloatArray,
    mua: FloatArray,
    mus: FloatArray,
    g: FloatArray,
    z_top: FloatArray,
    z_bottom: FloatArray,
    n_above: float,
    n_below: float,
    nr: int,
    dr: float,
    probes: FloatArray,
    ns: int,
    spread_dr: float,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    batches = photons_per_batch.size
    rd = np.zeros(batches)
    tt = np.zeros(batches)
    absorbed = np.zeros((batches, n.size))
    radial = np.zeros((batches, nr))
    spread = np.zeros((batches, max(probes.size, 1), max(ns, 1)))
    for b in nb.prange(batches):
        state = _seed_state(seed, first_batch + b)
        rd[b], tt[b] = _run_batch(
            photons_per_batch[b],
            w0,
            start,
            n,
            mua,
            mus,
            g,
            z_top,
            z_bottom,
            n_above,
            n_below,
            state,
            absorbed[b],
            radial[b],
            dr,
            probes,
            spread[b],
            spread_dr,
        )
    return rd, tt, absorbed, radial, spread


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


def _specular(stack: LayerStack) -> float:
    """MCML's specular reflectance, with the multiple reflections of a clear first layer."""
    arr = stack.arrays()
    n0, n1 = stack.n_above, float(arr["n"][0])
    r1 = ((n0 - n1) / (n0 + n1)) ** 2
    clear = arr["mua"][0] == 0.0 and arr["mus"][0] == 0.0
    if clear and len(stack.layers) > 1:
        n2 = float(arr["n"][1])
        r2 = ((n1 - n2) / (n1 + n2)) ** 2
        return r1 + (1 - r1) ** 2 * r2 / (1 - r1 * r2)
    return r1


def simulate(
    stack: LayerStack,
    photons: int,
    *,
    seed: int = 0,
    batches: int | None = None,
    radial_bins: tuple[float, int] = (0.01, 200),
    spread_depths_mm: tuple[float, ...] = (),
    spread_bins: tuple[float, int] = (0.01, 300),
    progress: Callable[[int, int], None] | None = None,
) -> TransportResult:
    """Trace ``photons`` packets through ``stack`` by MCML's method (Wang, Jacques & Zheng 1995).

    Parameters
    ----------
    stack : LayerStack
        The layers from the surface down and the ambient indices above and below (lengths in mm,
        coefficients in mm⁻¹).
    photons : int
        Number of photon packets, 1 to 2e9. [-]
    seed : int, default 0
        Seed of the random streams, 0 to 2⁶³ - 1; the same seed gives the same result at any thread
        count.
    batches : int, optional
        Parallel tasks, and samples of the standard error; default ``min(64, max(1, photons // 1000))``.
    radial_bins : tuple of (float, int), default (0.01, 200)
        ``(dr, count)`` of the radial diffuse-reflectance profile: bin width [mm] and number of bins.
    spread_depths_mm : tuple of float, default ()
        Probe depths for the lateral spread of returning light. [mm]
    spread_bins : tuple of (float, int), default (0.01, 300)
        ``(dr, count)`` of the lateral-spread histograms: bin width [mm] and number of bins.
    progress : callable, optional
        Called as ``progress(photons_done, photons)`` after each of about eight parts of the run.

    Returns
    -------
    result : TransportResult
        Specular reflectance, diffuse reflectance, absorption per layer and total transmittance as
        fractions of the incident light [-], their standard errors [-], and the radial [mm⁻²] and
        lateral-spread profiles.

    Raises
    ------
    InputError
        If ``photons`` or ``seed`` is out of range.

    Notes
    -----
    A packet enters with weight ``1 - R_sp``, the specular reflectance at normal incidence

    .. math:: R_{sp} = \\left(\\frac{n_0 - n_1}{n_0 + n_1}\\right)^2

    (with the multiple reflections inside a clear first layer, as MCML [1]_ [2]_). It hops
    ``s = -ln(ξ) / (mua + mus)`` for a uniform ξ, deposits ``w mua / (mua + mus)`` at each
    interaction and scatters by the Henyey-Greenstein phase function [4]_,

    .. math:: \\cos\\theta = \\frac{1}{2g}\\left[1 + g^2
       - \\left(\\frac{1 - g^2}{1 - g + 2g\\xi}\\right)^2\\right]

    (``2ξ - 1`` for g = 0), as in Prahl et al. [3]_. Published cases ([2]_ Tables 6.1-6.2):

    * slab, n = 1 between matched media, mua 1 mm⁻¹, mus 9 mm⁻¹, g 0.75, 0.2 mm (MCML's 10 cm⁻¹,
      90 cm⁻¹, 0.02 cm): Rd = 0.09739 and Tt = 0.66096 (van de Hulst [5]_);
    * semi-infinite, n = 1.5 under air, mua 1 mm⁻¹, mus 9 mm⁻¹, g 0: R_sp = 0.04 and
      R_sp + Rd = 0.2600 (Giovanelli 1955, as [2]_ Table 6.2 gives it).

    References
    ----------
    .. [1] L. Wang, S. L. Jacques, L. Zheng, "MCML—Monte Carlo modeling of light transport in
       multi-layered tissues," Comput. Methods Programs Biomed. 47(2), 131-146, 1995.
       :doi:`10.1016/0169-2607(95)01640-F`
    .. [2] L. Wang, S. L. Jacques, "Monte Carlo Modeling of Light Transport in Multi-layered Tissues in
       Standard C," University of Texas M. D. Anderson Cancer Center, 1992. https://omlc.org/software/mc/
    .. [3] S. A. Prahl, M. Keijzer, S. L. Jacques, A. J. Welch, "A Monte Carlo model of light propagation
       in tissue," SPIE Institute Series IS 5, 102-111, 1989.
       https://omlc.org/~prahl/pubs/abs/prahl89.html
    .. [4] L. G. Henyey, J. L. Greenstein, "Diffuse radiation in the galaxy," Astrophys. J. 93, 70-83,
       1941. :doi:`10.1086/144246`
    .. [5] H. C. van de Hulst, "Multiple Light Scattering: Tables, Formulas, and Applications," Academic
       Press, New York, 1980.

    Examples
    --------
    The van de Hulst slab of [2]_ Table 6.1, in mm:

    >>> from smpstudio.skin.layers import Layer, LayerStack
    >>> slab = LayerStack((Layer(1.0, 1.0, 9.0, 0.75, 0.2),))
    >>> r = simulate(slab, 100_000, seed=1)
    >>> round(r.diffuse_reflectance, 2), round(r.transmittance, 2)
    (0.1, 0.66)
    """
    check_range("photons", photons, 1, MAX_PHOTONS)
    check_range("seed", seed, 0, 2**63 - 1)
    if batches is None:
        batches = int(min(64, max(1, photons // 1000)))
    per = np.full(batches, photons // batches, dtype=np.int64)
    per[: photons % batches] += 1
    arr = stack.arrays()
    rsp = _specular(stack)
    # As MCML: past a clear (glass) first layer, photons start at the top of the second.
    start = 1 if arr["mua"][0] == 0.0 and arr["mus"][0] == 0.0 and len(stack.layers) > 1 else 0
    w0 = 1.0 - rsp
    probes = np.asarray(sorted(spread_depths_mm), dtype=np.float64)
    dr, nr = radial_bins
    sdr, sn = spread_bins
    t0 = time.perf_counter()
    parts = []
    chunk = max(1, batches // 8) if progress is not None else batches
    for first in range(0, batches, chunk):
        parts.append(
            _run(
                per[first : first + chunk],
                first,
                int(seed),
                w0,
                start,
                arr["n"],
                arr["mua"],
                arr["mus"],
                arr["g"],
                arr["z_top"],
                arr["z_bottom"],
                float(stack.n_above),
                float(stack.n_below),
                int(nr),
                float(dr),
                probes,
                int(sn),
                float(sdr),
            )
        )
        if progress is not None:
            progress(int(per[: first + chunk].sum()), photons)
    rd, tt, absorbed, radial, spread = (np.concatenate([p[i] for p in parts]) for i in range(5))
    seconds = time.perf_counter() - t0
    frac = per.astype(np.float64)
    total = float(photons)

    def mean_and_se(per_batch: FloatArray) -> tuple[float, float]:
        means = per_batch / frac
        m = float(per_batch.sum() / total)
        se = float(np.std(means, ddof=1) / math.sqrt(batches)) if batches > 1 else float("nan")
        return m, se

    rd_m, rd_se = mean_and_se(rd)
    tt_m, tt_se = mean_and_se(tt)
    _, a_se = mean_and_se(absorbed.sum(axis=1))
    r_centres: FloatArray = ((np.arange(nr) + 0.5) * dr).astype(np.float64)
    area = 2.0 * np.pi * r_centres * dr
    radial_profile = radial.sum(axis=0) / total / area
    return TransportResult(
        specular=rsp,
        diffuse_reflectance=rd_m,
        absorbed_per_layer=absorbed.sum(axis=0) / total,
        transmittance=tt_m,
        stderr={"diffuse_reflectance": rd_se, "absorbed": a_se, "transmittance": tt_se},
        photons=photons,
        seconds=seconds,
        radial_r_mm=r_centres,
        radial_rd_per_mm2=radial_profile,
        spread_depths_mm=probes,
        spread_r_mm=((np.arange(sn) + 0.5) * sdr).astype(np.float64),
        spread_weight=spread.sum(axis=0)[: probes.size] / total,
    )


def available_cores() -> int:
    """Cores this process may use (its CPU affinity where the platform reports one). [-]"""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
