"""A world with a full record in each clinic: lots, a cycle and a failed spore test's corrective action, a
screened, consented and patch-tested client with a design, a photo, a recorded session and its follow-ups, a
symptom report, an adverse event, a staff member with a certification and an API token, all made through
the services.

The ``populated`` fixture is the ``world`` of :mod:`tests.web.conftest` with ``populated.a`` (clinic A's ids,
for the route × role table) and ``populated.b`` (clinic B's, for the isolation tests), and a login session of
each user made once with the template (``populated.cookie(role)``: no password hashing per test). Import
the fixtures into a test module (pytest finds them by their ``name``):
``from tests.web.populated import populated_fixture, populated_template_fixture  # noqa: F401``.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from smpstudio.records.models import User
from smpstudio.records.store import Store, open_store
from smpstudio.services import (
    accounts,
    adverse_events,
    api_tokens,
    appointment_booking,
    client_links,
    clients,
    clinics,
    consent,
    jobs,
    lots,
    patch_tests,
    registers,
    sessions,
    sterilisation,
)
from smpstudio.settings import Settings
from smpstudio.web.app import create_app
from smpstudio.web.auth import SESSION_COOKIE, csrf_token_for
from smpstudio.web.state import Studio
from tests.records.conftest import answers
from tests.web.conftest import EMAILS, PASSWORD, Ids, World, ctx_for

__all__ = [
    "SECRET",
    "Entities",
    "Populated",
    "Template",
    "closeup_jpeg",
    "design_document",
    "open_populated",
    "png_bytes",
    "populate_clinic",
    "populated_fixture",
    "populated_template_fixture",
    "shared_app",
]

SECRET = b"k" * 32


@dataclass(frozen=True)
class Entities:
    """The ids of one clinic's record, by the path parameter that names each kind."""

    clinic_id: int
    owner_id: int
    client_id: int
    staff_id: int  # a practitioner who is not one of the world's signed-in users
    pigment_lot_id: int
    needle_lot_id: int
    diluent_lot_id: int
    cycle_id: int
    spore_test_id: int
    corrective_action_id: int
    screening_id: int
    consent_id: int
    photo_consent_id: int
    patch_test_id: int
    design_id: int
    design_version: int
    plan_id: int
    photo_id: int
    session_id: int
    followup_id: int
    symptom_report_id: int
    adverse_event_id: int
    client_link_id: int  # a link the front desk gave the client (its token is not kept)
    token_id: int
    certification_id: int
    job_id: int  # an export the owner asked for (queued: no worker runs in these tests)
    appointment_id: int  # a session booked for tomorrow with the staff practitioner
    # --- the repair consultation: a map of a small synthetic close-up ---
    repair_id: int
    # --- end of the repair consultation's ids ---


def png_bytes(size: tuple[int, int] = (120, 40)) -> bytes:
    """A small valid PNG (a black stroke on white): a drawn signature or a photo."""
    image = Image.new("RGB", size, "white")
    for x in range(10, size[0] - 10):
        image.putpixel((x, size[1] // 2), (0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def design_document() -> dict[str, Any]:
    """The smallest valid design document: a version-2 header and two dots (generating one takes seconds)."""
    dot = {"diameter_mm": 0.1, "zone": "feather"}
    dots = [
        {**dot, "position_mm": [-77.137, -7.766, 11.859], "ink_fraction": 0.48, "session": 1},
        {**dot, "position_mm": [-77.268, -6.922, 7.555], "ink_fraction": 0.58, "session": 2},
    ]
    return {
        "schema_version": 2,
        "generator": "smpstudio tests",
        "seed": 11,
        "head": {"preset": "male", "length_mm": 195.0, "width_mm": 155.0, "height_mm": 130.0},
        "pattern": {"name": "norwood-2", "regions": []},
        "hairline": {"style": "soft", "height_mm": 80.0, "forced": False},
        "maps": {
            "density_per_cm2": 50.0,
            "feather_mm": 10.0,
            "sessions": [0.45, 0.8, 1.0],
            "chart_step_mm": 1.0,
        },
        "sampling": {
            "method": "bridson2007-variable",
            "packing_constant": 0.543666,
            "candidates_k": 15,
            "follicular_units": False,
            "min_spacing_tolerance_mm": 1e-09,
        },
        "summary": {
            "dot_count": len(dots),
            "site_count": len(dots),
            "expected_site_count": 2.0,
            "treated_area_cm2": 0.1,
            "remaining_hair_area_cm2": 562.24,
            "mean_density_per_cm2": 20.0,
            "dots_per_session": [1, 1, 0],
        },
        "warnings": [],
        "dots": dots,
    }


# --- the repair consultation: a small synthetic close-up ---
@functools.cache
def closeup_jpeg() -> bytes:
    """A small synthetic close-up of healed SMP (10 x 8 mm at 30 px/mm, one of each special dot), as JPEG."""
    from smpstudio.repair.synthetic import synthetic_closeup

    return synthetic_closeup(size_px=(240, 300), seed=3, special=1, decoys=False, helmet=False).jpeg


# --- end of the repair consultation ---


def populate_clinic(store: Store, owner_id: int, client_id: int, tag: str) -> Entities:
    """Give ``client_id``'s clinic a full record through the services, acting as its owner and a new
    practitioner; lot codes and names carry ``tag`` so two clinics' records never look alike."""
    owner = ctx_for(store, owner_id)
    today = owner.today()
    far = (today + dt.timedelta(days=700)).isoformat()
    staff_id = clinics.add_user(
        owner,
        clinics.AddUserRequest.of(
            name=f"Sam Staff {tag}",
            role="practitioner",
            email=f"sam@{tag.lower()}.example.org",
            certified_until=far,
        ),
    ).id
    certification_id = clinics.add_certification(
        owner, clinics.AddCertificationRequest.of(user_id=staff_id, kind="bloodborne-pathogens", expires=far)
    ).id
    staff = ctx_for(store, staff_id)
    lot_ids = {
        kind: lots.add_lot(
            owner,
            lots.AddLotRequest.of(
                kind=kind, product=f"{kind} {tag}", lot=f"{kind[0].upper()}-{tag}", expires=far, quantity=9
            ),
        ).id
        for kind in ("pigment", "needle", "diluent")
    }
    cycle_id = sterilisation.add_cycle(
        staff,
        sterilisation.CycleRequest.of(
            load=f"L-{tag}", temperature_c=134, pressure_kpa=210, minutes=4, indicator="pass"
        ),
    ).id
    screening_id = clients.screen_client(
        staff, clients.ScreenClientRequest.of(client_id=client_id, answers=answers())
    ).id
    consent_id = consent.sign_consent(
        staff,
        consent.SignConsentRequest.of(
            client_id=client_id, signed_name=f"Client {tag}", signature=png_bytes()
        ),
    ).id
    photo_consent_id = consent.sign_consent(
        staff,
        consent.SignConsentRequest.of(client_id=client_id, signed_name=f"Client {tag}", kind="photography"),
    ).id
    applied = dt.datetime.combine(today - dt.timedelta(days=3), dt.time(10, 0))
    patch_test_id = patch_tests.record_patch_test(
        staff,
        patch_tests.PatchTestRecordRequest.of(
            client_id=client_id,
            lot=f"#{lot_ids['pigment']}",
            applied=applied.isoformat(),
            read=(applied + dt.timedelta(hours=48)).isoformat(),
            result="negative",
        ),
    ).id
    design = clients.add_design(
        staff, clients.AddDesignRequest.of(client_id=client_id, document=design_document())
    )
    plan_id = clients.add_plan(
        staff,
        clients.AddPlanRequest.of(
            client_id=client_id, sessions=3, interval_days=21, design_version=design.version
        ),
    ).id
    photo_id = clients.add_photo(
        staff,
        clients.AddPhotoRequest.of(
            client_id=client_id, image=png_bytes((64, 64)), view="front", kind="consultation"
        ),
    ).id
    # --- the repair consultation: a map of a small synthetic close-up ---
    from smpstudio.services import repair_records

    repair_id = repair_records.start_repair(
        staff,
        repair_records.StartRepairRequest.of(
            client_id=client_id, image=closeup_jpeg(), px_per_mm=30, skin_type="II", ink="carbon"
        ),
    ).id
    # --- end of the repair consultation ---
    recorded = sessions.record_session(
        staff,
        sessions.SessionRequest.of(
            client_id=client_id,
            practitioner_id=staff_id,
            pigment_lot=f"#{lot_ids['pigment']}",
            needle_lot=f"#{lot_ids['needle']}",
            diluent_lot=f"#{lot_ids['diluent']}",
            ink_fraction=0.5,
            design_version=design.version,
            sterilisation_cycle=cycle_id,
        ),
    )
    assert isinstance(recorded, sessions.SessionRecorded), recorded
    assert recorded.follow_ups, "the rules book follow-ups after a session"
    spore = sterilisation.record_spore_test(staff, sterilisation.SporeTestRequest.of(result="fail"))
    assert spore.corrective_action is not None
    symptom_report_id = registers.report_symptoms(
        staff,
        registers.SymptomReportRequest.of(
            client_id=client_id,
            session_id=recorded.id,
            day=2,
            symptoms=["redness"],
            idempotency_key=f"k-{tag}",
        ),
    ).id
    adverse_event_id = adverse_events.add_adverse_event(
        staff,
        adverse_events.AdverseEventRequest.of(
            client_id=client_id, session_id=recorded.id, description="a raised rash", serious=["infection"]
        ),
    ).id
    client_link_id = client_links.issue_client_link(
        owner, client_links.IssueLinkRequest.of(client_id=client_id)
    ).id
    token_id = api_tokens.issue_token(
        owner, api_tokens.IssueTokenRequest.of(user_id=staff_id, name="scanner")
    ).id
    job_id = jobs.request_job(owner, jobs.JobRequest.of(kind="export", client_id=client_id)).id
    appointment_id = appointment_booking.book_appointment(
        owner,
        appointment_booking.BookAppointmentRequest.of(
            client_id=client_id,
            practitioner_id=staff_id,
            kind="session",
            starts_at=f"{today + dt.timedelta(days=1)}T10:00",
            minutes=120,
        ),
    ).id
    clinic_id = store.read(lambda db: _clinic_of(db, owner_id))
    return Entities(
        clinic_id=clinic_id,
        owner_id=owner_id,
        client_id=client_id,
        staff_id=staff_id,
        pigment_lot_id=lot_ids["pigment"],
        needle_lot_id=lot_ids["needle"],
        diluent_lot_id=lot_ids["diluent"],
        cycle_id=cycle_id,
        spore_test_id=spore.id,
        corrective_action_id=spore.corrective_action.id,
        screening_id=screening_id,
        consent_id=consent_id,
        photo_consent_id=photo_consent_id,
        patch_test_id=patch_test_id,
        design_id=design.id,
        design_version=design.version,
        plan_id=plan_id,
        photo_id=photo_id,
        session_id=recorded.id,
        followup_id=recorded.follow_ups[0].id,
        symptom_report_id=symptom_report_id,
        adverse_event_id=adverse_event_id,
        client_link_id=client_link_id,
        token_id=token_id,
        certification_id=certification_id,
        job_id=job_id,
        appointment_id=appointment_id,
        repair_id=repair_id,
    )


def _clinic_of(db: Any, user_id: int) -> int:
    user = db.get(User, user_id)
    assert user is not None
    return int(user.clinic_id)


@dataclass
class Populated(World):
    """The world with each clinic's full record: ``a`` (clinic A's ids) and ``b`` (clinic B's), and a login
    session for each user made when the template was (``cookie(role)``: no password hashing per test)."""

    mine: Entities | None = None
    theirs: Entities | None = None
    session_tokens: dict[str, str] = field(default_factory=dict)

    @property
    def a(self) -> Entities:
        assert self.mine is not None
        return self.mine

    @property
    def b(self) -> Entities:
        assert self.theirs is not None
        return self.theirs

    def cookie(self, role: str) -> TestClient:
        """A client holding ``role``'s session cookie and sending its CSRF token (like ``signed_in``)."""
        token = self.session_tokens[role]
        c = self.anonymous()
        c.cookies.set(SESSION_COOKIE, token)
        c.headers["X-CSRF-Token"] = csrf_token_for(SECRET, token)
        return c


@dataclass(frozen=True)
class Template:
    """The populated store's directory, the world's ids, both clinics' records and the login sessions."""

    data_dir: Path
    ids: Ids
    mine: Entities
    theirs: Entities
    session_tokens: dict[str, str]


def _log_in(store: Store, role: str) -> str:
    request = accounts.LoginRequest.of(email=EMAILS[role], password=PASSWORD, address="testclient")
    return accounts.login(ctx_for(store), request).session_token


@pytest.fixture(scope="session", name="populated_template")
def populated_template_fixture(
    tmp_path_factory: pytest.TempPathFactory, world_template: tuple[Path, Ids]
) -> Template:
    """The world's store with both clinics' records and a login session per user, made once per test
    session; tests get a copy."""
    source, ids = world_template
    data_dir = tmp_path_factory.mktemp("populated") / "var"
    shutil.copytree(source, data_dir)
    store = open_store(data_dir)
    try:
        mine = populate_clinic(store, ids.users["owner"], ids.client, "A")
        theirs = populate_clinic(store, ids.users["other"], ids.other_client, "B")
        tokens = {role: _log_in(store, role) for role in EMAILS}
    finally:
        store.close()
    return Template(data_dir, ids, mine, theirs, tokens)


#: One app per test process, re-pointed at each test's store: building an app resolves every route's
#: dependencies (about a second), while a test's store copy takes milliseconds. Everything a request uses
#: comes from ``app.state.studio`` (the settings, the store's context, the secret), which each test replaces.
_APPS: list[FastAPI] = []


def shared_app() -> FastAPI:
    """The test process's app (made over an empty store on first use; each test re-points it at its own)."""
    if not _APPS:
        data_dir = Path(tempfile.mkdtemp(prefix="smp-web-app-")) / "var"
        store = open_store(data_dir, create=True)
        _APPS.append(
            create_app(
                Settings(data_dir=data_dir, allowed_hosts="testserver,localhost,127.0.0.1"),
                ctx_for(store),
                secret=SECRET,
            )
        )
    return _APPS[0]


def open_populated(template: Template, data_dir: Path) -> Populated:
    """A :class:`Populated` world over a copy of the template in ``data_dir`` (the caller closes it and its
    store). Login sessions stay open for a day: the template's were made at the start of the test run."""
    shutil.copytree(template.data_dir, data_dir)
    store = open_store(data_dir)
    settings = Settings(data_dir=data_dir, session_idle_minutes=24 * 60)
    app = shared_app()
    app.state.studio = Studio(settings=settings, context=ctx_for(store), secret=SECRET)
    ids = template.ids
    return Populated(
        app,
        store,
        dict(ids.users),
        ids.clinic,
        ids.other_clinic,
        ids.client,
        ids.other_client,
        mine=template.mine,
        theirs=template.theirs,
        session_tokens=dict(template.session_tokens),
    )


@pytest.fixture(name="populated")
def populated_fixture(tmp_path: Path, populated_template: Template) -> Iterator[Populated]:
    """The populated world, a fresh copy for each test."""
    world = open_populated(populated_template, tmp_path / "var")
    try:
        yield world
    finally:
        world.close()
        world.store.close()
