"""Sterilisation: spore tests and the loads since the last pass."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from smpstudio.records.store import Store
from smpstudio.services import sterilisation
from tests.records.conftest import acting
from tests.records.helpers import TODAY, recorded, session, setup_clinic


def test_failed_spore_test_lists_loads_since_last_pass(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    day = TODAY - dt.timedelta(days=20)
    sterilisation.add_cycle(
        acting(store, ids["prac"]),
        sterilisation.CycleRequest.of(
            load="L-old",
            temperature_c=134,
            pressure_kpa=206,
            minutes=4,
            indicator="pass",
            run_at=day.isoformat(),
        ),
    )
    sterilisation.record_spore_test(
        acting(store, ids["prac"]),
        sterilisation.SporeTestRequest.of(result="pass", tested_on=(day + dt.timedelta(days=1)).isoformat()),
    )
    c2 = sterilisation.add_cycle(
        acting(store, ids["prac"]),
        sterilisation.CycleRequest.of(
            load="L-new",
            temperature_c=134,
            pressure_kpa=206,
            minutes=4,
            indicator="pass",
            run_at=(day + dt.timedelta(days=5)).isoformat(),
        ),
    ).id
    sid = recorded(session(store, ids, sterilisation_cycle=c2)).id
    res = sterilisation.record_spore_test(
        acting(store, ids["prac"]),
        sterilisation.SporeTestRequest.of(result="fail", tested_on=TODAY.isoformat()),
    ).to_json()
    action = res["corrective_action"]
    assert action["cycles"] == [c2]
    assert [s["id"] for s in action["sessions"]] == [sid]
    assert [c["id"] for c in action["clients"]] == [ids["client"]]
    assert sterilisation.sessions_for_cycle(acting(store, ids["prac"]), c2).sessions[0].id == sid
