"""The consultation on the client's photo, on both stores: the photo stored only with the photography consent,
the head fitted to clicked anchors, the design drawn live (a density slider thins the same dots), the design
kept as the next version linked to the photo, every read and write audited, and nothing of another clinic's
or another role's reach."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from smpstudio.errors import AccessError, InputError, NotFoundError
from smpstudio.records.models import AuditEntry, Design, Photo
from smpstudio.records.store import Store
from smpstudio.services import clients, clinics, consent
from smpstudio.services import consultation as svc
from tests.records.conftest import acting
from tests.records.helpers import setup_clinic
from tests.validation.test_photo_fit import synthetic_photo

SIZE_PX = 480


@pytest.fixture(scope="module")
def photo() -> tuple[bytes, dict[str, Any]]:
    """A rendered front photo of a Norwood-6 head (JPEG) and its true anchors."""
    img, marks, _, _, _ = synthetic_photo("front", turn_deg=(6.0, -4.0, 8.0), noise=2.0, size_px=SIZE_PX)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=92)
    return buf.getvalue(), {"view": "front", "points_px": marks}


def _client(store: Store, tmp_path: Path, *, photography: bool = True) -> dict[str, int]:
    ids = setup_clinic(store, tmp_path)
    ids["client"] = clients.add_client(  # with a hair-loss pattern
        acting(store, ids["owner"]),
        clients.AddClientRequest.of(
            name="Sam Doe", date_of_birth="1979-03-04", skin_type="III", hair_loss_pattern="norwood-6"
        ),
    ).id
    if photography:
        consent.sign_consent(
            acting(store, ids["prac"]),
            consent.SignConsentRequest.of(client_id=ids["client"], signed_name="Sam Doe", kind="photography"),
        )
    return ids


def _audit(store: Store) -> list[tuple[str, str, str | None, dict[str, Any]]]:
    return store.read(
        lambda db: [
            (e.action, e.entity, e.entity_id, json.loads(e.detail))
            for e in db.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        ]
    )


def test_a_photo_needs_the_photography_consent(store: Store, tmp_path: Path, photo: Any) -> None:
    ids = _client(store, tmp_path, photography=False)
    request = svc.StartConsultationRequest.of(client_id=ids["client"], image=photo[0], view="front")
    with pytest.raises(InputError) as info:
        svc.start_consultation(acting(store, ids["prac"]), request)
    assert info.value.code == "photo_consent_missing"
    assert store.read(lambda db: db.scalar(select(Photo.id))) is None
    bad = svc.StartConsultationRequest.of(client_id=ids["client"], image=photo[0], view="sideways")
    with pytest.raises(InputError) as info:
        svc.start_consultation(acting(store, ids["prac"]), bad)
    assert info.value.field == "view" and "front" in str(info.value.allowed)


def test_the_consultation_fits_draws_and_keeps_the_design_on_the_photo(
    store: Store, tmp_path: Path, photo: Any
) -> None:
    ids = _client(store, tmp_path)
    ctx = acting(store, ids["prac"])
    started = svc.start_consultation(
        ctx, svc.StartConsultationRequest.of(client_id=ids["client"], image=photo[0], view="front")
    )
    assert (started.width, started.height, started.view) == (SIZE_PX, SIZE_PX, "front")
    assert started.landmarks is None and (started.preview_width, started.preview_height) == (SIZE_PX, SIZE_PX)
    base = {"client_id": ids["client"], "photo_id": started.photo_id, "landmarks": photo[1]}

    fit = svc.fit_consultation(ctx, svc.FitConsultationRequest.of(**base))
    assert fit.fit_error_px < 2.0 and 0.1 < fit.mm_per_px < 2.0
    assert len(fit.wireframe) >= 5 and all(len(line) >= 2 for line in fit.wireframe)
    assert fit.hairline_px and all(run in fit.wireframe for run in fit.hairline_px)
    assert "mid_frontal_point" in fit.hairline_points_px and "glabella" in fit.landmarks_px
    glabella = photo[1]["points_px"]["glabella"]
    assert np.hypot(*np.subtract(fit.landmarks_px["glabella"], glabella)) < 3.0

    shown = svc.live_preview(ctx, svc.LivePreviewRequest.of(**base, width_px=320))
    assert (shown.width, shown.height) == (320, 320) and shown.dots_drawn > 100
    assert shown.tone_match_delta_e00 is not None and shown.density_per_cm2 > 0
    image = Image.open(io.BytesIO(shown.image))
    assert image.format == "JPEG" and image.size == (320, 320) and not image.getexif()
    before = svc.live_preview(ctx, svc.LivePreviewRequest.of(**base, width_px=320, want="before"))
    assert before.image != shown.image

    saved = svc.save_consultation(ctx, svc.SaveConsultationRequest.of(**base, density_per_cm2=70.0))
    assert (saved.version, saved.photo_id) == (1, started.photo_id)
    row = store.read(lambda db: db.get(Design, saved.design_id))
    assert row.photo_id == started.photo_id and row.document["maps"]["density_per_cm2"] == 70.0
    kept = store.read(lambda db: db.get(Photo, started.photo_id).landmarks)
    assert kept["view"] == "front" and set(kept["points_px"]) == set(photo[1]["points_px"])

    again = svc.save_consultation(ctx, svc.SaveConsultationRequest.of(**base, design_version=1))
    assert again.version == 2
    history = svc.consultation_history(ctx, svc.ConsultationHistoryRequest.of(client_id=ids["client"]))
    assert [p.photo_id for p in history.photos] == [started.photo_id]
    assert [d.version for d in history.photos[0].designs] == [1, 2] and history.photos[0].has_landmarks
    assert history.photos[0].landmarks == kept

    small = svc.consultation_photo(
        ctx,
        svc.ConsultationImageRequest.of(client_id=ids["client"], photo_id=started.photo_id, max_width_px=120),
    )
    assert (small.width, small.height) == (120, 120) and small.scale == pytest.approx(0.25)

    trail = _audit(store)
    reads = [d.get("use") for a, e, _, d in trail if (a, e) == ("read", "photo")]
    assert {"fit", "preview", "save", "show", "history"} <= set(reads)
    assert ("create", "photo", str(started.photo_id)) in [(a, e, i) for a, e, i, _ in trail]
    assert ("update", "photo", str(started.photo_id)) in [(a, e, i) for a, e, i, _ in trail]
    assert ("create", "design", str(saved.design_id)) in [(a, e, i) for a, e, i, _ in trail]
    assert all("Sam" not in str(d) for *_, d in trail)  # ids and codes only


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)  # drawing: one store is enough
def test_the_density_slider_thins_the_same_dots(store: Store, tmp_path: Path, photo: Any) -> None:
    ids = _client(store, tmp_path)
    ctx = acting(store, ids["prac"])
    started = svc.start_consultation(
        ctx, svc.StartConsultationRequest.of(client_id=ids["client"], image=photo[0], view="front")
    )
    base = {"client_id": ids["client"], "photo_id": started.photo_id, "landmarks": photo[1], "width_px": 320}
    dense = svc.live_preview(ctx, svc.LivePreviewRequest.of(**base, density_per_cm2=120.0))
    sparse = svc.live_preview(ctx, svc.LivePreviewRequest.of(**base, density_per_cm2=60.0))
    again = svc.live_preview(ctx, svc.LivePreviewRequest.of(**base, density_per_cm2=60.0))
    assert not sparse.resampled and not again.resampled
    assert again.image == sparse.image and again.dots_drawn == sparse.dots_drawn
    assert 0.4 < sparse.dots_drawn / dense.dots_drawn < 0.6
    shade = svc.live_preview(ctx, svc.LivePreviewRequest.of(**base, density_per_cm2=60.0, ink_fraction=0.3))
    assert shade.dots_drawn == sparse.dots_drawn and shade.image != sparse.image
    with pytest.raises(InputError) as info:
        svc.live_preview(ctx, svc.LivePreviewRequest.of(**base, density_per_cm2=500.0))
    assert info.value.field == "density_per_cm2"


def test_bad_anchors_are_refused_naming_the_point(store: Store, tmp_path: Path, photo: Any) -> None:
    ids = _client(store, tmp_path)
    ctx = acting(store, ids["prac"])
    started = svc.start_consultation(
        ctx, svc.StartConsultationRequest.of(client_id=ids["client"], image=photo[0], view="front")
    )
    points = dict(photo[1]["points_px"])
    points["lateral_canthus_right"], points["lateral_canthus_left"] = (
        points["lateral_canthus_left"],
        points["lateral_canthus_right"],
    )
    request = svc.FitConsultationRequest.of(
        client_id=ids["client"], photo_id=started.photo_id, landmarks={"view": "front", "points_px": points}
    )
    with pytest.raises(InputError) as info:
        svc.fit_consultation(ctx, request)
    assert info.value.field is not None and info.value.field.startswith("landmarks.points_px.")


def test_another_clinics_photo_and_the_front_desk_are_refused(
    store: Store, tmp_path: Path, photo: Any
) -> None:
    ids = _client(store, tmp_path)
    started = svc.start_consultation(
        acting(store, ids["prac"]),
        svc.StartConsultationRequest.of(client_id=ids["client"], image=photo[0], view="front"),
    )
    other = clinics.init_clinic(
        acting(store, ids["owner"]), clinics.InitClinicRequest.of(name="Other", owner_email="o@b.example.org")
    )
    their_client = clients.add_client(
        acting(store, other.owner_id), clients.AddClientRequest.of(name="Bo", date_of_birth="1970-01-01")
    ).id
    for client_id in (ids["client"], their_client):
        request = svc.ConsultationImageRequest.of(client_id=client_id, photo_id=started.photo_id)
        with pytest.raises(NotFoundError):
            svc.consultation_photo(acting(store, other.owner_id), request)
    with pytest.raises(AccessError):
        svc.fit_consultation(
            acting(store, ids["desk"]),
            svc.FitConsultationRequest.of(
                client_id=ids["client"], photo_id=started.photo_id, landmarks=photo[1]
            ),
        )
    # Another photo of the same client that is no consultation photo answers as not found too.
    progress = clients.add_photo(
        acting(store, ids["prac"]),
        clients.AddPhotoRequest.of(client_id=ids["client"], image=photo[0], view="top", kind="progress"),
    )
    with pytest.raises(NotFoundError):
        svc.consultation_photo(
            acting(store, ids["prac"]),
            svc.ConsultationImageRequest.of(client_id=ids["client"], photo_id=progress.id),
        )
    refusals = [(a, e, i) for a, e, i, _ in _audit(store) if a == "refuse"]
    assert ("refuse", "photo", str(started.photo_id)) in refusals


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)  # drawing: one store is enough
def test_the_fit_follows_the_hairline_shifts_and_style_and_gives_the_designs_own_values(
    store: Store, tmp_path: Path, photo: Any
) -> None:
    ids = _client(store, tmp_path)
    ctx = acting(store, ids["prac"])
    started = svc.start_consultation(
        ctx, svc.StartConsultationRequest.of(client_id=ids["client"], image=photo[0], view="front")
    )
    base = {"client_id": ids["client"], "photo_id": started.photo_id, "landmarks": photo[1]}
    own = svc.fit_consultation(ctx, svc.FitConsultationRequest.of(**base))
    shifted = svc.fit_consultation(
        ctx, svc.FitConsultationRequest.of(**base, hairline_shift_mm={"mid_frontal_point": 8.0})
    )
    # forward (towards the brow) is down the photo of a front view; the wire-frame's hairline moves with it
    moved = np.subtract(
        shifted.hairline_points_px["mid_frontal_point"], own.hairline_points_px["mid_frontal_point"]
    )
    assert moved[1] > 8.0 * 0.5 / own.mm_per_px and abs(moved[0]) < moved[1]
    assert shifted.hairline_px != own.hairline_px and shifted.wireframe != own.wireframe
    assert shifted.hairline_points_px["temporal_peak_right"] == own.hairline_points_px["temporal_peak_right"]
    assert shifted.fit_error_px == own.fit_error_px  # the shifts move the hairline, not the head

    mature = svc.fit_consultation(ctx, svc.FitConsultationRequest.of(**base, style="mature"))
    assert (own.style, mature.style) == ("soft", "mature")
    mfp = mature.hairline_points_px["mid_frontal_point"][1] - own.hairline_points_px["mid_frontal_point"][1]
    assert mfp < -1.0  # the mature hairline sits higher in the middle (foreshortened on the top)

    # the design's own values are what the preview draws when no slider was moved
    drawn = svc.live_preview(ctx, svc.LivePreviewRequest.of(**base, width_px=160))
    assert (own.density_per_cm2, own.dot_diameter_mm, own.ink_fraction) == (
        drawn.density_per_cm2,
        drawn.dot_diameter_mm,
        drawn.ink_fraction,
    )
    saved = svc.save_consultation(ctx, svc.SaveConsultationRequest.of(**base, density_per_cm2=140.0))
    stored = svc.fit_consultation(ctx, svc.FitConsultationRequest.of(**base, design_version=saved.version))
    assert stored.density_per_cm2 == 140.0 and stored.style == "soft"


def test_the_image_carries_the_photos_own_size(store: Store, tmp_path: Path) -> None:
    ids = _client(store, tmp_path)
    ctx = acting(store, ids["prac"])
    rng = np.random.default_rng(7)
    pixels = rng.integers(60, 200, size=(333, 487, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    started = svc.start_consultation(
        ctx, svc.StartConsultationRequest.of(client_id=ids["client"], image=buf.getvalue(), view="back")
    )
    request = svc.ConsultationImageRequest.of(
        client_id=ids["client"], photo_id=started.photo_id, max_width_px=100
    )
    shown = svc.consultation_photo(ctx, request)
    assert (shown.width, shown.height) == (100, 68)
    assert (shown.photo_width, shown.photo_height) == (487, 333) == (started.width, started.height)
    assert round(shown.height / shown.scale) != 333  # what the scaled image alone would have given


def hair_photo(*, bald: bool) -> tuple[bytes, dict[str, Any], np.ndarray]:
    """A left-side photo of a Norwood-6 head with dense black stubble left 3 mm long (none when ``bald``),
    its true anchors, and the stubble's known share of the skin's light per channel (the renderer's hair
    model, :mod:`smpstudio.render.hair`)."""
    from smpstudio.render.camera import view_camera
    from smpstudio.render.canvas import RenderStyle
    from smpstudio.render.landmarks_px import landmarks_px
    from smpstudio.render.preview import render_preview
    from smpstudio.skin.healed_dot import srgb_to_linear
    from smpstudio.skin.stubble import Hair, stubble_texture
    from tests.conftest import make_design
    from tests.validation.test_photo_fit import turned_camera

    dark = Hair(colour="black", shave_length_mm=3.0, units_per_cm2=100, hairs_per_unit=4, diameter_um=120)
    _, design_ctx, doc = make_design("norwood-6", "soft")
    head = design_ctx.grid.head
    camera = turned_camera(view_camera(head, "left", 320), (4.0, -3.0, 5.0))
    style = RenderStyle(hair=dark)
    hair = design_ctx.maps.hair * (0.0 if bald else 1.0)
    image = render_preview(head, design_ctx.grid, hair, doc.dots, camera, look="before", style=style)
    noisy = image.astype(np.float64) + np.random.default_rng(1).normal(0.0, 2.0, image.shape)
    buf = io.BytesIO()
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=92)
    marks = landmarks_px(head, camera, hairline_height_mm=design_ctx.hairline_height_mm)
    marks.pop("vertex", None)
    skin = srgb_to_linear(np.asarray(style.skin_rgb))
    known = np.asarray(stubble_texture(dark, skin, skin_type=style.skin_type).mean_rgb_linear) / skin
    return buf.getvalue(), {"view": "left", "points_px": marks}, known


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)  # measuring and solving: one store is enough
def test_the_hair_the_photo_shows_is_matched_or_refused(store: Store, tmp_path: Path) -> None:
    from smpstudio.design.proposal import delta_e00, skin_rgb_linear

    ids = _client(store, tmp_path)
    ctx = acting(store, ids["prac"])
    shot, marks, known = hair_photo(bald=False)
    started = svc.start_consultation(
        ctx, svc.StartConsultationRequest.of(client_id=ids["client"], image=shot, view="left")
    )
    base = {"client_id": ids["client"], "photo_id": started.photo_id, "landmarks": marks}
    match = svc.match_photo_hair(ctx, svc.MatchPhotoHairRequest.of(**base))
    assert match.tone_target == "photo" and match.nearest_hair_colour in ("black", "dark-brown")
    # The measured stubble against the known one on skin type III: within ΔE00 5, as the command line's
    # photo match (the shaded hair near the silhouette; smpstudio.photo.photo_stubble).
    truth = skin_rgb_linear("III") * known
    assert float(delta_e00(np.asarray(match.stubble_target_rgb_linear), truth)) < 5.0
    # Dark dense hair asks for a darker treatment than the client's default design proposes.
    fit = svc.fit_consultation(ctx, svc.FitConsultationRequest.of(**base))
    proposed = (match.density_per_cm2, match.dot_diameter_mm, match.ink_fraction)
    own = (fit.density_per_cm2, fit.dot_diameter_mm, fit.ink_fraction)
    assert all(a >= b for a, b in zip(proposed, own, strict=True)) and proposed != own
    # The proposal is the design engine's own for that stubble: a preview at the values draws them.
    drawn = svc.live_preview(
        ctx,
        svc.LivePreviewRequest.of(
            **base, width_px=160, density_per_cm2=match.density_per_cm2,
            dot_diameter_mm=match.dot_diameter_mm, ink_fraction=match.ink_fraction,
        ),
    )  # fmt: skip
    assert drawn.density_per_cm2 == match.density_per_cm2
    reads = [d.get("use") for a, e, _, d in _audit(store) if (a, e) == ("read", "photo")]
    assert "hair match" in reads

    bald, bald_marks, _ = hair_photo(bald=True)
    bare = svc.start_consultation(
        ctx, svc.StartConsultationRequest.of(client_id=ids["client"], image=bald, view="left")
    )
    with pytest.raises(InputError) as info:
        svc.match_photo_hair(
            ctx,
            svc.MatchPhotoHairRequest.of(
                client_id=ids["client"], photo_id=bare.photo_id, landmarks=bald_marks
            ),
        )
    assert info.value.field == "photo" and info.value.code == "too_little_hair"
    with pytest.raises(AccessError):
        svc.match_photo_hair(acting(store, ids["desk"]), svc.MatchPhotoHairRequest.of(**base))
