"""Roles and clinics: who may do what, and what a clinic can see."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from smpstudio.errors import AccessError, InputError, NotFoundError
from smpstudio.records.store import Store
from smpstudio.services import clients, clinics, protection, sessions
from tests.records.conftest import acting
from tests.records.helpers import codes, session, setup_clinic


def test_roles_are_enforced(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    with pytest.raises(AccessError):
        session(store, ids, actor="desk")
    with pytest.raises(AccessError):
        clinics.add_user(acting(store, ids["prac"]), clinics.AddUserRequest.of(name="X", role="owner"))
    with pytest.raises(AccessError):
        protection.export_client(acting(store, ids["desk"]), ids["client"], io.BytesIO())
    res = sessions.record_session(
        acting(store, ids["owner"]),
        sessions.SessionRequest.of(
            client_id=ids["client"],
            practitioner_id=ids["desk"],
            pigment_lot="P1",
            needle_lot="N1",
            override_reason="x",
        ),
    )
    assert codes(res) == {"not_a_practitioner"}
    assert isinstance(res, sessions.SessionRefused) and res.override == "some reasons cannot be overridden"


def test_clinics_cannot_see_each_others_clients(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    other = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="Other")).owner_id
    with pytest.raises(NotFoundError, match="no client"):
        clients.client_record(acting(store, other), ids["client"])
    with pytest.raises(InputError, match="acting user"):
        clients.client_record(acting(store, None), ids["client"])  # two clinics: the actor must be named


def test_another_clinics_user_is_not_found(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    other = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="Other")).owner_id
    request = clinics.AddCertificationRequest.of(
        user_id=ids["prac"], kind="smp-training", expires="2099-01-01"
    )
    with pytest.raises(NotFoundError, match=f"no user {ids['prac']}") as info:
        clinics.add_certification(acting(store, other), request)
    assert (info.value.kind, info.value.code, info.value.exit_code) == ("not_found", "no_user", 2)
