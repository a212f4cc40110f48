"""Command start-up: what each kind of ``smp`` command imports, and where compiled kernels are cached.

The import checks run the command in a fresh interpreter and read ``sys.modules`` afterwards: a module
imported at the top of a command module (or of anything it imports at load time) shows up here, which
is what makes every command pay for it. No timing is asserted (``python -m benchmarks startup`` measures).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from smpstudio.cli import common
from smpstudio.cli.common import KERNEL_PACKAGES, configure_kernel_cache, kernel_cache_dir, user_cache_dir
from tests.cli import CLEARED_ENV, smp_process

SRC = Path(__file__).resolve().parents[2] / "src" / "smpstudio"

#: Runs ``smp ARGS`` in this interpreter (argv[2:]) and writes the top-level packages it loaded to argv[1].
_PROBE = """
import json, sys
from smpstudio.cli.main import app
try:
    app(sys.argv[2:], prog_name="smp")
except SystemExit:
    pass
with open(sys.argv[1], "w") as f:
    json.dump(sorted({name.split(".")[0] for name in sys.modules}), f)
"""

#: The optics and rendering stack: compiled kernels, SciPy, plotting, colour science, OpenCV.
OPTICS_STACK = {"numba", "llvmlite", "scipy", "matplotlib", "colour", "cv2"}
#: The records stack and the web server.
RECORDS_STACK = {"sqlalchemy", "alembic", "psycopg", "cryptography", "fsspec", "argon2"}
WEB_STACK = {"fastapi", "starlette", "uvicorn", "jinja2", "huey", "redis", "fpdf", "icalendar"}


def loaded_packages(tmp_path: Path, *args: str) -> set[str]:
    """The top-level packages a fresh interpreter has loaded after running ``smp ARGS``."""
    out = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENV}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(out), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert out.exists(), proc.stderr
    return set(json.loads(out.read_text()))


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["client", "--help"], ["optics", "--help"]])
def test_help_and_version_load_no_numerical_records_or_web_stack(tmp_path: Path, args: list[str]) -> None:
    loaded = loaded_packages(tmp_path, *args)
    assert loaded & (OPTICS_STACK | RECORDS_STACK | WEB_STACK | {"numpy", "PIL"}) == set()


def test_records_commands_load_no_optics_or_web_stack(tmp_path: Path) -> None:
    made = smp_process(tmp_path, "--data-dir", "var", "clinic", "init", "--name", "Start-up Clinic")
    assert made.returncode == 0, made.stderr
    for args in (["client", "find", "Client"], ["audit", "verify"]):
        loaded = loaded_packages(tmp_path, "--data-dir", "var", *args)
        assert "sqlalchemy" in loaded  # the command did run against the store
        assert loaded & (OPTICS_STACK | WEB_STACK | {"numpy"}) == set(), args


def test_catalogue_loads_no_plotting_colour_science_or_records(tmp_path: Path) -> None:
    loaded = loaded_packages(tmp_path, "catalogue", "--json")
    assert "pydantic" in loaded
    assert loaded & ({"matplotlib", "colour", "cv2"} | RECORDS_STACK | WEB_STACK) == set()


def test_optics_dot_from_the_table_loads_no_plotting_colour_science_or_records(tmp_path: Path) -> None:
    """The packaged table holds the colours: a lookup runs no light transport and draws no chart."""
    loaded = loaded_packages(tmp_path, "optics", "dot", "--json")
    assert "numpy" in loaded
    assert loaded & ({"matplotlib", "colour", "cv2"} | RECORDS_STACK | WEB_STACK) == set()


def test_design_loads_no_records_or_web_stack(tmp_path: Path) -> None:
    loaded = loaded_packages(tmp_path, "design", "--pattern", "norwood-3", "--seed", "1", "--out", "d.json")
    assert (tmp_path / "d.json").exists()
    assert loaded & ({"cv2"} | RECORDS_STACK | WEB_STACK) == set()


# --- every kernel is cached on disk --------------------------------------------------------------


def _jit_decorators(tree: ast.AST) -> list[ast.expr]:
    """The decorators naming numba's ``jit``/``njit`` in a module (bare or called)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                target = dec.func if isinstance(dec, ast.Call) else dec
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                if name in ("jit", "njit", "vectorize", "guvectorize", "generated_jit", "cfunc"):
                    found.append(dec)
    return found


def _keyword(dec: ast.expr, name: str) -> object:
    """The constant value of keyword ``name`` in a decorator call (None when absent or not a call)."""
    if not isinstance(dec, ast.Call):
        return None
    return next(
        (kw.value.value for kw in dec.keywords if kw.arg == name and isinstance(kw.value, ast.Constant)),
        None,
    )


def test_every_kernel_is_jitted_with_an_on_disk_cache() -> None:
    """A kernel without ``cache=True`` compiles again in every process (seconds per command). A helper
    jitted with ``inline="always"`` is compiled into the kernels that call it, and cached with them."""
    offenders = []
    kernels = 0
    for path in sorted(SRC.rglob("*.py")):
        for dec in _jit_decorators(ast.parse(path.read_text(encoding="utf-8"))):
            kernels += 1
            if _keyword(dec, "cache") is not True and _keyword(dec, "inline") != "always":
                offenders.append(f"{path.relative_to(SRC)}:{dec.lineno}")
    assert kernels >= 10  # the scan does see the kernels
    assert not offenders, offenders


# --- where the kernel cache lives ----------------------------------------------------------------


def _package(tmp_path: Path) -> Path:
    package = tmp_path / "smpstudio"
    for name in KERNEL_PACKAGES:
        (package / name).mkdir(parents=True)
    return package


def test_an_explicit_numba_cache_dir_wins(tmp_path: Path) -> None:
    unwritable = tmp_path / "a-file"
    unwritable.write_text("")
    assert kernel_cache_dir({"NUMBA_CACHE_DIR": str(tmp_path / "mine")}, unwritable / "smpstudio") is None


def test_a_writable_package_keeps_numbas_cache_beside_the_sources(tmp_path: Path) -> None:
    package = _package(tmp_path)
    assert kernel_cache_dir({}, package) is None
    assert all((package / name / "__pycache__").is_dir() for name in KERNEL_PACKAGES)


def test_a_read_only_package_caches_kernels_in_the_users_cache_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "site-packages"
    blocker.write_text("")  # a file where the package's folders would be: nothing can be created there
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert kernel_cache_dir(env, blocker / "smpstudio", "linux") == tmp_path / "cache" / "smpstudio" / "numba"
    assert (tmp_path / "cache" / "smpstudio" / "numba").is_dir()


def test_no_cache_folder_is_set_where_none_can_be_made(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    assert kernel_cache_dir({"XDG_CACHE_HOME": str(blocker)}, blocker / "smpstudio", "linux") is None


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {}, Path.home() / ".cache" / "smpstudio"),
        ("linux", {"XDG_CACHE_HOME": "/srv/cache"}, Path("/srv/cache/smpstudio")),
        ("darwin", {}, Path.home() / "Library" / "Caches" / "smpstudio"),
        (
            "win32",
            {"LOCALAPPDATA": "C:/Users/a/AppData/Local"},
            Path("C:/Users/a/AppData/Local/smpstudio/Cache"),
        ),
    ],
)
def test_user_cache_folder_per_platform(platform: str, env: dict[str, str], expected: Path) -> None:
    assert user_cache_dir(env, platform) == expected


def test_the_command_sets_numba_cache_dir_only_when_it_must(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env: dict[str, str] = {"XDG_CACHE_HOME": str(tmp_path)}
    assert configure_kernel_cache(env) is None  # this checkout is writable: numba's own place
    assert "NUMBA_CACHE_DIR" not in env
    real = common._writable
    monkeypatch.setattr(common, "_writable", lambda f, parents=False: parents and real(f, parents=parents))
    assert configure_kernel_cache(env) == tmp_path / "smpstudio" / "numba"
    assert env["NUMBA_CACHE_DIR"] == str(tmp_path / "smpstudio" / "numba")
