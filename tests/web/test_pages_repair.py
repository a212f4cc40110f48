"""The repair consultation's pages: the list with the upload form (a phone's camera, the scale's help, errors
shown in place naming the field, the photography consent asked for), one map with every dot ringed by its
class on the photo and listed in the dot table, the corrections and the target hairline as plain forms and
as the page script's JSON, and the images rendered on demand."""

from __future__ import annotations

import io
import re

from PIL import Image

from smpstudio.services import consent
from tests.web.clinic_html import structure_problems
from tests.web.conftest import ctx_for
from tests.web.populated import (
    Populated,
    closeup_jpeg,
    populated_fixture,  # noqa: F401  (the fixture)
    populated_template_fixture,  # noqa: F401  (the fixture)
)

JSON = {"Accept": "application/json"}


def _upload(populated: Populated, **fields: str) -> object:
    form = {"scale": "30", "scale_unit": "px_per_mm", "skin_type": "II", "ink": "carbon", **fields}
    c = populated.cookie("practitioner")
    form["csrf_token"] = c.headers["X-CSRF-Token"]
    files = {"photo": ("closeup.jpg", closeup_jpeg(), "image/jpeg")}
    return c.post(f"/clients/{populated.a.client_id}/repair", data=form, files=files, follow_redirects=False)


def test_the_list_offers_the_camera_and_says_how_to_measure_the_scale(populated: Populated) -> None:
    a = populated.a
    answer = populated.cookie("practitioner").get(f"/clients/{a.client_id}/repair")
    assert answer.status_code == 200 and not structure_problems(answer.text), structure_problems(answer.text)
    html = answer.text
    assert 'accept="image/*" capture="environment"' in html and 'enctype="multipart/form-data"' in html
    assert "Measure a ruler on the photo" in html and "pixels per mm" in html and "mm per pixel" in html
    assert f'href="/clients/{a.client_id}/repair/{a.repair_id}"' in html
    assert f'<option value="{a.design_version}">Version {a.design_version}</option>' in html
    for label in ("Edge towards the forehead", "Ink used", "Skin type (Fitzpatrick)", "Scarring"):
        assert label in html


def test_an_upload_is_mapped_and_its_page_rings_every_dot(populated: Populated) -> None:
    answer = _upload(
        populated, scale="0.0333", scale_unit="mm_per_px", design_version=str(populated.a.design_version)
    )
    assert answer.status_code == 303, answer.text[:400]  # type: ignore[attr-defined]
    location = answer.headers["location"]  # type: ignore[attr-defined]
    assert re.fullmatch(rf"/clients/{populated.a.client_id}/repair/\d+", location)
    page = populated.cookie("practitioner").get(location)
    assert page.status_code == 200 and not structure_problems(page.text), structure_problems(page.text)
    dots = re.findall(r'<g class="dot dot-(keep|remove|watch)[^"]*" data-index="(\d+)"', page.text)
    rows = re.findall(r'<select id="dot-(\d+)" name="dot_\1"', page.text)
    assert len(dots) >= 20 and [i for _, i in dots] == rows  # each ringed dot has its row in the table
    assert {c for c, _ in dots} >= {"keep", "remove"}
    for words in (
        "Keep (circle)",
        "Remove (laser) (crossed square)",
        "Watch (dashed diamond)",
        "Laser removal",
    ):
        assert words in page.text
    made = populated.cookie("practitioner").get(f"/api/v1{location.replace('/repair/', '/repairs/')}").json()
    assert (
        made["summary"]["design_id"] == populated.a.design_id
        and made["design_version"] == populated.a.design_version
    )
    assert "Re-SMP" in page.text and 'id="compare-range"' in page.text and "After the re-SMP" in page.text


def test_errors_show_in_place_naming_the_field(populated: Populated) -> None:
    answer = _upload(populated, scale="")
    assert answer.status_code == 422  # type: ignore[attr-defined]
    html = answer.text  # type: ignore[attr-defined]
    assert re.search(r'<p class="error" id="e-scale">[^<]*scale[^<]*</p>', html), html[:2000]
    assert 'aria-invalid="true"' in html
    answer = _upload(populated, ink="red")
    assert answer.status_code == 422 and 'id="f-ink"' in answer.text  # type: ignore[attr-defined]
    assert re.search(r'<p class="error">[^<]*red[^<]*</p>', answer.text)  # type: ignore[attr-defined]


def test_without_photography_consent_the_upload_asks_for_it(populated: Populated) -> None:
    a = populated.a
    staff = ctx_for(populated.store, a.staff_id)
    consent.withdraw_consent(
        staff, consent.WithdrawConsentRequest.of(client_id=a.client_id, kind="photography")
    )
    listing = populated.cookie("practitioner").get(f"/clients/{a.client_id}/repair")
    assert "has not consented to photographs" in listing.text
    answer = _upload(populated)
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert f'href="/clients/{a.client_id}/consent#photography"' in answer.text  # type: ignore[attr-defined]


def test_a_dot_is_corrected_by_the_form_and_by_the_page_script(populated: Populated) -> None:
    a = populated.a
    c = populated.cookie("practitioner")
    base = f"/clients/{a.client_id}/repair/{a.repair_id}"
    token = {"csrf_token": c.headers["X-CSRF-Token"]}
    view = c.post(f"{base}/corrections", data={**token, "dot_0": "watch"}, headers=JSON).json()
    assert view["dots"][0]["dot_class"] == "watch" and view["dots"][0]["corrected"] is True
    assert view["summary"]["counts"]["watch"] >= 1 and view["summary"]["corrected"] == 1
    answer = c.post(f"{base}/corrections", data={**token, "dot_1": "remove"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith(f"{base}?done=dots")
    page = c.get(base).text
    assert re.search(r'<g class="dot dot-remove is-corrected" data-index="1"', page)
    assert re.search(r'<option value="watch" selected>Watch</option>', page)
    bad = c.post(f"{base}/corrections", data={**token, "dot_99999": "keep"}, headers=JSON)
    assert bad.status_code == 422 and bad.json()["field"] == "corrections"
    bad_form = c.post(f"{base}/corrections", data={**token, "dot_0": "erase"})
    assert bad_form.status_code == 422 and 'role="alert"' in bad_form.text


def test_the_target_hairline_is_drawn_and_removed(populated: Populated) -> None:
    a = populated.a
    c = populated.cookie("practitioner")
    base = f"/clients/{a.client_id}/repair/{a.repair_id}"
    token = {"csrf_token": c.headers["X-CSRF-Token"]}
    view = c.post(
        f"{base}/hairline", data={**token, "hairline_px": "[[0, 150], [300, 150]]"}, headers=JSON
    ).json()
    assert view["target_source"] == "drawn" and view["hairline_px"] == [[0.0, 150.0], [300.0, 150.0]]
    assert "outside" in view["zone_counts"]
    page = c.get(base).text
    assert 'points="0,150 300,150"' in page and "Remove the target hairline" in page
    cleared = c.post(f"{base}/hairline", data={**token, "hairline_px": ""}, follow_redirects=False)
    assert cleared.status_code == 303
    assert c.get(f"/api/v1/clients/{a.client_id}/repairs/{a.repair_id}").json()["target_source"] == "detected"
    bad = c.post(f"{base}/hairline", data={**token, "hairline_px": "[[0, 1]"}, headers=JSON)
    assert bad.status_code == 422 and bad.json()["field"] == "hairline_px"


def test_images_are_rendered_on_demand(populated: Populated) -> None:
    a = populated.a
    c = populated.cookie("practitioner")
    base = f"/clients/{a.client_id}/repair/{a.repair_id}"
    photo = c.get(f"{base}/photo.jpg?w=200")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(photo.content)).width == 200
    shots = {
        which: c.get(f"{base}/{which}.png") for which in ("photo", "plan", "after-removal", "after-resmp")
    }
    for which, shot in shots.items():
        assert shot.status_code == 200 and shot.headers["content-type"] == "image/png", which
    assert len({s.content for s in shots.values()}) == 4
    assert c.get(f"{base}/thumbnail.png").status_code == 422
    assert c.get(f"{base}/plan.png?w=10").status_code == 422
