"""The existing dots against a target: which stay, which the laser takes, which to watch, where to add.

The target (:mod:`smpstudio.repair.target`) gives a density of dots per cm² and a zone per place; every
density is its one estimator (dots within :attr:`CompareRules.density_radius_mm` of a place over the part of
that disc inside the photo, against the target averaged over the same disc). Each dot is:

* ``remove`` for ``outside_hairline`` (ahead of the line by more than
  :attr:`CompareRules.outside_tolerance_mm`), ``blue``, ``blowout``, ``oversize``, ``merged`` (the
  detector's flags, :mod:`smpstudio.repair.rules`) or ``over_dense``: where the other dots stand more than
  :attr:`CompareRules.over_dense_margin` above the target, the dots that bring every dot around there
  down to the target with the fewest removals go, chosen greedily and deterministically: each time the dot
  with the most over-target neighbours (then the most crowded, the nearest neighbour, the lowest index);
* ``watch`` for ``borderline_density`` (more than half the margin above the target, after the thinning)
  or ``faint`` (a contrast under :attr:`CompareRules.faint_contrast_share` of the photo's typical dot);
* ``keep`` otherwise.

The gaps among the dots that stay are then filled up to the target (:mod:`smpstudio.repair.fill`), and
the dots are counted per zone before and after.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.spatial import cKDTree

from smpstudio.errors import InputError
from smpstudio.repair.fill import fill_gaps
from smpstudio.repair.target import ZONE_NAMES, CompareRules, Target, counts_within, disc_stats

__all__ = [
    "DOT_CLASSES",
    "REMOVE_REASONS",
    "WATCH_REASONS",
    "Comparison",
    "ExistingDots",
    "ZoneCount",
    "compare_dots",
]

FloatArray = NDArray[np.float64]
DOT_CLASSES = ("keep", "remove", "watch")
REMOVE_REASONS = ("outside_hairline", "over_dense", "blue", "blowout", "oversize", "merged")
WATCH_REASONS = ("borderline_density", "faint")


@dataclass(frozen=True, eq=False)
class ExistingDots:
    """The detected dots: centres ``x`` right and ``y`` down [px], apparent diameter [mm], contrast
    against the skin [-], the detector's flags, and the photo's typical contrast (None without dots)."""

    x_px: FloatArray
    y_px: FloatArray
    diameter_mm: FloatArray
    contrast: FloatArray
    flags: tuple[tuple[str, ...], ...]
    typical_contrast: float | None = None

    @property
    def count(self) -> int:
        return int(self.x_px.size)


@dataclass(frozen=True, slots=True)
class ZoneCount:
    """One zone's dots before and after, and its density against the target (per cm² of the photo)."""

    zone: str
    area_cm2: float
    target_per_cm2: float
    before: int
    keep: int
    remove: int
    watch: int
    added: int
    after: int
    density_before_per_cm2: float
    density_after_per_cm2: float


@dataclass(frozen=True, eq=False)
class Comparison:
    """Each dot's class, reasons, zone and whether a practitioner set the class; the added dots and the
    scale each is seen at [px/mm]; the counts per zone; densities over the treated area (every zone but
    ``outside``). [per cm²]"""

    classes: tuple[str, ...]
    reasons: tuple[tuple[str, ...], ...]
    corrected: tuple[bool, ...]
    zones: tuple[str, ...]
    local_density_per_cm2: FloatArray
    target_per_cm2: FloatArray
    added_xy_px: FloatArray
    added_px_per_mm: FloatArray
    added_zones: tuple[str, ...]
    zone_counts: tuple[ZoneCount, ...]
    density_before_per_cm2: float
    density_after_per_cm2: float
    target_density_per_cm2: float
    after_over_target_max: float


def _thin(xy: FloatArray, limit: FloatArray, margin: float, radius_px: float) -> NDArray[np.bool_]:
    """Which of ``xy`` the over-density removal takes (see the module docstring); ``limit`` is each dot's
    target count in its disc."""
    m = xy.shape[0]
    removed = np.zeros(m, dtype=bool)
    if m == 0:
        return removed
    tree = cKDTree(xy)
    pairs = tree.query_pairs(radius_px, output_type="ndarray").reshape(-1, 2)
    rows = np.r_[pairs[:, 0], pairs[:, 1], np.arange(m)]
    cols = np.r_[pairs[:, 1], pairs[:, 0], np.arange(m)]
    adj = sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(m, m))
    counts = np.asarray(adj.sum(axis=1)).ravel()
    trigger = counts > limit * (1.0 + margin)
    if not trigger.any():
        return removed
    region = adj @ trigger.astype(np.float64) > 0
    nearest = tree.query(xy, k=2)[0][:, 1] if m > 1 else np.full(1, np.inf)
    crowd = counts / np.maximum(limit, 1e-9)
    present = np.ones(m, dtype=bool)
    while True:
        over = present & region & (counts > limit + 1e-9)
        if not over.any():
            break
        score = adj @ over.astype(np.float64)
        score[~(present & region)] = -1.0
        best = score.max()
        if best <= 0:
            break
        tied = np.flatnonzero(score == best)
        # Worst first: the most crowded, then the nearest neighbour, then the lowest index.
        k = int(tied[np.lexsort((tied, nearest[tied], -crowd[tied]))[0]])
        present[k] = False
        removed[k] = True
        lo, hi = adj.indptr[k], adj.indptr[k + 1]
        counts[adj.indices[lo:hi]] -= 1.0
    return removed


def _corrections(corrections: Mapping[int, str], n: int) -> dict[int, str]:
    out: dict[int, str] = {}
    for index, cls in corrections.items():
        if not isinstance(index, int) or not 0 <= index < n:
            raise InputError(
                f"no dot {index!r}", field="corrections", allowed=f"dot indices 0-{n - 1}" if n else "none"
            )
        if cls not in DOT_CLASSES:
            raise InputError(f"unknown class {cls!r}", field="corrections", allowed=", ".join(DOT_CLASSES))
        out[index] = cls
    return out


def _zone_counts(
    target: Target, zones: NDArray[np.uint8], classes: Sequence[str], added_zones: NDArray[np.uint8]
) -> tuple[ZoneCount, ...]:
    rows, cols = target.shape
    n_r, n_c = target.zone.shape
    h = np.minimum(target.cell_px, rows - np.arange(n_r) * target.cell_px).clip(0)
    w = np.minimum(target.cell_px, cols - np.arange(n_c) * target.cell_px).clip(0)
    cell_cm2 = np.outer(h, w) * target.mm_per_px**2 / 100.0
    cls = np.asarray(classes, dtype=object)
    out = []
    for code, name in enumerate(ZONE_NAMES):
        in_zone = target.zone == code
        area = float(cell_cm2[in_zone].sum())
        mine = zones == code
        counts = {c: int(np.sum(mine & (cls == c))) for c in DOT_CLASSES}
        added = int(np.sum(added_zones == code))
        after = counts["keep"] + counts["watch"] + added
        target_mean = float((target.density_per_cm2 * cell_cm2)[in_zone].sum() / area) if area else 0.0
        out.append(
            ZoneCount(
                zone=name,
                area_cm2=round(area, 4),
                target_per_cm2=round(target_mean, 1),
                before=int(mine.sum()),
                keep=counts["keep"],
                remove=counts["remove"],
                watch=counts["watch"],
                added=added,
                after=after,
                density_before_per_cm2=round(int(mine.sum()) / area, 1) if area else 0.0,
                density_after_per_cm2=round(after / area, 1) if area else 0.0,
            )
        )
    return tuple(out)


def compare_dots(
    dots: ExistingDots,
    target: Target,
    *,
    corrections: Mapping[int, str] | None = None,
    rules: CompareRules | None = None,
    seed: int = 0,
) -> Comparison:
    """Classify every existing dot against ``target``, apply the practitioner's ``corrections``
    (dot index to class) and fill the gaps (see the module docstring).

    Parameters
    ----------
    dots : ExistingDots
        What the detector found.
    target : Target
        :func:`~smpstudio.repair.target.target_from_hairline` or
        :func:`~smpstudio.repair.target.target_from_points`.
    corrections : mapping of int to str
        Classes set by the practitioner, applied after the automatic ones; the fill follows them.
    rules : CompareRules, optional
        Margin, disc radius, tolerance, faint share (default: :class:`CompareRules`' defaults).
    seed : int
        The fill's random candidates (the same seed gives the same plan).
    """
    rules = rules if rules is not None else CompareRules()
    n = dots.count
    fixes = _corrections(corrections or {}, n)
    xy = np.column_stack([dots.x_px, dots.y_px]).astype(np.float64).reshape(n, 2)
    zone = target.zone_at(xy) if n else np.zeros(0, dtype=np.uint8)
    reasons: list[list[str]] = [[] for _ in range(n)]
    for i in range(n):
        if zone[i] == ZONE_NAMES.index("outside"):
            reasons[i].append("outside_hairline")
        reasons[i] += [f for f in ("blue", "blowout", "oversize", "merged") if f in dots.flags[i]]
    active = np.array([not r for r in reasons], dtype=bool)
    radius_px = rules.density_radius_mm / target.mm_per_px
    area, mean = disc_stats(target, xy, rules.density_radius_mm)
    limit = mean * area
    local = counts_within(xy, xy, radius_px) / np.maximum(area, 1e-12)
    idx = np.flatnonzero(active)
    thinned = idx[_thin(xy[idx], limit[idx], rules.over_dense_margin, radius_px)]
    for i in thinned:
        reasons[i].append("over_dense")
    present = active.copy()
    present[thinned] = False
    after_counts = counts_within(xy[present], xy, radius_px)
    typical = dots.typical_contrast
    classes: list[str] = []
    for i in range(n):
        if reasons[i]:
            classes.append("remove")
            continue
        if after_counts[i] > limit[i] * (1.0 + 0.5 * rules.over_dense_margin) + 1e-9:
            reasons[i].append("borderline_density")
        if typical and dots.contrast[i] < rules.faint_contrast_share * typical:
            reasons[i].append("faint")
        classes.append("watch" if reasons[i] else "keep")
    for i, cls in fixes.items():
        classes[i] = cls
    staying = np.array([c != "remove" for c in classes], dtype=bool)
    rng = np.random.default_rng(seed)
    added, added_scale = fill_gaps(target, xy[staying], rules, rng)
    after = np.vstack([xy[staying], added])
    a_area, a_mean = disc_stats(target, after, rules.density_radius_mm)
    a_count = counts_within(after, after, radius_px)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(a_mean * a_area > 0, a_count / (a_mean * a_area), 0.0)
    added_zone = target.zone_at(added) if added.shape[0] else np.zeros(0, dtype=np.uint8)
    counts = _zone_counts(target, zone, classes, added_zone)
    treated = [z for z in counts if z.zone != "outside"]
    t_area = sum(z.area_cm2 for z in treated)
    before_n = sum(z.before for z in treated)
    after_n = sum(z.after for z in treated)
    t_target = sum(z.target_per_cm2 * z.area_cm2 for z in treated)
    return Comparison(
        classes=tuple(classes),
        reasons=tuple(tuple(r) for r in reasons),
        corrected=tuple(i in fixes for i in range(n)),
        zones=tuple(ZONE_NAMES[z] for z in zone),
        local_density_per_cm2=local,
        target_per_cm2=mean,
        added_xy_px=added,
        added_px_per_mm=added_scale,
        added_zones=tuple(ZONE_NAMES[z] for z in added_zone),
        zone_counts=counts,
        density_before_per_cm2=round(before_n / t_area, 1) if t_area else 0.0,
        density_after_per_cm2=round(after_n / t_area, 1) if t_area else 0.0,
        target_density_per_cm2=round(t_target / t_area, 1) if t_area else 0.0,
        after_over_target_max=round(float(ratio.max()) - 1.0, 3) if ratio.size else 0.0,
    )
