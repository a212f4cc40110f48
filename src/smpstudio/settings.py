"""Settings: every knob of smpstudio declared once, with its default, its environment variable and its help.

Each face builds one :class:`Settings`: the environment feeds it (``SMP_`` + the field name in capitals),
command-line options override single fields, and services receive what they need of it through a
:class:`~smpstudio.services.context.ServiceContext`. Nothing below the faces reads the environment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from smpstudio.errors import InputError

__all__ = ["ENV_PREFIX", "Settings", "env_name"]

ENV_PREFIX = "SMP_"


def env_name(field: str) -> str:
    """The environment variable that feeds a setting: ``data_dir`` -> ``SMP_DATA_DIR``."""
    return ENV_PREFIX + field.upper()


class Settings(BaseModel):
    """Where the store lives, who acts, which rules and clock apply, and the limits on input."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path = Field(Path("var"), description="Folder of the clinic store (SQLite file, files/).")
    database_url: str | None = Field(
        None, description="A PostgreSQL URL (postgresql://...) instead of the SQLite file in data_dir."
    )
    files_url: str | None = Field(
        None, description="Where photos and signatures are kept (an fsspec URL); data_dir/files by default."
    )
    user: int | None = Field(
        None, description="The acting user's id (the owner when the store holds a single clinic)."
    )
    timezone: str = Field(
        "UTC", description="The clinic's IANA timezone: what 'today' means for due dates and deadlines."
    )
    care_rules: Literal["care"] = Field("care", description="The packaged care rule set the records apply.")
    pigment_rules: Literal["pigments"] = Field(
        "pigments", description="The packaged pigment rule set the records apply."
    )
    rules: Path | None = Field(
        None, description="A rules file (TOML) over the packaged rules, for the stateless care commands."
    )
    max_image_pixels: int = Field(
        50_000_000, ge=1, description="Largest photo accepted, in pixels (width x height)."
    )
    max_photo_pixels: int = Field(
        120_000_000,
        ge=1,
        description="Largest photo a consultation preview draws on, in pixels (width x height); checked "
        "from the header before decoding.",
    )
    store_wait_s: float = Field(
        10.0, ge=0, le=600, description="How long a restore waits for other processes to close the store. [s]"
    )
    debug: bool = Field(False, description="Show tracebacks of internal errors.")
    session_idle_minutes: int = Field(
        30, ge=1, le=24 * 60, description="A studio login ends after this long without a request. [min]"
    )
    allowed_hosts: str = Field(
        "localhost,127.0.0.1",
        description="Host names the studio answers to, comma-separated ('*': any); others get HTTP 400.",
    )
    max_upload_bytes: int = Field(
        25_000_000, ge=1_000, description="Largest request body the studio accepts (photos, designs). [bytes]"
    )
    public_url: str = Field(
        "http://127.0.0.1:8000",
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        description="The studio's address as clients reach it: links in e-mails start with it.",
    )
    queue_url: str | None = Field(
        None,
        description="The worker's job queue: a redis:// URL for several machines; a SQLite file in data_dir "
        "by default.",
    )
    job_result_days: int = Field(
        7,
        ge=1,
        le=365,
        description="Days the worker keeps a finished job's result (exports, backups, renders) on its disk.",
    )
    smtp_password: str | None = Field(
        None,
        repr=False,
        description="The mail server's password for clinics whose mail settings keep none in the store "
        "and name the host smtp_host names.",
    )
    smtp_host: str | None = Field(
        None,
        description="The mail server the SMP_SMTP_PASSWORD belongs to: a clinic's mail settings use that "
        "password only when they name this host.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA timezone (for example Europe/London)") from None
        return value

    @property
    def tzinfo(self) -> dt.tzinfo:
        """The clinic's timezone as a :class:`datetime.tzinfo`."""
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> Settings:
        """Settings from ``SMP_*`` variables, with ``overrides`` (the face's options) on top.

        An override of ``None`` leaves the environment's value (an option the user did not give).
        """
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            raw = environ.get(env_name(name))
            if raw not in (None, ""):
                values[name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else "settings"
            raise InputError(first["msg"], field=field, allowed=_allowed(field)) from None


def _allowed(field: str) -> str:
    info = Settings.model_fields.get(field)
    return info.description or "" if info is not None else ""
