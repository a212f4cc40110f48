"""Pigment compliance: a product's declared or measured contents against a jurisdiction's rules.

Checks (``data/rules/pigments.toml``; [reach-2020-2081], [resap2008], [mocra2022] in docs/references.md):
substance limits (mg/kg), banned pigments by CI number, required label items, expiry; warnings for
laser-darkening pigments (iron oxides, titanium dioxide), a carbon-black lot without a PAH certificate or
a benzo[a]pyrene figure, substances whose limit the rule set leaves out as unverified, and the
jurisdiction's own notes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from smpstudio.care.rules import RuleSet
from smpstudio.errors import InputError, parse_date

__all__ = ["Compliance", "check_product", "parse_product"]

PRODUCT_KEYS = {
    "name", "brand", "lot", "expires", "ci_numbers", "substances_mg_per_kg", "label", "certificates",
}  # fmt: skip


@dataclass(frozen=True)
class Compliance:
    compliant: bool
    violations: list[dict[str, Any]]
    warnings: list[str]
    rules_version: str
    jurisdiction: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "compliant": self.compliant,
            "violations": self.violations,
            "warnings": self.warnings,
            "rules_version": self.rules_version,
            "jurisdiction": self.jurisdiction,
        }


def parse_product(obj: Any, rules: RuleSet) -> dict[str, Any]:
    """Validate a product file's object; every error names its field."""
    if not isinstance(obj, dict):
        raise InputError("the product must be a JSON object", field="product")
    unknown = sorted(set(obj) - PRODUCT_KEYS)
    if unknown:
        raise InputError(
            f"unknown key {unknown[0]!r}", field="product", allowed=", ".join(sorted(PRODUCT_KEYS))
        )
    for key in ("name", "lot"):
        if not isinstance(obj.get(key), str) or not obj[key].strip():
            raise InputError("missing or empty", field=key, allowed="a text")
    if obj.get("expires") is not None:
        parse_date(obj["expires"], "expires")
    ci = obj.get("ci_numbers", [])
    if not isinstance(ci, list) or not all(isinstance(c, str | int) for c in ci):
        raise InputError("must be a list of CI numbers", field="ci_numbers", allowed='e.g. ["77266"]')
    substances = obj.get("substances_mg_per_kg", {})
    if not isinstance(substances, dict):
        raise InputError("must be an object of substance: mg/kg", field="substances_mg_per_kg")
    known = rules.data["substances"]
    for name, value in substances.items():
        if name not in known:
            raise InputError(
                f"unknown substance {name!r}", field="substances_mg_per_kg", allowed=", ".join(known)
            )
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise InputError(
                f"{value!r} is not a concentration",
                field=f"substances_mg_per_kg.{name}",
                allowed="a number >= 0 [mg/kg]",
            )
    label = obj.get("label", {})
    if not isinstance(label, dict):
        raise InputError("must be an object", field="label", allowed="batch, ingredients, statement")
    return {**obj, "ci_numbers": [str(c).replace("CI", "").strip() for c in ci], "label": label}


def check_product(
    product: dict[str, Any], rules: RuleSet, jurisdiction: str = "eu", *, today: dt.date
) -> Compliance:
    """Check a parsed product (:func:`parse_product`) against ``jurisdiction``'s rules."""
    juris: dict[str, Any] = rules.data["jurisdictions"]
    if jurisdiction not in juris:
        raise InputError(
            f"unknown jurisdiction {jurisdiction!r}", field="jurisdiction", allowed=", ".join(juris)
        )
    cfg = juris[jurisdiction]
    flags = rules.data["flags"]
    violations: list[dict[str, Any]] = []
    warnings: list[str] = []
    substances: dict[str, float] = product.get("substances_mg_per_kg", {})
    for name, limit in cfg["limits"].items():
        if name in substances and substances[name] >= limit:
            violations.append(
                {
                    "substance": name,
                    "measured_mg_per_kg": substances[name],
                    "limit_mg_per_kg": limit,
                    "rule": f"{cfg['name']}: {name} must stay below {limit:g} mg/kg ({cfg['source']})",
                }
            )
    for ci in product["ci_numbers"]:
        if ci in cfg.get("banned_ci", {}):
            violations.append(
                {
                    "substance": f"CI {ci} ({cfg['banned_ci'][ci]})",
                    "measured_mg_per_kg": None,
                    "limit_mg_per_kg": None,
                    "rule": f"{cfg['banned_ci'][ci]} is banned: {cfg['banned_source']}",
                }
            )
    label = product.get("label", {})
    for item, what in cfg.get("label_required", {}).items():
        value = label.get(item)
        if value in (None, "", []):
            violations.append(
                {
                    "substance": None,
                    "measured_mg_per_kg": None,
                    "limit_mg_per_kg": None,
                    "rule": f"label: {what} is missing ({cfg['label_source']})",
                }
            )
    expires = product.get("expires")
    if expires is not None and parse_date(expires, "expires") < today:
        violations.append(
            {
                "substance": None,
                "measured_mg_per_kg": None,
                "limit_mg_per_kg": None,
                "rule": f"lot {product['lot']} expired on {expires}: an expired pigment must not be used",
            }
        )
    for name in substances:
        if name in cfg.get("unverified", []):
            warnings.append(f"{name}: {cfg['unverified_note']}")
    for name, text in cfg.get("alara", {}).items():
        if substances.get(name, 0) > 0:
            warnings.append(f"{name} {substances[name]:g} mg/kg: {text}")
    darkening = [
        f"CI {c} ({flags['laser_darkening'][c]})"
        for c in product["ci_numbers"]
        if c in flags["laser_darkening"]
    ]
    if darkening:
        warnings.append(
            f"{', '.join(darkening)} can darken under laser removal (paradoxical darkening): "
            "any later removal "
            f"needs a test spot first ({flags['laser_darkening_source']})"
        )
    certificates = [str(c).lower() for c in product.get("certificates", [])]
    if (
        flags["carbon_black"] in product["ci_numbers"]
        and "pah" not in certificates
        and "benzo[a]pyrene" not in substances
    ):
        warnings.append(
            f"carbon black (CI {flags['carbon_black']}) lot {product['lot']} has no PAH certificate or "
            f"benzo[a]pyrene figure: ask the supplier for one ({flags['carbon_black_source']})"
        )
    warnings.extend(cfg.get("warnings", []))
    return Compliance(not violations, violations, warnings, rules.version, jurisdiction)
