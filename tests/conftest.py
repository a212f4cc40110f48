"""Shared fixtures: designs are built once per test session (they are deterministic)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from hypothesis import settings

from smpstudio.design.build import DesignContext, DesignSpec, build_design, design_context
from smpstudio.design.document import DesignDocument
from smpstudio.design.head import head_preset
from smpstudio.design.maps import MapSettings
from smpstudio.design.patterns import Pattern

settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True)
settings.load_profile("ci")


class RememberingHasher(PasswordHasher):
    """argon2id with the studio's parameters, remembering its answers within a test run: a password hashed
    or checked again costs no second argon2 computation (about 0.1-0.3 s each on 2 cores). Hashes stay real
    argon2id strings and every verification answers as the library does for the same inputs."""

    def __init__(self) -> None:
        super().__init__()
        self._hashes: dict[str | bytes, str] = {}
        self._checks: dict[tuple[str | bytes, str | bytes], BaseException | bool] = {}

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        if salt is not None:
            return super().hash(password, salt=salt)
        if password not in self._hashes:
            self._hashes[password] = super().hash(password)
        return self._hashes[password]

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        key = (hash, password)
        if key not in self._checks:
            try:
                self._checks[key] = super().verify(hash, password)
            except Exception as exc:  # the library's mismatch and invalid-hash errors, replayed below
                self._checks[key] = exc
        answer = self._checks[key]
        if isinstance(answer, BaseException):
            raise answer
        return answer


@pytest.fixture(autouse=True, scope="session")
def _remembering_hasher() -> Iterator[None]:
    from smpstudio.services import accounts

    hasher = RememberingHasher()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", lambda: hasher)
        yield


_cache: dict[tuple[object, ...], tuple[DesignSpec, DesignContext, DesignDocument]] = {}


def make_design(
    pattern: str = "norwood-6",
    style: str = "soft",
    *,
    seed: int = 11,
    density: float = 80.0,
    preset: str = "male",
    follicular_units: bool = False,
    regions: tuple[tuple[tuple[float, float], ...], ...] = (),
) -> tuple[DesignSpec, DesignContext, DesignDocument]:
    key = (pattern, style, seed, density, preset, follicular_units, regions)
    if key not in _cache:
        spec = DesignSpec(
            head_preset(preset),
            Pattern(pattern, regions),
            style=style,
            seed=seed,
            maps=MapSettings(density_per_cm2=density),
            follicular_units=follicular_units,
        )
        _cache[key] = (spec, design_context(spec), build_design(spec))
    return _cache[key]


@pytest.fixture(scope="session")
def norwood6() -> tuple[DesignSpec, DesignContext, DesignDocument]:
    return make_design("norwood-6", "soft")


@pytest.fixture(scope="session")
def full_head() -> tuple[DesignSpec, DesignContext, DesignDocument]:
    return make_design("full", "natural", seed=5)
