"""Settings: declared once, fed by the environment and options, every one documented."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from smpstudio.errors import InputError
from smpstudio.services.context import Clock, ServiceContext
from smpstudio.settings import Settings, env_name

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_environment_feeds_settings_and_options_win() -> None:
    env = {"SMP_DATA_DIR": "/srv/clinic", "SMP_USER": "7", "SMP_TIMEZONE": "Australia/Sydney"}
    s = Settings.from_env(env, user=3, data_dir=None)
    assert s.data_dir == Path("/srv/clinic") and s.user == 3 and s.timezone == "Australia/Sydney"
    assert Settings.from_env({}).data_dir == Path("var")


@pytest.mark.parametrize(
    ("env", "field"),
    [({"SMP_TIMEZONE": "Mars/Olympus"}, "timezone"), ({"SMP_USER": "owner"}, "user")],
)
def test_a_bad_setting_names_itself(env: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as info:
        Settings.from_env(env)
    assert info.value.field == field and info.value.exit_code == 2


def test_every_setting_is_documented() -> None:
    text = DOC.read_text()
    for name, info in Settings.model_fields.items():
        assert info.description, name
        assert f"`{name}`" in text and f"`{env_name(name)}`" in text, name


def test_today_is_the_clinics_day_not_the_servers() -> None:
    late_evening_utc = dt.datetime(2026, 11, 30, 22, 30, tzinfo=dt.UTC)
    assert Clock.fixed(late_evening_utc, "UTC").today() == dt.date(2026, 11, 30)
    assert Clock.fixed(late_evening_utc, "Australia/Sydney").today() == dt.date(2026, 12, 1)
    assert Clock.fixed(late_evening_utc, "America/Los_Angeles").today() == dt.date(2026, 11, 30)
    settings = Settings.from_env({"SMP_TIMEZONE": "Pacific/Auckland"})
    assert ServiceContext.from_settings(settings).clock.tz == settings.tzinfo


@pytest.mark.parametrize(
    "env",
    [
        {"SMP_USER": "abc"},
        {"SMP_TIMEZONE": "Mars/Base"},
        {"SMP_MAX_IMAGE_PIXELS": "0"},
        {"SMP_STORE_WAIT_S": "-1"},
        {"SMP_DEBUG": "maybe"},
        {"SMP_CARE_RULES": "pigments"},
    ],
)
def test_a_bad_environment_is_one_line_and_exit_2(tmp_path: Path, env: dict[str, str]) -> None:
    from tests.cli import smp_in_process

    res = smp_in_process(tmp_path, "--data-dir", str(tmp_path / "var"), "client", "show", "1", env=env)
    [name] = env
    field = name.removeprefix("SMP_").lower()
    assert res.returncode == 2 and res.stderr.startswith(f"error: {field}:") and res.stderr.count("\n") == 1


def test_an_earlier_debug_invocation_does_not_turn_a_later_error_into_a_traceback(tmp_path: Path) -> None:
    from tests.cli import smp_in_process

    assert smp_in_process(tmp_path, "--debug", "catalogue").returncode == 0
    res = smp_in_process(tmp_path, "client", "show", "1", env={"SMP_USER": "abc"})
    assert res.returncode == 2 and res.stderr.startswith("error: user:")
