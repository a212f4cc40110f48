"""Clinics and staff: creating a clinic, adding users and certifications, listing them."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from smpstudio.errors import AccessError, ConflictError, InputError
from smpstudio.records.models import Clinic, User
from smpstudio.records.store import Store
from smpstudio.services import clinics
from smpstudio.services.context import Clock
from smpstudio.services.models import Request
from tests.cli import smp_in_process
from tests.records.conftest import acting
from tests.records.helpers import setup_clinic, soon

SRC = Path(__file__).parents[2] / "src" / "smpstudio"


def test_users_are_listed_with_their_latest_certifications(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    clinics.add_certification(
        acting(store, ids["owner"]),
        clinics.AddCertificationRequest.of(user_id=ids["prac"], kind="smp-training", expires="2020-01-01"),
    )
    listed = clinics.list_users(acting(store, ids["desk"])).to_json()
    assert [u["name"] for u in listed["users"]] == ["Owner", "Pat", "Fran"]
    pat = listed["users"][1]
    assert pat == {
        "id": ids["prac"],
        "name": "Pat",
        "role": "practitioner",
        "active": True,
        "certifications": {"bloodborne-pathogens": soon(), "smp-training": soon()},  # the latest of each
    }
    assert listed["users"][2]["certifications"] == {}


def test_a_second_clinic_gets_its_own_owner(store: Store) -> None:
    first = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="One", owner_name="Ann"))
    assert first.admin_id == first.owner_id  # the first owner administers the store
    second = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="Two", retention_years=10))
    assert second.clinic_id != first.clinic_id and second.owner_id != first.owner_id
    assert second.to_json() == {
        "clinic_id": second.clinic_id,
        "owner_id": second.owner_id,
        "admin_id": first.owner_id,
    }
    names = [u.name for u in clinics.list_users(acting(store, second.owner_id)).users]
    assert names == ["Owner"]  # each clinic sees only its own staff


def test_only_the_administrator_creates_another_clinic(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    request = clinics.InitClinicRequest.of(name="Two")
    for user in (ids["prac"], ids["desk"]):
        with pytest.raises(AccessError) as info:
            clinics.init_clinic(acting(store, user), request)
        assert (info.value.code, info.value.exit_code) == ("not_administrator", 4)
    second = clinics.init_clinic(acting(store, ids["owner"]), request)
    with pytest.raises(AccessError):  # the new clinic's owner is no administrator
        clinics.init_clinic(acting(store, second.owner_id), clinics.InitClinicRequest.of(name="Three"))
    assert second.admin_id == ids["owner"] != second.owner_id
    assert store.read(lambda s: s.scalar(select(func.count()).select_from(Clinic))) == 2


def test_an_owner_email_is_unique_and_kept_in_lower_case(store: Store) -> None:
    first = clinics.init_clinic(
        acting(store), clinics.InitClinicRequest.of(name="One", owner_email=" Ann@Example.ORG ")
    )
    assert store.read(lambda s: s.get(User, first.owner_id).email) == "ann@example.org"  # type: ignore[union-attr]
    with pytest.raises(ConflictError) as info:
        clinics.init_clinic(
            acting(store, first.owner_id),
            clinics.InitClinicRequest.of(name="Two", owner_email="ANN@example.org"),
        )
    assert (info.value.field, info.value.code, info.value.exit_code) == ("owner_email", "email_taken", 2)
    assert store.read(lambda s: s.scalar(select(func.count()).select_from(Clinic))) == 1


def test_a_clinic_is_created_in_its_timezone(store: Store) -> None:
    ctx = dataclasses.replace(acting(store), clock=Clock(ZoneInfo("America/New_York")))
    first = clinics.init_clinic(ctx, clinics.InitClinicRequest.of(name="One"))  # the settings' zone
    second = clinics.init_clinic(
        acting(store, first.owner_id), clinics.InitClinicRequest.of(name="Two", timezone="Asia/Tokyo")
    )
    zones = store.read(lambda s: [s.get(Clinic, c).timezone for c in (first.clinic_id, second.clinic_id)])  # type: ignore[union-attr]
    assert zones == ["America/New_York", "Asia/Tokyo"]


@pytest.mark.parametrize(
    ("model", "values", "field", "allowed"),
    [
        (clinics.InitClinicRequest, {"name": "C", "retention_years": 0}, "retention_years", "1 to 100 years"),
        (clinics.InitClinicRequest, {"name": ""}, "name", "a non-empty text"),
        (
            clinics.InitClinicRequest,
            {"name": "C", "timezone": "Europe/Londn"},
            "timezone",
            "an IANA timezone such as Europe/London",
        ),
        (clinics.InitClinicRequest, {"name": "C", "owner_email": "ann"}, "owner_email", "an e-mail address"),
        (clinics.AddUserRequest, {"name": "X", "role": "boss"}, "role", "owner, practitioner, front-desk"),
        (
            clinics.AddUserRequest,
            {"name": "X", "role": "owner", "certified_until": "soon"},
            "certified_until",
            "YYYY-MM-DD",
        ),
        (
            clinics.AddCertificationRequest,
            {"user_id": 1, "kind": "first-aid", "expires": "2030-01-01"},
            "kind",
            "smp-training, bloodborne-pathogens",
        ),
    ],
)
def test_a_bad_request_names_the_field(
    model: type[Request], values: dict[str, object], field: str, allowed: str
) -> None:
    with pytest.raises(InputError) as info:
        model.of(**values)
    assert (info.value.field, info.value.allowed) == (field, allowed)


@pytest.mark.parametrize("user_id", [0, 2**63, 2**64, "x"])
def test_a_certification_of_an_impossible_user_id_is_refused_as_input(
    user_id: object, tmp_path: Path
) -> None:
    with pytest.raises(InputError) as info:
        clinics.AddCertificationRequest.of(user_id=user_id, kind="smp-training", expires="2030-01-01")
    assert info.value.field == "user_id" and "9223372036854775807" in str(info.value.allowed)
    ran = smp_in_process(
        tmp_path, "--data-dir", "var", "user", "certify", str(user_id),
        "--kind", "smp-training", "--expires", "2030-01-01",
    )  # fmt: skip
    assert ran.returncode == 2 and "internal" not in ran.stderr, ran.stderr
    assert "user" in ran.stderr and "9223372036854775807" in ran.stderr


@pytest.mark.parametrize(
    "path",
    [
        "services/access.py",
        "services/clinics.py",
        "services/clients.py",
        "services/client_record.py",
        "services/consent.py",
        "services/clinic_settings.py",
        "services/fields.py",
        "records/views.py",
        "records/repositories/clinics.py",
        "records/repositories/clients.py",
        "records/repositories/consent.py",
    ],
)
def test_messages_name_no_command_or_flag(path: str) -> None:
    source = (SRC / path).read_text()
    assert not re.findall(r"`smp |\bsmp [a-z]+ [a-z]+|\s--[a-z]", source)


def test_a_deactivated_user_is_refused_as_the_acting_user(store: Store, tmp_path: Path) -> None:
    from smpstudio.errors import UnauthenticatedError
    from smpstudio.services import clients

    ids = setup_clinic(store, tmp_path)
    clients.client_record(acting(store, ids["desk"]), ids["client"])  # works while employed
    with pytest.raises(AccessError):  # only an owner locks staff out
        clinics.deactivate_user(
            acting(store, ids["prac"]), clinics.DeactivateUserRequest.of(user_id=ids["desk"])
        )
    done = clinics.deactivate_user(
        acting(store, ids["owner"]), clinics.DeactivateUserRequest.of(user_id=ids["desk"])
    )
    assert done.active is False
    with pytest.raises(UnauthenticatedError):
        clients.client_record(acting(store, ids["desk"]), ids["client"])
    listed = {u.id: u.active for u in clinics.list_users(acting(store, ids["owner"])).users}
    assert listed[ids["desk"]] is False and listed[ids["prac"]] is True
    for keep in (ids["owner"],):  # the owner acting and the store's administrator stay active
        with pytest.raises(ConflictError) as info:
            clinics.deactivate_user(
                acting(store, ids["owner"]), clinics.DeactivateUserRequest.of(user_id=keep)
            )
        assert info.value.code == "cannot_deactivate"
