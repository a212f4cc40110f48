"""Clinics and staff: creating a clinic, adding users and certifications, listing them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from smpstudio.errors import InputError
from smpstudio.records.store import Store
from smpstudio.services import clinics
from smpstudio.services.models import Request
from tests.records.conftest import acting
from tests.records.helpers import SOON, setup_clinic

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
        "certifications": {"bloodborne-pathogens": SOON, "smp-training": SOON},  # the latest of each
    }
    assert listed["users"][2]["certifications"] == {}


def test_a_second_clinic_gets_its_own_owner(store: Store) -> None:
    first = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="One", owner_name="Ann"))
    second = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="Two", retention_years=10))
    assert second.clinic_id != first.clinic_id and second.owner_id != first.owner_id
    assert second.to_json() == {"clinic_id": second.clinic_id, "owner_id": second.owner_id}
    names = [u.name for u in clinics.list_users(acting(store, second.owner_id)).users]
    assert names == ["Owner"]  # each clinic sees only its own staff


@pytest.mark.parametrize(
    ("model", "values", "field", "allowed"),
    [
        (clinics.InitClinicRequest, {"name": "C", "retention_years": 0}, "retention_years", "1 to 100 years"),
        (clinics.InitClinicRequest, {"name": ""}, "name", "a non-empty text"),
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


@pytest.mark.parametrize(
    "path",
    [
        "services/access.py",
        "services/clinics.py",
        "services/clients.py",
        "services/client_record.py",
        "services/consent.py",
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
