"""The landmarks file: missing, duplicate, unknown, non-finite, outside and impossible points are refused with
the field named; a sound file is read, informational keys of a suggested one ignored."""

from __future__ import annotations

import json

import pytest

from smpstudio.design.head import head_preset
from smpstudio.errors import InputError
from smpstudio.photo.anchors import parse_anchors
from smpstudio.photo.fit import fit_head
from smpstudio.render.camera import view_camera
from smpstudio.render.landmarks_px import landmarks_px

HEAD = head_preset("male")
W = H = 400
STROKES = "landmarks.mask_strokes"


def _front() -> dict[str, list[float]]:
    marks = landmarks_px(HEAD, view_camera(HEAD, "front", W))
    return {k: v for k, v in marks.items() if k != "vertex"}


def _refused(doc: object) -> InputError:
    text = doc if isinstance(doc, str) else json.dumps(doc)
    with pytest.raises(InputError) as info:
        anchors = parse_anchors(text, width=W, height=H)
        fit_head(anchors, HEAD)
    return info.value


def test_a_sound_file_is_read_and_fitted() -> None:
    doc = {"view": "front", "points_px": _front(), "confidence": {"glabella": 0.9}, "mm_per_px": 0.3}
    anchors = parse_anchors(json.dumps(doc), width=W, height=H)
    assert anchors.view == "front" and anchors.ruler is None and len(anchors.points_px) >= 3
    assert fit_head(anchors, HEAD).error_px < 1.0


@pytest.mark.parametrize(
    ("doc", "field", "words"),
    [
        ({"points_px": {}}, "landmarks.view", "missing"),
        ({"view": "sideways", "points_px": {}}, "landmarks.view", "unknown view"),
        ({"view": "front"}, "landmarks.points_px", "missing"),
        ({"view": "front", "points_px": []}, "landmarks.points_px", "not an object"),
        ({"view": "front", "points_px": {"nose": [1, 2]}}, "landmarks.points_px", "unknown landmark"),
        ({"view": "front", "points_px": {"glabella": [1, 2]}}, "landmarks.points_px", "1 anchor given"),
        ({"view": "front", "points_px": {"glabella": [1]}}, "landmarks.points_px.glabella", "not a point"),
        ({"view": "front", "points_px": {"glabella": ["a", 2]}}, "landmarks.points_px.glabella", "finite"),
        ({"view": "front", "points_px": {"glabella": [500, 2]}}, "landmarks.points_px.glabella", "outside"),
        ({"view": "front", "points_px": {"glabella": [-1, 2]}}, "landmarks.points_px.glabella", "outside"),
        ([1, 2], "landmarks", "not an object"),
        ({"view": "front", "points_px": {}, "extra": 1}, "landmarks", "unknown key"),
    ],
)
def test_bad_files_name_the_field(doc: object, field: str, words: str) -> None:
    error = _refused(doc)
    assert error.field == field and words in error.message, str(error)


def test_duplicates_and_non_finite_numbers_are_refused() -> None:
    marks = _front()
    g = marks["glabella"]
    text = f'{{"view": "front", "points_px": {{"glabella": {g}, "glabella": {g}}}}}'
    error = _refused(text)
    assert error.field == "landmarks.points_px.glabella" and "twice" in error.message
    error = _refused('{"view": "front", "points_px": {"glabella": [NaN, 3]}}')
    assert "not a number" in error.message
    same = dict(marks, lateral_canthus_left=marks["lateral_canthus_right"])
    error = _refused({"view": "front", "points_px": same})
    assert error.code == "duplicate_point"
    assert _refused("{not json").field == "landmarks"


def test_the_clients_right_on_the_wrong_side_is_refused() -> None:
    marks = _front()
    swapped = dict(
        marks,
        lateral_canthus_right=marks["lateral_canthus_left"],
        lateral_canthus_left=marks["lateral_canthus_right"],
    )
    error = _refused({"view": "front", "points_px": swapped})
    assert error.code == "impossible_anchor_order" and "client's own sides" in error.message
    upside_down = dict(marks, glabella=marks["mid_frontal_point"], mid_frontal_point=marks["glabella"])
    assert _refused({"view": "front", "points_px": upside_down}).code == "impossible_anchor_order"


def test_a_landmark_the_view_cannot_show_is_refused() -> None:
    marks = landmarks_px(HEAD, view_camera(HEAD, "back", W))
    marks = {k: v for k, v in marks.items() if k != "vertex"}
    marks["glabella"] = [200.0, 200.0]
    error = _refused({"view": "back", "points_px": marks})
    assert error.code == "impossible_anchor" and error.field == "landmarks.points_px.glabella"


def test_anchors_on_one_line_and_bad_rulers_are_refused() -> None:
    line = {"glabella": [100, 100], "lateral_canthus_right": [50, 100], "lateral_canthus_left": [150, 100]}
    assert _refused({"view": "front", "points_px": line}).code in (
        "degenerate_anchors",
        "impossible_anchor_order",
    )
    marks = _front()
    for ruler, field in (
        ({"a": [1, 1], "b": [50, 1], "mm": 0}, "landmarks.ruler.mm"),
        ({"a": [1, 1], "b": [50, 1]}, "landmarks.ruler"),
        ({"a": [1, 1], "b": [1.5, 1], "mm": 20}, "landmarks.ruler"),
        ({"a": [1, 1], "b": [900, 1], "mm": 20}, "landmarks.ruler.b"),
    ):
        assert _refused({"view": "front", "points_px": marks, "ruler": ruler}).field == field


def test_outline_points_are_read_written_back_and_fitted() -> None:
    outline = [[200.0, 60.0], [120.0, 100.0], [280.0, 100.0]]
    doc = {"view": "front", "points_px": _front(), "outline_px": outline}
    anchors = parse_anchors(json.dumps(doc), width=W, height=H)
    assert anchors.outline_px == tuple(tuple(p) for p in outline)
    assert anchors.to_json()["outline_px"] == outline
    fit = fit_head(anchors, HEAD)
    assert fit.outline_error_px is not None and len(fit.outline_residuals_px) == 3
    assert "outline_error_px" in fit.to_json()
    plain = parse_anchors(json.dumps({"view": "front", "points_px": _front()}), width=W, height=H)
    assert plain.outline_px == () and "outline_px" not in plain.to_json()
    assert fit_head(plain, HEAD).outline_error_px is None


@pytest.mark.parametrize(
    ("outline", "field"),
    [
        ("not a list", "landmarks.outline_px"),
        ([[10.0, 10.0]] * 2, "landmarks.outline_px"),
        ([[float(i), 5.0] for i in range(65)], "landmarks.outline_px"),
        ([[10.0, 10.0], [500.0, 10.0]], "landmarks.outline_px.1"),
        ([[10.0]], "landmarks.outline_px.0"),
        ([[10.0, True]], "landmarks.outline_px.0"),
    ],
)
def test_bad_outline_points_name_the_field(outline: object, field: str) -> None:
    error = _refused({"view": "front", "points_px": _front(), "outline_px": outline})
    assert error.field == field


def test_a_top_view_is_read_at_any_turn_but_not_mirrored() -> None:
    marks = {k: v for k, v in landmarks_px(HEAD, view_camera(HEAD, "top", W)).items() if k != "vertex"}
    names = ["mid_frontal_point", "fronto_temporal_right", "fronto_temporal_left", "crown_whorl"]
    turned = {n: [W - marks[n][0], H - marks[n][1]] for n in names}  # the face down instead of up
    anchors = parse_anchors({"view": "top", "points_px": turned}, width=W, height=H)
    assert fit_head(anchors, HEAD).error_px < 2.0
    mirrored = {n: [W - marks[n][0], marks[n][1]] for n in names}  # the client's right on the left
    error = _refused({"view": "top", "points_px": mirrored})
    assert error.code == "impossible_anchor_order"


def test_brush_strokes_are_read_in_order_and_written_back() -> None:
    strokes = [
        {"mode": "not_skin", "radius_px": 12, "points_px": [[10, 20], [30.25, 40]]},
        {"mode": "skin", "radius_px": 3.5, "points_px": [[200, 100]]},
    ]
    doc = {"view": "front", "points_px": _front(), "mask_strokes": strokes}
    anchors = parse_anchors(json.dumps(doc), width=W, height=H)
    assert [s.mode for s in anchors.mask_strokes] == ["not_skin", "skin"]
    assert anchors.mask_strokes[0].points_px == ((10.0, 20.0), (30.25, 40.0))
    assert anchors.mask_strokes[1].radius_px == 3.5
    assert anchors.to_json()["mask_strokes"] == strokes
    assert parse_anchors(anchors.to_json(), width=W, height=H) == anchors
    plain = parse_anchors({"view": "front", "points_px": _front()}, width=W, height=H)
    assert plain.mask_strokes == () and "mask_strokes" not in plain.to_json()


@pytest.mark.parametrize(
    ("stroke", "field"),
    [
        ("skin", "landmarks.mask_strokes.0"),
        ({"mode": "skin", "radius_px": 5, "points_px": [[1, 1]], "x": 1}, "landmarks.mask_strokes.0"),
        ({"mode": None, "radius_px": 5, "points_px": [[1, 1]]}, "landmarks.mask_strokes.0.mode"),
        ({"mode": "skin", "radius_px": True, "points_px": [[1, 1]]}, "landmarks.mask_strokes.0.radius_px"),
        (
            {"mode": "skin", "radius_px": 5, "points_px": [[1, 1]] * 2001},
            "landmarks.mask_strokes.0.points_px",
        ),
        ({"mode": "skin", "radius_px": 5, "points_px": [[1, "a"]]}, "landmarks.mask_strokes.0.points_px.0"),
        ({"mode": "skin", "radius_px": 5, "points_px": [[-1, 1]]}, "landmarks.mask_strokes.0.points_px.0"),
    ],
)
def test_bad_brush_strokes_are_refused_naming_the_field(stroke: object, field: str) -> None:
    err = _refused({"view": "front", "points_px": _front(), "mask_strokes": [stroke]})
    assert err.field == field and err.allowed
