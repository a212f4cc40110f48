"""Staff at their desks, for locust: each simulated user signs in once as its own login, then browses the
dashboard, the client list and search, client records, the calendar and the API, and now and then closes a
follow-up or corrects a client's phone number.

Run by ``python -m benchmarks.load``, which seeds the store, starts the studio and writes the plan this file
reads from ``SMP_LOAD_PLAN`` (a JSON file): the logins, the client and follow-up ids, the routes the studio
has (a task whose route is absent is left out) and the phases of the run. Phases run one after another
under :class:`Phases`: ``ramp`` (users started and signing in), ``steady`` (the users waiting ``wait``
seconds, 1-2 s as a person at a desk does) and ``step`` (the same users paced to a target rate, to find the
most requests per second the studio holds). A step ends the run once its p95 reaches ``p95_limit_ms`` or a
request fails. Every request's time is recorded against its phase (after the phase's ``settle_s``); the
results go to the plan's ``results`` path.

Each user sends ``X-Forwarded-For`` with an address of its own, as staff at their own desks behind the
clinic's proxy do (the studio trusts the header from loopback): the login throttle counts per address.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from locust import FastHttpUser, LoadTestShape, events
from locust.exception import StopUser

PLAN: dict[str, Any] = json.loads(Path(os.environ["SMP_LOAD_PLAN"]).read_text())
PHASES: list[dict[str, Any]] = PLAN["phases"]
ROUTES = {(method, path) for method, path in PLAN["routes"]}
_numbers = itertools.count()


class _Run:
    """The phase under way and every request's (phase, name, milliseconds, failed) once settled."""

    phase = 0
    phase_started = time.monotonic()
    samples: list[tuple[int, str, float, bool]] = []  # noqa: RUF012
    errors: dict[str, int] = {}  # noqa: RUF012
    stopped_by: str | None = None


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0-100) of ``values`` (NaN when there are none)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


def phase_summary(index: int) -> dict[str, Any]:
    """Counts, rate and percentiles of one phase's settled requests, overall and by request name."""
    phase = PHASES[index]
    rows = [s for s in _Run.samples if s[0] == index]
    seconds = max(phase["seconds"] - phase["settle_s"], 1e-9)
    by_name: dict[str, list[float]] = {}
    for _, name, ms, _failed in rows:
        by_name.setdefault(name, []).append(ms)
    times = [s[2] for s in rows]
    return {
        **phase,
        "requests": len(rows),
        "failures": sum(1 for s in rows if s[3]),
        "rps": len(rows) / seconds,
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "p99_ms": percentile(times, 99),
        "by_name": {
            name: {"requests": len(ms), "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95)}
            for name, ms in sorted(by_name.items())
        },
    }


@events.request.add_listener
def _record(name: str, response_time: float, exception: BaseException | None, **_: Any) -> None:
    if time.monotonic() - _Run.phase_started < PHASES[_Run.phase]["settle_s"]:
        return
    _Run.samples.append((_Run.phase, name, float(response_time), exception is not None))
    if exception is not None:
        key = f"{name}: {str(exception)[:120]}"
        _Run.errors[key] = _Run.errors.get(key, 0) + 1


@events.quitting.add_listener
def _write_results(**_: Any) -> None:
    results = {
        "phases": [phase_summary(i) for i in range(_Run.phase + 1)],
        "errors": _Run.errors,
        "stopped_by": _Run.stopped_by,
    }
    Path(PLAN["results"]).write_text(json.dumps(results, indent=1))


class Phases(LoadTestShape):
    """The plan's phases in turn; a ``step`` whose p95 reached the limit, or with a failure, ends the run."""

    def tick(self) -> tuple[int, float] | None:
        elapsed, start = self.get_run_time(), 0.0
        for index, phase in enumerate(PHASES):
            if elapsed < start + phase["seconds"]:
                if index != _Run.phase:
                    if self._breached(_Run.phase):
                        return None
                    _Run.phase, _Run.phase_started = index, time.monotonic()
                return phase["users"], phase["spawn_rate"]
            start += phase["seconds"]
        return None

    @staticmethod
    def _breached(index: int) -> bool:
        if PHASES[index]["kind"] != "step":
            return False
        summary = phase_summary(index)
        if summary["failures"]:
            _Run.stopped_by = f"{PHASES[index]['name']}: {summary['failures']} failed requests"
        elif summary["p95_ms"] >= PLAN["p95_limit_ms"]:
            _Run.stopped_by = f"{PHASES[index]['name']}: p95 {summary['p95_ms']:.0f} ms"
        return _Run.stopped_by is not None


def _pause(user: Staff) -> float:
    """The think time: the steady phase's range, or around users / target rate in a step."""
    phase = PHASES[_Run.phase]
    if phase["kind"] == "step":
        mean = phase["users"] / phase["target_rps"]
        return random.uniform(0.5 * mean, 1.5 * mean)
    low, high = phase["wait"]
    return random.uniform(low, high)


class Staff(FastHttpUser):
    """A member of staff signed in with their own login."""

    wait_time = _pause

    def on_start(self) -> None:
        number = next(_numbers)
        login = PLAN["logins"][number % len(PLAN["logins"])]
        self.rng = random.Random(number)
        self.headers = {"X-Forwarded-For": f"10.15.{number // 250}.{number % 250 + 1}"}
        with self.client.post(
            "/api/v1/login",
            json={"email": login["email"], "password": login["password"]},
            headers=self.headers,
            name="sign in",
            catch_response=True,
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"sign in: HTTP {answer.status_code}")
                raise StopUser
            self.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        followups: list[int] = PLAN["open_followups"]
        self.followups = followups[number :: max(1, len(PLAN["logins"]) * 4)]

    # --- what staff do, and how often (the weights) ---------------------------------------------------------

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, headers=self.headers, name=name, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}")

    def _client_id(self) -> int:
        ids: list[int] = PLAN["client_ids"]
        return ids[self.rng.randrange(len(ids))]

    def dashboard_page(self) -> None:
        self._get("/", "page /")

    def dashboard_api(self) -> None:
        self._get("/api/v1/dashboard", "GET /api/v1/dashboard")

    def client_list_page(self) -> None:
        self._get(f"/clients?page={self.rng.randrange(1, 40)}", "page /clients?page")

    def client_search_page(self) -> None:
        form = {"query": self.rng.choice(PLAN["search"]), "csrf_token": self.headers["X-CSRF-Token"]}
        with self.client.post(
            "/clients/search",
            data=urlencode(form),
            name="page POST /clients/search",
            catch_response=True,
            headers={**self.headers, "Content-Type": "application/x-www-form-urlencoded"},
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}")

    def client_search_api(self) -> None:
        body = {"query": self.rng.choice(PLAN["search"])}
        with self.client.post(
            "/api/v1/clients/search",
            json=body,
            headers=self.headers,
            name="POST /api/v1/clients/search",
            catch_response=True,
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}")

    def client_list_api(self) -> None:
        self._get(f"/api/v1/clients?page={self.rng.randrange(1, 80)}&per_page=25", "GET /api/v1/clients?page")

    def client_record_page(self) -> None:
        self._get(f"/clients/{self._client_id()}", "page /clients/{id}")

    def client_record_api(self) -> None:
        self._get(f"/api/v1/clients/{self._client_id()}", "GET /api/v1/clients/{id}")

    def calendar_page(self) -> None:
        self._get("/calendar", "page /calendar")

    def appointments_api(self) -> None:
        today = dt.date.fromisoformat(PLAN["today"])
        week = {"from": today.isoformat(), "to": (today + dt.timedelta(days=7)).isoformat()}
        self._get(f"/api/v1/appointments?{urlencode(week)}", "GET /api/v1/appointments?from&to")

    def close_followup(self) -> None:
        if not self.followups:
            return
        followup = self.followups.pop()
        with self.client.post(
            f"/api/v1/follow-ups/{followup}/complete",
            json={"outcome": "Phoned: healing as expected, no concerns raised."},
            headers=self.headers,
            name="POST /api/v1/follow-ups/{id}/complete",
            catch_response=True,
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}")

    def correct_phone(self) -> None:
        body = {"phone": f"+44 7700 900{self.rng.randrange(1000):03d}"}  # Ofcom's drama range
        with self.client.request(
            "PATCH",
            f"/api/v1/clients/{self._client_id()}",
            json=body,
            headers=self.headers,
            name="PATCH /api/v1/clients/{id}",
            catch_response=True,
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}")


#: (task, weight, the route it needs): about one request in eleven changes a record.
TASKS: list[tuple[Callable[[Staff], None], int, tuple[str, str]]] = [
    (Staff.dashboard_page, 4, ("GET", "/")),
    (Staff.dashboard_api, 2, ("GET", "/api/v1/dashboard")),
    (Staff.client_list_page, 2, ("GET", "/clients")),
    (Staff.client_search_page, 1, ("POST", "/clients/search")),
    (Staff.client_search_api, 1, ("POST", "/api/v1/clients/search")),
    (Staff.client_list_api, 1, ("GET", "/api/v1/clients")),
    (Staff.client_record_page, 4, ("GET", "/clients/{client_id}")),
    (Staff.client_record_api, 2, ("GET", "/api/v1/clients/{client_id}")),
    (Staff.calendar_page, 2, ("GET", "/calendar")),
    (Staff.appointments_api, 1, ("GET", "/api/v1/appointments")),
    (Staff.close_followup, 1, ("POST", "/api/v1/follow-ups/{followup_id}/complete")),
    (Staff.correct_phone, 1, ("PATCH", "/api/v1/clients/{client_id}")),
]
Staff.tasks = [task for task, weight, route in TASKS if route in ROUTES for _ in range(weight)]
