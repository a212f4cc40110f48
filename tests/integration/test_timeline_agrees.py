"""The timeline's healed frame draws what the healed preview draws (the calibrated spots of
docs/healed-dots.md), so `smp timeline` and `smp preview --look healed` agree on the same day's state."""

from __future__ import annotations

import numpy as np
import pytest

from smpstudio.render.landmarks_px import scalp_over_forehead_luminance
from smpstudio.services.demo import DEMO_DESIGN
from smpstudio.services.design import create_design
from smpstudio.services.preview import preview_image
from smpstudio.services.timeline import TimelineRequest, render_timeline
from smpstudio.skin.technique import SETTLED_DAY

#: Front views at the calibration's size (tests/validation/test_healed_look.py). [px]
SIZE_PX = 800
#: The settled timeline frame's scalp darkening against the forehead may differ from the healed
#: preview's by this much (the preview's is 0.082 on the demo design; both draw the same spots, the
#: margin covers the timeline's own healing arithmetic for the same ink kept). [-]
DARKENING_TOLERANCE = 0.005
#: Mean absolute difference of the two images allowed, in 8-bit levels. [-]
PIXEL_TOLERANCE = 0.5


@pytest.fixture(scope="module")
def demo():  # type: ignore[no-untyped-def]
    return create_design(DEMO_DESIGN).document


def test_the_settled_front_frame_darkens_the_scalp_as_the_healed_preview(demo) -> None:  # type: ignore[no-untyped-def]
    before, marks = preview_image(demo, view="front", size_px=SIZE_PX, look="before")
    healed, _ = preview_image(demo, view="front", size_px=SIZE_PX, look="healed")
    frames = render_timeline(
        demo, TimelineRequest(view="front", size_px=SIZE_PX, days=(SETTLED_DAY,), inset=False)
    )
    frame = frames.techniques[0].images[0]
    base = scalp_over_forehead_luminance(before, marks)
    preview_dark = 1.0 - scalp_over_forehead_luminance(healed, marks) / base
    frame_dark = 1.0 - scalp_over_forehead_luminance(frame, marks) / base
    assert preview_dark > 0.05  # the treated scalp does darken
    assert abs(frame_dark - preview_dark) <= DARKENING_TOLERANCE, (frame_dark, preview_dark)
    assert np.abs(frame.astype(np.float64) - healed).mean() <= PIXEL_TOLERANCE


def test_the_hairline_close_up_frame_shows_the_healed_previews_spots(demo) -> None:  # type: ignore[no-untyped-def]
    """Single dots resolved: the settled close-up and the healed hairline preview are the same image."""
    healed, _ = preview_image(demo, view="hairline", size_px=320, look="healed")
    before, _ = preview_image(demo, view="hairline", size_px=320, look="before")
    frames = render_timeline(demo, TimelineRequest(view="hairline", size_px=320, days=(SETTLED_DAY,)))
    frame = frames.techniques[0].images[0].astype(np.float64)
    drawn = before.astype(np.float64) - healed  # what the spots take away
    assert drawn.mean() > 1.0
    assert np.abs(frame - healed).mean() <= PIXEL_TOLERANCE
