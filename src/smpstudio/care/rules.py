"""Loading the care rule sets, with a clinic's overrides, and naming the version applied.

A rule set is the packaged TOML file, optionally deep-merged with a clinic's own TOML file of the same
shape (only keys the packaged file has may be overridden, so a typo cannot silently do nothing). The
version reported is the package's, plus the override file's own ``version`` and a short hash of its
content, so a record can say exactly which rules were applied.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from smpstudio.care.floors import check_overrides
from smpstudio.errors import InputError

__all__ = ["RuleOverrides", "RuleSet", "load_rules", "packaged_rules"]

RULE_FILES = ("care", "pigments")


@dataclass(frozen=True)
class RuleSet:
    """One loaded rule file: its data and the version string records store."""

    name: str
    data: dict[str, Any]
    version: str


@cache
def _packaged(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("smpstudio.data").joinpath("rules", f"{name}.toml").read_text())


def _merge(base: dict[str, Any], override: dict[str, Any], path: str) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        where = f"{path}.{key}" if path else key
        if key not in base:
            raise InputError(
                f"unknown rule {where!r} in the clinic's rules file",
                field="rules",
                allowed=", ".join(sorted(base)) or "no keys here",
            )
        if isinstance(base[key], dict) and isinstance(value, dict):
            out[key] = _merge(base[key], value, where)
        elif isinstance(base[key], dict) != isinstance(value, dict):
            raise InputError(
                f"rule {where!r} has the wrong shape", field="rules", allowed="the packaged shape"
            )
        else:
            out[key] = value
    return out


@dataclass(frozen=True)
class RuleOverrides:
    """A clinic's own rules: the parsed TOML (``[care]`` / ``[pigments]`` tables) and its version tag."""

    data: dict[str, Any]
    version: str

    @classmethod
    def from_toml(cls, text: str, *, tag: str | None = None) -> RuleOverrides:
        """Parse a clinic's rules text; the version tag is ``tag`` (a stored version) or the text's own
        ``version`` key, with a short hash of the text either way."""
        try:
            clinic = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"not valid TOML: {exc}", field="rules") from None
        except RecursionError:  # arrays or tables nested hundreds deep: no rule is
            raise InputError(
                "the TOML nests too deeply", field="rules", allowed="the rules' own tables"
            ) from None
        unknown = set(clinic) - {*RULE_FILES, "version"}
        if unknown:
            raise InputError(
                f"unknown section {sorted(unknown)[0]!r}",
                field="rules",
                allowed="version, " + ", ".join(RULE_FILES),
            )
        short = hashlib.sha256(text.encode()).hexdigest()[:8]
        return cls(clinic, f"{tag or 'clinic-' + str(clinic.get('version', 'unversioned'))}-{short}")


def load_rules(name: str, overrides: RuleOverrides | None = None) -> RuleSet:
    """The ``name`` rule set (``care`` or ``pigments``), deep-merged with a clinic's ``overrides``."""
    if name not in RULE_FILES:
        raise InputError(f"no rule set {name!r}", field="rules", allowed=", ".join(RULE_FILES))
    data = _packaged(name)
    version = f"{name}-{data['version']}"
    if overrides is None:
        return RuleSet(name, data, version)
    section = overrides.data.get(name, {})
    if not section:
        return RuleSet(name, data, version)
    merged = _merge(data, section, "")
    check_overrides(data, merged)
    return RuleSet(name, merged, f"{version}+{overrides.version}")


def packaged_rules(name: str) -> dict[str, Any]:
    """The packaged rule data of ``name`` as shipped (the floors' reference), without any override."""
    return _packaged(name)
