"""Shared set-up for the records service tests: a clinic with staff, a screened and consented client, lots."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from smpstudio.records.store import Store
from smpstudio.services import clients, clinics, consent, lots, sessions
from smpstudio.services.context import Clock
from tests.records.conftest import acting
from tests.records.conftest import answers as questionnaire


def today() -> dt.date:
    """Today for the services: the date of the clock a context has by default (UTC), read when a test
    asks, so a run that crosses midnight compares with the services' own today."""
    return Clock().today()


def soon() -> str:
    """A date well ahead (400 days from :func:`today`): certificates and lots that do not expire in a test."""
    return (today() + dt.timedelta(days=400)).isoformat()


def setup_clinic(store: Store, tmp_path: Path, **answers: bool) -> dict[str, int]:
    owner = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="Test Clinic")).owner_id
    staff = clinics.AddUserRequest.of(name="Pat", role="practitioner", certified_until=soon())
    prac = clinics.add_user(acting(store, owner), staff).id
    desk = clinics.add_user(
        acting(store, owner), clinics.AddUserRequest.of(name="Fran", role="front-desk")
    ).id
    client = clients.add_client(
        acting(store, owner),
        clients.AddClientRequest.of(
            name="Alex Doe", date_of_birth="1980-01-02", email="a@example.org", phone="+44 1", skin_type="III"
        ),
    ).id
    clients.screen_client(
        acting(store, prac),
        clients.ScreenClientRequest.of(client_id=client, answers=questionnaire(**answers)),
    )
    consent.sign_consent(
        acting(store, prac), consent.SignConsentRequest.of(client_id=client, signed_name="Alex Doe")
    )
    for kind, code, qty in (("pigment", "P1", 2), ("needle", "N1", 3), ("diluent", "D1", 2)):
        lots.add_lot(
            acting(store, owner),
            lots.AddLotRequest.of(
                kind=kind, product=f"{kind} product", lot=code, expires=soon(), quantity=qty
            ),
        )
    return {"owner": owner, "prac": prac, "desk": desk, "client": client}


def session(
    store: Store, ids: dict[str, int], actor: str = "prac", **kw: Any
) -> sessions.SessionRecorded | sessions.SessionRefused:
    args: dict[str, Any] = {"pigment_lot": "P1", "needle_lot": "N1", "diluent_lot": "D1", "ink_fraction": 0.5}
    args.update(kw)
    request = sessions.SessionRequest.of(client_id=ids["client"], practitioner_id=ids["prac"], **args)
    return sessions.record_session(acting(store, ids[actor]), request)


def recorded(result: sessions.SessionRecorded | sessions.SessionRefused) -> sessions.SessionRecorded:
    assert isinstance(result, sessions.SessionRecorded), result
    return result


def codes(result: sessions.SessionRecorded | sessions.SessionRefused) -> set[str]:
    assert isinstance(result, sessions.SessionRefused) and result.refused is True
    return {r.code for r in result.reasons}
