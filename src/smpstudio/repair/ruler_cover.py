"""The ruler's strip painted over by the skin beside it, before dot detection: neither its ticks nor its
light strip may reach the detector's estimate of the skin (:mod:`smpstudio.repair.ruler` finds the strip)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

__all__ = ["cover_ruler"]


def cover_ruler(image: NDArray[np.uint8], mask: NDArray[np.bool_], mm_per_px: float) -> NDArray[np.uint8]:
    """The photo with the ruler's strip painted over by the skin beside it, so that neither its ticks nor
    its light strip reach the dot detector's estimate of the skin.

    The skin's colour is the 70th percentile of 0.25 mm block means over 1.5 mm (dots are a minority of
    any such window) where 85 % of the window's blocks are off the strip; the strip takes the nearest such
    colour, smoothed over 0.5 mm, with the skin's own pixel noise added.
    """
    if not mask.any():
        return image
    rows, cols = mask.shape
    block = max(1, round(0.25 / mm_per_px))
    size = max(3, round(1.5 / (block * mm_per_px)) | 1)
    n_r, n_c = -(-rows // block), -(-cols // block)
    pad = ((0, n_r * block - rows), (0, n_c * block - cols))
    free = np.pad((~mask).astype(np.float64), pad).reshape(n_r, block, n_c, block).mean(axis=(1, 3))
    usable = free >= 0.75
    share = ndimage.uniform_filter(usable.astype(np.float64), size, mode="nearest")
    rng = np.random.default_rng(0)
    out = image[:, :, :3].astype(np.float64)
    for ch in range(3):
        plane = out[:, :, ch]
        means = np.pad(plane, pad, mode="edge").reshape(n_r, block, n_c, block).mean(axis=(1, 3))
        level = ndimage.percentile_filter(np.where(usable, means, -1.0), 70.0, size=size, mode="nearest")
        good = (level >= 0) & (share >= 0.85)
        if not good.any():
            return image
        idx = ndimage.distance_transform_edt(~good, return_distances=False, return_indices=True)
        level = level[idx[0], idx[1]]
        skin = ndimage.zoom(level, block, order=1, mode="nearest")[:rows, :cols]
        skin = ndimage.gaussian_filter(skin, max(1.0, 0.5 / mm_per_px))
        grain = plane - ndimage.gaussian_filter(plane, 1.0)
        noise = 1.4826 * float(np.median(np.abs(grain[~mask])))
        out[:, :, ch] = np.where(mask, skin + rng.normal(0.0, noise, mask.shape), plane)
    return np.asarray(np.clip(np.round(out), 0, 255), dtype=np.uint8)
