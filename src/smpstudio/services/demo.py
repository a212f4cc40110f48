"""The demo use case: a Norwood-6 design with a soft hairline, its previews and its healing timeline.

The design's maps are computed once, when it is built, and reused by every preview and the timeline.
The result carries every file's content keyed by a relative name; the face stores them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pydantic import Field

from smpstudio.render.sheet import encode_image
from smpstudio.services.design import DesignRequest, create_design
from smpstudio.services.models import Result
from smpstudio.services.preview import preview_design
from smpstudio.services.timeline import TimelineRequest, timeline

__all__ = ["DEMO_SHOTS", "DemoResult", "demo"]

#: The demo's previews: (view, look); "before" is the client today, for comparison.
DEMO_SHOTS = (
    ("front", "before"),
    ("front", "healed"),
    ("three-quarter", "before"),
    ("three-quarter", "healed"),
    ("top", "healed"),
    ("top", "plan"),
    ("right", "healed"),
    ("hairline", "healed"),
)
DEMO_DESIGN = DesignRequest(pattern="norwood-6", style="soft", seed=2026)
DEMO_TIMELINE = TimelineRequest(skin_type="III", compare="tattoo", size_px=800, animation="webp")


class DemoResult(Result):
    """The ``--json`` object: dots, the files by role, the touch-up forecast; ``contents`` holds every
    file (the frames of the timeline too) by its relative name, not printed."""

    dot_count: int
    files: dict[str, str]
    touch_up_due_years: float | None
    contents: dict[str, bytes] = Field(exclude=True, repr=False)

    def stored_at(self, where: Mapping[str, str]) -> DemoResult:
        """The same result naming where the face stored each file (``where``: relative name -> location)."""
        return self.model_copy(update={"files": {k: where[v] for k, v in self.files.items()}})


def demo(*, progress: Callable[[int, int], None] | None = None) -> DemoResult:
    """Design, preview and age the demo design (see the module docstring)."""
    total = len(DEMO_SHOTS) + 2

    def step(done: int) -> None:
        if progress is not None:
            progress(done, total)

    design = create_design(DEMO_DESIGN)
    doc = design.document
    contents = {"design.json": design.content()}
    files = {"design": "design.json"}
    step(1)
    for k, (view, look) in enumerate(DEMO_SHOTS, start=2):
        name = f"preview-{view}-{look}.png"
        contents[name] = encode_image(preview_design(doc, view=view, size_px=1600, look=look))
        files[name] = name
        step(k)
    aged = timeline(doc, DEMO_TIMELINE)
    contents.update(aged.files)
    assert aged.animation is not None
    files.update(timeline=aged.sheet, chart=aged.chart, animation=aged.animation)
    step(total)
    return DemoResult(
        dot_count=len(doc.dots), files=files, touch_up_due_years=aged.touch_up_due_years, contents=contents
    )
