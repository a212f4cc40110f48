"""Two sessions for one client started at the same moment: the checks and the insert are atomic on both
backends, so exactly one is recorded and the other is refused as too soon."""

from __future__ import annotations

import threading
from pathlib import Path

from smpstudio.records.store import Store, open_store
from smpstudio.services import clients, consent, lots, sessions
from tests.records.conftest import acting, answers
from tests.records.helpers import setup_clinic, soon

PAIRS = 4


def _client(store: Store, owner: int, prac: int, n: int) -> int:
    cid = clients.add_client(
        acting(store, owner), clients.AddClientRequest.of(name=f"Race {n}", date_of_birth="1980-01-02")
    ).id
    clients.screen_client(
        acting(store, prac), clients.ScreenClientRequest.of(client_id=cid, answers=answers())
    )
    consent.sign_consent(acting(store, prac), consent.SignConsentRequest.of(client_id=cid, signed_name="R"))
    return cid


def _race(store: Store, requests: dict[str, sessions.SessionRequest], user: int) -> dict[str, object]:
    """Run the requests at once, each from its own thread with its own store (engine and connections)."""
    url = None if store.dialect == "sqlite" else store.url
    barrier = threading.Barrier(len(requests))
    results: dict[str, object] = {}

    def attempt(side: str) -> None:
        own = open_store(store.data_dir, url=url)
        try:
            barrier.wait()
            results[side] = sessions.record_session(acting(own, user), requests[side])
        except Exception as exc:
            results[side] = exc
        finally:
            own.close()

    threads = [threading.Thread(target=attempt, args=(side,)) for side in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_concurrent_sessions_for_one_client_record_exactly_one(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    for side in ("A", "B"):  # each side its own lots, so no lot lock serialises the pair by accident
        for kind in ("pigment", "needle"):
            request = lots.AddLotRequest.of(
                kind=kind,
                product=f"{kind} {side}",
                lot=f"{kind[0]}{side}",
                expires=soon(),
                quantity=PAIRS + 1,
            )
            lots.add_lot(acting(store, ids["owner"]), request)
    for n in range(PAIRS):
        cid = _client(store, ids["owner"], ids["prac"], n)
        requests = {
            side: sessions.SessionRequest.of(
                client_id=cid, practitioner_id=ids["prac"], pigment_lot=f"p{side}", needle_lot=f"n{side}"
            )
            for side in ("A", "B")
        }
        results = _race(store, requests, ids["prac"])
        recorded = [r for r in results.values() if isinstance(r, sessions.SessionRecorded)]
        refused = [r for r in results.values() if isinstance(r, sessions.SessionRefused)]
        assert len(recorded) == 1 and len(refused) == 1, (n, results)
        assert {r.code for r in refused[0].reasons} == {"too_soon"}
