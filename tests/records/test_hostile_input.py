"""Hostile input through the command line, on SQLite and PostgreSQL: ids beyond 64 bits, dates out of range,
deeply nested JSON, very long texts and crafted images each give exit 2 and one line on stderr naming the
field, never an internal error or a traceback, and write nothing. Names and notes print as data."""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from smpstudio.records.models import AuditEntry
from smpstudio.records.store import Store, open_store
from tests.cli import Ran, smp_in_process
from tests.records.conftest import _database, write_answers

BIG = "99999999999999999999"  # beyond 64 bits
B63 = str(2**63)  # one past PostgreSQL's BIGINT
LONG = "x" * 100_000
DAY = "2026-01-05"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG file whose header declares ``width`` x ``height`` pixels (its data is a few bytes)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b""))
        + _chunk(b"IEND", b"")
    )


def png_with_text_bomb() -> bytes:
    """A valid 8 x 8 PNG whose compressed text chunk unpacks to 50 MB (Pillow refuses it with ValueError)."""
    rows = b"".join(b"\x00" + b"\x00" * 24 for _ in range(8))
    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"zTXt", b"k\x00\x00" + zlib.compress(b"a" * 50_000_000))
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


class Clinic:
    """A clinic store set up through the command line, on one backend."""

    def __init__(self, cwd: Path, url: str | None) -> None:
        self.cwd, self.url = cwd, url
        self.env = {"SMP_DATABASE_URL": url} if url else {}
        self.store: Store | None = None

    def smp(self, *args: str) -> Ran:
        return smp_in_process(self.cwd, "--data-dir", "var", *args, env=self.env)

    def ok(self, *args: str) -> dict[str, object]:
        res = self.smp(*args, "--json")
        assert res.returncode == 0, res.stderr
        return json.loads(res.stdout)  # type: ignore[no-any-return]

    def written(self) -> tuple[int, list[str]]:
        """The audit entries and the stored files: what any write leaves."""
        if self.store is None:
            self.store = open_store(self.cwd / "var", url=self.url)
        entries = self.store.read(lambda db: db.scalar(select(func.count()).select_from(AuditEntry)))
        return int(entries or 0), self.store.files.all()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def clinic(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    cwd = tmp_path_factory.mktemp(f"hostile-{request.param}")
    databases: Iterator[str] | None = None
    url = None
    if request.param == "postgresql":
        databases = _database(request.getfixturevalue("pg_template"))
        url = next(databases)
    c = Clinic(cwd, url)
    c.ok("clinic", "init", "--name", "Hostile Clinic")
    c.ok("user", "add", "--name", "Pat", "--role", "practitioner", "--certified-until", "2099-01-01")
    c.ok("client", "add", "--name", "Bob [/x] Smith\x1b[31m", "--date-of-birth", "1980-02-03", "--phone", "1")
    for kind, code in (("pigment", "PIG-1"), ("needle", "NDL-1"), ("diluent", "DIL-1")):
        c.ok("lot", "add", "--kind", kind, "--product", "p", "--lot", code, "--expires", "2099-12-31",
             "--quantity", "5")  # fmt: skip
    write_answers(cwd / "answers.json")
    c.ok("client", "screen", "1", "answers.json")
    c.ok("consent", "sign", "--client", "1", "--signed-name", "Bob Smith")
    c.ok("session", "record", "--client", "1", "--practitioner", "2", "--pigment-lot", "PIG-1",
         "--needle-lot", "NDL-1", "--diluent-lot", "DIL-1", "--ink-fraction", "0.5")  # fmt: skip
    files = {
        "deep.json": "{" + '"answers": ' + nested(100_000) + "}",
        "deep500.json": json.dumps({"answers": {"keloid_history": json.loads(nested(500))}}),
        "deep-landmarks.json": json.dumps({"nasion": json.loads(nested(500))}),
        "odd-landmarks.json": json.dumps({"nasion": "here"}),
        "400mp.png": png_declaring(20_000, 20_000),
        "121mp.png": png_declaring(11_000, 11_000),
        "truncated.png": png_declaring(64, 64)[:40],
        "not-an-image.png": b"GIF89a this is not a picture",
        "text-bomb.png": png_with_text_bomb(),
    }
    for name, content in files.items():
        path = cwd / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    (cwd / "small.png").write_bytes(_small_png())
    yield c
    if c.store is not None:
        c.store.close()
    if databases is not None:
        next(databases, None)


def _small_png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(buf, "PNG")
    return buf.getvalue()


SYMPTOM = ["symptom", "report", "--day", "3", "--symptom", "itch"]
LOT_ADD = ["lot", "add", "--product", "p", "--quantity", "1"]
SESSION = ["session", "record", "--client", "1", "--pigment-lot", "PIG-1", "--needle-lot", "NDL-1"]
HOSTILE: list[tuple[list[str], str]] = [
    # ids beyond 64 bits, or no id at all
    (["client", "show", BIG], "client"),
    (["client", "show", B63], "client"),
    (["client", "show", "0"], "client"),
    (["client", "show", "abc"], "client"),
    (["client", "export", BIG, "--out", "x.zip"], "client"),
    (["client", "erase", BIG], "client"),
    (["client", "screen", BIG, "answers.json"], "client_id"),
    (["client", "design", BIG, "answers.json"], "client_id"),
    (["client", "plan", BIG], "client_id"),
    (["client", "plan", "1", "--design-version", BIG], "design_version"),
    (["client", "photo", BIG, "small.png", "--view", "top"], "client_id"),
    (["client", "photo", "1", "small.png", "--view", "top", "--session", BIG], "session_id"),
    (["followups", "done", BIG, "--outcome", "calm"], "followup"),
    (["followups", "show", B63], "followup"),
    ([*SYMPTOM, "--client", BIG], "client"),
    ([*SYMPTOM, "--client", "1", "--session", BIG], "session"),
    (["adverse-event", "add", "--client", BIG, "--description", "x"], "client"),
    (["adverse-event", "add", "--client", "-5", "--description", "x"], "client"),
    (["consent", "sign", "--client", BIG, "--signed-name", "X"], "client"),
    (["consent", "withdraw", "--client", B63], "client"),
    ([*SESSION, "--practitioner", BIG], "practitioner"),
    ([*SESSION, "--practitioner", "2", "--sterilisation-cycle", BIG], "sterilisation_cycle"),
    ([*SESSION, "--practitioner", "2", "--sterilisation-cycle", B63], "sterilisation_cycle"),
    ([*SESSION, "--practitioner", "2", "--pigment-lot", f"#{BIG}"], "pigment_lot"),
    ([*SESSION, "--practitioner", "2", "--design-version", BIG], "design_version"),
    (["lot", "adjust", BIG, "--delta", "1", "--reason", "count"], "lot"),
    (["sterilisation", "sessions", BIG], "cycle"),
    (["sterilisation", "sessions", B63], "cycle"),
    (["--as", BIG, "client", "show", "1"], "user"),
    (["--as", "0", "client", "show", "1"], "user"),
    (["user", "certify", BIG, "--kind", "smp-training", "--expires", "2099-01-01"], "user_id"),
    # dates out of range
    (["client", "add", "--name", "X", "--date-of-birth", "0001-01-01"], "date_of_birth"),
    (["client", "add", "--name", "X", "--date-of-birth", "9999-12-31"], "date_of_birth"),
    (["client", "add", "--name", "X", "--date-of-birth", "10000-01-01"], "date_of_birth"),
    (["client", "add", "--name", "X", "--date-of-birth", LONG], "date_of_birth"),
    (["followups", "due", "--date", "9999-12-31"], "on"),
    (["followups", "due", "--date", "0001-01-01"], "on"),
    (["adverse-event", "due", "--date", "9999-12-31"], "on"),
    (
        [
            "adverse-event",
            "add",
            "--client",
            "1",
            "--description",
            "x",
            "--received",
            "9999-12-31",
            "--serious",
            "infection",
        ],
        "received_on",
    ),
    (
        ["adverse-event", "add", "--client", "1", "--description", "x", "--brand-notified", LONG],
        "brand_notified_on",
    ),
    (["touch-ups", "due", "--month", "9999-12"], "month"),
    ([*LOT_ADD, "--kind", "pigment", "--lot", "L9", "--expires", "9999-12-31"], "expires"),
    ([*LOT_ADD, "--kind", "needle", "--lot", "L0", "--expires", "0001-01-01"], "expires"),
    (["sterilisation", "spore-test", "--result", "fail", "--date", "0001-01-01"], "tested_on"),
    (["sterilisation", "spore-test", "--result", "pass", "--date", "1899-12-31"], "tested_on"),
    (["touch-ups", "due", "--month", LONG], "month"),
    # deeply nested JSON
    (["client", "screen", "1", "deep.json"], "answers"),
    (["client", "screen", "1", "deep500.json"], "answers"),
    (["client", "design", "1", "deep.json"], "design"),
    (["client", "design", "1", "deep500.json"], "document"),
    (
        ["client", "photo", "1", "small.png", "--view", "top", "--landmarks", "deep-landmarks.json"],
        "landmarks",
    ),
    (
        ["client", "photo", "1", "small.png", "--view", "top", "--landmarks", "odd-landmarks.json"],
        "landmarks",
    ),
    # very long texts
    (["client", "add", "--name", LONG, "--date-of-birth", "1990-01-01"], "name"),
    (["client", "add", "--name", "X", "--date-of-birth", "1990-01-01", "--address", LONG], "address"),
    (["client", "find", LONG], "query"),
    (["followups", "done", "1", "--outcome", LONG], "outcome"),
    (["adverse-event", "add", "--client", "1", "--description", LONG], "description"),
    ([*SYMPTOM, "--client", "1", "--idempotency-key", LONG], "idempotency_key"),
    (["client", "photo", "1", "small.png", "--view", LONG], "view"),
    # crafted and broken images
    (["client", "photo", "1", "400mp.png", "--view", "top"], "photo"),
    (["client", "photo", "1", "121mp.png", "--view", "top"], "photo"),
    (["client", "photo", "1", "truncated.png", "--view", "top"], "photo"),
    (["client", "photo", "1", "not-an-image.png", "--view", "top"], "photo"),
    (["client", "photo", "1", "text-bomb.png", "--view", "top"], "photo"),
    (["client", "photo", "1", "no\x1b[31mfile[/x]\u202e.png", "--view", "top"], "photo"),
    # numbers
    (["adverse-event", "due", "--days", BIG], "within_days"),
]


@pytest.mark.parametrize(
    ("args", "field"), HOSTILE, ids=[f"{i:02d}-{a[0]}-{a[1]}" for i, (a, _) in enumerate(HOSTILE)]
)
def test_hostile_input_is_one_line_exit_2_and_writes_nothing(
    clinic: Clinic, args: list[str], field: str
) -> None:
    before = clinic.written()
    res = clinic.smp(*args)
    line = res.stderr.strip()
    assert res.returncode == 2, res.stderr[:2000]
    assert line.startswith("error:") and "\n" not in line, res.stderr[:2000]
    assert f"{field}:" in line and "Traceback" not in res.stderr and "internal error" not in line
    assert len(line) < 700 and LONG not in line  # a quoted value is cut, never echoed whole
    assert "\x1b" not in res.stderr and "\u202e" not in res.stderr  # no control characters reach the terminal
    assert clinic.written() == before


def test_names_are_data_not_markup_in_every_listing(clinic: Clinic) -> None:
    clinic.ok("adverse-event", "add", "--client", "1", "--description", "[bold]pus", "--serious", "infection")
    for args in (
        ["client", "show", "1"],
        ["client", "find", "bob"],
        ["followups", "due", "--date", "2099-01-01"],
        ["touch-ups", "due", "--month", "2099-12"],
        ["adverse-event", "due", "--days", "3650"],
        ["lot", "clients", "PIG-1"],  # the recall table, printed by the same code as `lot recall`
    ):
        res = clinic.smp(*args)
        assert res.returncode == 0, (args, res.stderr)
        assert "[/x]" in res.stdout and "\x1b" not in res.stdout, args  # printed as written, no escape code
    shown = clinic.ok("client", "show", "1")
    assert shown["client"]["name"] == "Bob [/x] Smith\x1b[31m"  # type: ignore[index]  # --json keeps it


def test_a_symptom_report_retried_with_its_key_is_kept_once(clinic: Clinic) -> None:
    args = [*SYMPTOM, "--client", "1", "--idempotency-key", "retry-1"]
    first, again = clinic.ok(*args), clinic.ok(*args)
    assert again["id"] == first["id"] and again["replayed"] is True
    text = clinic.smp(*args)
    assert text.returncode == 0 and "kept earlier" in text.stdout


def test_an_internal_error_prints_no_client_data(clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> None:
    from smpstudio.services import clients

    def leaky(*_: object) -> None:
        raise RuntimeError("INSERT failed [parameters: ('Bob Smith', '+44 1')]")

    monkeypatch.setattr(clients, "find_clients", leaky)
    res = clinic.smp("client", "find", "bob")
    assert res.returncode == 1 and res.stderr.strip().count("\n") == 0
    assert (
        "internal error: RuntimeError" in res.stderr and "Bob" not in res.stderr and "+44" not in res.stderr
    )
