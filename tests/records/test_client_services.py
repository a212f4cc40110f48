"""The services the studio added for a client's record: paging and editing clients, the session checklist
(a dry run of the session's checks), the aftercare handout of a recorded session, the consent text to show,
and the audit entries about one client."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from smpstudio.errors import AccessError, InputError, NotFoundError
from smpstudio.records.checks import session_checks
from smpstudio.records.store import Store
from smpstudio.services import clinic_settings, clinics, consent, sessions
from smpstudio.services.client_audit import ClientAuditRequest, client_audit
from smpstudio.services.client_details import (
    ListClientsRequest,
    UpdateClientRequest,
    list_clients,
    update_client,
)
from smpstudio.services.clients import AddClientRequest, add_client, client_record
from smpstudio.services.handout import HandoutRequest, session_handout
from smpstudio.services.protection import EraseRequest, erase_client
from smpstudio.services.session_checks import CHECK_LABELS, SessionChecklist, check_session
from tests.records.conftest import acting
from tests.records.helpers import recorded, session, setup_clinic


def pdf_text(content: bytes) -> str:
    """The text a PDF draws, as a reader would copy it (pypdf, through the fonts' Unicode maps)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def other_clinic(store: Store, owner: int) -> tuple[int, int]:
    """A second clinic's owner and a client of theirs."""
    other = clinics.init_clinic(acting(store, owner), clinics.InitClinicRequest.of(name="Other Clinic"))
    client = add_client(
        acting(store, other.owner_id), AddClientRequest.of(name="Bo Other", date_of_birth="1975-05-05")
    ).id
    return other.owner_id, client


# --- listing and editing -----------------------------------------------------------------------------------


def test_clients_are_listed_page_by_page_and_searched(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    owner = acting(store, ids["owner"])
    for name in ("Zed Last", "Amy First", "Bea Alexander"):
        add_client(owner, AddClientRequest.of(name=name, date_of_birth="1990-01-01"))
    first = list_clients(acting(store, ids["desk"]), ListClientsRequest.of(page=1, per_page=2))
    assert [c.name for c in first.clients] == ["Alex Doe", "Amy First"]
    assert (first.total, first.page, first.per_page) == (4, 1, 2)
    last = list_clients(acting(store, ids["desk"]), ListClientsRequest.of(page=2, per_page=2))
    assert [c.name for c in last.clients] == ["Bea Alexander", "Zed Last"]
    found = list_clients(owner, ListClientsRequest.of(query=" ALEX ", per_page=10))
    assert [c.name for c in found.clients] == ["Alex Doe", "Bea Alexander"] and found.total == 2
    assert list_clients(owner, ListClientsRequest.of(query="100%")).total == 0  # no wildcard
    with pytest.raises(InputError) as info:
        ListClientsRequest.of(per_page=101)
    assert info.value.field == "per_page"


def test_an_update_changes_only_the_fields_given_and_audits_their_names(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    desk = acting(store, ids["desk"])
    request = UpdateClientRequest.of(client_id=ids["client"], phone="+44 20 7946 0000", email=None)
    assert update_client(desk, request).changed == ["email", "phone"]
    details = client_record(desk, ids["client"]).client
    assert (details.phone, details.email, details.name, details.skin_type) == (
        "+44 20 7946 0000",
        None,
        "Alex Doe",
        "III",
    )
    again = update_client(desk, UpdateClientRequest.of(client_id=ids["client"], phone="+44 20 7946 0000"))
    assert again.changed == []
    trail = client_audit(acting(store, ids["owner"]), ClientAuditRequest.of(client_id=ids["client"]))
    updates = [e for e in trail.entries if e.action == "update" and e.entity == "client"]
    assert [e.detail for e in updates] == [{"fields": []}, {"fields": ["email", "phone"]}]
    assert "7946" not in trail.model_dump_json()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"phone": "none"}, "phone"),
        ({"name": None}, "name"),
        ({"name": "  "}, "name"),
        ({"date_of_birth": None}, "date_of_birth"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"skin_type": "VII"}, "skin_type"),
        ({"notes": "x"}, "notes"),
    ],
)
def test_an_update_is_checked_as_an_addition_is(
    store: Store, tmp_path: Path, change: dict[str, object], field: str
) -> None:
    ids = setup_clinic(store, tmp_path)
    with pytest.raises(InputError) as info:
        update_client(acting(store, ids["owner"]), UpdateClientRequest.of(client_id=ids["client"], **change))
    assert info.value.field == field


def test_an_update_stays_in_the_clinic_and_needs_client_write(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    _, other_client = other_clinic(store, ids["owner"])
    with pytest.raises(NotFoundError):
        update_client(acting(store, ids["owner"]), UpdateClientRequest.of(client_id=other_client, name="X"))
    erase_client(acting(store, ids["owner"]), EraseRequest.of(client_id=ids["client"]))
    with pytest.raises(InputError) as info:  # erased: nothing left to change
        update_client(acting(store, ids["owner"]), UpdateClientRequest.of(client_id=ids["client"], name="Y"))
    assert info.value.field == "client"


# --- the session checklist ---------------------------------------------------------------------------------


def _checklist(store: Store, ids: dict[str, int], **kw: object) -> SessionChecklist:
    args: dict[str, object] = {
        "pigment_lot": "P1",
        "needle_lot": "N1",
        "diluent_lot": "D1",
        "ink_fraction": 0.5,
    }
    args.update(kw)
    request = sessions.SessionRequest.of(client_id=ids["client"], practitioner_id=ids["prac"], **args)
    return check_session(acting(store, ids["prac"]), request)


def test_the_checklist_turns_green_as_the_missing_consent_is_signed(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    prac = acting(store, ids["prac"])
    consent.withdraw_consent(prac, consent.WithdrawConsentRequest.of(client_id=ids["client"]))
    before = _checklist(store, ids)
    failing = {i.code: i for i in before.items if not i.passed}
    assert set(failing) == {"consent"} and not before.ready and not before.overridable
    assert failing["consent"].reasons[0].code == "consent_withdrawn"
    assert failing["consent"].reason == failing["consent"].reasons[0].message
    refused = session(store, ids)  # recording refuses for exactly the failing items' reasons
    assert isinstance(refused, sessions.SessionRefused)
    assert [r.code for r in refused.reasons] == [r.code for i in before.items for r in i.reasons]
    consent.sign_consent(prac, consent.SignConsentRequest.of(client_id=ids["client"], signed_name="Alex Doe"))
    after = _checklist(store, ids)
    assert after.ready and all(i.passed and i.reason is None for i in after.items)
    assert [i.code for i in after.items] == [
        "when",
        "age",
        "screening",
        "consent",
        "patch_test",
        "pigment_lot",
        "needle_lot",
        "diluent_lot",
        "sterilisation",
        "practitioner",
        "interval",
    ]
    recorded(session(store, ids))


def test_the_checklist_records_nothing_and_lists_an_unknown_lot(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    first = recorded(session(store, ids))
    checklist = _checklist(store, ids, pigment_lot="NOPE", diluent_lot=None, ink_fraction=1.0)
    failing = {i.code: i for i in checklist.items if not i.passed}
    assert set(failing) == {"pigment_lot", "interval"}
    assert failing["pigment_lot"].reasons[0].code == "lot_unknown"
    assert failing["interval"].overridable and not checklist.overridable
    assert "diluent_lot" not in {i.code for i in checklist.items}
    record = client_record(acting(store, ids["owner"]), ids["client"])
    assert [s.id for s in record.sessions] == [first.id]  # the dry run recorded nothing
    assert record.sessions[0].needle_lot is not None


def test_every_check_has_plain_words() -> None:
    import inspect

    names = set(re.findall(r'\("(\w+)", _', inspect.getsource(session_checks)))
    assert names and names | {"pigment_lot", "needle_lot", "diluent_lot"} == set(CHECK_LABELS)


def test_the_checklist_is_refused_without_the_session_permission(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    request = sessions.SessionRequest.of(
        client_id=ids["client"], practitioner_id=ids["prac"], pigment_lot="P1", needle_lot="N1"
    )
    with pytest.raises(AccessError):
        check_session(acting(store, ids["desk"]), request)
    _, other_client = other_clinic(store, ids["owner"])
    with pytest.raises(NotFoundError):
        check_session(acting(store, ids["prac"]), request.model_copy(update={"client_id": other_client}))


# --- the handout -------------------------------------------------------------------------------------------


def test_the_handout_carries_the_clinic_and_the_client_and_no_internal_reference(
    store: Store, tmp_path: Path
) -> None:
    ids = setup_clinic(store, tmp_path)
    clinic_settings.update_clinic(
        acting(store, ids["owner"]),
        clinic_settings.UpdateClinicRequest.of(
            phone="+44 161 496 0000", address="1 High Street\nManchester M1 1AA", email="desk@clinic.example"
        ),
    )
    done = recorded(session(store, ids))
    result = session_handout(
        acting(store, ids["desk"]), HandoutRequest.of(client_id=ids["client"], session_id=done.id)
    )
    assert result.content.startswith(b"%PDF") and result.filename == f"aftercare-session-{done.id}.pdf"
    assert "content" not in result.to_json() and result.to_json()["session_id"] == done.id
    text = pdf_text(result.content)
    for expected in ("Test Clinic", "+44 161 496 0000", "1 High Street", "Manchester M1 1AA", "Alex Doe"):
        assert expected in text
    assert "Rules" not in text and "Sources" not in text and result.rules_version not in text
    assert "[" not in text  # no source codes or grades
    days = [int(d) for d in re.findall(r"\(day (\d+)\)", text)]
    assert days and days == sorted(days)
    assert "Alex" not in result.filename


def test_the_handout_is_of_the_clients_own_session_only(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    done = recorded(session(store, ids))
    other_owner, other_client = other_clinic(store, ids["owner"])
    for client_id, session_id in ((other_client, done.id), (ids["client"], done.id + 1000)):
        with pytest.raises(NotFoundError):
            session_handout(
                acting(store, ids["owner"]), HandoutRequest.of(client_id=client_id, session_id=session_id)
            )
    with pytest.raises(NotFoundError):
        session_handout(
            acting(store, other_owner), HandoutRequest.of(client_id=ids["client"], session_id=done.id)
        )


def test_a_name_in_any_latin_or_cyrillic_script_is_printed_as_written(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    update_client(
        acting(store, ids["owner"]),
        UpdateClientRequest.of(client_id=ids["client"], name="Zoë Łukasz–Nguyễn Ольга"),
    )
    done = recorded(session(store, ids))
    result = session_handout(
        acting(store, ids["owner"]), HandoutRequest.of(client_id=ids["client"], session_id=done.id)
    )
    assert "Zoë Łukasz–Nguyễn Ольга" in pdf_text(result.content)


# --- the consent text and the audit entries ----------------------------------------------------------------


def test_the_consent_text_shown_is_the_one_signed(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    shown = consent.show_consent_text(acting(store, ids["desk"]), consent.ConsentTextRequest.of())
    signed = consent.sign_consent(
        acting(store, ids["desk"]),
        consent.SignConsentRequest.of(client_id=ids["client"], signed_name="Alex Doe"),
    )
    assert (shown.version, shown.sha256, shown.clinic_own) == (signed.text_version, signed.text_sha256, False)
    assert len(shown.body) > 100
    consent.add_consent_text(
        acting(store, ids["owner"]),
        consent.AddConsentTextRequest.of(kind="photography", version="clinic-1", body="Our own words."),
    )
    own = consent.show_consent_text(
        acting(store, ids["prac"]), consent.ConsentTextRequest.of(kind="photography")
    )
    assert (own.body, own.clinic_own, own.version) == ("Our own words.", True, "clinic-1")
    with pytest.raises(NotFoundError) as info:
        consent.show_consent_text(acting(store, ids["prac"]), consent.ConsentTextRequest.of(version="nope"))
    assert info.value.field == "version"


def test_the_audit_lists_who_saw_or_changed_the_client_newest_first(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    other_owner, other_client = other_clinic(store, ids["owner"])
    list_clients(acting(store, ids["desk"]), ListClientsRequest.of(query="alex"))
    client_record(acting(store, ids["prac"]), ids["client"])
    owner = acting(store, ids["owner"])
    trail = client_audit(owner, ClientAuditRequest.of(client_id=ids["client"]))
    seqs = [e.seq for e in trail.entries]
    assert seqs == sorted(seqs, reverse=True) and trail.total == len(seqs)
    newest = trail.entries[0]
    assert (newest.action, newest.entity, newest.user_id, newest.user_name) == (
        "read",
        "client",
        ids["prac"],
        "Pat",
    )
    assert trail.entries[1].detail == {"search": True}  # the search that listed the client; not its query
    kinds = {(e.action, e.entity) for e in trail.entries}
    assert {("create", "client"), ("create", "screening"), ("create", "consent")} <= kinds
    assert "alex" not in trail.model_dump_json().lower()
    page = client_audit(owner, ClientAuditRequest.of(client_id=ids["client"], page=2, per_page=2))
    assert page.total == len(seqs) + 1  # the first trail read came in as the newest entry
    assert [e.seq for e in page.entries] == seqs[1:3]
    again = client_audit(owner, ClientAuditRequest.of(client_id=ids["client"]))
    assert (again.entries[0].action, again.entries[0].entity) == (
        "read",
        "audit",
    )  # the trail read is audited
    with pytest.raises(AccessError):
        client_audit(acting(store, ids["prac"]), ClientAuditRequest.of(client_id=ids["client"]))
    with pytest.raises(NotFoundError):
        client_audit(owner, ClientAuditRequest.of(client_id=other_client))
    theirs = client_audit(acting(store, other_owner), ClientAuditRequest.of(client_id=other_client))
    assert {e.user_id for e in theirs.entries} == {other_owner}  # nothing of the first clinic
