"""The timeline of a design: frames that show healing and ageing as the seeds describe them."""

from __future__ import annotations

import io
from itertools import pairwise

import numpy as np
import pytest
from PIL import Image

from smpstudio.errors import InputError
from smpstudio.services.timeline import TimelineRequest, helmet_report, parse_day, render_timeline
from smpstudio.skin.erythema import compute_erythema, erythema_srgb
from smpstudio.skin.kinetics import Kinetics, redness_state, scabbed, shed_days
from tests.conftest import make_design

SIZE_PX = 320


@pytest.fixture(scope="module")
def timeline():  # type: ignore[no-untyped-def]
    _, _, doc = make_design("norwood-3", seed=5)
    request = TimelineRequest(skin_type="III", view="hairline", size_px=SIZE_PX, compare="tattoo")
    return render_timeline(doc, request)


def _scalp(frame: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
    """The close-up's pixels as floats (the hairline view is all skin)."""
    return frame.reshape(-1, 3).astype(np.float64)


def _frame(result, technique: str, day: float) -> np.ndarray:  # type: ignore[no-untyped-def,type-arg]
    frames = next(f for f in result.techniques if f.technique == technique)
    return frames.images[frames.days.index(day)]


def test_the_default_frames_run_from_day_0_to_5_years(timeline) -> None:  # type: ignore[no-untyped-def]
    smp = timeline.techniques[0]
    assert smp.days == (0, 3, 7, 14, 30, 365.25, 1095.75, 1826.25)
    assert all(img.shape == (SIZE_PX, SIZE_PX, 3) for img in smp.images)
    assert timeline.touch_up_due_years is not None and 3.0 <= timeline.touch_up_due_years <= 5.0


def test_day_3_scabs_look_darker_than_the_settled_day_30(timeline) -> None:  # type: ignore[no-untyped-def]
    day3, day30 = _scalp(_frame(timeline, "smp", 3)), _scalp(_frame(timeline, "smp", 30))
    # Scabs are crusts of their own size (0.3 mm here) on top of the fresh deposit's spot: the area is a
    # little darker (about 2 levels of 255 at this scale), and the crusts are far darker than any healed
    # spot's centre (the darkest 1 % of pixels, in luminance).
    assert day3.mean() < day30.mean() - 1.5
    lum = np.array([0.2126, 0.7152, 0.0722])
    assert np.percentile(day3 @ lum, 1) < np.percentile(day30 @ lum, 1) - 30
    assert "scab" in timeline.techniques[0].captions[1]


def test_day_0_is_redder_than_day_30(timeline) -> None:  # type: ignore[no-untyped-def]
    day0, day30 = _scalp(_frame(timeline, "smp", 0)), _scalp(_frame(timeline, "smp", 30))
    red_green = lambda px: px[:, 0].mean() / px[:, 1].mean()  # noqa: E731
    assert red_green(day0) > red_green(day30) * 1.02


def test_dots_fade_over_the_years_and_the_touch_up_frame_is_flagged(timeline) -> None:  # type: ignore[no-untyped-def]
    day30, year5 = _scalp(_frame(timeline, "smp", 30)), _scalp(_frame(timeline, "smp", 1826.25))
    assert year5.mean() > day30.mean()  # lighter: less pigment left
    smp = timeline.techniques[0]
    assert smp.touch_up_flags[-1] and not smp.touch_up_flags[4]
    assert "touch-up due" in smp.captions[-1]


def test_tattoo_technique_blurs_and_blues_the_same_design(timeline) -> None:  # type: ignore[no-untyped-def]
    smp, tattoo = _scalp(_frame(timeline, "smp", 365.25)), _scalp(_frame(timeline, "tattoo", 365.25))
    blue_red = lambda px: px[:, 2].mean() / px[:, 0].mean()  # noqa: E731
    # Relative to the same skin, the tattoo frame is less contrasted per dot but bluer overall.
    assert blue_red(tattoo) > blue_red(smp) * 0.98
    assert np.abs(tattoo - smp).mean() > 1.0


def test_shedding_is_per_dot_and_redness_lasts_two_days() -> None:
    kin = Kinetics()
    shed = shed_days(kin, 2000, seed=1)
    assert shed.min() >= 5.0 and shed.max() <= 10.0
    on = [scabbed(kin, d, shed).mean() for d in (0.5, 3, 6, 7.5, 9, 11)]
    assert on[0] == 0.0 and on[1] == 1.0 and on[-1] == 0.0
    assert on[1] > on[2] > on[3] > on[4] > on[5]  # not all at once
    assert redness_state(kin, 0) == 1.0 and 0 < redness_state(kin, 1) < 1 and redness_state(kin, 2) == 0.0


def test_days_parse_in_days_months_and_years() -> None:
    assert parse_day("45") == 45 and parse_day("45d") == 45
    assert parse_day("2y") == pytest.approx(730.5) and parse_day("6m") == pytest.approx(182.625)
    with pytest.raises(InputError) as info:
        parse_day("soon")
    assert info.value.field == "day"
    with pytest.raises(InputError):
        parse_day("40y")


@pytest.mark.validation
@pytest.mark.slow
def test_packaged_erythema_matches_a_fresh_transport_run() -> None:
    # 8,000 photons per wavelength: reflectance standard error about 0.004, so sRGB agrees within 0.02.
    fresh = compute_erythema("III", photons=8_000, seed=99)
    assert np.allclose(fresh, erythema_srgb("III"), atol=0.02)
    assert erythema_srgb("III")[0] / erythema_srgb("III")[1] > 1.3  # redder than resting skin


def test_repeated_touch_ups_pile_up_ink_widen_dots_and_count_merges(timeline) -> None:  # type: ignore[no-untyped-def]
    sparse = helmet_report(timeline, touch_ups=3)
    yearly = helmet_report(timeline, touch_ups=6, interval_years=1.0)
    for report in (sparse, yearly):
        rows = report.sessions
        assert [r.sessions for r in rows] == list(range(1, len(rows) + 1))
        assert all(b.ink_fraction > a.ink_fraction for a, b in pairwise(rows))
        assert all(b.diameter_mm > a.diameter_mm for a, b in pairwise(rows))
        assert all(b.merged_dots >= a.merged_dots for a, b in pairwise(rows))
    assert not sparse.sessions[-1].over_dark  # touch-ups when due keep the ink in range
    assert yearly.sessions[-1].over_dark  # yearly ones pile it up


def test_merging_is_counted_where_apparent_discs_touch() -> None:
    _, _, doc = make_design("norwood-3", seed=5, density=140.0)
    request = TimelineRequest(skin_type="III", size_px=64, days=(30,), inset=False)
    result = render_timeline(doc, request)
    rows = helmet_report(result, touch_ups=10, interval_years=0.5).sessions
    assert rows[0].merged_dots < rows[-1].merged_dots


def test_touch_ups_show_in_the_frames_and_the_sheet() -> None:
    from smpstudio.services.timeline import timeline

    _, _, doc = make_design("norwood-3", seed=5)
    small = {"view": "hairline", "size_px": 160, "days": (30, 365.25), "inset": False}
    plain = timeline(doc, TimelineRequest.of(**small))
    course = timeline(doc, TimelineRequest.of(**small, touch_ups=3, touch_up_every_years=1.0))
    assert plain.files[plain.sheet] != course.files[course.sheet]
    assert course.helmet is not None
    sessions = [course.files[row.file] for row in course.helmet.sessions if row.file]
    assert len(sessions) == 4
    first, last = (_scalp(np.asarray(Image.open(io.BytesIO(b)))) for b in (sessions[0], sessions[-1]))
    assert last.mean() < first.mean() - 1.0  # ink piled up and dots widened: darker
    sheet = np.asarray(Image.open(io.BytesIO(course.files[course.sheet])))
    assert sheet.shape[0] > np.asarray(Image.open(io.BytesIO(plain.files[plain.sheet]))).shape[0]


def test_the_helmet_appears_after_touch_ups_too_soon_too_deep_or_too_dense() -> None:
    """[clinic-helmet]: repeated touch-ups too soon, too deep (tattoo technique) or too dense merge the dots
    into one shade; touch-ups when due at the SMP depth do not."""
    request = TimelineRequest(skin_type="III", size_px=64, days=(30,), inset=False, compare="tattoo")
    _, _, usual = make_design("norwood-3", seed=5)
    frames = render_timeline(usual, request)
    when_due = helmet_report(frames, touch_ups=3)
    yearly = helmet_report(frames, touch_ups=6, interval_years=1.0)
    assert when_due.helmet_from_session is None and not any(r.over_dark for r in when_due.sessions)
    assert yearly.helmet_from_session is not None and yearly.helmet_from_session <= 5
    assert yearly.sessions[-1].darker >= 2.0 and yearly.sessions[-1].over_dark
    _, _, dense = make_design("norwood-3", seed=5, density=200.0)
    dense_frames = render_timeline(dense, request)
    deep = helmet_report(dense_frames, touch_ups=3, technique="tattoo")
    assert deep.helmet_from_session == 1 and deep.sessions[0].merged_fraction >= 0.5
    assert helmet_report(dense_frames, touch_ups=3).helmet_from_session is None  # SMP depth, when due
    soon_dense = helmet_report(dense_frames, touch_ups=10, interval_years=0.5).sessions
    soon = helmet_report(frames, touch_ups=10, interval_years=0.5).sessions
    # Density merges the dots: after four half-yearly touch-ups (the calibrated spots of the frames) the
    # dense design has merged far more of its dots (about 0.68 against 0.25).
    assert soon_dense[4].merged_fraction > soon[4].merged_fraction + 0.3
