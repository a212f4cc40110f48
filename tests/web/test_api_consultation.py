"""The consultation on a photo through the API: upload (multipart), fit, the live preview as JPEG and as JSON,
a hairline drag, saving the design version, the list and the photo; the route table, another clinic's
photo (404) and the front desk (403)."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from PIL import Image

from smpstudio.services import client_details, consent
from smpstudio.web.api.access import API_PERMISSIONS
from tests.validation.test_photo_fit import synthetic_photo
from tests.web.conftest import World, ctx_for

SIZE_PX = 400
BASE = "/api/v1/clients/{client_id}/consultations"


@pytest.fixture(scope="module")
def photo() -> tuple[bytes, dict[str, Any]]:
    img, marks, _, _, _ = synthetic_photo("front", turn_deg=(5.0, -5.0, 4.0), noise=2.0, size_px=SIZE_PX)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=92)
    return buf.getvalue(), {"view": "front", "points_px": marks}


def _consent(world: World) -> None:
    ctx = ctx_for(world.store, world.users["practitioner"])
    consent.sign_consent(
        ctx, consent.SignConsentRequest.of(client_id=world.client, signed_name="Alex Doe", kind="photography")
    )
    client_details.update_client(
        ctx_for(world.store, world.users["owner"]),
        client_details.UpdateClientRequest.of(client_id=world.client, hair_loss_pattern="norwood-6"),
    )


def test_every_route_is_in_the_table() -> None:
    suffixes = ["", "/{photo_id}/photo.jpg", "/{photo_id}/fit", "/{photo_id}/preview"]
    suffixes += ["/{photo_id}/hairline-drag", "/{photo_id}/save"]
    paths = {f"{BASE}{s}" for s in suffixes}
    table = {p for (_, p) in API_PERMISSIONS if "/consultations" in p}
    assert table == paths
    assert API_PERMISSIONS[("POST", f"{BASE}/{{photo_id}}/save")] == "design"


def test_a_consultation_through_the_api(world: World, photo: Any) -> None:
    c = world.signed_in("practitioner")
    base = BASE.format(client_id=world.client)
    files = {"file": ("head.jpg", photo[0], "image/jpeg")}
    refused = c.post(base, files=files, data={"view": "front"})
    assert refused.status_code == 422 and refused.json()["code"] == "photo_consent_missing"
    _consent(world)
    started = c.post(base, files=files, data={"view": "front"})
    assert started.status_code == 201, started.text
    photo_id = started.json()["photo_id"]
    assert started.json()["width"] == SIZE_PX

    fit = c.post(f"{base}/{photo_id}/fit", json={"landmarks": photo[1]})
    assert fit.status_code == 200, fit.text
    points = fit.json()["hairline_points_px"]
    assert fit.json()["fit_error_px"] < 2.0 and "mid_frontal_point" in points

    preview = c.post(f"{base}/{photo_id}/preview", json={"landmarks": photo[1], "width_px": 200, "day": 10})
    assert preview.status_code == 200 and preview.headers["content-type"] == "image/jpeg"
    drawn = json.loads(preview.headers["x-preview"])
    assert drawn["dots_drawn"] > 50 and drawn["day"] == 10 and "image" not in drawn
    assert Image.open(io.BytesIO(preview.content)).size == (200, 200)
    as_json = c.post(
        f"{base}/{photo_id}/preview", params={"format": "json"}, json={"landmarks": photo[1], "width_px": 200}
    )
    assert as_json.headers["content-type"] == "application/json"
    assert base64.b64decode(as_json.json()["image_jpeg_base64"])[:2] == b"\xff\xd8"

    mfp = points["mid_frontal_point"]
    drag = c.post(
        f"{base}/{photo_id}/hairline-drag",
        json={"landmarks": photo[1], "name": "mid_frontal_point", "x_px": mfp[0], "y_px": mfp[1] + 10},
    )
    assert drag.status_code == 200, drag.text
    shifts = drag.json()["hairline_shift_mm"]
    assert shifts["mid_frontal_point"] > 0  # dragged down the brow: forward, a lower hairline
    assert drag.json()["hairline_points_px"]["mid_frontal_point"][1] > mfp[1]
    moved = c.post(
        f"{base}/{photo_id}/preview",
        json={"landmarks": photo[1], "width_px": 200, "day": 10, "hairline_shift_mm": shifts},
    )
    assert json.loads(moved.headers["x-preview"])["resampled"] and moved.content != preview.content

    saved = c.post(f"{base}/{photo_id}/save", json={"landmarks": photo[1], "density_per_cm2": 80})
    assert saved.status_code == 201, saved.text
    listed = c.get(base).json()
    assert listed["photos"][0]["designs"][0]["version"] == saved.json()["version"]
    image = c.get(f"{base}/{photo_id}/photo.jpg", params={"max_width_px": 100})
    assert image.status_code == 200 and Image.open(io.BytesIO(image.content)).size == (100, 100)

    bad = c.post(f"{base}/{photo_id}/fit", json={"landmarks": {"view": "front", "points_px": {}}})
    assert bad.status_code == 422 and bad.json()["field"].startswith("landmarks")

    other = world.signed_in("other")
    assert other.get(f"{base}/{photo_id}/photo.jpg").status_code == 404
    theirs = BASE.format(client_id=world.other_client)
    assert other.get(f"{theirs}/{photo_id}/photo.jpg").status_code == 404
    desk = world.signed_in("front-desk")
    assert desk.post(f"{base}/{photo_id}/fit", json={"landmarks": photo[1]}).status_code == 403
