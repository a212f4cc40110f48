"""The depth sweep chart: what a dot looks like as it goes deeper (Matplotlib's Figure API, PNG bytes)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle

from smpstudio.skin.appearance import DotAppearance

__all__ = ["sweep_chart"]


def sweep_chart(depths_mm: Sequence[float], results: Sequence[DotAppearance], *, title: str) -> bytes:
    """Swatches of the dot on its skin per depth, the blue/red ratios, contrast (ΔE2000) and blur, as
    PNG bytes."""
    fig = Figure(figsize=(10, 8), dpi=120)
    grid = fig.add_gridspec(3, 1, height_ratios=[1.1, 1.3, 1.3], hspace=0.45)
    ax0 = fig.add_subplot(grid[0])
    n = len(depths_mm)
    for i, (d, r) in enumerate(zip(depths_mm, results, strict=True)):
        ax0.add_patch(Rectangle((i, 0), 0.92, 1, color=r.skin_srgb))
        ax0.add_patch(Circle((i + 0.46, 0.5), 0.3, color=r.dot_srgb))
        ax0.text(i + 0.46, -0.18, f"{d:g} mm", ha="center", va="top", fontsize=9)
    ax0.set_xlim(-0.1, n)
    ax0.set_ylim(-0.45, 1.05)
    ax0.axis("off")
    ax0.set_title(title, fontsize=11)
    ax1 = fig.add_subplot(grid[1])
    ax1.plot(depths_mm, [r.blue_red_ratio_dot for r in results], "o-", color="#2a5caa", label="over the dot")
    ax1.plot(depths_mm, [r.blue_red_ratio_skin for r in results], "s--", color="#b5651d", label="bare skin")
    ax1.set_ylabel("blue / red (linear sRGB)")
    ax1.set_xlabel("depth of the pigment deposit [mm]")
    ax1.legend(frameon=False)
    ax1.grid(alpha=0.3)
    ax2 = fig.add_subplot(grid[2])
    ax2.plot(depths_mm, [r.delta_e2000 for r in results], "o-", color="#333333", label="contrast ΔE2000")
    ax2.set_ylabel("ΔE2000 dot vs skin")
    ax2.set_xlabel("depth of the pigment deposit [mm]")
    ax2.grid(alpha=0.3)
    ax3 = ax2.twinx()
    ax3.plot(depths_mm, [r.blur_fwhm_mm for r in results], "^:", color="#7a3fa0", label="blur FWHM")
    ax3.set_ylabel("blur FWHM [mm]", color="#7a3fa0")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
