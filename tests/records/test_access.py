"""Roles and clinics: who may do what, and what a clinic can see."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from smpstudio.errors import AccessError, InputError, NotFoundError, UnauthenticatedError
from smpstudio.records.models import AuditEntry, Client, User
from smpstudio.records.store import Store
from smpstudio.services import (
    access,
    clients,
    clinics,
    consent,
    patch_tests,
    protection,
    sessions,
    sterilisation,
)
from tests.records.conftest import acting, answers
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
    with pytest.raises(UnauthenticatedError, match="acting user"):
        clients.client_record(acting(store, None), ids["client"])  # two clinics: the actor must be named


def test_an_unknown_inactive_or_missing_acting_user_is_unauthenticated(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    clinics.init_clinic(acting(store, ids["owner"]), clinics.InitClinicRequest.of(name="Other"))

    def deactivate(db: object) -> None:
        user = db.get(User, ids["desk"])  # type: ignore[attr-defined]
        user.active = False

    store.write(deactivate)
    for user_id in (999, ids["desk"], None):  # unknown, inactive, none named with two clinics
        with pytest.raises(UnauthenticatedError) as info:
            clients.client_record(acting(store, user_id), ids["client"])
        error = info.value
        assert (error.kind, error.field, error.exit_code, error.http_status) == (
            "unauthenticated",
            "user",
            4,
            401,
        )
        assert error.code in {"unknown_user", "acting_user_required"}
    with pytest.raises(UnauthenticatedError) as info:
        clients.client_record(acting(store, 999), ids["client"])
    assert info.value.code == "unknown_user"


def _client(db: Any, client_id: int) -> Client:
    row = db.get(Client, client_id)
    assert row is not None
    return row  # type: ignore[no-any-return]


BIG_IDS = (2**63, 2**64 + 1, 10**20, 0, -1)


@pytest.mark.parametrize("big", BIG_IDS)
def test_the_kernel_refuses_ids_beyond_64_bits_before_any_query(
    store: Store, tmp_path: Path, big: int
) -> None:
    ids = setup_clinic(store, tmp_path)
    calls: list[tuple[Callable[[], object], str]] = [
        (lambda: clients.client_record(acting(store, ids["owner"]), big), "client"),
        (lambda: clients.client_record(acting(store, big), ids["client"]), "user"),
        (lambda: sterilisation.sessions_for_cycle(acting(store, ids["owner"]), big), "cycle"),
        (lambda: protection.verify_audit(acting(store, big)), "user"),
        (
            lambda: clinics.add_certification(
                acting(store, ids["owner"]),
                clinics.AddCertificationRequest.of(user_id=big, kind="smp-training", expires="2099-01-01"),
            ),
            "user_id",
        ),
        (
            lambda: store.read(lambda db: access.client_session(db, _client(db, ids["client"]), big)),
            "session",
        ),
    ]
    for call, field in calls:
        with pytest.raises(InputError) as info:
            call()
        assert (info.value.field, info.value.kind) == (field, "invalid"), (big, field)
        assert "is not an id" in str(info.value)


def test_another_clinics_user_is_not_found(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    other = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="Other")).owner_id
    request = clinics.AddCertificationRequest.of(
        user_id=ids["prac"], kind="smp-training", expires="2099-01-01"
    )
    with pytest.raises(NotFoundError, match=f"no user {ids['prac']}") as info:
        clinics.add_certification(acting(store, other), request)
    assert (info.value.kind, info.value.code, info.value.exit_code) == ("not_found", "no_user", 2)


def _entries(store: Store, actor: int) -> list[tuple[str, str, str | None, dict[str, object]]]:
    return store.read(
        lambda s: [
            (e.action, e.entity, e.entity_id, json.loads(e.detail))
            for e in s.scalars(
                select(AuditEntry).where(AuditEntry.actor_id == actor).order_by(AuditEntry.seq)
            )
        ]
    )


def test_denied_and_refused_attempts_are_audited_with_the_acting_user(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    other = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="Other")).owner_id
    before = len(_entries(store, ids["desk"]))
    with pytest.raises(AccessError):
        clinics.add_user(acting(store, ids["desk"]), clinics.AddUserRequest.of(name="X", role="owner"))
    after = _entries(store, ids["desk"])
    assert len(after) == before + 1
    assert after[-1] == (
        "refuse",
        "user",
        None,
        {"code": "forbidden", "kind": "forbidden", "permission": "user.add"},
    )
    with pytest.raises(NotFoundError):
        clients.client_record(acting(store, other), ids["client"])
    assert _entries(store, other)[-1] == (
        "refuse",
        "client",
        str(ids["client"]),
        {"code": "no_client", "kind": "not_found"},
    )
    with pytest.raises(AccessError):
        clinics.init_clinic(acting(store, ids["prac"]), clinics.InitClinicRequest.of(name="Three"))
    assert _entries(store, ids["prac"])[-1][3] == {"code": "not_administrator", "kind": "forbidden"}
    names = store.read(lambda s: [e.detail for e in s.scalars(select(AuditEntry))])
    assert not any("Alex" in d for d in names)  # ids and codes only


def _error(call: Callable[[int], object], asked: int) -> tuple[str, str, str | None]:
    with pytest.raises(NotFoundError) as info:
        call(asked)
    return info.value.code, str(info.value), info.value.field


def test_another_clinics_ids_answer_exactly_as_missing_ones(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    other = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="Other")).owner_id
    them = acting(store, other)
    theirs, missing = ids["client"], 999_999
    calls: list[Callable[[int], object]] = [
        lambda c: clients.client_record(them, c),
        lambda c: clients.screen_client(them, clients.ScreenClientRequest.of(client_id=c, answers=answers())),
        lambda c: consent.sign_consent(them, consent.SignConsentRequest.of(client_id=c, signed_name="A")),
        lambda c: consent.withdraw_consent(them, consent.WithdrawConsentRequest.of(client_id=c)),
        lambda c: patch_tests.record_patch_test(
            them,
            patch_tests.PatchTestRecordRequest.of(
                client_id=c, lot="P1", applied="2026-01-01", read="2026-01-03", result="negative"
            ),
        ),
        lambda u: clinics.add_certification(
            them, clinics.AddCertificationRequest.of(user_id=u, kind="smp-training", expires="2099-01-01")
        ),
    ]
    for i, call in enumerate(calls):
        asked = ids["prac"] if i == len(calls) - 1 else theirs
        assert _replace(_error(call, asked), asked) == _replace(_error(call, missing), missing)


def _replace(error: tuple[str, str, str | None], value: int) -> tuple[str, str, str | None]:
    return error[0], error[1].replace(str(value), "N"), error[2]


def test_no_one_acts_on_another_clinics_users(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    other = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="Other")).owner_id
    added = clinics.add_user(acting(store, other), clinics.AddUserRequest.of(name="Sam", role="practitioner"))
    mine = [u.id for u in clinics.list_users(acting(store, ids["owner"])).users]
    assert added.id not in mine and other not in mine
    for user in (other, added.id):
        with pytest.raises(NotFoundError):
            clinics.add_certification(
                acting(store, ids["owner"]),
                clinics.AddCertificationRequest.of(user_id=user, kind="smp-training", expires="2099-01-01"),
            )
    expiries = [u.certifications for u in clinics.list_users(acting(store, other)).users]
    assert expiries == [{}, {}]
