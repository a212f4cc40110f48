"""Roles and clinics: who may do what, and what a clinic can see."""

from __future__ import annotations

from pathlib import Path

import pytest

from smpstudio.errors import AccessError, InputError
from smpstudio.records.store import Store
from smpstudio.services import clients, clinics, protection, sessions
from tests.records.conftest import acting
from tests.records.helpers import codes, session, setup_clinic


def test_roles_are_enforced(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    with pytest.raises(AccessError):
        session(store, ids, actor="desk")
    with pytest.raises(AccessError):
        clinics.add_user(acting(store, ids["prac"]), name="X", role="owner")
    with pytest.raises(AccessError):
        protection.export_client(acting(store, ids["desk"]), ids["client"], tmp_path / "x.zip")
    res = sessions.record_session(
        acting(store, ids["owner"]),
        client_id=ids["client"],
        practitioner_id=ids["desk"],
        pigment_lot="P1",
        needle_lot="N1",
        override_reason="x",
    )
    assert codes(res) == {"not_a_practitioner"} and res["override"] == "some reasons cannot be overridden"


def test_clinics_cannot_see_each_others_clients(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    other = clinics.init_clinic(acting(store), name="Other")["owner_id"]
    with pytest.raises(InputError, match="no client"):
        clients.client_record(acting(store, other), ids["client"])
    with pytest.raises(InputError, match="acting user"):
        clients.client_record(acting(store, None), ids["client"])  # two clinics: the actor must be named
