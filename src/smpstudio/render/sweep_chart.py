"""The depth sweep chart: what a dot looks like as it goes deeper (Matplotlib's Figure API, PNG bytes).

Four panels against the depth of the deposit: the dot on its skin; the blue shift (``-Δb*/|ΔL*|``,
:func:`smpstudio.skin.colour_shift.blue_shift`) against the line of a plain darkening of the same skin;
the share of the skin's red and blue light the dot takes away ([kienle1996] in docs/references.md), with
the blue/red ratio of the dot's own light over the skin's; and the contrast (CIEDE2000) with the blur.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

__all__ = ["sweep_chart"]

#: Below this lightness difference a dot is barely distinguishable from the skin and the ratio of Δb* to
#: ΔL* is dominated by the noise of the two light-transport runs (L* standard error about 0.3 at 20 000
#: photons per wavelength). [-]
FAINT_DELTA_L = 1.0


def sweep_chart(points: Sequence[Mapping[str, Any]], *, grey_blue_shift: float, title: str) -> bytes:
    """The chart of a depth sweep as PNG bytes.

    Parameters
    ----------
    points : sequence of mapping
        One per depth, increasing: ``depth_mm`` [mm], ``dot_srgb``, ``skin_srgb`` (0-1) [-],
        ``blue_shift``, ``delta_l``, ``red_removed``, ``blue_removed``, ``blue_red_relative``,
        ``delta_e2000`` [-] and ``blur_fwhm_mm`` [mm] (the sweep service's points).
    grey_blue_shift : float
        Blue shift of a plain darkening of the skin (a neutral filter). [-]
    title : str
        The chart's title.

    Returns
    -------
    png : bytes
        The chart, 10 × 11 inches at 120 dpi.
    """
    depths = [float(p["depth_mm"]) for p in points]
    fig = Figure(figsize=(10, 11), dpi=120)
    grid = fig.add_gridspec(4, 1, height_ratios=[0.8, 1.4, 1.4, 1.3], hspace=0.5)
    ax0 = fig.add_subplot(grid[0])
    for i, p in enumerate(points):
        ax0.add_patch(Rectangle((i, 0), 0.92, 1, color=tuple(p["skin_srgb"])))
        ax0.scatter([i + 0.46], [0.5], s=1400, marker="o", color=[tuple(p["dot_srgb"])], linewidths=0)
        ax0.text(i + 0.46, -0.12, f"{p['depth_mm']:g} mm", ha="center", va="top", fontsize=9)
    ax0.set_xlim(-0.1, max(len(points), 1))
    ax0.set_ylim(-0.45, 1.05)
    ax0.axis("off")
    ax0.set_title(title, fontsize=10.5)

    ax1 = fig.add_subplot(grid[1])
    ax1.plot(depths, [p["blue_shift"] for p in points], "o-", color="#2a5caa", lw=2, label="the dot")
    faint = [p for p in points if abs(float(p["delta_l"])) < FAINT_DELTA_L]
    if faint:
        ax1.plot(
            [p["depth_mm"] for p in faint],
            [p["blue_shift"] for p in faint],
            "o",
            color="white",
            markeredgecolor="#2a5caa",
            label=f"|ΔL*| < {FAINT_DELTA_L:g}: the ratio is mostly Monte Carlo noise",
        )
    ax1.axhline(
        grey_blue_shift, ls="--", color="#888888", label="a plain darkening of this skin (grey filter)"
    )
    ax1.set_ylabel("blue shift  −Δb* / |ΔL*|")
    ax1.set_title(
        "Deep ink turns blue: ever more of the dot's difference from the skin is a loss of yellow, "
        "ever less a darkening",
        fontsize=9.5,
    )
    ax1.legend(frameon=False, fontsize=8.5, loc="upper left")
    ax1.grid(alpha=0.3)

    ax2 = fig.add_subplot(grid[2])
    ax2.plot(depths, [p["red_removed"] for p in points], "o-", color="#c0392b", label="red light taken away")
    ax2.plot(
        depths, [p["blue_removed"] for p in points], "s-", color="#2a5caa", label="blue light taken away"
    )
    ax2.set_ylabel("share of the skin's light\ntaken by the dot")
    ax2.set_ylim(bottom=min(0.0, *(p["blue_removed"] for p in points)))
    ax2.set_title(
        "Why: blue light is scattered back before it reaches deep ink; red light gets there and is absorbed",
        fontsize=9.5,
    )
    ax2.grid(alpha=0.3)
    ax2b = ax2.twinx()
    ax2b.plot(
        depths,
        [p["blue_red_relative"] for p in points],
        ":",
        color="#555555",
        label="blue/red of the dot's own light ÷ the skin's",
    )
    ax2b.set_ylabel("dot's blue/red ÷ skin's", color="#555555", fontsize=8.5)
    lines = ax2.get_legend_handles_labels()
    twin = ax2b.get_legend_handles_labels()
    ax2.legend(lines[0] + twin[0], lines[1] + twin[1], frameon=False, fontsize=8.5, loc="center right")

    ax3 = fig.add_subplot(grid[3])
    ax3.plot(depths, [p["delta_e2000"] for p in points], "o-", color="#333333", label="contrast ΔE2000")
    ax3.set_ylabel("ΔE2000 dot vs skin")
    ax3.set_xlabel("depth of the top of the pigment deposit [mm]")
    ax3.grid(alpha=0.3)
    ax3b = ax3.twinx()
    ax3b.plot(depths, [p["blur_fwhm_mm"] for p in points], "^:", color="#7a3fa0", label="blur FWHM")
    ax3b.set_ylabel("blur FWHM [mm]", color="#7a3fa0")
    lines = ax3.get_legend_handles_labels()
    twin = ax3b.get_legend_handles_labels()
    ax3.legend(lines[0] + twin[0], lines[1] + twin[1], frameon=False, fontsize=8.5, loc="upper center")
    for ax in (ax1, ax2, ax3):
        ax.set_xlim(min(depths) - 0.05, max(depths) + 0.05)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()
