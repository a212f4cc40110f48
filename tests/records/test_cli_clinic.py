"""The clinic's commands: the store administrator, the clinic's rules as a setting, the refusal of a rules
file on records commands (in-process)."""

from __future__ import annotations

from pathlib import Path

from tests.cli import Ran, smp_in_process
from tests.cli import smp_json as ok


def smp(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Ran:
    return smp_in_process(cwd, "--data-dir", "var", *args, env=env)


def test_the_first_owner_administers_the_store(tmp_path: Path) -> None:
    first = ok(tmp_path, "clinic", "init", "--name", "One", "--owner-email", "Ann@Example.org")
    assert set(first) == {"clinic_id", "owner_id", "admin_id"} and first["admin_id"] == first["owner_id"]
    admin = str(first["admin_id"])
    prac = ok(tmp_path, "user", "add", "--name", "Pat", "--role", "practitioner")
    refused = smp(tmp_path, "--as", str(prac["id"]), "clinic", "init", "--name", "Two")
    assert refused.returncode == 4 and "administrator" in refused.stderr
    second = ok(tmp_path, "--as", admin, "clinic", "init", "--name", "Two", "--timezone", "Europe/London")
    assert second["admin_id"] == first["admin_id"] and second["owner_id"] not in (
        first["owner_id"],
        prac["id"],
    )
    by_owner = smp(tmp_path, "--as", str(second["owner_id"]), "clinic", "init", "--name", "Three")
    assert by_owner.returncode == 4
    shown = ok(tmp_path, "--as", str(second["owner_id"]), "clinic", "show")
    assert (shown["name"], shown["timezone"]) == ("Two", "Europe/London")
    taken = smp(
        tmp_path, "--as", admin, "clinic", "init", "--name", "Four", "--owner-email", "ann@example.ORG"
    )
    assert taken.returncode == 2 and "owner_email" in taken.stderr
    bad_zone = smp(tmp_path, "--as", admin, "clinic", "init", "--name", "Five", "--timezone", "Mars/Base")
    assert bad_zone.returncode == 2 and "timezone" in bad_zone.stderr


def test_rules_are_a_clinic_setting_not_a_records_option(tmp_path: Path) -> None:
    ok(tmp_path, "clinic", "init", "--name", "One")
    lenient = tmp_path / "lenient.toml"
    lenient.write_text("[care.screening]\nminimum_age_years = 12\n")
    stricter = tmp_path / "stricter.toml"
    stricter.write_text("[care.records]\nminimum_interval_days = 14\n")
    add = ("client", "add", "--name", "Kid", "--date-of-birth", "2012-01-01")
    for res in (
        smp(tmp_path, "--rules", str(stricter), *add),
        smp(tmp_path, *add, env={"SMP_RULES": str(stricter)}),
    ):
        assert res.returncode == 2 and "clinic setting" in res.stderr, res.stderr
    assert ok(tmp_path, "client", "find", "Kid")["clients"] == []
    low = smp(tmp_path, "clinic", "rules", "set", str(lenient))
    assert low.returncode == 2 and "minimum_age_years" in low.stderr
    assert ok(tmp_path, "clinic", "rules", "show")["version"] is None
    set_ = ok(tmp_path, "clinic", "rules", "set", str(stricter))
    assert set_["version"] == 1
    shown = ok(tmp_path, "clinic", "rules", "show")
    assert shown["text"] == stricter.read_text() and shown["rules_versions"] == set_["rules_versions"]
    # The stateless care commands still try a rules file out.
    tried = smp_in_process(
        tmp_path, "--rules", str(stricter), "triage", "--day", "1", "--symptom", "itch", "--json"
    )
    assert tried.returncode == 0, tried.stderr
