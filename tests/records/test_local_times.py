"""Times written with a UTC offset are that instant; without one they are the clinic's local time (on both
backends, for a clinic whose timezone is not UTC)."""

from __future__ import annotations

import datetime as dt

from smpstudio.records.store import Store
from smpstudio.services import clinics, sterilisation
from tests.records.conftest import acting

CYCLE = {"load": "L", "temperature_c": 134, "pressure_kpa": 206, "minutes": 4, "indicator": "pass"}


def test_a_cycle_run_at_with_an_offset_is_that_instant(store: Store) -> None:
    request = clinics.InitClinicRequest.of(name="Tokyo Studio", timezone="Asia/Tokyo")  # UTC+9, no DST
    owner = clinics.init_clinic(acting(store), request).owner_id
    day = dt.date.today() - dt.timedelta(days=3)
    cases = {
        f"{day}T10:00+02:00": dt.datetime.combine(day, dt.time(17, 0), dt.timezone(dt.timedelta(hours=9))),
        f"{day}T10:00": dt.datetime.combine(day, dt.time(10, 0), dt.timezone(dt.timedelta(hours=9))),
    }
    for written, expected in cases.items():
        added = sterilisation.add_cycle(
            acting(store, owner), sterilisation.CycleRequest.of(**CYCLE, run_at=written)
        )
        shown = sterilisation.sessions_for_cycle(acting(store, owner), added.id).cycle.run_at
        assert shown is not None and dt.datetime.fromisoformat(shown) == expected, (written, shown)
