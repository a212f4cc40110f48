"""The scale of a close-up from a ruler lying in it: the period of its finest graduation ticks.

A practitioner lays a millimetre ruler (or a printed scale strip) on the scalp beside the dots. The ruler is
a straight band of dark ticks on a light strip, all perpendicular to its axis, one every ``tick_mm``
(1 mm on a millimetre ruler, 0.5 mm on a half-millimetre scale). Its period in pixels gives the scale,
``mm_per_px = tick_mm / period_px``.

1. Axis: the dominant orientations of the structure tensor (Bigün, Granlund & Wiklund 1991 [bigun1991])
   on a working copy of at most about 1000 px: the ticks' edges all share one gradient direction, the
   ruler's axis. The strongest orientations and their perpendiculars are each tried (a ruler's long edges
   have the perpendicular one).
2. Band: the photo is resampled with that axis horizontal; the rows where the gradient along the axis
   outweighs the gradient across it are the tick band (SMP dots are round: both weigh the same).
3. Period: the autocorrelation of the band's mean profile; the shortest lag whose peak is near the highest
   (a comb of narrow ticks has peaks at every multiple of its period and none at half of it), refined by a
   parabola through the peak and its neighbours.
4. Sub-pixel: the band is resampled at full resolution in a few strips across it; each tick's centre is the
   iterated centroid of its darkness, and one least-squares fit ``u = a + b k + c v`` over all strips gives
   the spacing ``b`` along the resampled rows and the ticks' residual tilt ``c``: the period is
   ``b / sqrt(1 + c^2)``, the spacing square to the ticks, so that a slightly wrong axis does not bias it.
5. Confidence (0-1): the share of the ticks expected over the ruler's span (per strip, the longest run on
   the comb) that were found on the fitted comb, times how regular they are (their RMS distance from it
   against 5 % of the period), times how much the band is made of lines across the axis
   (:data:`LINES_SHARE`), times the ticks
   per strip over :data:`FULL_TICKS` (at most 1).

The ruler's strip (the tick band, grown over the light strip on either side and along it while it stays
light, plus a margin) is left out of dot detection: its ticks, numbers and edges are not dots.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

__all__ = ["MIN_CONFIDENCE", "MIN_TICKS", "RulerFit", "find_ruler"]

FloatArray = NDArray[np.float64]

#: A ruler is taken only at this confidence or more (a choice here, from the synthetic rulers and dot
#: fields of the tests: rulers, printed strips 8 mm long included, score 0.75 or more, dots alone 0.2 or
#: less). [-]
MIN_CONFIDENCE = 0.6
#: Fewest ticks on the fitted comb (six millimetres of a millimetre ruler). [-]
MIN_TICKS = 6
#: Share of the tick band's gradient energy along the axis that counts for nothing, and for full
#: confidence: round dots share it about evenly (0.5-0.8 over a dot field's best band), a ruler's ticks
#: put almost all of it along the axis (0.95 and more on the synthetic rulers). [-]
LINES_SHARE = (0.7, 0.9)
#: Ticks per strip across the band for full confidence (a centimetre of a millimetre ruler); fewer lower
#: it in proportion: a short comb is what a field of dots can mimic. [-]
FULL_TICKS = 10
#: Longest side of the working copy used to find the ruler. [px]
WORKING_SIDE_PX = 1024
#: Margin left around the ruler's strip (its edge's blur and shadow). [mm]
MARGIN_MM = 0.3
#: Widest light strip taken as the ruler's body on either side of the tick band. [mm]
MAX_STRIP_MM = 30.0
#: Luma weights of Rec. 709 (IEC 61966-2-1 [iec61966-2-1]), on the 8-bit code values. [-]
_LUMA = np.array([0.2126, 0.7152, 0.0722])


@dataclass(frozen=True)
class RulerFit:
    """A ruler found in a photo.

    Attributes
    ----------
    period_px : float
        Spacing of its finest ticks, square to them. [px]
    mm_per_px : float
        Scale, ``tick_mm / period_px``. [mm/px]
    confidence : float
        0-1 (see the module's notes).
    angle_deg : float
        Direction of its axis from the x axis towards y (down), 0-180. [deg]
    ticks : int
        Ticks on the fitted comb (over all strips). [-]
    corners_px : tuple of (x, y)
        The strip left out of dot detection, four corners in the photo's pixels. [px]
    """

    period_px: float
    mm_per_px: float
    confidence: float
    angle_deg: float
    ticks: int
    corners_px: tuple[tuple[float, float], ...]

    def mask(self, shape: tuple[int, int]) -> NDArray[np.bool_]:
        """Pixels of a ``(rows, cols)`` photo inside the ruler's strip."""
        corners = np.array(self.corners_px)
        a = corners[1] - corners[0]
        n = corners[3] - corners[0]
        yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
        dx, dy = xx - corners[0][0], yy - corners[0][1]
        s = (dx * a[0] + dy * a[1]) / max(float(a @ a), 1e-9)
        t = (dx * n[0] + dy * n[1]) / max(float(n @ n), 1e-9)
        return np.asarray((s >= 0) & (s <= 1) & (t >= 0) & (t <= 1), dtype=bool)


@dataclass(frozen=True)
class _Frame:
    """A resampling with the axis at ``angle`` (radians) horizontal: x = cx + u cos - v sin,
    y = cy + u sin + v cos, u and v from ``-half`` in steps of one pixel."""

    cx: float
    cy: float
    angle: float
    half: int

    def xy(self, u: FloatArray, v: FloatArray) -> tuple[FloatArray, FloatArray]:
        c, s = math.cos(self.angle), math.sin(self.angle)
        return self.cx + u * c - v * s, self.cy + u * s + v * c

    def sample(self, gray: FloatArray, u: FloatArray, v: FloatArray) -> FloatArray:
        """``gray`` at the grid ``v`` (rows) x ``u`` (columns); NaN outside the photo."""
        uu, vv = np.meshgrid(u, v)
        x, y = self.xy(uu, vv)
        out = ndimage.map_coordinates(gray, [y, x], order=1, mode="constant", cval=np.nan)
        return np.asarray(out, dtype=np.float64)


def _gray(image: NDArray[np.uint8]) -> FloatArray:
    return np.asarray(image[:, :, :3].astype(np.float64) @ _LUMA / 255.0, dtype=np.float64)


def _shrink(gray: FloatArray, factor: int) -> FloatArray:
    if factor == 1:
        return gray
    rows, cols = (gray.shape[0] // factor) * factor, (gray.shape[1] // factor) * factor
    view = gray[:rows, :cols].reshape(rows // factor, factor, cols // factor, factor)
    return np.asarray(view.mean(axis=(1, 3)), dtype=np.float64)


def _axis_candidates(work: FloatArray, count: int = 3) -> list[float]:
    """Axis angles (radians, 0-pi) to try: the strongest structure-tensor orientations and their
    perpendiculars."""
    smooth = ndimage.gaussian_filter(work, 1.0)
    gx = ndimage.sobel(smooth, axis=1)
    gy = ndimage.sobel(smooth, axis=0)
    jxx = ndimage.gaussian_filter(gx * gx, 2.0)
    jyy = ndimage.gaussian_filter(gy * gy, 2.0)
    jxy = ndimage.gaussian_filter(gx * gy, 2.0)
    energy = np.hypot(jxx - jyy, 2.0 * jxy)
    theta = 0.5 * np.arctan2(2.0 * jxy, jxx - jyy) % np.pi
    hist, _ = np.histogram(theta, bins=180, range=(0.0, np.pi), weights=energy**2)
    hist = ndimage.gaussian_filter1d(hist, 2.0, mode="wrap")
    peaks = [i for i in range(180) if hist[i] >= hist[i - 1] and hist[i] >= hist[(i + 1) % 180]]
    peaks.sort(key=lambda i: -hist[i])
    out: list[float] = []
    for i in peaks[:count]:
        # Parabolic refinement of the histogram's peak, in bins of one degree.
        lo, mid, hi = hist[i - 1], hist[i], hist[(i + 1) % 180]
        den = lo - 2.0 * mid + hi
        shift = 0.5 * (lo - hi) / den if den < 0 else 0.0
        for angle in ((i + 0.5 + shift) * np.pi / 180.0, (i + 90.5 + shift) * np.pi / 180.0):
            angle %= np.pi
            if all(abs((angle - a + np.pi / 2) % np.pi - np.pi / 2) > np.radians(4.0) for a in out):
                out.append(angle)
    return out


def _band(rot: FloatArray) -> tuple[int, int, float] | None:
    """Rows of the tick band in a resampled copy, and the share of its gradient energy along the axis."""
    d_u = np.gradient(rot, axis=1)
    d_v = np.gradient(rot, axis=0)
    valid = np.isfinite(d_u) & np.isfinite(d_v)
    counts = valid.sum(axis=1)
    along = np.where(valid, d_u * d_u, 0.0).sum(axis=1)
    across = np.where(valid, d_v * d_v, 0.0).sum(axis=1)
    enough = counts >= 0.25 * counts.max()
    score = np.where(enough, (along - across) / np.maximum(counts, 1), 0.0)
    score = ndimage.gaussian_filter1d(score, 1.0)
    top = int(np.argmax(score))
    if score[top] <= 0:
        return None
    inside = score >= 0.35 * score[top]
    lo, hi = top, top
    while lo > 0 and inside[lo - 1]:
        lo -= 1
    while hi < score.size - 1 and inside[hi + 1]:
        hi += 1
    share = float(along[lo : hi + 1].sum() / max(along[lo : hi + 1].sum() + across[lo : hi + 1].sum(), 1e-12))
    return lo, hi + 1, share


def _period(profile: FloatArray, lo_px: float, hi_px: float) -> float | None:
    """Period of a tick comb from the autocorrelation of its profile (``lo_px``-``hi_px``)."""
    n = profile.size
    d = profile - ndimage.gaussian_filter1d(profile, max(n / 8.0, 3.0), mode="nearest")
    d = d - d.mean()
    spec = np.fft.rfft(d, 2 * n)
    acf = np.fft.irfft(spec * np.conj(spec))[:n] / np.arange(n, 0, -1)
    acf = acf / max(float(acf[0]), 1e-12)
    first, last = max(2, math.floor(lo_px)), min(n // 4, math.ceil(hi_px))
    if last - first < 2:
        return None
    lags = np.arange(first, last + 1)
    peaks = [int(t) for t in lags if acf[t] > 0 and acf[t] >= acf[t - 1] and acf[t] >= acf[t + 1]]
    if not peaks:
        return None
    best = max(acf[t] for t in peaks)
    t = min(p for p in peaks if acf[p] >= 0.6 * best)
    den = acf[t - 1] - 2.0 * acf[t] + acf[t + 1]
    return float(t + (0.5 * (acf[t - 1] - acf[t + 1]) / den if den < 0 else 0.0))


def _ticks(profile: FloatArray, period: float) -> tuple[FloatArray, FloatArray]:
    """Tick centres (iterated centroid of darkness) and depths along one profile, one per period."""
    d = ndimage.gaussian_filter1d(profile, 1.5 * period, mode="nearest") - profile
    n = d.size
    u = np.arange(n, dtype=np.float64)
    phase = -np.angle(np.sum(d * np.exp(-2j * np.pi * u / period))) * period / (2.0 * np.pi) % period
    centres, depths = [], []
    half = max(2.0, 0.2 * period)
    for k in range(int((n - 1 - phase) // period) + 1):
        guess = phase + k * period
        a, b = int(max(0, math.floor(guess - 0.5 * period))), int(min(n, math.ceil(guess + 0.5 * period)))
        if b - a < 0.8 * period:
            continue
        window = d[a:b]
        base = float(np.median(window))
        c = a + float(np.argmax(window))
        for _ in range(5):
            w = np.clip(half + 0.5 - np.abs(u[a:b] - c), 0.0, 1.0) * np.maximum(window - base, 0.0)
            if w.sum() <= 0:
                break
            c = float(np.sum(w * u[a:b]) / w.sum())
        centres.append(c)
        depths.append(float(window.max()) - base)
    return np.array(centres), np.array(depths)


def _fit_comb(
    strips: list[tuple[float, FloatArray]], period: float
) -> tuple[float, float, int, int, float, float] | None:
    """Joint fit of the ticks of all strips: spacing along the rows [px], tilt, ticks on the comb, ticks
    expected over its span, their RMS distance from it [px] and the ticks per strip."""
    rows: list[tuple[float, float, float]] = []
    for at, profile in strips:
        centres, depths = _ticks(profile, period)
        if centres.size < MIN_TICKS:
            continue
        strong = depths >= 0.4 * float(np.median(depths))
        rows.extend((float(c), at, 1.0) for c in centres[strong])
    if len(rows) < MIN_TICKS:
        return None
    pts = np.array(rows)
    u, v = pts[:, 0], pts[:, 1] - float(np.mean(pts[:, 1]))
    ref = float(u[np.argmin(np.abs(u - np.median(u)))])  # a tick, so that no tick rounds from +-0.5
    k = np.round((u - ref) / period)
    keep = np.ones(len(pts), dtype=bool)
    coef = np.array([ref, period, 0.0])
    res = u - ref - period * k
    for _ in range(4):
        design = np.column_stack([np.ones(keep.sum()), k[keep], v[keep]])
        coef = np.linalg.lstsq(design, u[keep], rcond=None)[0]
        res = u - (coef[0] + coef[1] * k + coef[2] * v)
        scale = 1.4826 * float(np.median(np.abs(res[keep])))
        keep = np.abs(res) <= max(3.0 * scale, 0.3)
        if keep.sum() < MIN_TICKS:
            return None
        k = np.round((u - coef[0] - coef[2] * v) / coef[1])
        res = u - (coef[0] + coef[1] * k + coef[2] * v)
    # Per strip, the longest run of ticks on the comb (gaps of one missing tick allowed): a dark spot
    # beyond the ruler's end that happens to fall on the comb neither counts nor stretches its span.
    found = expected = 0
    strips_used = np.unique(pts[keep, 1])
    for at in strips_used:
        ks = np.sort(k[keep & (pts[:, 1] == at)])
        runs = np.split(ks, np.flatnonzero(np.diff(ks) > 2) + 1)
        best = max(runs, key=len)
        found += len(best)
        expected += int(best[-1] - best[0]) + 1
    if found < MIN_TICKS:
        return None
    rms = float(np.sqrt(np.mean(res[keep] ** 2)))
    return float(coef[1]), float(coef[2]), found, expected, rms, found / len(strips_used)


def _extent(
    rot: FloatArray, rows: tuple[int, int], cols: tuple[int, int], limit: int
) -> tuple[int, int, int, int]:
    """Grow the tick band over the ruler's light strip: rows and columns while they stay lighter than
    halfway between the strip and the skin."""
    lo, hi = rows
    band = rot[lo:hi, cols[0] : cols[1]]
    strip = float(np.nanpercentile(band, 90))
    outside = np.r_[rot[:lo].ravel(), rot[hi:].ravel()]
    outside = outside[np.isfinite(outside)]
    skin = float(np.median(outside)) if outside.size else strip
    if strip - skin < 0.05:
        return lo, hi, cols[0], cols[1]
    mid = 0.5 * (strip + skin)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        row_level = np.nanmedian(rot[:, cols[0] : cols[1]], axis=1)
    top, bottom = lo, hi
    while top > max(lo - limit, 0) and row_level[top - 1] >= mid:
        top -= 1
    while bottom < min(hi + limit, rot.shape[0]) and row_level[bottom] >= mid:
        bottom += 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        col_level = ndimage.uniform_filter1d(np.nan_to_num(np.nanmean(rot[top:bottom], axis=0)), 5)
    left, right = cols
    while left > 0 and col_level[left - 1] >= mid:
        left -= 1
    while right < rot.shape[1] and col_level[right] >= mid:
        right += 1
    return top, bottom, left, right


def _try_axis(
    gray: FloatArray,
    work: FloatArray,
    factor: int,
    angle: float,
    period_px: tuple[float, float],
    tick_mm: float,
) -> tuple[float, RulerFit] | None:
    rows_w, cols_w = work.shape
    half = math.ceil(0.5 * math.hypot(rows_w, cols_w))
    frame = _Frame(0.5 * (cols_w - 1), 0.5 * (rows_w - 1), angle, half)
    axis = np.arange(-half, half + 1, dtype=np.float64)
    rot = frame.sample(work, axis, axis)
    band = _band(rot)
    if band is None:
        return None
    lo, hi, share = band
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        profile = np.nanmean(rot[lo:hi], axis=0)
    valid = np.flatnonzero(np.isfinite(profile))
    if valid.size < 16:
        return None
    c0, c1 = int(valid[0]), int(valid[-1]) + 1
    period_w = _period(profile[c0:c1], period_px[0] / factor, period_px[1] / factor)
    if period_w is None:
        return None
    # Full resolution: the same frame, scaled; the band in up to four strips across it.
    full = _Frame(factor * frame.cx + 0.5 * (factor - 1), factor * frame.cy + 0.5 * (factor - 1), angle, 0)
    u = np.arange(factor * (c0 - half), factor * (c1 - half), dtype=np.float64)
    v_lo, v_hi = factor * (lo - half), factor * (hi - half)
    n_strips = int(np.clip((v_hi - v_lo) // 4, 1, 4))
    edges = np.linspace(v_lo, v_hi, n_strips + 1)
    strips: list[tuple[float, FloatArray]] = []
    for a, b in itertools.pairwise(edges):
        block = full.sample(gray, u, np.arange(a, max(b, a + 1), dtype=np.float64))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            prof = np.nanmean(block, axis=0)
        ok = np.isfinite(prof)
        if ok.sum() < 16:
            continue
        prof = np.interp(np.arange(prof.size), np.flatnonzero(ok), prof[ok])
        strips.append((0.5 * (a + b), prof))
    fit = _fit_comb(strips, period_w * factor)
    if fit is None:
        return None
    step, tilt, ticks, expected, rms, per_strip = fit
    period = step / math.sqrt(1.0 + tilt * tilt)
    regular = math.exp(-((rms / (0.05 * period)) ** 2))
    lines = float(np.clip((share - LINES_SHARE[0]) / (LINES_SHARE[1] - LINES_SHARE[0]), 0.0, 1.0))
    enough = min(1.0, per_strip / FULL_TICKS)
    confidence = min(1.0, ticks / max(expected, 1)) * regular * lines * enough
    limit = max(1, round(MAX_STRIP_MM * period / tick_mm / factor))
    top, bottom, left, right = _extent(rot, (lo, hi), (c0, c1), limit)
    corners_w = [(left, top), (right, top), (right, bottom), (left, bottom)]
    corners = []
    for cu, cv in corners_w:
        x, y = full.xy(np.array(factor * (cu - half - 0.5)), np.array(factor * (cv - half - 0.5)))
        corners.append((float(x), float(y)))
    fit_out = RulerFit(
        period_px=period,
        mm_per_px=0.0,
        confidence=confidence,
        angle_deg=math.degrees((angle - math.atan(tilt)) % math.pi),
        ticks=ticks,
        corners_px=tuple(corners),
    )
    return confidence, fit_out


def _padded(fit: RulerFit, margin_px: float) -> tuple[tuple[float, float], ...]:
    c = np.array(fit.corners_px)
    a = c[1] - c[0]
    n = c[3] - c[0]
    a_hat = a / max(float(np.linalg.norm(a)), 1e-9)
    n_hat = n / max(float(np.linalg.norm(n)), 1e-9)
    signs = ((-1, -1), (1, -1), (1, 1), (-1, 1))
    return tuple(
        (float(p[0]), float(p[1]))
        for p in (c[i] + margin_px * (sa * a_hat + sn * n_hat) for i, (sa, sn) in enumerate(signs))
    )


def find_ruler(
    image: NDArray[np.uint8], tick_mm: float, mm_per_px_range: tuple[float, float]
) -> RulerFit | None:
    """Find a ruler in a close-up and its finest ticks' period.

    Parameters
    ----------
    image : ndarray of shape (M, N, 3), uint8
        The photo, sRGB.
    tick_mm : float
        Spacing of the ruler's finest graduation ticks (1 for a millimetre ruler). [mm]
    mm_per_px_range : tuple of float
        Scales to search; the period is looked for between ``tick_mm / range[1]`` and
        ``tick_mm / range[0]`` pixels. [mm/px]

    Returns
    -------
    RulerFit or None
        The most confident ruler, whatever its confidence (compare with :data:`MIN_CONFIDENCE`); None
        when nothing like a tick comb is in the photo.
    """
    gray = _gray(image)
    factor = max(1, math.ceil(max(gray.shape) / WORKING_SIDE_PX))
    work = _shrink(gray, factor)
    period_px = (max(tick_mm / mm_per_px_range[1], 3.0 * factor), tick_mm / mm_per_px_range[0])
    best: tuple[float, RulerFit] | None = None
    for angle in _axis_candidates(work):
        found = _try_axis(gray, work, factor, angle, period_px, tick_mm)
        if found is not None and (best is None or found[0] > best[0]):
            best = found
    if best is None:
        return None
    fit = best[1]
    mm_per_px = tick_mm / fit.period_px
    return RulerFit(
        period_px=fit.period_px,
        mm_per_px=mm_per_px,
        confidence=fit.confidence,
        angle_deg=fit.angle_deg,
        ticks=fit.ticks,
        corners_px=_padded(fit, MARGIN_MM / mm_per_px),
    )
