"""Things in a close-up that are not dots, for the synthetic close-ups (:mod:`smpstudio.repair.synthetic`):
pores, freckles, a mole, cut stubble hairs lying on the skin, a long hair shaft and specular highlights.
Their sizes and colours are illustrative (melanin-brown darkening, white highlights), chosen to test the
detector's rules, not a model of skin."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from smpstudio.repair.drawing import splat_lines, splat_spots

__all__ = ["draw_decoys", "draw_highlights"]

FloatArray = NDArray[np.float64]

#: Peak darkening per linear-sRGB channel of the decoys (illustrative: melanin takes more blue than red).
_DECOY_DARKENING = {
    "pore": (0.16, 0.21, 0.27),
    "freckle": (0.10, 0.17, 0.26),
    "mole": (0.45, 0.56, 0.64),
    "stubble": (0.55, 0.62, 0.70),
    "hair": (0.55, 0.62, 0.70),
}


def _free(r: float, c: float, r_mm: FloatArray, c_mm: FloatArray, clearance_mm: float) -> bool:
    return r_mm.size == 0 or float(np.min(np.hypot(r_mm - r, c_mm - c))) >= clearance_mm


def draw_decoys(
    trans: FloatArray,
    rng: np.random.Generator,
    r_mm: FloatArray,
    c_mm: FloatArray,
    hairline: FloatArray,
    shape_mm: tuple[float, float],
    px: float,
) -> list[tuple[str, float, float]]:
    """Pores, freckles, moles, stubble and a hair shaft, away from the dots."""
    out: list[tuple[str, float, float]] = []
    front = float(np.min(hairline)) - 0.8
    spots: list[tuple[float, float, float, FloatArray, float]] = []
    per = max(1, round(shape_mm[0] * shape_mm[1] / 400.0))  # the counts are per 4 cm²
    wanted = {"pore": 8 * per, "freckle": 2, "mole": 1}
    sizes = {"pore": (0.06, 0.1), "freckle": (1.2, 1.8), "mole": (1.2, 1.6)}
    for kind, count in wanted.items():
        placed, tries = 0, 0
        while placed < count and tries < 2000:
            tries += 1
            w = rng.uniform(*sizes[kind])
            top = w if kind != "pore" else 0.2
            bottom = front - w if kind != "pore" else shape_mm[0] - 0.2
            if bottom <= top:
                break
            r, c = rng.uniform(top, bottom), rng.uniform(w, shape_mm[1] - w)
            if not _free(r, c, r_mm, c_mm, 0.45 + w) or any(
                math.hypot(r - a, c - b) < w + s for a, b, s, _, _ in spots
            ):
                continue
            dark = np.array(_DECOY_DARKENING[kind]) * rng.uniform(0.85, 1.15)
            spots.append((r, c, w, dark, 4.0 if kind == "mole" else 2.0))
            out.append((kind, r * px, c * px))
            placed += 1
    for power in (2.0, 4.0):
        chosen = [s for s in spots if s[4] == power]
        if chosen:
            splat_spots(
                trans,
                np.array([s[0] for s in chosen]) * px,
                np.array([s[1] for s in chosen]) * px,
                np.array([s[2] for s in chosen]) * px,
                np.array([s[3] for s in chosen]),
                power,
            )
    ends, widths, darks = [], [], []
    placed, tries = 0, 0
    while placed < 10 * per and tries < 4000 * per:
        tries += 1
        r, c, length, theta = (
            rng.uniform(0.5, shape_mm[0] - 0.5),
            rng.uniform(0.5, shape_mm[1] - 0.5),
            rng.uniform(0.3, 0.6),
            rng.uniform(0, np.pi),
        )
        dr, dc = 0.5 * length * math.sin(theta), 0.5 * length * math.cos(theta)
        if not all(_free(r + t * dr, c + t * dc, r_mm, c_mm, 0.5) for t in (-1.0, 0.0, 1.0)):
            continue
        ends.append((r - dr, c - dc, r + dr, c + dc))
        widths.append(0.08)
        darks.append(np.array(_DECOY_DARKENING["stubble"]))
        out.append(("stubble", r * px, c * px))
        placed += 1
    if front > 1.5:
        r = rng.uniform(0.6, front - 0.6)
        ends.append((r - 0.4, 1.0, r + 0.4, shape_mm[1] - 1.0))
        widths.append(0.07)
        darks.append(np.array(_DECOY_DARKENING["hair"]))
        out.append(("hair", r * px, 0.5 * shape_mm[1] * px))
    if ends:
        splat_lines(trans, np.array(ends) * px, np.array(widths) * px, np.array(darks))
    return out


def draw_highlights(
    linear: FloatArray,
    rng: np.random.Generator,
    r_mm: FloatArray,
    c_mm: FloatArray,
    shape_mm: tuple[float, float],
    px: float,
    out: list[tuple[str, float, float]],
) -> None:
    """Add specular highlights (white, additive) away from the dots."""
    rows: list[float] = []
    cols: list[float] = []
    amps: list[float] = []
    widths: list[float] = []
    tries = 0
    per = max(1, round(shape_mm[0] * shape_mm[1] / 400.0))
    while len(rows) < 8 * per and tries < 2000 * per:
        tries += 1
        r, c, w = (
            rng.uniform(0.5, shape_mm[0] - 0.5),
            rng.uniform(0.5, shape_mm[1] - 0.5),
            rng.uniform(0.15, 0.5),
        )
        if not _free(r, c, r_mm, c_mm, 0.4 + w):
            continue
        rows.append(r * px)
        cols.append(c * px)
        widths.append(w * px)
        amps.append(rng.uniform(0.3, 0.7))
        out.append(("highlight", r * px, c * px))
    if rows:
        gain = np.ones(linear.shape, dtype=np.float64)
        peak = -np.repeat(np.array(amps)[:, None], 3, axis=1)
        splat_spots(gain, np.array(rows), np.array(cols), np.array(widths), peak, 2.0)
        linear += gain - 1.0
