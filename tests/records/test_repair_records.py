"""Repair maps on the client's record: the close-up is refused without photography consent, stored as a
``closeup`` photo; another clinic's ids answer as missing ones; corrections and the target hairline are
re-planned, stored and audited; the images render from what is stored; the export holds the maps and
erasure removes them."""

from __future__ import annotations

import io
import json
import zipfile
from functools import cache
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from smpstudio.errors import ConflictError, InputError, NotFoundError
from smpstudio.records.models import AuditEntry, Photo, RepairMap
from smpstudio.records.store import Store
from smpstudio.repair.synthetic import SyntheticCloseup, synthetic_closeup
from smpstudio.services import clinics, consent, protection
from smpstudio.services import repair_records as rr
from tests.records.conftest import acting
from tests.records.helpers import setup_clinic


@cache
def closeup() -> SyntheticCloseup:
    """A small synthetic close-up (10 x 8 mm at 30 px/mm) with one of each special dot."""
    return synthetic_closeup(size_px=(240, 300), seed=3, special=1, decoys=False, helmet=False)


def _start(store: Store, actor: int, client: int, **extra: object) -> rr.RepairSummary:
    shot = closeup()
    request = rr.StartRepairRequest.of(
        client_id=client, image=shot.jpeg, mm_per_px=shot.mm_per_px, skin_type="II", **extra
    )
    return rr.start_repair(acting(store, actor), request)


def _consented(store: Store, tmp_path: Path) -> dict[str, int]:
    ids = setup_clinic(store, tmp_path)
    consent.sign_consent(
        acting(store, ids["prac"]),
        consent.SignConsentRequest.of(client_id=ids["client"], signed_name="Alex Doe", kind="photography"),
    )
    return ids


def _audit(store: Store, entity: str) -> list[tuple[str, str | None, dict[str, object]]]:
    return store.read(
        lambda db: [
            (e.action, e.entity_id, json.loads(e.detail))
            for e in db.scalars(
                select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.seq)
            )
        ]
    )


def test_a_closeup_without_photography_consent_is_refused_and_nothing_is_stored(
    store: Store, tmp_path: Path
) -> None:
    ids = setup_clinic(store, tmp_path)
    with pytest.raises(InputError) as refused:
        _start(store, ids["prac"], ids["client"])
    assert refused.value.code == "photo_consent_missing" and refused.value.field == "client"
    assert store.read(lambda db: db.scalars(select(RepairMap)).all()) == []
    assert store.read(lambda db: db.scalars(select(Photo)).all()) == []


def test_a_repair_map_keeps_the_closeup_the_dots_and_the_plan(store: Store, tmp_path: Path) -> None:
    ids = _consented(store, tmp_path)
    started = _start(store, ids["prac"], ids["client"], ink="iron-oxide", front="top")
    shot = closeup()
    assert started.dot_count >= 0.9 * len(shot.rows_px)
    assert started.counts["remove"] >= 1 and started.counts["keep"] >= 10 and started.corrected == 0
    photo = store.read(lambda db: db.get(Photo, started.photo_id))
    assert photo is not None and photo.kind == "closeup" and photo.client_id == ids["client"]
    view = rr.repair_map(
        acting(store, ids["prac"]), rr.RepairMapRequest.of(client_id=ids["client"], repair_id=started.id)
    )
    assert (view.width_px, view.height_px) == (300, 240) and view.ink == "iron-oxide"
    assert [d.index for d in view.dots] == list(range(started.dot_count))
    laser = view.plan["laser"]
    assert (
        laser["wavelength_nm"] == 1064
        and laser["test_spot"] is True
        and laser["dots"] == started.counts["remove"]
    )
    stored = store.read(lambda db: db.get(RepairMap, started.id))
    assert stored is not None and "image" not in json.dumps(stored.document)
    listed = rr.client_repairs(
        acting(store, ids["owner"]), rr.ClientRepairsRequest.of(client_id=ids["client"])
    )
    assert [r.id for r in listed.repairs] == [started.id]
    assert [a for a, *_ in _audit(store, "repair_map")] == ["create", "read", "read"]


def test_the_scale_is_given_once_either_way_round(store: Store, tmp_path: Path) -> None:
    shot = closeup()
    both = rr.StartRepairRequest.of(
        client_id=1, image=shot.jpeg, mm_per_px=0.03, px_per_mm=30, skin_type="II"
    )
    with pytest.raises(InputError) as twice:
        both.scale_mm_per_px()
    assert twice.value.field == "mm_per_px"
    per_mm = rr.StartRepairRequest.of(client_id=1, image=shot.jpeg, px_per_mm=25, skin_type="II")
    assert per_mm.scale_mm_per_px() == pytest.approx(0.04)
    with pytest.raises(InputError) as bad_ink:
        rr.StartRepairRequest.of(client_id=1, image=shot.jpeg, px_per_mm=25, skin_type="II", ink="red")
    assert bad_ink.value.field == "ink"


def test_corrections_are_replanned_stored_and_audited(store: Store, tmp_path: Path) -> None:
    ids = _consented(store, tmp_path)
    started = _start(store, ids["prac"], ids["client"])
    prac = acting(store, ids["prac"])
    view = rr.repair_map(prac, rr.RepairMapRequest.of(client_id=ids["client"], repair_id=started.id))
    kept = next(d for d in view.dots if d.dot_class == "keep")
    corrected = rr.correct_dots(
        prac,
        rr.CorrectDotsRequest.of(
            client_id=ids["client"], repair_id=started.id, corrections={kept.index: "remove"}
        ),
    )
    dot = corrected.dots[kept.index]
    assert dot.dot_class == "remove" and dot.corrected and (dot.x_px, dot.y_px) == (kept.x_px, kept.y_px)
    assert corrected.summary.counts["remove"] == started.counts["remove"] + 1
    assert corrected.summary.counts["keep"] == started.counts["keep"] - 1
    assert corrected.summary.updated_at >= started.updated_at
    stored = store.read(lambda db: db.get(RepairMap, started.id))
    assert stored is not None and stored.document["corrections"] == {str(kept.index): "remove"}
    action, entity_id, detail = _audit(store, "repair_map")[-1]
    assert (action, entity_id, detail["corrected"]) == ("update", str(started.id), 1)
    back = rr.correct_dots(
        prac,
        rr.CorrectDotsRequest.of(
            client_id=ids["client"], repair_id=started.id, corrections={kept.index: "auto"}
        ),
    )
    assert back.dots[kept.index].dot_class == "keep" and not back.dots[kept.index].corrected
    with pytest.raises(InputError) as beyond:
        rr.correct_dots(
            prac,
            rr.CorrectDotsRequest.of(
                client_id=ids["client"], repair_id=started.id, corrections={10_000: "keep"}
            ),
        )
    assert beyond.value.field == "corrections"
    with pytest.raises(InputError):
        rr.CorrectDotsRequest.of(client_id=ids["client"], repair_id=started.id, corrections={0: "erase"})


def test_a_target_hairline_replans_the_zones_and_the_dots_ahead_of_it_go(
    store: Store, tmp_path: Path
) -> None:
    ids = _consented(store, tmp_path)
    started = _start(store, ids["prac"], ids["client"])
    prac = acting(store, ids["prac"])
    before = rr.repair_map(prac, rr.RepairMapRequest.of(client_id=ids["client"], repair_id=started.id))
    assert before.target_source == "detected" and before.hairline_px is None
    line = [[0, 200], [300, 200]]  # 200 px (6.7 mm) down from the top: most dots lie ahead of it
    view = rr.set_hairline(
        prac, rr.SetHairlineRequest.of(client_id=ids["client"], repair_id=started.id, hairline_px=line)
    )
    assert (
        view.hairline_px == [[0.0, 200.0], [300.0, 200.0]] == view.target_px and view.target_source == "drawn"
    )
    placed = sum(c["keep"] + c["remove"] + c["watch"] for c in view.zone_counts.values())
    assert placed == started.dot_count
    ahead = [d for d in view.dots if d.y_px < 200 - 1.0 / view.summary.mm_per_px]  # beyond the 1 mm tolerance
    assert ahead and all(d.zone == "outside" and d.dot_class == "remove" for d in ahead)
    assert view.zone_counts["outside"]["remove"] >= len(ahead)
    assert [d.detected_class for d in view.dots] == [d.dot_class for d in view.dots]  # no correction yet
    with pytest.raises(InputError) as outside:
        rr.set_hairline(
            prac,
            rr.SetHairlineRequest.of(
                client_id=ids["client"], repair_id=started.id, hairline_px=[[0, 0], [900, 5]]
            ),
        )
    assert outside.value.field == "hairline_px"
    cleared = rr.set_hairline(
        prac, rr.SetHairlineRequest.of(client_id=ids["client"], repair_id=started.id, hairline_px=None)
    )
    assert cleared.hairline_px is None and cleared.target_source == "detected"
    assert [d.dot_class for d in cleared.dots] == [d.dot_class for d in before.dots]


def test_images_render_from_the_stored_photo_without_metadata(store: Store, tmp_path: Path) -> None:
    ids = _consented(store, tmp_path)
    started = _start(store, ids["prac"], ids["client"])
    prac = acting(store, ids["prac"])
    request = rr.RepairImageRequest.of(
        client_id=ids["client"], repair_id=started.id, which="plan", max_width_px=150
    )
    plan = rr.repair_images(prac, request)
    image = Image.open(io.BytesIO(plan.data))
    assert plan.media_type == "image/png" and image.width == 150 == plan.width_px and image.height >= 120
    assert not image.info.get("exif")
    photo = rr.repair_images(
        prac, rr.RepairImageRequest.of(client_id=ids["client"], repair_id=started.id, image_format="jpeg")
    )
    assert photo.media_type == "image/jpeg" and (photo.width_px, photo.height_px) == (300, 240)
    assert plan.data != photo.data
    after = {
        which: rr.repair_images(
            prac, rr.RepairImageRequest.of(client_id=ids["client"], repair_id=started.id, which=which)
        )
        for which in ("after-removal", "after-resmp")
    }
    assert all(a.media_type == "image/png" and a.width_px == 300 for a in after.values())
    assert len({plan.data, *(a.data for a in after.values())}) == 3
    images = [d for a, _, d in _audit(store, "repair_map") if a == "read" and "image" in d]
    assert [d["image"] for d in images] == ["plan", "photo", "after-removal", "after-resmp"]
    with pytest.raises(InputError):
        rr.RepairImageRequest.of(client_id=ids["client"], repair_id=started.id, which="thumbnail")


def test_another_clinics_repair_ids_answer_as_missing_ones(store: Store, tmp_path: Path) -> None:
    ids = _consented(store, tmp_path)
    started = _start(store, ids["prac"], ids["client"])
    other = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="Other")).owner_id
    them = acting(store, other)
    for repair_id in (started.id, 999_999):
        with pytest.raises(NotFoundError):
            rr.repair_map(them, rr.RepairMapRequest.of(client_id=ids["client"], repair_id=repair_id))
        with pytest.raises(NotFoundError):
            rr.correct_dots(
                them,
                rr.CorrectDotsRequest.of(
                    client_id=ids["client"], repair_id=repair_id, corrections={0: "keep"}
                ),
            )
    with pytest.raises(NotFoundError):
        rr.client_repairs(them, rr.ClientRepairsRequest.of(client_id=ids["client"]))
    refusals = [(a, e) for a, e, _ in _audit(store, "client") if a == "refuse"]
    assert refusals, "another clinic's attempts are audited"
    desk = acting(store, ids["desk"])
    with pytest.raises(Exception) as denied:
        rr.repair_map(desk, rr.RepairMapRequest.of(client_id=ids["client"], repair_id=started.id))
    assert getattr(denied.value, "kind", None) == "forbidden"


def test_a_stale_correction_is_a_conflict(store: Store, tmp_path: Path) -> None:
    ids = _consented(store, tmp_path)
    started = _start(store, ids["prac"], ids["client"])
    prac = acting(store, ids["prac"])
    stale = rr._load(prac, ids["client"], started.id, "session")
    rr.correct_dots(
        prac,
        rr.CorrectDotsRequest.of(client_id=ids["client"], repair_id=started.id, corrections={0: "watch"}),
    )
    request = rr.CorrectDotsRequest.of(
        client_id=ids["client"], repair_id=started.id, corrections={1: "watch"}
    )
    with pytest.raises(ConflictError):
        rr._replace(prac, request, stale, stale.document, {"corrected": 1})


def test_the_export_holds_the_maps_and_erasure_removes_them(store: Store, tmp_path: Path) -> None:
    ids = _consented(store, tmp_path)
    started = _start(store, ids["prac"], ids["client"])
    out = io.BytesIO()
    protection.export_client(acting(store, ids["owner"]), ids["client"], out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as zf:
        record = json.loads(zf.read("record.json"))
        document = json.loads(zf.read(f"repairs/repair-{started.id}.json"))
    assert [m["id"] for m in record["repair_maps"]] == [started.id]
    assert len(document["dots"]) == started.dot_count
    erased = protection.erase_client(
        acting(store, ids["owner"]), protection.EraseRequest.of(client_id=ids["client"])
    )
    assert isinstance(erased, protection.Erased)
    assert store.read(lambda db: db.scalars(select(RepairMap)).all()) == []
    with pytest.raises(NotFoundError):
        rr.repair_map(
            acting(store, ids["prac"]), rr.RepairMapRequest.of(client_id=ids["client"], repair_id=started.id)
        )


def test_a_closeup_without_dots_is_planned_against_the_photo_edge() -> None:
    from smpstudio.care.rules import load_rules
    from smpstudio.services import repair_analysis

    bare = io.BytesIO()
    Image.new("RGB", (200, 160), (190, 150, 120)).save(bare, "PNG")
    inputs = repair_analysis.RepairInputs(
        mm_per_px=1 / 30,
        front="left",
        ink="unknown",
        skin_type="IV",
        scarring="none",
        hairline_px=None,
        design_version=None,
    )
    document = repair_analysis.analyse(
        bare.getvalue(), inputs, {}, load_rules("care"), None, max_pixels=10**8
    )
    assert document["target_source"] == "photo edge" and document["target_px"] == [[0.0, 0.0], [0.0, 160.0]]
    assert (
        document["dots"] == []
        and not document["plan"]["laser"]["needed"]
        and document["plan"]["resmp"]["dots"] > 0
    )
    assert any("no dots" in w for w in document["warnings"])
