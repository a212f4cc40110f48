"""The timeline service called directly: frames, sheet, chart and animation come back as bytes."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from smpstudio.errors import InputError
from smpstudio.services.timeline import TimelineRequest, timeline
from tests.conftest import make_design

SMALL = {"size_px": 64, "days": (0, 30), "inset": False}


def test_timeline_returns_every_file_by_its_relative_name() -> None:
    _, _, doc = make_design("norwood-3", seed=5)
    seen: list[tuple[int, int]] = []
    request = TimelineRequest.of(**SMALL, compare="tattoo", animation="gif", touch_ups=1)
    result = timeline(doc, request, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (8, 8)  # two techniques: two days and two sessions (the first and one touch-up)
    assert result.helmet is not None and result.compare is not None and result.compare.helmet is not None
    names = {f.file for f in result.frames} | {f.file for f in result.compare.frames}
    sessions = {row.file for report in (result.helmet, result.compare.helmet) for row in report.sessions}
    assert sessions == {f"timeline-frames/{t}-session-{k}.png" for t in ("smp", "tattoo") for k in (1, 2)}
    assert names | sessions | {result.sheet, result.chart, "timeline.gif"} == set(result.files)
    assert Image.open(io.BytesIO(result.files[result.frames[0].file])).size == (64, 64)
    assert Image.open(io.BytesIO(result.files["timeline.gif"])).n_frames == 2
    obj = result.to_json()
    assert "files" not in obj and obj["animation"] == "timeline.gif" and obj["dots"] == len(doc.dots)
    assert len(obj["helmet"]["sessions"]) == 2 and obj["compare"]["technique"] == "tattoo"


def test_optional_parts_are_left_out_and_locations_replace_names() -> None:
    _, _, doc = make_design("norwood-3", seed=5)
    result = timeline(doc, TimelineRequest.of(**SMALL))
    obj = result.to_json()
    assert "compare" not in obj and "helmet" not in obj and obj["animation"] is None
    where = {name: f"/out/{name}" for name in result.files}
    stored = result.stored_at(where).to_json()
    assert stored["sheet"] == "/out/timeline.png" and stored["frames"][0]["file"].startswith("/out/")
    helmet = timeline(doc, TimelineRequest.of(**SMALL, touch_ups=1))
    where = {name: f"/out/{name}" for name in helmet.files}
    rows = helmet.stored_at(where).to_json()["helmet"]["sessions"]
    assert [r["file"] for r in rows] == [f"/out/timeline-frames/smp-session-{k}.png" for k in (1, 2)]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"uv": "extreme"}, "uv"),
        ({"scalp": "wet"}, "scalp"),
        ({"compare": "laser"}, "compare"),
        ({"touch_ups": 11}, "touch_ups"),
        ({"days": (), "extra_days": ()}, "day"),
        ({"view": "under"}, "view"),
    ],
)
def test_bad_requests_are_refused_before_any_frame(values: dict[str, object], field: str) -> None:
    _, _, doc = make_design("norwood-3", seed=5)
    seen: list[int] = []
    with pytest.raises(InputError) as info:
        timeline(
            doc, TimelineRequest.of(**{**SMALL, **values}), progress=lambda done, total: seen.append(done)
        )
    assert info.value.field == field and not seen


def test_the_animation_format_is_checked_by_the_request() -> None:
    with pytest.raises(InputError) as info:
        TimelineRequest.of(animation="mp4")
    assert info.value.field == "animation"
