"""The sterilisation pages: the log, logging a cycle and a spore test, a failed test's corrective action
(the sessions and clients it reached) and closing it, a load's page; roles and another clinic's ids."""

from __future__ import annotations

import pytest

from smpstudio.services import sterilisation_log
from tests.web.clinic_html import csrf_field, days_later, structure_problems, text_of
from tests.web.conftest import ctx_for
from tests.web.populated import Populated, populated_fixture, populated_template_fixture  # noqa: F401

CYCLE = {"load": "L-200", "temperature_c": "134", "pressure_kpa": "210", "minutes": "4", "indicator": "pass"}


def _open_actions(populated: Populated) -> list[sterilisation_log.CorrectiveActionSummary]:
    ctx = ctx_for(populated.store, populated.users["owner"])
    return sterilisation_log.list_corrective_actions(ctx).corrective_actions


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("practitioner", 200), ("front-desk", 403)])
def test_the_log_opens_for_the_roles_that_keep_it(populated: Populated, role: str, status: int) -> None:
    answer = populated.cookie(role).get("/sterilisation")
    assert answer.status_code == status
    if status == 200:
        assert not structure_problems(answer.text)
        assert 'href="/api/v1/sterilisation/cycles"' in answer.text


def test_an_open_corrective_action_shows_its_steps_loads_and_the_sessions_reached(
    populated: Populated,
) -> None:
    answer = populated.cookie("practitioner").get("/sterilisation")
    text = text_of(answer)
    assert "Spore test failed on" in text
    assert "Stop using the steriliser until a repeat spore test passes." in text
    assert f'href="/sterilisation/cycles/{populated.a.cycle_id}"' in answer.text
    assert "Alex Doe" in text and "alex@example.org" in text  # the client to contact
    assert "Close it once a repeat spore test has passed." in text  # not closable before a repeat passes
    assert "L-A" in text and "L-B" not in text  # the clinic's own cycles only


def test_a_cycle_is_logged_through_the_form(populated: Populated) -> None:
    prac = populated.cookie("practitioner")
    token = csrf_field(prac.get("/sterilisation"))
    del prac.headers["X-CSRF-Token"]
    answer = prac.post("/sterilisation/cycles", data={**CYCLE, "csrf_token": token})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sterilisation#cycle-")
    text = text_of(prac.get("/sterilisation"))
    assert "L-200" in text and "Pat Practitioner" in text


def test_a_failed_indicator_is_logged_as_a_failed_load(populated: Populated) -> None:
    prac = populated.cookie("practitioner")
    answer = prac.post("/sterilisation/cycles", data={**CYCLE, "load": "L-201", "indicator": "fail"})
    assert answer.status_code == 303
    text = text_of(prac.get("/sterilisation"))
    assert "the chemical indicator failed: do not use this load; reprocess it." in text


def test_a_cycle_out_of_range_re_renders_naming_the_field(populated: Populated) -> None:
    answer = populated.cookie("owner").post("/sterilisation/cycles", data={**CYCLE, "temperature_c": "900"})
    assert answer.status_code == 422
    assert "Field: temperature_c" in text_of(answer) and 'id="e-temperature_c"' in answer.text
    assert 'value="L-200"' in answer.text and not structure_problems(answer.text)


def test_closing_before_a_repeat_test_passes_is_refused_then_closes_after(populated: Populated) -> None:
    prac = populated.cookie("practitioner")
    action = populated.a.corrective_action_id
    done = {"resolution": "Loads reprocessed; client phoned."}
    refused = prac.post(f"/sterilisation/corrective-actions/{action}/close", data=done)
    assert refused.status_code == 409
    assert "no spore test has passed since" in text_of(refused)
    days_later(populated.app, 2)  # the repeat test is read on a later day
    assert prac.post("/sterilisation/spore-tests", data={"result": "pass"}).status_code == 303
    assert 'action="/sterilisation/corrective-actions/' in prac.get("/sterilisation").text
    closed = prac.post(f"/sterilisation/corrective-actions/{action}/close", data=done)
    assert closed.status_code == 303 and not _open_actions(populated)
    page = text_of(prac.get("/sterilisation"))
    assert "No corrective action is open." in page and "Loads reprocessed; client phoned." in page


def test_a_failed_spore_test_opens_a_corrective_action(populated: Populated) -> None:
    prac = populated.cookie("practitioner")
    before = len(_open_actions(populated))
    answer = prac.post("/sterilisation/spore-tests", data={"result": "fail", "notes": "strip 2"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sterilisation#action-")
    assert len(_open_actions(populated)) == before + 1


def test_a_spore_test_on_a_day_to_come_is_refused(populated: Populated) -> None:
    answer = populated.cookie("owner").post(
        "/sterilisation/spore-tests", data={"result": "pass", "tested_on": "2999-01-01"}
    )
    assert answer.status_code == 422 and "Field: tested_on" in text_of(answer)


def test_a_loads_page_lists_the_sessions_it_served(populated: Populated) -> None:
    answer = populated.cookie("owner").get(f"/sterilisation/cycles/{populated.a.cycle_id}")
    assert answer.status_code == 200 and not structure_problems(answer.text)
    text = text_of(answer)
    assert "Load L-A" in text and "Alex Doe" in text and "Sessions this load served (1)" in text


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("GET", "/sterilisation/cycles/{cycle}", None),
        ("POST", "/sterilisation/corrective-actions/{action}/close", {"resolution": "done"}),
    ],
)
def test_another_clinics_ids_are_not_found(
    populated: Populated, method: str, path: str, data: dict[str, str] | None
) -> None:
    url = path.format(cycle=populated.b.cycle_id, action=populated.b.corrective_action_id)
    answer = populated.cookie("owner").request(method, url, data=data)
    assert answer.status_code == 404 and "Not found" in answer.text


def test_front_desk_may_not_log_a_cycle(populated: Populated) -> None:
    assert populated.cookie("front-desk").post("/sterilisation/cycles", data=CYCLE).status_code == 403
