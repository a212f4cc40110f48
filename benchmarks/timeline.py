"""An 8-frame timeline of a 50k-dot design at 1600 px (budget under 5 s; time per frame, peak memory).

Ours: ``smp timeline``'s work (every frame with its hairline close-up, frames, contact sheet and chart
written). Compared with the budget, and with rendering the same eight frames as eight independent
previews (re-rasterising the head each time), the way a caller without the shared canvas would.
Peak memory is the tracemalloc peak of one more run (NumPy reports its buffers to tracemalloc).
"""

from __future__ import annotations

import tempfile
import tracemalloc
from pathlib import Path

from benchmarks._timing import Row, best_of
from benchmarks.design import DENSITY_FOR_50K
from smpstudio.services.design import DesignRequest, create_design
from smpstudio.services.preview import PreviewRequest, preview
from smpstudio.services.timeline import TIMELINE_DAYS, TimelineRequest, timeline


def run() -> list[Row]:
    doc = create_design(
        DesignRequest(pattern="full", style="soft", density_per_cm2=DENSITY_FOR_50K, seed=1)
    ).document
    request = TimelineRequest(skin_type="III", size_px=1600)
    one_preview = PreviewRequest(size_px=1600)
    frames = len(TIMELINE_DAYS)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        def ours(i: int) -> None:
            for name, data in timeline(doc, request).files.items():
                target = folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)

        ours_s, _ = best_of(ours, warmup=True)
        tracemalloc.start()
        ours(0)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        def previews(i: int) -> None:
            for k in range(frames):
                (folder / f"p{k}.png").write_bytes(preview(doc, one_preview).image)

        peer_s, _ = best_of(previews, warmup=True)
    params = {
        "dots": len(doc.dots),
        "frames": frames,
        "size_px": 1600,
        "per_frame_s": round(ours_s / frames, 3),
        "peak_memory_mb": round(peak / 2**20),
    }
    return [
        Row("timeline-8x1600", params, ours_s, "budget 5 s", 5.0),
        Row("timeline-8x1600", params, ours_s, "8 independent previews, no close-up", peer_s),
    ]
