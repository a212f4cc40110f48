"""A clinic's settings: its rule overrides (versioned, owner only, within the safety floors, in force in
every records answer) and its details and timezone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from smpstudio.errors import AccessError, InputError
from smpstudio.records.models import AuditEntry
from smpstudio.records.store import Store
from smpstudio.services import clients, clinic_settings, clinics, patch_tests
from smpstudio.services.access import resolve_actor
from smpstudio.services.context import Clock
from tests.records.conftest import acting, answers
from tests.records.helpers import setup_clinic

STRICTER = "[care.records]\nminimum_interval_days = 14\n"


def _set(store: Store, user: int, body: str) -> clinic_settings.ClinicRulesSet:
    return clinic_settings.set_clinic_rules(
        acting(store, user), clinic_settings.SetClinicRulesRequest.of(body=body)
    )


def test_an_owner_sets_the_rules_and_every_answer_reports_them(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    with pytest.raises(AccessError):
        _set(store, ids["prac"], STRICTER)
    first = _set(store, ids["owner"], STRICTER)
    assert first.version == 1 and "+clinic-v1-" in first.rules_versions["care"]
    assert first.rules_versions["pigments"].startswith("pigments-")
    screened = clients.screen_client(
        acting(store, ids["prac"]), clients.ScreenClientRequest.of(client_id=ids["client"], answers=answers())
    )
    assert screened.rules_version == first.rules_versions["care"]
    patch = patch_tests.record_patch_test(
        acting(store, ids["prac"]),
        patch_tests.PatchTestRecordRequest.of(
            client_id=ids["client"], lot="P1", applied="2026-01-01", read="2026-01-03", result="negative"
        ),
    )
    assert patch.rules_version == first.rules_versions["care"]
    second = _set(store, ids["owner"], "[care.records]\nminimum_interval_days = 21\n")
    assert second.version == 2 and second.rules_versions["care"] != first.rules_versions["care"]
    shown = clinic_settings.show_clinic_rules(acting(store, ids["desk"]))
    assert (shown.version, shown.text, shown.set_by) == (
        2,
        "[care.records]\nminimum_interval_days = 21\n",
        ids["owner"],
    )
    assert shown.rules_versions == second.rules_versions
    logged = store.read(
        lambda s: [
            (e.action, e.entity_id)
            for e in s.scalars(select(AuditEntry).where(AuditEntry.entity == "clinic_rules"))
        ]
    )
    assert [a for a, _ in logged] == ["update", "update"]


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ("[care.records]\nminimum_interval_days = -5\n", "rules.records.minimum_interval_days"),
        ("[care.screening]\nminimum_age_years = 12\n", "rules.screening.minimum_age_years"),
        ('[care.triage.symptoms.pus]\nred_flag = "expected"\n', "rules.triage.symptoms.pus.red_flag"),
        (
            '[care.screening.questions.pregnant_or_breastfeeding]\noutcome = "proceed"\n',
            "rules.screening.questions.pregnant_or_breastfeeding.outcome",
        ),
        ("[elsewhere]\nx = 1\n", "rules"),
        ("not toml = = =", "rules"),
    ],
)
def test_rules_below_a_floor_are_refused_and_nothing_is_stored(
    store: Store, tmp_path: Path, body: str, rule: str
) -> None:
    ids = setup_clinic(store, tmp_path)
    with pytest.raises(InputError) as info:
        _set(store, ids["owner"], body)
    assert info.value.field == rule
    shown = clinic_settings.show_clinic_rules(acting(store, ids["owner"]))
    assert (shown.version, shown.text) == (None, None)
    assert shown.rules_versions["care"].startswith("care-") and "+" not in shown.rules_versions["care"]


def test_another_clinics_rules_never_apply(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    other = clinics.init_clinic(acting(store), clinics.InitClinicRequest.of(name="Other")).owner_id
    _set(store, other, STRICTER)
    screened = clients.screen_client(
        acting(store, ids["prac"]), clients.ScreenClientRequest.of(client_id=ids["client"], answers=answers())
    )
    assert "+" not in screened.rules_version
    assert clinic_settings.show_clinic_rules(acting(store, ids["owner"])).version is None


def test_the_clinics_details_and_timezone(store: Store, tmp_path: Path) -> None:
    ids = setup_clinic(store, tmp_path)
    request = clinic_settings.UpdateClinicRequest.of(
        timezone="Pacific/Auckland", phone="+64 9 000", email="Desk@Example.org", address="1 Queen St"
    )
    with pytest.raises(AccessError):
        clinic_settings.update_clinic(acting(store, ids["prac"]), request)
    updated = clinic_settings.update_clinic(acting(store, ids["owner"]), request)
    assert (updated.timezone, updated.phone, updated.email) == (
        "Pacific/Auckland",
        "+64 9 000",
        "desk@example.org",
    )
    assert clinic_settings.show_clinic(acting(store, ids["desk"])) == updated
    moment = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)  # already 1 December in Auckland
    actor = store.read(lambda s: resolve_actor(s, ids["prac"], Clock.fixed(moment)))
    assert actor.today() == dt.date(2026, 12, 1)
    with pytest.raises(InputError) as info:
        clinic_settings.UpdateClinicRequest.of(timezone="Mars/Olympus")
    assert info.value.field == "timezone"
    with pytest.raises(InputError) as info:
        clinic_settings.UpdateClinicRequest.of(email="not an address")
    assert info.value.field == "email"
