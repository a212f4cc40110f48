"""`smp session record`, `smp sterilisation add` and `smp lot add --product-file` on the safety floors:
exit codes, the refusal's JSON and the field each error names (in-process)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.cli import Ran, smp_in_process
from tests.records.conftest import write_answers


def smp(cwd: Path, *args: str, user: int | None = None) -> Ran:
    env = {"SMP_USER": str(user)} if user is not None else None
    return smp_in_process(cwd, "--data-dir", "var", *args, env=env)


def ok(cwd: Path, *args: str, user: int | None = None) -> dict[str, object]:
    res = smp(cwd, *args, "--json", user=user)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def clinic(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    cwd = tmp_path
    owner = int(ok(cwd, "clinic", "init", "--name", "Studio")["owner_id"])  # type: ignore[call-overload]
    prac = ok(
        cwd, "user", "add", "--name", "Pat", "--role", "practitioner", "--certified-until", "2099-01-01"
    )
    client = ok(cwd, "client", "add", "--name", "Alex", "--date-of-birth", "1980-02-03")
    cid = str(client["id"])
    write_answers(cwd / "answers.json")
    ok(cwd, "client", "screen", cid, "answers.json")
    assert smp(cwd, "consent", "sign", "--client", cid, "--signed-name", "Alex").returncode == 0
    for kind, code in (("pigment", "PIG-1"), ("needle", "NDL-1")):
        ok(cwd, "lot", "add", "--kind", kind, "--product", f"{kind} product", "--lot", code,
           "--expires", "2099-12-31", "--quantity", "5")  # fmt: skip
    return cwd, {"owner": owner, "prac": int(prac["id"]), "client": int(cid)}  # type: ignore[call-overload]


def _record(ids: dict[str, int], *extra: str) -> list[str]:
    return ["session", "record", "--client", str(ids["client"]), "--practitioner", str(ids["prac"]),
            "--pigment-lot", "PIG-1", "--needle-lot", "NDL-1", *extra]  # fmt: skip


def test_an_override_reason_against_a_floor_is_refused_like_any_refusal(
    clinic: tuple[Path, dict[str, int]],
) -> None:
    cwd, ids = clinic
    ok(cwd, "lot", "recall", "PIG-1")
    res = smp(cwd, *_record(ids, "--override-reason", "the owner insists", "--json"), user=ids["owner"])
    assert res.returncode == 2, res.stderr
    body = json.loads(res.stdout)
    assert body["refused"] is True
    assert body["reasons"] == [
        {"code": "lot_recalled", "message": "pigment lot PIG-1 is recalled", "overridable": False}
    ]
    text = smp(cwd, *_record(ids, "--override-reason", "x"), user=ids["owner"])
    assert text.returncode == 2 and "cannot be overridden" in text.stdout


def test_dates_future_refused_past_needs_historical_by_an_owner(clinic: tuple[Path, dict[str, int]]) -> None:
    cwd, ids = clinic
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat(timespec="minutes")
    res = smp(cwd, *_record(ids, "--started", later, "--json"), user=ids["owner"])
    assert res.returncode == 2 and [r["code"] for r in json.loads(res.stdout)["reasons"]] == [
        "session_in_future"
    ]
    past = f"{dt.datetime.now(dt.UTC).date() - dt.timedelta(days=3)}T10:00"
    res = smp(cwd, *_record(ids, "--started", past, "--json"), user=ids["prac"])
    assert res.returncode == 2 and [r["code"] for r in json.loads(res.stdout)["reasons"]] == [
        "session_in_past"
    ]
    res = smp(cwd, *_record(ids, "--started", past, "--historical"), user=ids["prac"])
    assert res.returncode == 4 and "owner" in res.stderr
    done = ok(cwd, *_record(ids, "--started", past, "--historical"), user=ids["owner"])
    assert done["historical"] is True and done["needle_lot_left"] == 5


def test_a_cycle_below_the_rules_is_logged_as_failed(clinic: tuple[Path, dict[str, int]]) -> None:
    cwd, _ = clinic
    cyc = ok(cwd, "sterilisation", "add", "--load", "L1", "--temperature", "121", "--pressure", "103",
             "--minutes", "10", "--indicator", "pass")  # fmt: skip
    assert cyc["failed"] is True and "15 min" in str(cyc["failure_reason"])
    text = smp(cwd, "sterilisation", "add", "--load", "L2", "--temperature", "134", "--pressure", "206",
               "--minutes", "1", "--indicator", "pass")  # fmt: skip
    assert text.returncode == 0 and "failed" in text.stdout


def test_a_product_file_for_another_lot_is_refused(clinic: tuple[Path, dict[str, int]]) -> None:
    cwd, _ = clinic
    (cwd / "pig1.json").write_text(json.dumps({"name": "Black", "brand": "Acme", "lot": "PIG-1"}))
    res = smp(cwd, "lot", "add", "--kind", "pigment", "--product", "Acme Black", "--lot", "PIG-3",
              "--expires", "2099-12-31", "--quantity", "1", "--product-file", "pig1.json")  # fmt: skip
    assert res.returncode == 2 and "product_file.lot" in res.stderr and "PIG-1" in res.stderr
    res = smp(cwd, "lot", "add", "--kind", "needle", "--product", "Acme Black", "--lot", "PIG-1",
              "--expires", "2099-12-31", "--quantity", "1", "--product-file", "pig1.json")  # fmt: skip
    assert res.returncode == 2 and "product_file" in res.stderr
