"""What every service call runs in: the store, the acting user, the rules and the clinic's clock.

A face builds one :class:`ServiceContext` per request (the web) or per command (the CLI) from
:class:`~smpstudio.settings.Settings`; services read nothing else (no environment, no files, no
``date.today()``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from smpstudio.care.rules import RuleOverrides, RuleSet, load_rules
from smpstudio.errors import BusyError
from smpstudio.records.store import Store, open_store
from smpstudio.settings import Settings

__all__ = ["Clock", "RuleOverrides", "ServiceContext", "open_context"]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Clock:
    """The time in the clinic's timezone; ``now_utc`` can be fixed for tests and replays."""

    tz: dt.tzinfo = dt.UTC
    now_utc: Callable[[], dt.datetime] = field(default=_utc_now, compare=False)

    def now(self) -> dt.datetime:
        """The current time, aware, in the clinic's timezone."""
        return self.now_utc().astimezone(self.tz)

    def today(self) -> dt.date:
        """Today's date where the clinic is (not where the server is)."""
        return self.now().date()

    @classmethod
    def fixed(cls, when: dt.datetime, tz: str | dt.tzinfo = "UTC") -> Clock:
        """A clock stopped at ``when`` (naive means UTC)."""
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        moment = when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
        return cls(zone, lambda: moment)


@dataclass(frozen=True)
class ServiceContext:
    """The store (when the use case needs one), who acts, the rules in force and the clock."""

    store: Store | None = None
    user_id: int | None = None
    care_rules: RuleSet = field(default_factory=lambda: load_rules("care"))
    pigment_rules: RuleSet = field(default_factory=lambda: load_rules("pigments"))
    clock: Clock = field(default_factory=Clock)
    max_image_pixels: int = 50_000_000
    #: The studio's secret key (sealing stored mail passwords, signing links); None where no face gave one.
    secret: bytes | None = field(default=None, repr=False, compare=False)
    #: The studio's address as clients reach it, for the links in e-mails.
    public_url: str = "http://127.0.0.1:8000"
    #: The mail password from the environment, for clinics that keep none in the store.
    smtp_password: str | None = field(default=None, repr=False, compare=False)
    #: The mail server ``smtp_password`` belongs to: only a clinic naming this host gets that password.
    smtp_host: str | None = None

    @property
    def db(self) -> Store:
        """The store; a use case that needs one and has none is a programming error of the face."""
        if self.store is None:
            raise BusyError("no clinic store is open", code="no_store")
        return self.store

    def today(self) -> dt.date:
        return self.clock.today()

    def acting_as(self, user_id: int | None) -> ServiceContext:
        """The same context for another acting user."""
        return replace(self, user_id=user_id)

    @classmethod
    def from_settings(
        cls, settings: Settings, store: Store | None = None, overrides: RuleOverrides | None = None
    ) -> ServiceContext:
        """The context a face builds from its settings: the packaged rules the settings name, with the
        ``overrides`` the face read from the rules file the settings name."""
        return cls(
            store=store,
            user_id=settings.user,
            care_rules=load_rules(settings.care_rules, overrides),
            pigment_rules=load_rules(settings.pigment_rules, overrides),
            clock=Clock(settings.tzinfo),
            max_image_pixels=settings.max_image_pixels,
            public_url=settings.public_url.rstrip("/"),
            smtp_password=settings.smtp_password,
            smtp_host=settings.smtp_host,
        )


def open_context(
    settings: Settings, *, create: bool = False, overrides: RuleOverrides | None = None
) -> ServiceContext:
    """Open the store the settings name and build a context over it (close it with ``ctx.db.close()``)."""
    store = open_store(
        settings.data_dir, url=settings.database_url, files_url=settings.files_url, create=create
    )
    return ServiceContext.from_settings(settings, store, overrides)
