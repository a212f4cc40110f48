"""`smp appointment book | list | move | cancel` in-process: the JSON of each, a clash exits 2 naming the
appointment in the way, and a bad time names its field."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.cli import Ran, smp_in_process


def smp(cwd: Path, *args: str) -> Ran:
    return smp_in_process(cwd, "--data-dir", "var", *args)


def ok(cwd: Path, *args: str) -> dict[str, object]:
    res = smp(cwd, *args, "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)  # type: ignore[no-any-return]


def _day(n: int) -> str:
    return (dt.date.today() + dt.timedelta(days=n)).isoformat()


@pytest.fixture
def clinic(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    cwd = tmp_path
    ok(cwd, "clinic", "init", "--name", "Studio", "--timezone", "UTC")
    prac = ok(
        cwd, "user", "add", "--name", "Pat", "--role", "practitioner", "--certified-until", "2099-01-01"
    )
    alex = ok(cwd, "client", "add", "--name", "Alex", "--date-of-birth", "1980-02-03")
    bo = ok(cwd, "client", "add", "--name", "Bo", "--date-of-birth", "1981-02-03")
    return cwd, {"prac": str(prac["id"]), "alex": str(alex["id"]), "bo": str(bo["id"])}


def _book(ids: dict[str, str], client: str, at: str) -> list[str]:
    return ["appointment", "book", "--client", ids[client], "--practitioner", ids["prac"],
            "--kind", "consultation", "--at", at, "--minutes", "60"]  # fmt: skip


def test_book_list_move_cancel(clinic: tuple[Path, dict[str, str]]) -> None:
    cwd, ids = clinic
    booked = ok(cwd, *_book(ids, "alex", f"{_day(2)}T10:00"))
    assert booked["starts_at"] == f"{_day(2)}T10:00:00+00:00" and booked["status"] == "booked"
    listed = ok(cwd, "appointment", "list", "--from", _day(0), "--to", _day(6))
    assert [a["id"] for a in listed["appointments"]] == [booked["id"]]  # type: ignore[index, union-attr]
    table = smp(cwd, "appointment", "list", "--from", _day(0), "--to", _day(6))
    assert table.returncode == 0 and "Alex" in table.stdout and "Pat" in table.stdout
    moved = ok(cwd, "appointment", "move", str(booked["id"]), "--at", f"{_day(3)}T09:00")
    assert moved["starts_at"] == f"{_day(3)}T09:00:00+00:00"
    line = smp(cwd, "appointment", "cancel", str(booked["id"]))
    assert line.returncode == 0 and f"cancelled appointment {booked['id']}" in line.stdout
    assert ok(cwd, "appointment", "list", "--from", _day(0), "--to", _day(6))["appointments"] == []


def test_a_clash_exits_2_naming_the_appointment(clinic: tuple[Path, dict[str, str]]) -> None:
    cwd, ids = clinic
    first = ok(cwd, *_book(ids, "alex", f"{_day(2)}T10:00"))
    clash = smp(cwd, *_book(ids, "bo", f"{_day(2)}T10:30"))
    assert clash.returncode == 2
    assert f"appointment {first['id']}" in clash.stderr and "already booked" in clash.stderr
    bad = smp(cwd, *_book(ids, "bo", "next tuesday"))
    assert bad.returncode == 2 and "starts_at" in bad.stderr
