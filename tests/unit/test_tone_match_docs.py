"""The tone-match tables in docs/design.md are what the stubble model and the solver give today.

Regenerate them after a change to the models with::

    SMP_UPDATE_DOCS=1 .venv/bin/python -m pytest -q tests/unit/test_tone_match_docs.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from smpstudio.design.proposal import propose, skin_rgb_linear
from smpstudio.skin.stubble import HAIR_COLOURS, Hair, stubble_darkening

DOC = Path(__file__).resolve().parents[2] / "docs" / "design.md"
SKIN_TYPES = ("I", "II", "III", "IV", "V", "VI")
BEGIN, END = "<!-- tone-match table: begin -->", "<!-- tone-match table: end -->"


def tables() -> str:
    colours = list(HAIR_COLOURS)
    head = "| skin type | " + " | ".join(colours) + " |\n|---|" + "---|" * len(colours) + "\n"
    dark = head
    match = head
    for skin_type in SKIN_TYPES:
        skin = skin_rgb_linear(skin_type)
        cells = [
            f"{100 * stubble_darkening(Hair(colour=c), skin, skin_type=skin_type):+.1f} %" for c in colours
        ]
        dark += f"| {skin_type} | " + " | ".join(cells) + " |\n"
        cells = []
        for c in colours:
            p = propose(Hair(colour=c), skin_type)
            values = f"{p.density_per_cm2:g}/cm², {p.dot_diameter_mm:g} mm, ink {p.ink_fraction:g}"
            best = f"not indicated (closest {p.tone_match_delta_e00:.2f})"
            cells.append(f"**{p.tone_match_delta_e00:.2f}** ({values})" if p.reachable else best)
        match += f"| {skin_type} | " + " | ".join(cells) + " |\n"
    intro = (
        "How much the client's stubble (shaved to 0.5 mm, 80 units/cm² of 2.2 hairs, 75 µm shafts)\n"
        "darkens the bare scalp, in linear luminance (negative: the stubble is lighter than the skin):\n\n"
    )
    about = (
        "\nThe solver's proposal for the default design: CIEDE2000 between the healed treated area and\n"
        "the stubble at 1 m, with the proposed density, healed dot diameter and ink fraction (deposit at\n"
        "0.2 mm, carbon black). *Not indicated*: the stubble is no darker than the bare skin, and pigment\n"
        "can only darken the scalp; the closest match the lightest treatment reaches is given beside it.\n\n"
    )
    return intro + dark + about + match


def test_the_documented_tables_are_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    block = f"{BEGIN}\n{tables()}{END}"
    current = re.search(re.escape(BEGIN) + r".*?" + re.escape(END), text, re.S)
    assert current is not None, f"docs/design.md has no {BEGIN} ... {END} block"
    if os.environ.get("SMP_UPDATE_DOCS") == "1":
        DOC.write_text(text.replace(current.group(0), block), encoding="utf-8")
        return
    assert current.group(0) == block, "run: SMP_UPDATE_DOCS=1 .venv/bin/python -m pytest -q " + __file__
