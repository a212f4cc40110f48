"""The consultation on a photo, through the app: the upload refused without the photography consent and for a
file that is not an image (in place, naming the field), the photo stored and its editor opened, the editor's
endpoints (the fit's wire-frame, the preview's JPEG and what it drew, a dragged hairline point, saving a
version), another clinic's photo answered as not found, and the page's tables tied to the core's names."""

from __future__ import annotations

import io
import json
import re
import struct
import zlib
from typing import Any

import numpy as np
import pytest
from PIL import Image

from smpstudio.services import consent
from smpstudio.services.client_record import client_record
from smpstudio.services.landmarks_guess import LandmarksGuessRequest, guess_landmarks
from tests.web.clinic_html import structure_problems, text_of
from tests.web.conftest import World, ctx_for

#: A front view of the Norwood-6 head rendered by the project, 288 px square (see tests/validation).
SIZE_PX = 288


@pytest.fixture(scope="module")
def head_photo() -> tuple[bytes, dict[str, list[float]]]:
    """A rendered front-view photo (JPEG) of a balding head and its true landmarks [px]."""
    from tests.validation.test_photo_fit import synthetic_photo

    img, marks, _, _, _ = synthetic_photo("front", turn_deg=(4.0, -3.0, 5.0), noise=1.5)
    out = io.BytesIO()
    Image.fromarray(img).save(out, "JPEG", quality=92)
    return out.getvalue(), marks


def _consent(world: World) -> None:
    prac = ctx_for(world.store, world.users["practitioner"])
    consent.sign_consent(
        prac,
        consent.SignConsentRequest.of(client_id=world.client, signed_name="Alex Doe", kind="photography"),
    )


def _upload(world: World, data: bytes, view: str = "front", role: str = "practitioner") -> Any:
    c = world.signed_in(role)
    files = {"photo": ("head.jpg", data, "image/jpeg")}
    return c.post(f"/clients/{world.client}/consultation", data={"view": view}, files=files)


def _stored(world: World, head_photo: tuple[bytes, dict[str, list[float]]]) -> int:
    _consent(world)
    answer = _upload(world, head_photo[0])
    assert answer.status_code == 303, answer.text[:600]
    found = re.fullmatch(rf"/clients/{world.client}/consultation/(\d+)", answer.headers["location"])
    assert found, answer.headers["location"]
    return int(found.group(1))


def _landmarks(marks: dict[str, list[float]], *names: str) -> str:
    chosen = {k: v for k, v in marks.items() if not names or k in names}
    return json.dumps({"view": "front", "points_px": chosen})


def test_the_upload_is_refused_without_the_photography_consent(world: World) -> None:
    page = world.signed_in("practitioner").get(f"/clients/{world.client}/consultation")
    assert page.status_code == 200 and not structure_problems(page.text), structure_problems(page.text)
    assert 'capture="environment"' in page.text and 'accept="image/*"' in page.text
    assert "The client has not consented to photographs." in text_of(page)
    png = io.BytesIO()
    Image.new("RGB", (64, 64), "tan").save(png, "PNG")
    answer = _upload(world, png.getvalue())
    assert answer.status_code == 422
    text = text_of(answer)
    assert "Not stored: the client has not consented to photographs." in text, text[:800]
    assert f'href="/clients/{world.client}/consent"' in answer.text
    assert "No consultation photo yet." in text


def _png_header(width: int, height: int) -> bytes:
    """A PNG's signature and header claiming ``width`` x ``height`` pixels, with no pixels after it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"not an image at all", "not a readable image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not a readable image"),
        (_png_header(60_000, 60_000), "pixels"),
    ],
    ids=["text", "truncated", "too-many-pixels"],
)
def test_a_file_that_is_not_a_readable_image_is_refused_in_place(
    world: World, data: bytes, words: str
) -> None:
    _consent(world)
    answer = _upload(world, data)
    assert answer.status_code == 422, answer.text[:400]
    assert not structure_problems(answer.text)
    error = re.search(r'<p class="error" id="e-photo">([^<]+)</p>', answer.text)
    assert error and error.group(1).startswith("photo:") and words in error.group(1), answer.text[-2500:]
    assert 'aria-invalid="true"' in answer.text
    assert "No consultation photo yet." in text_of(answer)


def test_the_photo_is_stored_and_its_editor_opens(
    world: World, head_photo: tuple[bytes, dict[str, list[float]]]
) -> None:
    photo_id = _stored(world, head_photo)
    c = world.signed_in("practitioner")
    listing = c.get(f"/clients/{world.client}/consultation")
    assert f'href="/clients/{world.client}/consultation/{photo_id}"' in listing.text
    editor = c.get(f"/clients/{world.client}/consultation/{photo_id}")
    assert editor.status_code == 200
    assert not structure_problems(editor.text), structure_problems(editor.text)
    assert f'data-width="{SIZE_PX}" data-height="{SIZE_PX}"' in editor.text
    assert f'viewBox="0 0 {SIZE_PX} {SIZE_PX}"' in editor.text
    for script in ("consultation", "consultation-anchors", "consultation-design", "consultation-divider"):
        assert f'<script src="/static/{script}.js" defer></script>' in editor.text
        assert c.get(f"/static/{script}.js").status_code == 200
    assert 'id="a-outline" value="outline"' in editor.text and 'id="f-style"' in editor.text
    # the sliders wait for the design's own values (the fit gives them): no made-up start
    sliders = re.findall(r'<input type="range" id="f-(\w+)"[^>]*>', editor.text)
    assert {"density_per_cm2", "dot_diameter_mm", "ink_fraction"} <= set(sliders)
    for key in ("density_per_cm2", "dot_diameter_mm", "ink_fraction"):
        tag = re.search(rf'<input type="range" id="f-{key}"[^>]*>', editor.text)
        assert tag and " disabled" in tag.group(0) and "value=" not in tag.group(0), tag
    text = text_of(editor)
    assert "lateral_canthus_right" in text and "the image's left" in text
    image = c.get(f"/clients/{world.client}/consultation/{photo_id}/photo.jpg")
    assert image.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(image.content)).size == (SIZE_PX, SIZE_PX)
    # the front desk may not open the consultation
    assert world.signed_in("front-desk").get(f"/clients/{world.client}/consultation").status_code == 403


def test_the_editors_endpoints_fit_draw_drag_and_save(
    world: World, head_photo: tuple[bytes, dict[str, list[float]]]
) -> None:
    photo_id = _stored(world, head_photo)
    marks = head_photo[1]
    c = world.signed_in("practitioner")
    base = f"/clients/{world.client}/consultation/{photo_id}"
    fit = c.post(f"{base}/fit", data={"landmarks": _landmarks(marks)})
    assert fit.status_code == 200, fit.text[:600]
    body = fit.json()
    assert body["fit_error_px"] < 3.0 and len(body["wireframe"]) > 3
    assert "mid_frontal_point" in body["hairline_points_px"]
    assert (body["density_per_cm2"], body["style"]) == (100.0, "soft"), "the design's own, for the sliders"
    outline = json.loads(_landmarks(marks))
    outline["outline_px"] = [[f * SIZE_PX, g * SIZE_PX] for f, g in ((0.1, 0.4), (0.5, 0.06), (0.9, 0.4))]
    with_outline = c.post(f"{base}/fit", data={"landmarks": json.dumps(outline), "style": "widows-peak"})
    assert with_outline.status_code == 200, with_outline.text[:600]
    assert with_outline.json()["style"] == "widows-peak"
    assert with_outline.json()["wireframe"] != body["wireframe"], "the outline points move the fitted head"
    outline["outline_px"].append(outline["outline_px"][0])
    twice = c.post(f"{base}/fit", data={"landmarks": json.dumps(outline)})
    assert twice.status_code == 422 and twice.json()["field"] == "landmarks.outline_px"
    shifted = c.post(
        f"{base}/fit",
        data={"landmarks": _landmarks(marks), "hairline_shift_mm": json.dumps({"mid_frontal_point": 6.0})},
    )
    mfp_y = body["hairline_points_px"]["mid_frontal_point"][1]
    assert shifted.json()["hairline_points_px"]["mid_frontal_point"][1] > mfp_y, (
        "the wire-frame follows a drag"
    )
    few = c.post(f"{base}/fit", data={"landmarks": _landmarks(marks, "glabella", "lateral_canthus_left")})
    assert few.status_code == 422 and few.json()["field"] == "landmarks.points_px"
    bad = c.post(f"{base}/fit", data={"landmarks": "{not json"})
    assert bad.status_code == 422 and bad.json()["field"] == "landmarks"

    design = {"landmarks": _landmarks(marks), "width_px": str(SIZE_PX)}
    first = c.post(f"{base}/preview", data=design)
    assert first.status_code == 200, first.text[:600]
    assert first.headers["content-type"] == "image/jpeg"
    facts = json.loads(first.headers["x-preview"])
    assert facts["dots_drawn"] > 100 and facts["width"] == SIZE_PX
    darker = {"density_per_cm2": "200", "dot_diameter_mm": "0.25", "ink_fraction": "1"}
    denser = c.post(f"{base}/preview", data={**design, **darker})
    drawn = json.loads(denser.headers["x-preview"])
    assert (drawn["density_per_cm2"], drawn["dot_diameter_mm"], drawn["ink_fraction"]) == (200, 0.25, 1)
    assert drawn["dots_drawn"] > facts["dots_drawn"]
    a = np.asarray(Image.open(io.BytesIO(first.content)), dtype=np.float64)
    b = np.asarray(Image.open(io.BytesIO(denser.content)), dtype=np.float64)
    changed = int((np.abs(a - b).max(axis=2) > 12).sum())
    assert changed > 0.005 * SIZE_PX**2, f"denser, larger, darker dots change only {changed} pixels"
    scabs = c.post(f"{base}/preview", data={**design, "day": "3", "technique": "tattoo"})
    assert json.loads(scabs.headers["x-preview"])["day"] == 3
    wrong = c.post(f"{base}/preview", data={**design, "technique": "laser"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "technique"

    mfp = body["hairline_points_px"]["mid_frontal_point"]
    drag = c.post(
        f"{base}/hairline-drag",
        data={**design, "name": "mid_frontal_point", "x_px": str(mfp[0]), "y_px": str(mfp[1] + 6)},
    )
    assert drag.status_code == 200, drag.text[:600]
    moved = drag.json()
    assert moved["hairline_shift_mm"]["mid_frontal_point"] > 0, moved  # lower in the image: forward

    saved = c.post(
        f"{base}/save", data={**design, "hairline_shift_mm": json.dumps(moved["hairline_shift_mm"])}
    )
    assert saved.status_code == 200, saved.text[:600]
    version = saved.json()["version"]
    record = client_record(ctx_for(world.store, world.users["owner"]), world.client)
    assert next(p.landmarks for p in record.photos if p.id == photo_id) is not None
    assert version in [d.version for d in record.designs]
    listing = text_of(c.get(f"/clients/{world.client}/consultation"))
    assert f"Version {version}" in listing
    reopened = c.get(base)
    assert f"Version {version}" in text_of(reopened) and "glabella" in reopened.text


def test_another_clinics_photo_is_not_found(
    world: World, head_photo: tuple[bytes, dict[str, list[float]]]
) -> None:
    photo_id = _stored(world, head_photo)
    other = world.signed_in("other")
    for path in ("", "/photo.jpg"):
        answer = other.get(f"/clients/{world.client}/consultation/{photo_id}{path}")
        assert answer.status_code == 404, (path, answer.status_code)
        assert answer.headers["content-type"].startswith("text/html")
    fit = other.post(
        f"/clients/{world.other_client}/consultation/{photo_id}/fit",
        data={"landmarks": _landmarks(head_photo[1])},
    )
    assert fit.status_code == 404 and "Not found" in fit.text


def test_the_pages_tables_name_the_cores_landmarks_views_points_and_ranges() -> None:
    from smpstudio.design.hairline import HAIRLINE_POINTS, STYLES
    from smpstudio.design.head import head_preset, surface_normals
    from smpstudio.design.landmarks import LANDMARK_NAMES, landmarks
    from smpstudio.design.maps import DENSITY_RANGE_PER_CM2, DIAMETER_RANGE_MM, INK_FRACTION_RANGE
    from smpstudio.photo.anchors import HIDDEN_COSINE, PHOTO_VIEWS
    from smpstudio.photo.day_look import DAY_RANGE
    from smpstudio.render.camera import view_camera
    from smpstudio.skin.technique import SETTLED_DAY
    from smpstudio.web.pages import consultation as pages

    assert set(pages.LANDMARK_WORDS) == set(LANDMARK_NAMES)
    assert set(pages.VIEW_WORDS) == set(pages.VIEW_ANCHORS) == set(PHOTO_VIEWS)
    assert set(pages.HAIRLINE_WORDS) == set(HAIRLINE_POINTS)
    ranges = {
        "density_per_cm2": DENSITY_RANGE_PER_CM2,
        "dot_diameter_mm": DIAMETER_RANGE_MM,
        "ink_fraction": INK_FRACTION_RANGE,
    }
    for key, (low, high) in ranges.items():
        slider = pages.SLIDERS[key]
        assert (slider["min"], slider["max"]) == (low, high)
        assert "value" not in slider, "the sliders start at the design's own values"
    assert set(pages.STYLE_WORDS) == set(STYLES)
    days = [d for d, _ in pages.DAY_STOPS]
    assert all(DAY_RANGE[0] <= d <= DAY_RANGE[1] for d in days) and SETTLED_DAY in days
    head = head_preset("male")
    marks = landmarks(head, 80.0)
    for view, names in pages.VIEW_ANCHORS.items():
        camera = view_camera(head, view, 1000)
        for name in names:
            if name == "vertex":
                continue  # the top of the outline in every view but the top one
            xyz = np.asarray(marks[name], dtype=np.float64)[None, :]
            sight = camera.eye_mm - xyz
            cos = float(np.sum(surface_normals(head, xyz) * sight) / np.linalg.norm(sight))
            # the ears seen from behind sit on the outline, turned a little away: the fit still takes them
            on_outline = view == "back" and name.startswith("ear_")
            assert cos > (HIDDEN_COSINE if on_outline else max(HIDDEN_COSINE, 0.0)), (view, name, cos)


def test_the_record_links_the_consultation_and_the_repair_consultation_for_those_who_may_open_them(
    world: World,
) -> None:
    record = f"/clients/{world.client}"
    for role, shown in (("practitioner", True), ("owner", True), ("front-desk", False)):
        page = world.signed_in(role).get(record).text
        assert (f'href="{record}/consultation">Consultation on a photo</a>' in page) is shown, role
        assert (f'href="{record}/repair">Repair consultation</a>' in page) is shown, role


def test_a_photo_that_shows_a_face_opens_with_the_automatic_guess_marked(world: World) -> None:
    data = pytest.importorskip("skimage.data")
    pytest.importorskip("cv2")
    _consent(world)
    face = io.BytesIO()  # 3000 px wide: the page shows it at 1600 and gives the guess in the photo's pixels
    Image.fromarray(data.astronaut()).resize((3000, 3000)).save(face, "JPEG", quality=90)
    stored = _upload(world, face.getvalue())
    assert stored.status_code == 303, stored.text[:400]
    editor = world.signed_in("practitioner").get(stored.headers["location"])
    assert editor.status_code == 200 and 'data-guessed="yes"' in editor.text
    assert "an automatic guess" in text_of(editor)
    found = re.search(r'data-landmarks="([^"]+)"', editor.text)
    assert found
    guess = json.loads(found.group(1).replace("&#34;", '"'))
    points = guess["points_px"]
    # the client's right eye on the image's left, in the photo's own pixels: the guess on the 512 px
    # original scaled up, within 2 % of the photo
    right, left = points["lateral_canthus_right"][0], points["lateral_canthus_left"][0]
    assert right < points["glabella"][0] < left
    small = io.BytesIO()
    Image.fromarray(data.astronaut()).save(small, "PNG")
    reference = guess_landmarks(LandmarksGuessRequest.of(photo=small.getvalue(), view="front")).points_px
    for name, (x, y) in reference.items():
        factor = 3000 / 512
        assert abs(points[name][0] - factor * x) < 60 and abs(points[name][1] - factor * y) < 60, name
    assert min(guess["confidence"].values()) > 0.5


def test_the_editor_matches_the_hair_the_photo_shows_or_says_why_not(world: World) -> None:
    from smpstudio.web.pages import consultation as pages
    from tests.records.test_consultation_service import hair_photo

    _consent(world)
    c = world.signed_in("practitioner")
    answers = {}
    for name, bald in (("hair", False), ("bald", True)):
        data, marks, _ = hair_photo(bald=bald)
        stored = _upload(world, data, view="left")
        assert stored.status_code == 303, stored.text[:600]
        ask = {"landmarks": json.dumps(marks)}
        answers[name] = c.post(f"{stored.headers['location']}/match-hair", data=ask)
    editor = c.get(stored.headers["location"])
    button = re.search(r'<button type="button" id="match-hair"[^>]*>([^<]*)</button>', editor.text)
    assert button and button.group(1) == "Match the hair in this photo" and " disabled" in button.group(0)
    assert 'id="match-hair-status"' in editor.text and not structure_problems(editor.text)

    match = answers["hair"]
    assert match.status_code == 200, match.text[:600]
    body = match.json()
    assert body["tone_target"] == "photo" and body["nearest_hair_colour"]
    for key, s in pages.SLIDERS.items():  # the sliders can take the proposal as it is
        steps = (body[key] - s["min"]) / s["step"]
        assert s["min"] <= body[key] <= s["max"] and abs(steps - round(steps)) < 1e-6, (key, body[key])
    refused = answers["bald"]
    assert refused.status_code == 422 and refused.json()["field"] == "photo"
    assert "too little remaining hair" in refused.json()["error"]
