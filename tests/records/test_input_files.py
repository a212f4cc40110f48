"""Input files are checked before they are read: only a regular file, never more than its kind's limit.

Every command that reads a file the user names goes through one reader (:mod:`smpstudio.cli.files`): a
directory, a device (``/dev/zero``), a FIFO and a file over the limit (a sparse 2 GB file: no disk used)
are refused with exit 2 and one line naming the option, before anything is read, so no memory limit is
needed to see that nothing is read whole.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from smpstudio.cli.files import IMAGE_LIMIT, TEXT_LIMIT, open_input, read_input, read_json_input
from smpstudio.errors import InputError
from tests.cli import smp_in_process

#: Each command that reads an input file, with ``{}`` where the file goes, and the field its error names.
COMMANDS = [
    (["client", "photo", "1", "{}", "--view", "front"], "photo"),
    (["client", "screen", "1", "{}"], "answers"),
    (["client", "design", "1", "{}"], "design"),
    (
        ["lot", "add", "--kind", "pigment", "--product", "P", "--lot", "L1", "--expires", "2030-01-01",
         "--quantity", "1", "--product-file", "{}"],
        "product_file",
    ),
    (["clinic", "rules", "set", "{}"], "file"),
    (["consent", "sign", "--client", "1", "--signed-name", "Alex Doe", "--signature", "{}"], "signature"),
    (["consent", "text", "--kind", "treatment", "--version", "v9", "{}"], "file"),
    (["audit", "verify", "--anchor", "{}"], "anchor"),
    (["backup", "--out", "b.zip", "--passphrase-file", "{}"], "passphrase"),
    (["screen", "{}"], "answers"),
    (["pigment", "check", "{}"], "product"),
    (["preview", "{}", "--out", "p.png"], "design"),
    (["optics", "mc", "{}"], "config"),
    (["timeline", "{}", "--out", "t.png"], "design"),
]  # fmt: skip

#: Each kind of file that is refused, and the words that say why.
BAD_FILES = {
    "dev-zero": "is not a regular file",
    "directory": "is a directory",
    "fifo": "is not a regular file",
    "sparse-2gb": "is larger than",
}


def _bad_file(kind: str, where: Path) -> str:
    if kind == "dev-zero":
        return "/dev/zero"
    if kind == "directory":
        (where / "d").mkdir()
        return "d"
    if kind == "fifo":
        os.mkfifo(where / "pipe")
        return "pipe"
    with (where / "big").open("wb") as fh:  # 2 GB that take no disk (and no memory unless read)
        os.truncate(fh.fileno(), 2 << 30)
    return "big"


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    place = tmp_path_factory.mktemp("clinic")
    for args in (
        ("clinic", "init", "--name", "Studio"),
        ("client", "add", "--name", "Alex Doe", "--date-of-birth", "1980-02-03"),
    ):
        res = smp_in_process(place, "--data-dir", "var", *args)
        assert res.returncode == 0, res.stderr
    return place


def _command_names(args: list[str]) -> str:
    return " ".join(a for a in args if a != "{}")


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="POSIX only")
@pytest.mark.parametrize("kind", sorted(BAD_FILES))
@pytest.mark.parametrize(("args", "field"), COMMANDS, ids=[_command_names(a) for a, _ in COMMANDS])
def test_a_file_that_is_not_a_small_regular_file_is_refused_naming_the_option(
    clinic: Path, tmp_path: Path, args: list[str], field: str, kind: str
) -> None:
    name = _bad_file(kind, tmp_path)
    path = name if name.startswith("/") else str(tmp_path / name)
    res = smp_in_process(clinic, "--data-dir", "var", *[path if a == "{}" else a for a in args])
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: ") and f"{field}:" in lines[0] and BAD_FILES[kind] in lines[0]
    assert "MemoryError" not in res.stderr and "internal error" not in res.stderr
    assert not (clinic / "b.zip").exists() and not (clinic / "p.png").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")
@pytest.mark.parametrize("kind", ["dev-zero", "directory", "fifo"])
def test_restore_opens_only_a_regular_file(clinic: Path, tmp_path: Path, kind: str) -> None:
    name = _bad_file(kind, tmp_path)
    path = name if name.startswith("/") else str(tmp_path / name)
    res = smp_in_process(clinic, "--data-dir", "var", "restore", path)
    assert res.returncode == 2 and "backup:" in res.stderr and BAD_FILES[kind] in res.stderr


def test_a_missing_file_is_named_as_before(clinic: Path) -> None:
    res = smp_in_process(
        clinic, "--data-dir", "var", "client", "photo", "1", "nowhere.png", "--view", "front"
    )
    assert res.returncode == 2 and "photo: no such file: nowhere.png" in res.stderr


def test_the_reader_reads_at_most_the_limit(tmp_path: Path) -> None:
    small = tmp_path / "small.json"
    small.write_text(json.dumps({"a": 1}))
    assert read_json_input(small, "answers") == {"a": 1}
    exact = tmp_path / "exact.bin"
    exact.write_bytes(b"x" * 100)
    assert read_input(exact, "photo", limit=100) == b"x" * 100
    with pytest.raises(InputError, match="larger than 99 bytes") as info:
        read_input(exact, "photo", limit=99)
    assert info.value.field == "photo" and info.value.code == "file_too_large"
    over = tmp_path / "over.json"
    with over.open("wb") as fh:
        os.truncate(fh.fileno(), TEXT_LIMIT + 1)
    with pytest.raises(InputError, match="larger than 1 MB"):
        read_json_input(over, "answers")
    photo = tmp_path / "photo.bin"
    with photo.open("wb") as fh:
        os.truncate(fh.fileno(), IMAGE_LIMIT + 1)
    with pytest.raises(InputError, match="larger than 50 MB"):
        read_input(photo, "photo", limit=IMAGE_LIMIT)
    with open_input(exact, "backup") as fh:  # a stream, any size: nothing read yet
        assert fh.read(3) == b"xxx"
