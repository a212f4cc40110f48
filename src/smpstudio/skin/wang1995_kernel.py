"""The compiled photon loop of :mod:`smpstudio.skin.wang1995`: MCML's hop, drop, spin and roulette.

One call runs one batch of photon packets on one random stream (:mod:`smpstudio.skin.blackman2018`)
without the GIL, so batches run on any thread in any order and still give the same tallies. The
method is MCML's (Wang, Jacques & Zheng 1995 [wang1995]; the MCML manual [wang1992]), after Prahl et al.
1989 [prahl1989]; the scattering angle follows Henyey & Greenstein 1941 [henyey1941]. Lengths in mm,
coefficients in mm⁻¹.

What MCML computes per interaction and this loop takes from a per-layer table instead: ``mua + mus``
and its inverse, the absorbed share ``mua / (mua + mus)``, the Henyey-Greenstein constants, and per
boundary the index ratio and the critical cosine beyond which the Fresnel reflectance is 1 (total
internal reflection, [wang1992] §3.5). A boundary between equal indices transmits without a draw.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numpy.typing import NDArray

from smpstudio.skin.blackman2018 import next_uniform, seed_state

__all__ = ["COLUMNS", "layer_table", "run_batch"]

FloatArray = NDArray[np.float64]

#: Russian roulette: threshold weight and survival chance (MCML's defaults [wang1992] §3.7).
ROULETTE_WEIGHT = 1e-4
ROULETTE_CHANCE = 0.1
#: Cosine above which a direction counts as normal, and below which as grazing ([wang1992] §3.3). [-]
COS_ZERO = 1.0 - 1e-12
COS_90D = 1e-6

#: Columns of the per-layer table :func:`layer_table` builds.
COLUMNS = (
    "mut",  # mua + mus [mm⁻¹]
    "inv_mut",  # 1 / (mua + mus), 0 for a clear layer [mm]
    "absorbed_share",  # mua / (mua + mus) [-]
    "g",  # anisotropy [-]
    "hg_a",  # 1 - g² [-]
    "hg_b",  # 1 - g [-]
    "hg_c",  # 2 g [-]
    "hg_d",  # 1 + g² [-]
    "hg_e",  # 1 / (2 g), 0 for g = 0 [-]
    "z_top",  # depth of the layer's top [mm]
    "z_bottom",  # depth of the layer's bottom, inf under a semi-infinite layer [mm]
    "n",  # refractive index [-]
    "n_up",  # index across the top boundary [-]
    "cos_crit_up",  # critical cosine at the top boundary, 0 without total internal reflection [-]
    "n_down",  # index across the bottom boundary [-]
    "cos_crit_down",  # critical cosine at the bottom boundary [-]
)
(
    _MUT,
    _INV_MUT,
    _ALB,
    _G,
    _HG_A,
    _HG_B,
    _HG_C,
    _HG_D,
    _HG_E,
    _ZT,
    _ZB,
    _N,
    _N_UP,
    _CC_UP,
    _N_DOWN,
    _CC_DOWN,
) = range(len(COLUMNS))


def _critical_cos(n1: float, n2: float) -> float:
    """Cosine of the critical angle going from index n1 into n2 (0 when n1 <= n2: none). [-]"""
    return math.sqrt(1.0 - (n2 / n1) ** 2) if n1 > n2 else 0.0


def layer_table(arrays: dict[str, FloatArray], n_above: float, n_below: float) -> FloatArray:
    """The per-layer constants of the photon loop, one row per layer in :data:`COLUMNS` order.

    Parameters
    ----------
    arrays : dict of str to ndarray of shape (L,)
        ``n``, ``mua`` [mm⁻¹], ``mus`` [mm⁻¹], ``g``, ``z_top`` [mm], ``z_bottom`` [mm], as
        :meth:`~smpstudio.skin.layers.LayerStack.arrays` gives them.
    n_above, n_below : float
        Refractive indices above the first layer and below the last. [-]

    Returns
    -------
    table : ndarray of shape (L, len(COLUMNS))
    """
    n_layers = arrays["n"].size
    table = np.zeros((n_layers, len(COLUMNS)))
    for i in range(n_layers):
        mua, mus, g, n = (float(arrays[k][i]) for k in ("mua", "mus", "g", "n"))
        mut = mua + mus
        n_up = n_above if i == 0 else float(arrays["n"][i - 1])
        n_down = n_below if i == n_layers - 1 else float(arrays["n"][i + 1])
        table[i] = (
            mut,
            1.0 / mut if mut > 0.0 else 0.0,
            mua / mut if mut > 0.0 else 0.0,
            g,
            1.0 - g * g,
            1.0 - g,
            2.0 * g,
            1.0 + g * g,
            0.5 / g if g != 0.0 else 0.0,
            float(arrays["z_top"][i]),
            float(arrays["z_bottom"][i]),
            n,
            n_up,
            _critical_cos(n, n_up),
            n_down,
            _critical_cos(n, n_down),
        )
    return table


@nb.njit(cache=True, nogil=True, inline="always")
def _fresnel(n1: float, n2: float, ca1: float) -> tuple[float, float]:
    """Fresnel reflectance of unpolarised light and the cosine of the transmitted angle, for a
    direction cosine above the critical one (MCML's RFresnel [wang1992] §3.5)."""
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


@nb.njit(cache=True, nogil=True, error_model="numpy", fastmath={"nsz", "arcp", "contract"})
def run_batch(
    photons: int,
    seed: int,
    stream: int,
    w0: float,
    start: int,
    table: FloatArray,
    probes: FloatArray,
    radial_dr: float,
    spread_dr: float,
    absorbed: FloatArray,
    radial: FloatArray,
    spread: FloatArray,
    cross: FloatArray,
) -> tuple[float, float]:
    """Trace ``photons`` packets on stream ``(seed, stream)`` and add their weight to the tallies.

    Parameters
    ----------
    photons, seed, stream : int
        Packets to trace and the random stream's seed and index.
    w0 : float
        Weight of each packet as it enters (``1 -`` the specular reflectance). [-]
    start : int
        Layer each packet starts in (1 under a clear first layer, as MCML does, else 0).
    table : ndarray of shape (L, len(COLUMNS))
        Per-layer constants from :func:`layer_table`.
    probes : ndarray of shape (P,)
        Probe depths, increasing. [mm]
    radial_dr, spread_dr : float
        Bin widths of the radial profile and of the lateral-spread histograms. [mm]
    absorbed : ndarray of shape (L,)
        Absorbed weight per layer (added to). [-]
    radial : ndarray of shape (nr,)
        Diffuse reflectance per radial bin (added to). [-]
    spread : ndarray of shape (P, ns)
        Reflected weight per probe and lateral offset bin (added to). [-]
    cross : ndarray of shape (P, 2)
        Scratch: where the current packet first reached each probe depth. [mm]

    Returns
    -------
    rd, tt : float
        Summed weight of the diffuse reflectance and of the total transmittance. [-]
    """
    s0, s1, s2, s3 = seed_state(seed, stream)
    last = table.shape[0] - 1
    n_probes = probes.size
    nr = radial.size
    ns = spread.shape[1]
    rd = 0.0
    tt = 0.0
    z_start = table[start, _ZT]
    for _ in range(photons):
        x = 0.0
        y = 0.0
        z = z_start
        ux = 0.0
        uy = 0.0
        uz = 1.0
        w = w0
        layer = start
        sleft = 0.0
        reached = 0  # probes[:reached] already reached by this packet
        while True:
            row = table[layer]
            if sleft == 0.0:
                u, s0, s1, s2, s3 = next_uniform(s0, s1, s2, s3)
                sleft = -math.log(1.0 - u)  # 1 - u lies in (0, 1]
            inv_mut = row[_INV_MUT]
            step = sleft * inv_mut if inv_mut > 0.0 else np.inf
            # Does the step reach the boundary ahead? (compared without dividing by uz)
            if uz > 0.0:
                hit = row[_ZB] - z <= step * uz
            elif uz < 0.0:
                hit = row[_ZT] - z >= step * uz
            else:
                hit = False
            if hit:
                # Hop to the boundary; the rest of the dimensionless step carries over.
                db = ((row[_ZB] if uz > 0.0 else row[_ZT]) - z) / uz
                x_old = x
                y_old = y
                z_old = z
                x += db * ux
                y += db * uy
                sleft = max(sleft - db * row[_MUT], 0.0) if inv_mut > 0.0 else 0.0
                if uz < 0.0:
                    z = row[_ZT]
                    n2 = row[_N_UP]
                    cos_crit = row[_CC_UP]
                else:
                    z = row[_ZB]
                    n2 = row[_N_DOWN]
                    cos_crit = row[_CC_DOWN]
                    while reached < n_probes and probes[reached] <= z:
                        t = (probes[reached] - z_old) / (z - z_old)
                        cross[reached, 0] = x_old + t * (x - x_old)
                        cross[reached, 1] = y_old + t * (y - y_old)
                        reached += 1
                n1 = row[_N]
                ca1 = abs(uz)
                transmit = True
                if n1 != n2:
                    if ca1 <= cos_crit:
                        transmit = False
                    else:
                        r, ca2 = _fresnel(n1, n2, ca1)
                        u, s0, s1, s2, s3 = next_uniform(s0, s1, s2, s3)
                        if u <= r:
                            transmit = False
                        else:
                            ratio = n1 / n2
                            ux *= ratio
                            uy *= ratio
                            uz = ca2 if uz > 0.0 else -ca2
                if not transmit:
                    uz = -uz
                elif uz < 0.0:
                    if layer == 0:
                        rd += w
                        b = int(math.sqrt(x * x + y * y) / radial_dr)
                        if b < nr:
                            radial[b] += w
                        for k in range(reached):
                            dx = x - cross[k, 0]
                            dy = y - cross[k, 1]
                            sb = int(math.sqrt(dx * dx + dy * dy) / spread_dr)
                            if sb < ns:
                                spread[k, sb] += w
                        break
                    layer -= 1
                else:
                    if layer == last:
                        tt += w
                        break
                    layer += 1
                continue
            # Hop the whole step, drop weight, spin.
            x_old = x
            y_old = y
            z_old = z
            x += step * ux
            y += step * uy
            z += step * uz
            sleft = 0.0
            if uz > 0.0:
                while reached < n_probes and probes[reached] <= z:
                    t = (probes[reached] - z_old) / (z - z_old)
                    cross[reached, 0] = x_old + t * (x - x_old)
                    cross[reached, 1] = y_old + t * (y - y_old)
                    reached += 1
            dw = w * row[_ALB]
            w -= dw
            absorbed[layer] += dw
            u, s0, s1, s2, s3 = next_uniform(s0, s1, s2, s3)
            hg_e = row[_HG_E]
            if hg_e == 0.0:
                cost = 2.0 * u - 1.0
            else:
                tmp = row[_HG_A] / (row[_HG_B] + row[_HG_C] * u)
                cost = min(max((row[_HG_D] - tmp * tmp) * hg_e, -1.0), 1.0)
            # Azimuth: a point (px, py) uniform in the unit disc gives cos and sin of twice its angle,
            # (px² - py²) / r² and 2 px py / r², for a uniform angle in [0, 2π) [vonneumann1951].
            while True:
                u, s0, s1, s2, s3 = next_uniform(s0, s1, s2, s3)
                v, s0, s1, s2, s3 = next_uniform(s0, s1, s2, s3)
                px = 2.0 * u - 1.0
                py = 2.0 * v - 1.0
                r2 = px * px + py * py
                if 0.0 < r2 <= 1.0:
                    break
            cos_r2 = px * px - py * py  # cos(psi) r²
            sin_r2 = 2.0 * px * py  # sin(psi) r²
            sin2t = 1.0 - cost * cost
            if abs(uz) > COS_ZERO:
                f = math.sqrt(sin2t) / r2
                ux = f * cos_r2
                uy = f * sin_r2
                uz = cost if uz >= 0.0 else -cost
            else:
                # MCML's rotation [wang1992] §3.4 with sin(theta) sqrt(1 - uz²) under one root and
                # one division for both 1 / (sqrt(1 - uz²) r²) and 1 / r².
                one_m = 1.0 - uz * uz
                sr = math.sqrt(sin2t * one_m)
                d1 = 1.0 / (one_m * r2)
                f = sr * d1
                nux = f * (ux * uz * cos_r2 - uy * sin_r2) + ux * cost
                nuy = f * (uy * uz * cos_r2 + ux * sin_r2) + uy * cost
                uz = uz * cost - sr * cos_r2 * (one_m * d1)
                ux = nux
                uy = nuy
            if w < ROULETTE_WEIGHT:
                if w == 0.0:
                    break
                u, s0, s1, s2, s3 = next_uniform(s0, s1, s2, s3)
                if u <= ROULETTE_CHANCE:
                    w /= ROULETTE_CHANCE
                else:
                    break
    return rd, tt
