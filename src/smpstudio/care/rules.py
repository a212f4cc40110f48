"""Loading the care rule sets, with a clinic's overrides, and naming the version applied.

A rule set is the packaged TOML file, optionally deep-merged with a clinic's own TOML file of the same
shape (only keys the packaged file has may be overridden, so a typo cannot silently do nothing). The
version reported is the package's, plus the override file's own ``version`` and a short hash of its
content, so a record can say exactly which rules were applied.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from smpstudio.errors import InputError

__all__ = ["RULES_ENV", "RuleSet", "load_rules"]

#: Environment variable naming a clinic's override file (the CLI's ``--rules``).
RULES_ENV = "SMP_RULES"
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


def load_rules(name: str, override_path: str | Path | None = None) -> RuleSet:
    """The ``name`` rule set (``care`` or ``pigments``), with the clinic's overrides from
    ``override_path`` or the :data:`RULES_ENV` file (its ``[care]`` / ``[pigments]`` table)."""
    if name not in RULE_FILES:
        raise InputError(f"no rule set {name!r}", field="rules", allowed=", ".join(RULE_FILES))
    data = _packaged(name)
    version = f"{name}-{data['version']}"
    path = override_path if override_path is not None else os.environ.get(RULES_ENV) or None
    if path is None:
        return RuleSet(name, data, version)
    target = Path(path)
    try:
        text = target.read_text()
        clinic = tomllib.loads(text)
    except FileNotFoundError:
        raise InputError(f"{target} does not exist", field="rules") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{target} is not valid TOML: {exc}", field="rules") from None
    unknown = set(clinic) - {*RULE_FILES, "version"}
    if unknown:
        raise InputError(
            f"unknown section {sorted(unknown)[0]!r} in {target}",
            field="rules",
            allowed="version, " + ", ".join(RULE_FILES),
        )
    section = clinic.get(name, {})
    if not section:
        return RuleSet(name, data, version)
    merged = _merge(data, section, "")
    clinic_version = str(clinic.get("version", "unversioned"))
    short = hashlib.sha256(text.encode()).hexdigest()[:8]
    return RuleSet(name, merged, f"{version}+clinic-{clinic_version}-{short}")
