"""Erasure: every column that can hold a client's data is cleared (checked in the raw database file and its
write-ahead log on SQLite, in every text column on PostgreSQL), and when an erasure is allowed."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import inspect, select, text, update

from smpstudio.records.models import Client, Consent, CorrectiveAction, Design, Session
from smpstudio.records.store import Store
from smpstudio.services import clients, consent, patch_tests, protection, registers, sterilisation
from smpstudio.services.adverse_events import AdverseEventRequest, add_adverse_event
from smpstudio.services.protection import Erased, EraseRequest, ErasureRefused
from tests.records.conftest import acting
from tests.records.helpers import recorded, session, setup_clinic, today

#: Everything personal the test client's record holds; none may survive the erasure anywhere.
NAME, PHONE, EMAIL = "Quintessa Marlowe", "+44 20 7946 0321", "quintessa.m@example.org"
ADDRESS, NOTES = "17 Larkspur Crescent", "Zephyrine prefers afternoons"
PERSONAL = ["Quintessa", "Marlowe", "7946 0321", EMAIL, "Larkspur", "Zephyrine", "Xanthippe", "Bramblewick"]


def _png(colour: tuple[int, int, int], size: int = 8) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buf, "PNG")
    return buf.getvalue()


def _design_document(tmp_path: Path) -> dict[str, object]:
    from smpstudio.design.document import write_design
    from tests.conftest import make_design

    return json.loads(write_design(make_design("norwood-6", "soft")[2], tmp_path / "d.json").read_text())  # type: ignore[no-any-return]


def _client_with_everything(store: Store, tmp_path: Path) -> tuple[dict[str, int], list[str]]:
    """A client with a row in every table that can hold their data; returns the ids and stored files."""
    ids = setup_clinic(store, tmp_path)
    prac, owner = acting(store, ids["prac"]), acting(store, ids["owner"])
    cid = clients.add_client(
        owner,
        clients.AddClientRequest.of(
            name=NAME, date_of_birth="1979-03-04", email=EMAIL, phone=PHONE, address=ADDRESS, skin_type="IV"
        ),
    ).id
    ids["client"] = cid
    with store.session() as db:  # no use case writes a client's notes yet
        db.execute(update(Client).where(Client.id == cid).values(notes=NOTES, hair_colour="Xanthippe"))
    from tests.records.conftest import answers

    clients.screen_client(prac, clients.ScreenClientRequest.of(client_id=cid, answers=answers()))
    signature = consent.SignConsentRequest.of(client_id=cid, signed_name=NAME, signature=_png((9, 9, 9)))
    consent.sign_consent(prac, signature)
    consent.sign_consent(
        prac, consent.SignConsentRequest.of(client_id=cid, signed_name=NAME, kind="photography")
    )
    patch_tests.record_patch_test(
        prac,
        patch_tests.PatchTestRecordRequest.of(
            client_id=cid,
            lot="P1",
            applied="2026-01-01",
            read="2026-01-03",
            result="negative",
            site="behind Marlowe's ear",
        ),
    )
    clients.add_design(prac, clients.AddDesignRequest.of(client_id=cid, document=_design_document(tmp_path)))
    clients.add_plan(
        prac, clients.AddPlanRequest.of(client_id=cid, design_version=1, notes="Larkspur plan: two visits")
    )
    photo = clients.add_photo(
        prac,
        clients.AddPhotoRequest.of(
            client_id=cid, image=_png((200, 150, 120), 16), view="front", landmarks={"nasion": [4, 5]}
        ),
    )
    cycle = sterilisation.add_cycle(
        owner,
        sterilisation.CycleRequest.of(
            load="L1",
            temperature_c=134,
            pressure_kpa=206,
            minutes=4,
            indicator="pass",
            run_at=(dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).replace(tzinfo=None).isoformat(),
        ),
    )
    sid = recorded(
        session(store, ids, design_version=1, sterilisation_cycle=cycle.id, notes="Zephyrine was anxious")
    ).id
    sterilisation.record_spore_test(owner, sterilisation.SporeTestRequest.of(result="fail"))
    due = registers.followups_due(prac, registers.FollowUpsDueRequest.of(on=today() + dt.timedelta(days=40)))
    first = next(f for f in due.followups if f.client.id == cid)
    for outcome in ("rang 7946 0321, calm", "Quintessa says the scabs shed"):
        registers.complete_followup(
            prac, registers.CompleteFollowUpRequest.of(followup_id=first.id, outcome=outcome)
        )
    registers.report_symptoms(
        prac,
        registers.SymptomReportRequest.of(
            client_id=cid, day=3, symptoms=["itch"], session_id=sid, idempotency_key="Bramblewick-1"
        ),
    )
    add_adverse_event(
        prac,
        AdverseEventRequest.of(client_id=cid, session_id=sid, description="Quintessa Marlowe: swelling"),
    )
    with store.session() as db:
        signature_sha = db.scalars(select(Consent.signature_sha256).where(Consent.client_id == cid)).all()
    return ids, [photo.sha256, *[sha for sha in signature_sha if sha]]


def _sqlite_bytes(store: Store) -> bytes:
    db_file = store.sqlite_file
    assert db_file is not None
    wal = db_file.with_name(db_file.name + "-wal")
    return db_file.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _postgres_hits(store: Store) -> dict[str, list[str]]:
    """Which text, character and JSON columns of which tables hold each personal string."""
    hits: dict[str, list[str]] = {}
    with store.session() as db:
        for table in inspect(db.get_bind()).get_table_names():
            columns = db.execute(
                text(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
                    "AND data_type IN ('text', 'character varying', 'json', 'jsonb')"
                ),
                {"t": table},
            ).scalars()
            for column in columns:
                for needle in PERSONAL:
                    found = db.execute(
                        text(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE :n'),
                        {"n": f"%{needle}%"},
                    ).scalar()
                    if found:
                        hits.setdefault(needle, []).append(f"{table}.{column}")
    return hits


def _left_behind(store: Store) -> list[str]:
    if store.dialect == "sqlite":
        raw = _sqlite_bytes(store)
        return [needle for needle in PERSONAL if needle.encode() in raw]
    return [f"{needle} in {where}" for needle, where in _postgres_hits(store).items()]


def test_erase_leaves_no_personal_string_in_the_database_or_its_log(store: Store, tmp_path: Path) -> None:
    ids, files = _client_with_everything(store, tmp_path)
    assert sorted(_left_behind(store)) != []  # the strings are there before (the check can see them)
    if store.dialect == "sqlite":
        assert set(_left_behind(store)) == set(PERSONAL)
    later = today().replace(year=today().year + 7)
    erased = protection.erase_client(
        acting(store, ids["owner"]), EraseRequest.of(client_id=ids["client"], on=later)
    )
    assert isinstance(erased, Erased)
    assert _left_behind(store) == []
    assert not any(store.files.exists(sha) for sha in files)  # photo and drawn signature deleted
    with store.session() as db:
        assert db.scalars(select(Design).where(Design.client_id == ids["client"])).all() == []
        kept = db.scalars(select(Session).where(Session.client_id == ids["client"])).one()
        assert kept.pigment_lot_id and kept.sterilisation_cycle_id  # lot and cycle traces stay
        scope = db.scalars(select(CorrectiveAction.scope)).one()
    assert [c["id"] for c in scope["clients"]] == [ids["client"]]  # the trace keeps the id, not the name
    record = clients.client_record(acting(store, ids["owner"]), ids["client"])
    assert record.follow_ups and all(f.outcome in (None, "erased") for f in record.follow_ups)
    assert record.adverse_events[0].serious is False and record.sessions[0].pigment_lot is not None


def test_a_client_never_treated_is_erased_at_once(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    res = protection.erase_client(acting(store, ids["owner"]), EraseRequest.of(client_id=ids["client"]))
    assert res.to_json() == {"erased": True, "client": ids["client"]}
    again = protection.erase_client(acting(store, ids["owner"]), EraseRequest.of(client_id=ids["client"]))
    assert again == res  # a retry answers the same and changes nothing


def test_retention_counts_from_the_last_session(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    recorded(session(store, ids))
    earlier = dt.datetime.combine(today() - dt.timedelta(days=400), dt.time(10), dt.UTC)
    with store.session() as db:  # as if the session had been 400 days ago
        db.execute(update(Session).values(started_at=earlier, created_at=earlier))
    owner = acting(store, ids["owner"])
    refused = protection.erase_client(owner, EraseRequest.of(client_id=ids["client"]))
    assert isinstance(refused, ErasureRefused)
    first_day = today() - dt.timedelta(days=400)
    assert refused.retained_until == first_day.replace(year=first_day.year + 6)
    allowed_on = first_day.replace(year=first_day.year + 6)
    erased = protection.erase_client(owner, EraseRequest.of(client_id=ids["client"], on=allowed_on))
    assert isinstance(erased, Erased)


def test_a_historical_session_counts_from_when_it_was_recorded(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    long_ago = (today() - dt.timedelta(days=9 * 365)).isoformat() + "T10:00"
    recorded(session(store, ids, actor="owner", started=long_ago, historical=True))
    owner = acting(store, ids["owner"])
    refused = protection.erase_client(owner, EraseRequest.of(client_id=ids["client"]))
    assert isinstance(refused, ErasureRefused)
    assert refused.retained_until == today().replace(year=today().year + 6)


def test_erasure_counts_retention_with_the_sessions_one_query(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The erase service asks the one retention query (``sessions.retention_start``), no copy of its own."""
    from smpstudio.records.deadlines import retention_until
    from smpstudio.records.repositories import protection as protection_rows
    from smpstudio.records.repositories import sessions as session_rows

    assert not hasattr(protection_rows, "last_treatment")
    ids = setup_clinic(store, tmp_path)
    recorded(session(store, ids))
    asked: list[int] = []
    start = dt.datetime.combine(today() - dt.timedelta(days=3 * 365), dt.time(12), dt.UTC)

    def retention_start(db: object, client_id: int) -> dt.datetime:
        asked.append(client_id)
        return start

    monkeypatch.setattr(session_rows, "retention_start", retention_start)
    refused = protection.erase_client(acting(store, ids["owner"]), EraseRequest.of(client_id=ids["client"]))
    assert asked == [ids["client"]]
    assert isinstance(refused, ErasureRefused)
    assert refused.retained_until == retention_until(start.date(), 6)


@pytest.mark.parametrize("client_id", [0, -3, 2**63, 10**20, "x"])
def test_an_erase_or_export_of_an_impossible_id_is_refused_as_input(client_id: object) -> None:
    from smpstudio.errors import InputError

    with pytest.raises(InputError) as caught:
        EraseRequest.of(client_id=client_id)
    assert caught.value.field == "client_id" and "9223372036854775807" in str(caught.value.allowed)
