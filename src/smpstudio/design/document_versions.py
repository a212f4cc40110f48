"""The document versions that are read, and their upgrade to the current one on load.

:func:`smpstudio.design.document.load_design` reads versions 1 to 4 and holds what it read as version 4
(written again as version 4):

- version 1 (``design-1.schema.json``) called a dot's ink fraction ``shade``;
- versions 1 and 2 had no ``hair`` (they get :data:`~smpstudio.skin.stubble.DEFAULT_HAIR`) and no body ink
  fraction and dot diameter in ``maps`` (they get the values their zones were drawn with, 0.65 and
  0.12 mm: the defaults of :class:`smpstudio.design.document_sections.MapsSection`);
- version 3's proposal had no tone target (it was against the hair model);
- versions 1-3 had no control-point shifts (the style's curve, no shift).

Both functions raise pydantic's ``ValidationError``; the loader turns it into a
:class:`~smpstudio.errors.DocumentError` naming the JSON path.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from smpstudio.design.document_sections import (
    SCHEMA_VERSION,
    DesignHeader,
    Dot,
    HairSection,
    HeaderSections,
    ProposalSectionV3,
    ZoneName,
)
from smpstudio.skin.stubble import DEFAULT_HAIR

__all__ = ["READABLE_VERSIONS", "DotV1", "dots_of_version", "header_of_version"]

#: Versions :func:`smpstudio.design.document.load_design` reads (older ones are upgraded to
#: :data:`~smpstudio.design.document_sections.SCHEMA_VERSION`).
READABLE_VERSIONS = (1, 2, 3, 4)


class DotV1(BaseModel):
    """A version-1 dot: ``shade`` was the name of the ink fraction."""

    model_config = ConfigDict(extra="forbid")
    position_mm: tuple[float, float, float]
    diameter_mm: Annotated[float, Field(gt=0, le=2)]
    shade: Annotated[float, Field(ge=0, le=1)]
    zone: ZoneName
    session: Annotated[int, Field(ge=1, le=5)]


class _HeaderV3(HeaderSections):
    schema_version: Literal[3]
    hair: HairSection
    proposal: ProposalSectionV3 | None = None


class _HeaderV2(HeaderSections):
    schema_version: Literal[2]


class _HeaderV1(HeaderSections):
    schema_version: Literal[1]


#: The header models of the versions read and upgraded.
_OLD_HEADERS: dict[int, type[HeaderSections]] = {1: _HeaderV1, 2: _HeaderV2, 3: _HeaderV3}

_DOTS_ADAPTER: TypeAdapter[list[Dot]] = TypeAdapter(list[Dot])
_DOTS_V1_ADAPTER: TypeAdapter[list[DotV1]] = TypeAdapter(list[DotV1])


def header_of_version(data: dict[str, Any], version: int) -> DesignHeader:
    """The current header of a document's header ``data`` (its dots taken out) written as ``version``
    (one of :data:`READABLE_VERSIONS`): an older version's is validated as that version, then upgraded."""
    if version in _OLD_HEADERS:
        old = _OLD_HEADERS[version].model_validate(data)
        upgraded = {"hair": HairSection.of(DEFAULT_HAIR).model_dump()} | old.model_dump()
        return DesignHeader.model_validate({**upgraded, "schema_version": SCHEMA_VERSION})
    return DesignHeader.model_validate(data)


def dots_of_version(raw_dots: Any, version: int) -> tuple[list[Dot] | list[DotV1], list[float]]:
    """A document's dots written as ``version``, validated, and their ink fractions."""
    if version == 1:
        dots_v1 = _DOTS_V1_ADAPTER.validate_python(raw_dots)
        return dots_v1, [d.shade for d in dots_v1]
    dots = _DOTS_ADAPTER.validate_python(raw_dots)
    return dots, [d.ink_fraction for d in dots]
