"""Monte Carlo light transport in layered tissue with MCML semantics: the driver of the compiled loop.

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
interaction site, spins by Henyey-Greenstein scattering (Henyey & Greenstein 1941, [henyey1941]; the
azimuth's cosine and sine by von Neumann 1951, [vonneumann1951]), and plays Russian roulette below
weight 1e-4 (survival 1 in 10). Lengths in mm, coefficients in mm⁻¹. The loop itself is
:mod:`smpstudio.skin.wang1995_kernel`; the tallies are
:class:`~smpstudio.skin.transport_result.TransportResult`.

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

Photons run in batches, each with its own xoshiro256** stream (Blackman & Vigna [blackman2018]) seeded
by splitmix64 (Steele, Lea & Flood 2014 [steele2014]) from ``(seed, batch)``
(:mod:`smpstudio.skin.blackman2018`). Threads take the batches one at a time as they come free, so a
thread slowed by other work on the machine holds up the run by one batch at most; each batch tallies
into its own row and the rows are summed in batch order: results are identical for a seed whatever the
thread count, and the spread of the batch means gives the standard errors.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
import time
from collections.abc import Callable

import numba as nb
import numpy as np
from numpy.typing import NDArray

from smpstudio.errors import check_range
from smpstudio.skin.layers import LayerStack
from smpstudio.skin.transport_result import TransportResult
from smpstudio.skin.wang1995_kernel import layer_table, run_batch

__all__ = ["TransportResult", "available_cores", "simulate"]

FloatArray = NDArray[np.float64]

#: Photons above which counts are refused (a run that long belongs to a batch job). [-]
MAX_PHOTONS = 2_000_000_000
#: Default photons per batch: enough for a batch mean to be near normal, few enough that two threads
#: share a 10⁴-photon run evenly. [-]
PHOTONS_PER_BATCH = 250
#: Default largest number of batches (samples of the standard error). [-]
MAX_BATCHES = 64
#: Progress reports per run (besides the last). [-]
PROGRESS_PARTS = 8


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


def _run_batches(
    run_one: Callable[[int], None],
    batches: int,
    threads: int,
    on_batch_done: Callable[[int], None],
) -> None:
    """Run ``run_one(b)`` for every batch on ``threads`` threads, the caller's among them.

    Each thread takes the next batch index from a shared counter; ``on_batch_done(count)`` is called
    from the calling thread with the number of batches finished so far.
    """
    taken = itertools.count()
    finished = itertools.count(1)
    failures: list[BaseException] = []
    last = [0]

    def work(report: bool) -> None:
        try:
            while True:
                b = next(taken)
                if b >= batches or failures:
                    return
                run_one(b)
                count = next(finished)
                last[0] = max(last[0], count)
                if report:
                    on_batch_done(last[0])
        except BaseException as exc:  # re-raised in the calling thread
            failures.append(exc)

    helpers = [threading.Thread(target=work, args=(False,), daemon=True) for _ in range(threads - 1)]
    for helper in helpers:
        helper.start()
    work(True)
    for helper in helpers:
        helper.join()
    if failures:
        raise failures[0]


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
        Random streams, units of parallel work and samples of the standard error, 1 to ``photons``;
        default ``min(64, max(1, photons // 250))``.
    radial_bins : tuple of (float, int), default (0.01, 200)
        ``(dr, count)`` of the radial diffuse-reflectance profile: bin width [mm] and number of bins.
    spread_depths_mm : tuple of float, default ()
        Probe depths for the lateral spread of returning light. [mm]
    spread_bins : tuple of (float, int), default (0.01, 300)
        ``(dr, count)`` of the lateral-spread histograms: bin width [mm] and number of bins.
    progress : callable, optional
        Called as ``progress(photons_done, photons)`` about eight times during the run and once at its
        end, always from the calling thread.

    Returns
    -------
    result : TransportResult
        Specular reflectance, diffuse reflectance, absorption per layer and total transmittance as
        fractions of the incident light [-], their standard errors [-], and the radial [mm⁻²] and
        lateral-spread profiles.

    Raises
    ------
    InputError
        If ``photons``, ``seed`` or ``batches`` is out of range.

    Notes
    -----
    A packet enters with weight ``1 - R_sp``, the specular reflectance at normal incidence

    .. math:: R_{sp} = \\left(\\frac{n_0 - n_1}{n_0 + n_1}\\right)^2

    (with the multiple reflections inside a clear first layer, as MCML [1]_ [2]_). It hops
    ``s = -ln(ξ) / (mua + mus)`` for a uniform ξ, deposits ``w mua / (mua + mus)`` at each
    interaction and scatters by the Henyey-Greenstein phase function [4]_,

    .. math:: \\cos\\theta = \\frac{1}{2g}\\left[1 + g^2
       - \\left(\\frac{1 - g^2}{1 - g + 2g\\xi}\\right)^2\\right]

    (``2ξ - 1`` for g = 0), as in Prahl et al. [3]_; the azimuth is uniform, its cosine and sine drawn
    without trigonometric functions by von Neumann's method [6]_. The batches run on
    ``numba.get_num_threads()`` threads, each batch on its own random stream, taken in turn by whichever
    thread is free; the tallies are summed in batch order. Published cases ([2]_ Tables 6.1-6.2):

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
    .. [6] J. von Neumann, "Various techniques used in connection with random digits," National Bureau
       of Standards Applied Mathematics Series 12, 36-38, 1951.

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
        batches = int(min(MAX_BATCHES, max(1, photons // PHOTONS_PER_BATCH)))
    check_range("batches", batches, 1, photons)
    per = np.full(batches, photons // batches, dtype=np.int64)
    per[: photons % batches] += 1
    arr = stack.arrays()
    rsp = _specular(stack)
    # As MCML: past a clear (glass) first layer, photons start at the top of the second.
    start = 1 if arr["mua"][0] == 0.0 and arr["mus"][0] == 0.0 and len(stack.layers) > 1 else 0
    w0 = 1.0 - rsp
    table = layer_table(arr, float(stack.n_above), float(stack.n_below))
    probes = np.asarray(sorted(spread_depths_mm), dtype=np.float64)
    dr, nr = float(radial_bins[0]), int(radial_bins[1])
    sdr, sn = float(spread_bins[0]), int(spread_bins[1])
    rd = np.zeros(batches)
    tt = np.zeros(batches)
    absorbed = np.zeros((batches, table.shape[0]))
    radial = np.zeros((batches, nr))
    spread = np.zeros((batches, probes.size, sn))
    scratch = threading.local()

    def run_one(b: int) -> None:
        cross = getattr(scratch, "cross", None)
        if cross is None:
            cross = scratch.cross = np.empty((probes.size, 2))
        rd[b], tt[b] = run_batch(
            int(per[b]),
            int(seed),
            b,
            w0,
            start,
            table,
            probes,
            dr,
            sdr,
            absorbed[b],
            radial[b],
            spread[b],
            cross,
        )

    done_at = np.cumsum(per)
    reported = [0]

    def on_batch_done(count: int) -> None:
        part = count * PROGRESS_PARTS // batches
        if progress is not None and part > reported[0] and count < batches:
            reported[0] = part
            progress(int(done_at[count - 1]), photons)

    threads = max(1, min(nb.get_num_threads(), batches))
    t0 = time.perf_counter()
    _run_batches(run_one, batches, threads, on_batch_done)
    seconds = time.perf_counter() - t0
    if progress is not None:
        progress(photons, photons)
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
    return TransportResult(
        specular=rsp,
        diffuse_reflectance=rd_m,
        absorbed_per_layer=absorbed.sum(axis=0) / total,
        transmittance=tt_m,
        stderr={"diffuse_reflectance": rd_se, "absorbed": a_se, "transmittance": tt_se},
        photons=photons,
        seconds=seconds,
        radial_r_mm=r_centres,
        radial_rd_per_mm2=radial.sum(axis=0) / total / area,
        spread_depths_mm=probes,
        spread_r_mm=((np.arange(sn) + 0.5) * sdr).astype(np.float64),
        spread_weight=spread.sum(axis=0) / total,
    )


def available_cores() -> int:
    """Cores this process may use (its CPU affinity where the platform reports one). [-]"""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
