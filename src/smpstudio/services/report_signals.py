"""The adverse events report: events by lot and by pigment product, and a lot signal when a lot's rate
stands out from the clinic's other lots of its kind.

A session counts for a lot when it used the lot (its pigment, its needle cartridge, its diluent); an event
counts for a session when it was recorded on that session, whenever it was learnt of. The window is the
sessions' months (:class:`~smpstudio.services.report_window.ReportWindowRequest`).

The signal
----------
For each lot, the sessions that used it are compared with the sessions that used the clinic's other lots
of the same kind, as a 2 x 2 table: sessions with an adverse event and without, this lot against the
others. The lot is signalled when

- at least :data:`SIGNAL_MIN_EVENTS` of its sessions have an event (Evans et al. 2001 [evans2001]: a signal
  needs at least 3 cases), and
- a one-sided Fisher exact test (Fisher 1922 [fisher1922]; ``scipy.stats.fisher_exact`` with
  ``alternative="greater"``) gives a p-value at most :data:`SIGNAL_P_VALUE`: a rate that high against the
  other lots' is unlikely by chance alone.

Both thresholds are configurable defaults (:class:`SignalThresholds`), not validated limits. A signal is a
reason to look into a lot (its certificate, its storage, the sessions' notes), not proof that the lot
caused the events: with many lots, one may stand out by chance, and clients of one lot may differ.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field
from scipy.stats import fisher_exact
from sqlalchemy.orm import Session as Db

from smpstudio.records.repositories import reports as repo
from smpstudio.services.access import Actor, log, transact
from smpstudio.services.context import ServiceContext
from smpstudio.services.models import Result
from smpstudio.services.report_window import ReportWindow, ReportWindowRequest, ratio, resolve_window

__all__ = [
    "CAUTION",
    "SIGNAL_MIN_EVENTS",
    "SIGNAL_P_VALUE",
    "AdverseEventsReport",
    "SignalTest",
    "SignalThresholds",
    "adverse_events_report",
    "lot_signal",
]

#: The fewest sessions with an event a lot needs before it can be signalled: Evans et al. 2001
#: [evans2001] (n >= 3) [B]; a configurable default.
SIGNAL_MIN_EVENTS = 3
#: The largest one-sided Fisher exact p-value [fisher1922] that signals a lot: the conventional 5 % level
#: [M]; a configurable default, not corrected for the number of lots compared.
SIGNAL_P_VALUE = 0.05

CAUTION = (
    "A signal means a lot's rate of adverse events stands out from the clinic's other lots of the same "
    "kind. It is a reason to look into the lot, not proof that the lot caused the events."
)


@dataclass(frozen=True)
class SignalThresholds:
    """When a lot is signalled (defaults: :data:`SIGNAL_MIN_EVENTS`, :data:`SIGNAL_P_VALUE`)."""

    min_events: int = SIGNAL_MIN_EVENTS
    p_value: float = SIGNAL_P_VALUE


@dataclass(frozen=True)
class SignalTest:
    """A lot against the clinic's other lots of its kind: the rate ratio (None when the other lots had no
    event or no session), the one-sided Fisher exact p-value (None when there is nothing to compare) and
    whether the lot is signalled."""

    rate_ratio: float | None
    p_value: float | None
    signal: bool


def lot_signal(
    with_event: int,
    sessions: int,
    others_with_event: int,
    others_sessions: int,
    thresholds: SignalThresholds | None = None,
) -> SignalTest:
    """Test a lot's sessions with an adverse event (``with_event`` of ``sessions``) against the other lots'
    (``others_with_event`` of ``others_sessions``).

    Examples
    --------
    >>> lot_signal(3, 12, 1, 240).signal
    True
    >>> lot_signal(2, 12, 1, 240).signal  # fewer than 3 sessions with an event
    False
    >>> lot_signal(3, 100, 7, 240).signal  # about the others' rate
    False
    """
    t = thresholds or SignalThresholds()
    if not (0 <= with_event <= sessions and 0 <= others_with_event <= others_sessions):
        raise ValueError("counts with an event must lie between 0 and the sessions")
    if sessions == 0 or others_sessions == 0:
        return SignalTest(rate_ratio=None, p_value=None, signal=False)
    table = [[with_event, sessions - with_event], [others_with_event, others_sessions - others_with_event]]
    p_value = float(fisher_exact(table, alternative="greater").pvalue)
    others_rate = others_with_event / others_sessions
    rate_ratio = round(with_event / sessions / others_rate, 2) if others_rate > 0 else None
    signal = with_event >= t.min_events and p_value <= t.p_value
    return SignalTest(rate_ratio=rate_ratio, p_value=float(f"{p_value:.3g}"), signal=signal)


class LotEventsLine(Result):
    id: int
    kind: str
    product: str
    lot: str
    sessions: int = Field(description="Sessions in the window that used the lot.")
    sessions_with_event: int = Field(description="Of those, the sessions with an adverse event on record.")
    events: int = Field(description="Adverse events recorded on those sessions.")
    rate: float | None = Field(description="Sessions with an event over sessions.")
    other_sessions: int = Field(description="Sessions that used the clinic's other lots of this kind.")
    other_sessions_with_event: int
    other_rate: float | None
    rate_ratio: float | None = Field(description="The lot's rate over the other lots' (None: no base).")
    p_value: float | None = Field(description="One-sided Fisher exact test against the other lots.")
    signal: bool


class BrandEventsLine(Result):
    product: str = Field(description="The pigment's brand and product name, as its lots record it.")
    lots: int
    sessions: int
    sessions_with_event: int
    events: int
    rate: float | None


class LotSignalNote(Result):
    lot_id: int
    kind: str
    product: str
    lot: str
    message: str = Field(description="The signal in plain words.")


class AdverseEventsReport(Result):
    """Adverse events by lot and by pigment product for the sessions of the window, with lot signals."""

    window: ReportWindow
    lots: list[LotEventsLine]
    brands: list[BrandEventsLine]
    signals: list[LotSignalNote]
    unlinked_events: int = Field(
        description="Events learnt of in the window that name no session, so no lot (not counted above)."
    )
    method: str
    min_events: int
    p_value_at_most: float
    caution: str


def _message(line: LotEventsLine) -> str:
    return (
        f"Lot {line.lot} of {line.product}: {line.sessions_with_event} of {line.sessions} sessions had an "
        f"adverse event, against {line.other_sessions_with_event} of {line.other_sessions} for the "
        f"clinic's other {line.kind} lots: look into this lot."
    )


def adverse_events_report(
    ctx: ServiceContext,
    request: ReportWindowRequest | None = None,
    thresholds: SignalThresholds | None = None,
) -> AdverseEventsReport:
    """Adverse events per lot (with the lot signal) and per pigment product, for the window's sessions."""
    t = thresholds or SignalThresholds()

    def action(db: Db, actor: Actor) -> AdverseEventsReport:
        actor.require("reports")
        window = resolve_window(actor, request)
        rows = repo.adverse_events_by_lot(db, actor.clinic_id, window.start, window.end)
        brands = repo.adverse_events_by_brand(db, actor.clinic_id, window.start, window.end)
        unlinked = repo.unlinked_adverse_events(db, actor.clinic_id, window.first_day, window.last_day)
        log(
            db,
            actor,
            "read",
            "report",
            "adverse-events",
            first_month=window.months[0][0],
            last_month=window.months[-1][0],
        )
        kinds: dict[str, tuple[int, int]] = {}
        for r in rows:  # one row per lot: the kind's totals
            sessions, with_event = kinds.get(r.kind, (0, 0))
            kinds[r.kind] = (sessions + r.sessions, with_event + r.sessions_with_event)
        lines = []
        for r in rows:
            total, total_with_event = kinds[r.kind]
            others, others_with_event = total - r.sessions, total_with_event - r.sessions_with_event
            test = lot_signal(r.sessions_with_event, r.sessions, others_with_event, others, t)
            lines.append(
                LotEventsLine(
                    id=r.lot_id,
                    kind=r.kind,
                    product=r.product,
                    lot=r.lot_code,
                    sessions=r.sessions,
                    sessions_with_event=r.sessions_with_event,
                    events=r.events,
                    rate=ratio(r.sessions_with_event, r.sessions),
                    other_sessions=others,
                    other_sessions_with_event=others_with_event,
                    other_rate=ratio(others_with_event, others),
                    rate_ratio=test.rate_ratio,
                    p_value=test.p_value,
                    signal=test.signal,
                )
            )
        return AdverseEventsReport(
            window=window.describe(),
            lots=lines,
            brands=[
                BrandEventsLine(
                    product=b.product,
                    lots=b.lots,
                    sessions=b.sessions,
                    sessions_with_event=b.sessions_with_event,
                    events=b.events,
                    rate=ratio(b.sessions_with_event, b.sessions),
                )
                for b in brands
            ],
            signals=[
                LotSignalNote(lot_id=x.id, kind=x.kind, product=x.product, lot=x.lot, message=_message(x))
                for x in lines
                if x.signal
            ],
            unlinked_events=unlinked,
            method=(
                "Each lot's sessions with an adverse event against the clinic's other lots of the same kind: "
                "one-sided Fisher exact test (Fisher 1922 [fisher1922]), at least "
                f"{t.min_events} sessions with an event (Evans et al. 2001 [evans2001]) and p at most "
                f"{t.p_value:g} (configurable defaults)."
            ),
            min_events=t.min_events,
            p_value_at_most=t.p_value,
            caution=CAUTION,
        )

    return transact(ctx, action)
