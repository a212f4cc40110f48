"""The demo service called directly: one design, its previews and timeline, its maps computed once."""

from __future__ import annotations

import pytest

import smpstudio.design.spec as spec_module
from smpstudio.services.demo import DEMO_SHOTS, demo
from smpstudio.services.design import parse_design
from smpstudio.services.timeline import TimelineRequest, render_timeline


@pytest.mark.slow
def test_demo_returns_its_files_and_computes_the_design_maps_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = spec_module.design_context
    monkeypatch.setattr(spec_module, "design_context", lambda spec: calls.append(spec) or real(spec))
    steps: list[tuple[int, int]] = []
    result = demo(progress=lambda done, total: steps.append((done, total)))
    assert len(calls) == 1
    assert steps[-1] == (len(DEMO_SHOTS) + 2, len(DEMO_SHOTS) + 2)
    obj = result.to_json()
    assert len(obj["files"]) == len(DEMO_SHOTS) + 4 and {"design", "timeline", "chart", "animation"} <= set(
        obj["files"]
    )
    assert set(obj["files"].values()) <= set(result.contents)
    assert any(name.startswith("timeline-frames/") for name in result.contents)
    assert 3.0 <= (result.touch_up_due_years or 0) <= 5.0
    # The timeline of the design file the demo wrote gives the demo's touch-up date.
    stored = parse_design(result.contents["design.json"])
    request = TimelineRequest(skin_type="III", size_px=64, days=(30,), inset=False)
    assert round(render_timeline(stored, request).touch_up_due_years or 0, 2) == result.touch_up_due_years
    where = {name: f"out/{name}" for name in result.contents}
    assert result.stored_at(where).files["design"] == "out/design.json"
