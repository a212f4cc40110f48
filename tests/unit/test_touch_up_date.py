"""One touch-up date per design and skin: a design and the same design read back from its file, the demo
and the timeline, and the function a session's forecast can call, all give the same date."""

from __future__ import annotations

import pytest

from smpstudio.services.design import DesignRequest, create_design, parse_design
from smpstudio.services.timeline import TimelineRequest, render_timeline
from smpstudio.skin.kinetics import Kinetics
from smpstudio.skin.touch_ups import design_impression, touch_up_due_years


def test_a_design_and_its_file_get_one_touch_up_date() -> None:
    design = create_design(DesignRequest(pattern="norwood-6", style="soft", seed=2026))
    stored = parse_design(design.content())
    request = TimelineRequest(skin_type="III", size_px=64, days=(30,), inset=False)
    live = render_timeline(design.document, request).touch_up_due_years
    read = render_timeline(stored, request).touch_up_due_years
    assert live is not None and live == read
    one = touch_up_due_years(design_impression(stored.dots.ink_fraction), "III", Kinetics())
    assert one == live


@pytest.mark.parametrize("skin_type", ["I", "III", "VI"])
def test_the_date_is_the_simulators_for_the_same_entry(skin_type: str) -> None:
    from smpstudio.services.optics import SimulateRequest, simulate_technique

    entry = design_impression([0.5])
    simulated = simulate_technique(SimulateRequest.of(technique="smp", skin_type=skin_type))
    due = touch_up_due_years(entry, skin_type)
    assert simulated.touch_up_due_years == (None if due is None else round(due, 2))
