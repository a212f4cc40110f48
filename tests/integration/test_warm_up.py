"""``smp warm-up``: every compiled kernel is reached (compiled, or loaded from the on-disk cache)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smpstudio.services.warm_up import WARM_UP_STEPS, WarmUpResult, kernel_entry_points, warm_up
from tests.cli import smp_in_process


@pytest.fixture(scope="module")
def warmed() -> tuple[WarmUpResult, list[tuple[int, int]]]:
    calls: list[tuple[int, int]] = []
    result = warm_up(progress=lambda done, total: calls.append((done, total)))
    return result, calls


def test_every_kernel_entry_point_is_reached(warmed: tuple[WarmUpResult, list[tuple[int, int]]]) -> None:
    """A kernel that no step reaches would compile in a user's first command instead: add a step."""
    result, _ = warmed
    assert result.not_reached == []
    assert {k.state for k in result.kernels} <= {"loaded", "compiled"}
    assert result.loaded + result.compiled == len(result.kernels)
    packages = {k.kernel.split(".")[1] for k in result.kernels}
    assert packages == {"design", "render", "skin", "photo", "repair"}
    assert result.cache_dirs  # numba says where it keeps them


def test_steps_run_in_order_and_report_progress(warmed: tuple[WarmUpResult, list[tuple[int, int]]]) -> None:
    result, calls = warmed
    total = len(WARM_UP_STEPS)
    assert [s.name for s in result.steps] == list(WARM_UP_STEPS)
    assert calls == [(i, total) for i in range(total + 1)]
    assert all(s.elapsed_s >= 0 for s in result.steps)


def test_entry_points_leave_out_inlined_kernels_and_those_only_kernels_call() -> None:
    entries = kernel_entry_points()
    assert "smpstudio.design.bridson2007._sample" in entries  # called by Python code
    assert "smpstudio.design.bridson2007._project" not in entries  # inlined
    assert "smpstudio.design.bridson2007._try_insert" not in entries  # called by _sample's closure


def test_the_command_prints_one_json_object(tmp_path: Path) -> None:
    ran = smp_in_process(tmp_path, "warm-up", "--json")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.count("\n") == 1
    body = json.loads(ran.stdout)
    assert [s["name"] for s in body["steps"]] == list(WARM_UP_STEPS)
    assert body["not_reached"] == []
    assert body["loaded"] + body["compiled"] == len(body["kernels"])


def test_the_command_prints_a_summary(tmp_path: Path) -> None:
    ran = smp_in_process(tmp_path, "warm-up")
    assert ran.returncode == 0, ran.stderr
    assert "kernels:" in ran.stdout and "loaded from the cache" in ran.stdout
    for step in WARM_UP_STEPS:
        assert step in ran.stdout
