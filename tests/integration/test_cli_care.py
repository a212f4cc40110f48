"""The care commands in-process (Typer's CliRunner): `--json` is the service result's JSON, errors exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smpstudio.cli.main import app
from smpstudio.services.care import (
    AftercareRequest,
    PigmentCheckRequest,
    RemovalRequest,
    ScreenRequest,
    TriageRequest,
    aftercare,
    check_pigment,
    removal_estimate,
    screen_client,
    triage_report,
)
from smpstudio.services.context import ServiceContext

ANSWERS = {
    "date_of_birth": "1990-05-01",
    "answers": {
        "keloid_history": False, "pregnant_or_breastfeeding": False, "anticoagulants": True,
        "bleeding_disorder": False, "active_scalp_condition": False, "chemotherapy_recent": False,
        "immunosuppressed": False, "diabetes": False, "isotretinoin_recent": False,
        "ink_or_anaesthetic_reaction": False, "laser_in_area_last_90_days": False, "unstable_alopecia": False,
        "wants_long_hair": False, "under_influence": False,
    },
}  # fmt: skip
PRODUCT = {
    "name": "Black", "brand": "B", "lot": "L7", "expires": "2099-01-01", "ci_numbers": ["77266"],
    "substances_mg_per_kg": {"lead": 0.3, "nickel": 1.2, "benzo[a]pyrene": 0.002},
    "label": {"batch": "L7", "ingredients": ["CI 77266"]},
}  # fmt: skip
REMOVAL = ["--location", "head-neck", "--colour", "black", "--ink-amount", "minimal", "--scarring", "none"]


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SMP_RULES", raising=False)
    (tmp_path / "answers.json").write_text(json.dumps(ANSWERS))
    (tmp_path / "product.json").write_text(json.dumps(PRODUCT))
    return tmp_path


def smp(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def test_json_output_is_exactly_the_service_result(files: Path) -> None:
    ctx = ServiceContext()
    cases = [
        (["screen", "answers.json"], screen_client(ctx, ScreenRequest.of(answers=ANSWERS))),
        (
            ["triage", "--day", "4", "--symptom", "large_dots"],
            triage_report(ctx, TriageRequest.of(day=4, symptoms=["large_dots"])),
        ),
        (["pigment", "check", "product.json"], check_pigment(ctx, PigmentCheckRequest.of(product=PRODUCT))),
        (
            ["removal", "estimate", *REMOVAL, "--layering", "none"],
            removal_estimate(
                ctx,
                RemovalRequest.of(
                    location="head-neck",
                    colour="black",
                    ink_amount="minimal",
                    scarring="none",
                    layering="none",
                ),
            ),
        ),
    ]
    for args, expected in cases:
        code, stdout, _ = smp(*args, "--json")
        assert code == 0, args
        assert json.loads(stdout) == expected.to_json()
        assert stdout.count("\n") == 1  # one JSON object, nothing else


def test_care_contracts_keep_their_fields(files: Path) -> None:
    obj = json.loads(smp("screen", "answers.json", "--json")[1])
    assert obj["outcome"] == "doctor_clearance" and obj["rules_version"].startswith("care-")
    assert set(obj["findings"][0]) >= {"question", "outcome", "reason", "source"}
    obj = json.loads(smp("triage", "--day", "4", "--symptom", "large_dots", "--json")[1])
    assert set(obj) >= {"disposition", "explanation", "watch_for", "sources", "rules_version"}
    obj = json.loads(smp("pigment", "check", "product.json", "--jurisdiction", "eu", "--json")[1])
    assert obj["compliant"] is False and obj["violations"][0]["substance"] is None  # no statement
    obj = json.loads(smp("removal", "estimate", *REMOVAL, "--layering", "none", "--json")[1])
    assert obj["kirby_desai_score"] == 7 and obj["wavelength_nm"] == 1064
    obj = json.loads(smp("patch-test", "plan", "--first-session", "2099-01-10", "--json")[1])
    assert obj["apply_on"] == "2099-01-03" and obj["recommended"] is False


@pytest.mark.parametrize("fmt", ["text", "json", "ics", "pdf"])
def test_aftercare_writes_the_service_bytes(files: Path, fmt: str) -> None:
    code, stdout, _ = smp(
        "aftercare", "--session-date", "2026-11-21", "--format", fmt, "--out", f"c.{fmt}", "--json"
    )
    assert code == 0
    assert json.loads(stdout) == {
        "out": f"c.{fmt}", "format": fmt, "rules_version": "care-2026.11.3", "days": 31,
    }  # fmt: skip
    written = (files / f"c.{fmt}").read_bytes()
    expected = aftercare(ServiceContext(), AftercareRequest.of(session_date="2026-11-21", format=fmt)).content
    if fmt in ("text", "json"):  # the calendar's and the PDF's stamps are the time of the call
        assert written == expected
    else:
        assert written[:4] == expected[:4] and abs(len(written) - len(expected)) < 64
    assert not list(files.glob(".*.tmp"))


def test_the_rules_option_applies_a_clinic_file(files: Path) -> None:
    (files / "clinic.toml").write_text('version = "7"\n[care.aftercare.not_normal]\ntext = "Call Dr Who."\n')
    code, stdout, _ = smp(
        "--rules",
        "clinic.toml",
        "aftercare",
        "--session-date",
        "2026-11-21",
        "--format",
        "text",
        "--out",
        "c.txt",
    )
    assert code == 0 and "clinic-7-" in stdout
    assert "Call Dr Who." in (files / "c.txt").read_text()
    code, _, stderr = smp("--rules", "missing.toml", "triage", "--day", "1", "--symptom", "itch")
    assert code == 2 and "rules" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["triage", "--day", "3", "--symptom", "sneezing"], "red_streaks"),
        (["screen", "bad-answers.json"], "keloid_history"),
        (["screen", "broken.json"], "not valid JSON"),
        (["screen", "nowhere.json"], "no such file"),
        (["pigment", "check", "product.json", "--jurisdiction", "mars"], "eu"),
        (["removal", "estimate", "--location", "scalp", "--colour", "black", "--ink-amount", "minimal",
          "--scarring", "none", "--layering", "none"], "head-neck"),
        (["aftercare", "--session-date", "2026-11-21", "--format", "docx", "--out", "x.docx"], "pdf"),
        (["aftercare", "--session-date", "someday", "--format", "pdf", "--out", "x.pdf"], "session_date"),
        (["aftercare", "--session-date", "2026-11-21", "--format", "pdf", "--out", "no/such/x.pdf"], "out"),
        (["patch-test", "plan", "--first-session", "2026-02-30"], "first_session"),
        (["patch-test", "plan", "--first-session", "9999-12-31"], "first_session"),
    ],
)  # fmt: skip
def test_care_commands_refuse_bad_input_naming_the_field(files: Path, args: list[str], named: str) -> None:
    (files / "bad-answers.json").write_text(
        json.dumps({"date_of_birth": "1990-05-01", "answers": {"x": True}})
    )
    (files / "broken.json").write_text("{oops")
    code, stdout, stderr = smp(*args)
    assert code == 2, (args, stderr)
    assert named in stderr and "Traceback" not in stderr and not stdout
    assert not (files / "x.docx").exists() and not (files / "x.pdf").exists()


def test_aftercare_checks_its_output_before_computing(files: Path) -> None:
    # A bad date and a bad --out: the output is refused first, before the plan is made.
    code, stdout, stderr = smp(
        "aftercare", "--session-date", "someday", "--format", "pdf", "--out", "no/such/x.pdf"
    )
    assert code == 2 and "out:" in stderr and "session_date" not in stderr and not stdout
    (files / "folder").mkdir()
    code, _, stderr = smp("aftercare", "--session-date", "someday", "--format", "text", "--out", "folder")
    assert code == 2 and "out:" in stderr and "session_date" not in stderr


def test_aftercare_json_is_the_result_stored_where_the_file_went(files: Path) -> None:
    made = aftercare(ServiceContext(), AftercareRequest.of(session_date="2026-11-21", format="text"))
    stored = made.stored_at("plan.txt")
    assert stored.out == "plan.txt" and made.out is None  # a copy; the service's result is unchanged
    assert stored.content == made.content
    code, stdout, _ = smp(
        "aftercare", "--session-date", "2026-11-21", "--format", "text", "--out", "plan.txt", "--json"
    )
    assert code == 0 and json.loads(stdout) == stored.to_json()


def test_aftercare_never_writes_through_a_planted_temporary_name(files: Path) -> None:
    # The old writer wrote to the fixed name ".c.txt.tmp" and followed a link planted there.
    (files / "victim").write_text("keep me")
    (files / ".c.txt.tmp").symlink_to(files / "victim")
    code, _, stderr = smp("aftercare", "--session-date", "2026-11-21", "--format", "text", "--out", "c.txt")
    assert code == 0, stderr
    assert (files / "victim").read_text() == "keep me"
    assert (files / "c.txt").read_text().strip() and not (files / "c.txt").is_symlink()


def test_the_one_writer_replaces_whole_files_and_keeps_client_data_private(files: Path) -> None:
    import os
    import stat

    from smpstudio.cli.files import write_atomic, write_stream

    mask = os.umask(0o022)
    try:
        shared = write_atomic(files / "chart.png", b"png")
        assert shared.read_bytes() == b"png" and stat.S_IMODE(shared.stat().st_mode) == 0o644
        private = write_atomic(files / "record.zip", b"zip", private=True)
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    finally:
        os.umask(mask)

    def broken(fh: object) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_stream(files / "chart.png", broken)
    assert (files / "chart.png").read_bytes() == b"png"  # the old file stays whole
    staging = files / "staged.part"
    assert write_stream(files / "e.zip", lambda fh: fh.write(b"abc"), staging=staging) == 3
    assert (files / "e.zip").read_bytes() == b"abc" and not staging.exists()
    assert stat.S_IMODE((files / "e.zip").stat().st_mode) == 0o600
    assert sorted(p.name for p in files.iterdir() if p.name.startswith(".")) == []


def test_aftercare_names_the_written_file_as_data(files: Path) -> None:
    code, stdout, _ = smp(
        "aftercare", "--session-date", "2026-11-21", "--format", "text", "--out", "a[red]b.txt"
    )
    assert code == 0 and "wrote a[red]b.txt (" in stdout and (files / "a[red]b.txt").exists()
