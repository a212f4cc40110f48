from __future__ import annotations

import numpy as np
import pytest

from smpstudio.design.head import head_preset, midline_arc_of_point_mm
from smpstudio.design.landmarks import BIOCULAR_TO_HEAD_BREADTH, LANDMARK_NAMES, hairline_landmarks, landmarks


@pytest.mark.parametrize("preset", ["male", "female"])
def test_all_landmarks_exist_and_are_mirror_symmetric(preset: str) -> None:
    head = head_preset(preset)
    lm = landmarks(head)
    assert tuple(lm) == LANDMARK_NAMES
    for name in ("fronto_temporal", "temporal_peak", "lateral_canthus", "ear"):
        right, left = lm[f"{name}_right"], lm[f"{name}_left"]
        assert right[0] > 0
        np.testing.assert_allclose(left, right * np.array([-1, 1, 1]))
    assert lm["vertex"][2] == pytest.approx(head.c_up_mm)
    assert lm["crown_whorl"][1] < 0 < lm["glabella"][1]
    assert lm["ear_right"][2] == pytest.approx(head.tragion_z_mm)


@pytest.mark.parametrize("height", [60.0, 80.0, 90.0])
def test_hairline_landmarks_follow_the_placement_rules(height: float) -> None:
    head = head_preset("male")
    lm = hairline_landmarks(head, height)
    # Mid-frontal point: `height` along the forehead above the glabella (Wolf; Garg).
    assert midline_arc_of_point_mm(head, lm["mid_frontal_point"]) == pytest.approx(height, abs=0.1)
    # Fronto-temporal point on the lateral epicanthal line (Shapiro), above the MFP (Wolf).
    ft = lm["fronto_temporal_right"]
    assert ft[0] == pytest.approx(0.5 * BIOCULAR_TO_HEAD_BREADTH * head.width_mm)
    assert ft[2] > lm["mid_frontal_point"][2]


def test_a_high_hairline_keeps_its_corner_on_the_head() -> None:
    head = head_preset("male")
    lm = hairline_landmarks(head, 120.0)
    ft = lm["fronto_temporal_right"]
    assert ft[0] == pytest.approx(0.5 * BIOCULAR_TO_HEAD_BREADTH * head.width_mm)
    assert ft[2] < head.c_up_mm
    # Temporal peak about 5 cm from the FT point (Garg), lower and more lateral.
    tp = lm["temporal_peak_right"]
    assert np.linalg.norm(tp - ft) == pytest.approx(50.0, abs=5.0)
    assert tp[2] < ft[2] and tp[0] > ft[0]
