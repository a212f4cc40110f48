"""Accounts: logins and their throttle, web sessions, passwords, API tokens, and migration 0003."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from smpstudio.errors import (
    AccessError,
    ConflictError,
    InputError,
    NotFoundError,
    RateLimitedError,
    UnauthenticatedError,
)
from smpstudio.records.models import AuditEntry, LoginFailure, User, WebSession
from smpstudio.records.store import HEAD_REVISION, Store, open_store, upgrade_store
from smpstudio.services import accounts, api_tokens, clinics
from smpstudio.services.accounts import (
    LOGIN_WINDOW,
    MAX_FAILED_LOGINS,
    LoginRequest,
    SetPasswordRequest,
)
from smpstudio.services.api_tokens import IssueTokenRequest, RevokeTokenRequest
from smpstudio.services.context import Clock, ServiceContext

T0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
OWNER_PW = "correct horse battery"
PRAC_PW = "staple pencil sharpener"


def at(store: Store, when: dt.datetime, user: int | None = None) -> ServiceContext:
    """A context on ``store`` whose clock is stopped at ``when``, acting as ``user``."""
    return ServiceContext(store=store, user_id=user, clock=Clock.fixed(when))


def setup(store: Store) -> dict[str, int]:
    """A clinic with an owner and a practitioner who both have passwords."""
    created = clinics.init_clinic(
        at(store, T0), clinics.InitClinicRequest.of(name="Clinic", owner_email="Owner@Example.org")
    )
    owner = created.owner_id
    prac = clinics.add_user(
        at(store, T0, owner),
        clinics.AddUserRequest.of(name="Pat", role="practitioner", email="pat@example.org"),
    ).id
    for uid, pw in ((owner, OWNER_PW), (prac, PRAC_PW)):
        accounts.set_password(at(store, T0, owner), SetPasswordRequest.of(user_id=uid, password=pw))
    return {"owner": owner, "prac": prac, "clinic": created.clinic_id}


def log_in(store: Store, when: dt.datetime, email: str, password: str, address: str = "10.0.0.1") -> str:
    result = accounts.login(at(store, when), LoginRequest.of(email=email, password=password, address=address))
    return result.session_token


def wrong(store: Store, when: dt.datetime, email: str, password: str, address: str = "10.0.0.1") -> str:
    """The error code of a login that must fail."""
    with pytest.raises((UnauthenticatedError, RateLimitedError)) as caught:
        log_in(store, when, email, password, address)
    return caught.value.code


def test_login_right_wrong_unknown_and_inactive(store: Store) -> None:
    ids = setup(store)
    result = accounts.login(at(store, T0), LoginRequest.of(email=" OWNER@example.org ", password=OWNER_PW))
    assert (result.user_id, result.clinic_id, result.role, result.name) == (
        ids["owner"],
        ids["clinic"],
        "owner",
        "Owner",
    )
    assert len(result.session_token) >= 43 and "session_token" not in result.to_json()
    assert result.session_token not in repr(result)
    with pytest.raises(UnauthenticatedError) as caught:
        log_in(store, T0, "pat@example.org", "not the password")
    assert (caught.value.code, caught.value.field) == ("wrong_login", "password")
    message = caught.value.message
    assert wrong(store, T0, "nobody@example.org", PRAC_PW) == "wrong_login"
    assert wrong(store, T0, "pat@example.org", " " + PRAC_PW) == "wrong_login"  # kept exactly as typed
    clinics.deactivate_user(
        at(store, T0, ids["owner"]), clinics.DeactivateUserRequest.of(user_id=ids["prac"])
    )
    with pytest.raises(UnauthenticatedError) as inactive:
        log_in(store, T0, "pat@example.org", PRAC_PW)
    assert inactive.value.code == "wrong_login" and inactive.value.message == message  # one answer for all
    no_password = clinics.add_user(
        at(store, T0, ids["owner"]),
        clinics.AddUserRequest.of(name="Fran", role="front-desk", email="f@x.org"),
    ).id
    assert no_password and wrong(store, T0, "f@x.org", "") == "wrong_login"
    failures = store.read(lambda db: db.scalars(select(LoginFailure.email)).all())
    assert sorted(failures) == sorted(
        ["pat@example.org", "nobody@example.org", "pat@example.org", "pat@example.org", "f@x.org"]
    )


def test_the_hash_is_argon2id_and_no_password_reaches_the_audit(store: Store) -> None:
    ids = setup(store)
    log_in(store, T0, "owner@example.org", OWNER_PW)
    hashes = store.read(lambda db: db.scalars(select(User.password_hash).order_by(User.id)).all())
    assert all(h is not None and h.startswith("$argon2id$") for h in hashes)
    details = store.read(lambda db: db.execute(select(AuditEntry.action, AuditEntry.detail)).all())
    assert ("login", '{"address":"10.0.0.1"}') in details
    everything = " ".join(f"{a} {d}" for a, d in details)
    assert OWNER_PW not in everything and PRAC_PW not in everything and "argon2" not in everything
    assert ids["owner"] in {
        r
        for r in store.read(
            lambda db: db.scalars(select(AuditEntry.actor_id).where(AuditEntry.action == "login"))
        )
    }


def test_an_e_mail_is_throttled_at_the_tenth_failure_until_the_window_passes(store: Store) -> None:
    setup(store)
    for i in range(MAX_FAILED_LOGINS):
        when = T0 + dt.timedelta(seconds=i)
        assert wrong(store, when, "pat@example.org", "guess", address=f"10.0.1.{i}") == "wrong_login"
    later = T0 + dt.timedelta(minutes=1)
    # The right password from a fresh address is refused too: the throttle comes before the password.
    assert wrong(store, later, "pat@example.org", PRAC_PW, address="10.9.9.9") == "too_many_logins"
    assert wrong(store, later, "PAT@example.org", PRAC_PW, address="10.9.9.8") == "too_many_logins"
    log_in(store, later, "owner@example.org", OWNER_PW, address="10.9.9.9")  # other e-mails are not
    assert wrong(store, T0 + LOGIN_WINDOW, "pat@example.org", PRAC_PW) == "too_many_logins"  # still in it
    # The ten failures have left the window; the three refused attempts in it are under the limit.
    assert log_in(store, T0 + LOGIN_WINDOW + dt.timedelta(seconds=10), "pat@example.org", PRAC_PW)


def test_an_address_is_throttled_at_the_tenth_failure(store: Store) -> None:
    setup(store)
    for i in range(MAX_FAILED_LOGINS - 1):
        assert wrong(store, T0, f"nobody{i}@example.org", "guess", address="192.0.2.7") == "wrong_login"
    log_in(store, T0, "pat@example.org", PRAC_PW, address="192.0.2.7")  # nine failures: not yet
    assert wrong(store, T0, "owner@example.org", "guess", address="192.0.2.7") == "wrong_login"
    assert wrong(store, T0, "owner@example.org", OWNER_PW, address="192.0.2.7") == "too_many_logins"
    log_in(store, T0, "owner@example.org", OWNER_PW, address="192.0.2.8")  # the e-mail has one failure
    assert log_in(
        store, T0 + LOGIN_WINDOW + dt.timedelta(minutes=1), "owner@example.org", OWNER_PW, "192.0.2.7"
    )


def test_failures_older_than_a_day_are_purged(store: Store) -> None:
    setup(store)
    wrong(store, T0, "pat@example.org", "guess")
    wrong(store, T0 + dt.timedelta(days=2), "pat@example.org", "guess")
    times = store.read(lambda db: db.scalars(select(LoginFailure.at)).all())
    assert times == [T0 + dt.timedelta(days=2)]


def test_a_session_is_used_touched_once_a_minute_and_ends_when_idle(store: Store) -> None:
    ids = setup(store)
    token = log_in(store, T0, "pat@example.org", PRAC_PW)
    who = accounts.session_user(at(store, T0 + dt.timedelta(seconds=30)), token, idle_minutes=30)
    assert (who.user_id, who.role, who.name) == (ids["prac"], "practitioner", "Pat")

    def last_seen() -> dt.datetime:
        return store.read(lambda db: db.scalars(select(WebSession.last_seen_at)).one())

    assert last_seen() == T0  # under a minute: not written
    accounts.session_user(at(store, T0 + dt.timedelta(minutes=20)), token, idle_minutes=30)
    assert last_seen() == T0 + dt.timedelta(minutes=20)
    accounts.session_user(at(store, T0 + dt.timedelta(minutes=49)), token, idle_minutes=30)  # 29 idle
    with pytest.raises(UnauthenticatedError) as idle:
        accounts.session_user(at(store, T0 + dt.timedelta(minutes=80)), token, idle_minutes=30)
    assert idle.value.code == "session_ended"
    reason = store.read(lambda db: db.scalars(select(WebSession.end_reason)).one())
    assert reason == "idle"
    with pytest.raises(UnauthenticatedError):  # ended stays ended
        accounts.session_user(at(store, T0 + dt.timedelta(minutes=81)), token, idle_minutes=600)
    for bogus in ("", "x" * 10_000, "not-a-token"):
        with pytest.raises(UnauthenticatedError) as unknown:
            accounts.session_user(at(store, T0), bogus, idle_minutes=30)
        assert unknown.value.code == "session_ended"


def test_logout_ends_the_session_and_an_unknown_token_is_no_error(store: Store) -> None:
    ids = setup(store)
    token = log_in(store, T0, "pat@example.org", PRAC_PW)
    other = log_in(store, T0, "pat@example.org", PRAC_PW)
    accounts.logout(at(store, T0), token)
    accounts.logout(at(store, T0), token)  # twice: nothing more happens
    accounts.logout(at(store, T0), "unknown")
    with pytest.raises(UnauthenticatedError):
        accounts.session_user(at(store, T0), token, idle_minutes=30)
    assert accounts.session_user(at(store, T0), other, idle_minutes=30).user_id == ids["prac"]
    logouts = store.read(
        lambda db: db.execute(select(AuditEntry.actor_id).where(AuditEntry.action == "logout")).all()
    )
    assert logouts == [(ids["prac"],)]


def test_a_new_password_ends_the_users_sessions_and_revokes_their_tokens(store: Store) -> None:
    ids = setup(store)
    token = log_in(store, T0, "pat@example.org", PRAC_PW)
    owners = log_in(store, T0, "owner@example.org", OWNER_PW)
    api = api_tokens.issue_token(at(store, T0, ids["prac"]), IssueTokenRequest.of(user_id=ids["prac"])).token
    done = accounts.set_password(
        at(store, T0, ids["prac"]), SetPasswordRequest.of(user_id=ids["prac"], password="a new passphrase")
    )
    assert done.to_json() == {"user_id": ids["prac"], "sessions_ended": 1, "tokens_revoked": 1}
    with pytest.raises(UnauthenticatedError):
        accounts.session_user(at(store, T0), token, idle_minutes=30)
    with pytest.raises(UnauthenticatedError):
        api_tokens.token_user(at(store, T0), api)
    assert accounts.session_user(at(store, T0), owners, idle_minutes=30).user_id == ids["owner"]
    assert wrong(store, T0, "pat@example.org", PRAC_PW) == "wrong_login"
    assert log_in(store, T0, "pat@example.org", "a new passphrase")
    reasons = store.read(lambda db: db.scalars(select(WebSession.end_reason).order_by(WebSession.id)).all())
    assert reasons == ["password", None, None]
    with pytest.raises(InputError) as short:
        SetPasswordRequest.of(user_id=ids["prac"], password="short")
    assert short.value.field == "password" and "short" not in str(short.value)
    with pytest.raises(AccessError):  # a practitioner sets only their own
        accounts.set_password(
            at(store, T0, ids["prac"]), SetPasswordRequest.of(user_id=ids["owner"], password="x" * 12)
        )


def test_deactivation_ends_sessions_and_stops_tokens(store: Store) -> None:
    ids = setup(store)
    token = log_in(store, T0, "pat@example.org", PRAC_PW)
    api = api_tokens.issue_token(at(store, T0, ids["prac"]), IssueTokenRequest.of(user_id=ids["prac"])).token
    clinics.deactivate_user(
        at(store, T0, ids["owner"]), clinics.DeactivateUserRequest.of(user_id=ids["prac"])
    )
    with pytest.raises(UnauthenticatedError):
        accounts.session_user(at(store, T0), token, idle_minutes=30)
    with pytest.raises(UnauthenticatedError) as stopped:
        api_tokens.token_user(at(store, T0), api)
    assert stopped.value.code == "bad_token"
    assert store.read(lambda db: db.scalars(select(WebSession.end_reason)).one()) == "deactivated"
    listed = api_tokens.list_tokens(at(store, T0, ids["owner"]), ids["prac"]).tokens
    assert [t.revoked for t in listed] == [False]  # deactivation revokes nothing else


def test_tokens_are_issued_used_listed_and_revoked(store: Store) -> None:
    ids = setup(store)
    issued = api_tokens.issue_token(
        at(store, T0, ids["prac"]), IssueTokenRequest.of(user_id=ids["prac"], name="laptop")
    )
    assert issued.token.startswith("smp_") and len(issued.token) >= 47 and issued.name == "laptop"
    assert issued.token not in repr(issued)
    who = api_tokens.token_user(at(store, T0), issued.token)
    assert (who.user_id, who.clinic_id, who.role) == (ids["prac"], ids["clinic"], "practitioner")
    api_tokens.token_user(at(store, T0 + dt.timedelta(seconds=20)), issued.token)
    listed = api_tokens.list_tokens(at(store, T0, ids["prac"]), ids["prac"])
    assert listed.to_json()["tokens"] == [
        {
            "id": issued.id,
            "user_id": ids["prac"],
            "name": "laptop",
            "created_at": "2027-03-01T09:00:00Z",
            "last_used_at": "2027-03-01T09:00:00Z",  # the second use came within the minute
            "revoked": False,
        }
    ]
    assert issued.token not in str(listed.to_json())
    by_owner = api_tokens.issue_token(at(store, T0, ids["owner"]), IssueTokenRequest.of(user_id=ids["prac"]))
    assert by_owner.name == "api"
    revoked = api_tokens.revoke_token(at(store, T0, ids["owner"]), RevokeTokenRequest.of(token_id=issued.id))
    assert revoked.to_json() == {"id": issued.id, "user_id": ids["prac"]}
    api_tokens.revoke_token(at(store, T0, ids["prac"]), RevokeTokenRequest.of(token_id=issued.id))  # again
    with pytest.raises(UnauthenticatedError) as bad:
        api_tokens.token_user(at(store, T0), issued.token)
    assert bad.value.code == "bad_token"
    assert api_tokens.token_user(at(store, T0), by_owner.token).user_id == ids["prac"]
    for bogus in ("", "smp_x", "x" * 5000, by_owner.token[4:]):
        with pytest.raises(UnauthenticatedError):
            api_tokens.token_user(at(store, T0), bogus)
    owners = api_tokens.issue_token(at(store, T0, ids["owner"]), IssueTokenRequest.of(user_id=ids["owner"]))
    with pytest.raises(AccessError):  # a practitioner manages only their own
        api_tokens.revoke_token(at(store, T0, ids["prac"]), RevokeTokenRequest.of(token_id=owners.id))
    with pytest.raises(AccessError):
        api_tokens.list_tokens(at(store, T0, ids["prac"]), ids["owner"])


def test_another_clinics_users_and_tokens_are_not_found(store: Store) -> None:
    ids = setup(store)
    other = clinics.init_clinic(
        at(store, T0, ids["owner"]), clinics.InitClinicRequest.of(name="Other", owner_email="o2@example.org")
    ).owner_id
    theirs = api_tokens.issue_token(at(store, T0, other), IssueTokenRequest.of(user_id=other))
    calls = [
        lambda: accounts.set_password(
            at(store, T0, ids["owner"]), SetPasswordRequest.of(user_id=other, password="x" * 12)
        ),
        lambda: api_tokens.issue_token(at(store, T0, ids["owner"]), IssueTokenRequest.of(user_id=other)),
        lambda: api_tokens.revoke_token(
            at(store, T0, ids["owner"]), RevokeTokenRequest.of(token_id=theirs.id)
        ),
        lambda: api_tokens.list_tokens(at(store, T0, ids["owner"]), other),
        lambda: api_tokens.list_tokens(at(store, T0, ids["owner"]), 10**6),
    ]
    for call in calls:
        with pytest.raises(NotFoundError):
            call()
    assert api_tokens.token_user(at(store, T0), theirs.token).user_id == other


def test_login_e_mails_are_unique_across_clinics(store: Store) -> None:
    ids = setup(store)
    with pytest.raises(ConflictError) as taken:
        clinics.add_user(
            at(store, T0, ids["owner"]),
            clinics.AddUserRequest.of(name="Dup", role="practitioner", email="PAT@example.org"),
        )
    assert (taken.value.code, taken.value.field) == ("email_taken", "email")
    with pytest.raises(ConflictError):
        clinics.init_clinic(
            at(store, T0, ids["owner"]), clinics.InitClinicRequest.of(name="X", owner_email="pat@example.org")
        )


def test_a_store_of_revision_0002_with_users_upgrades_to_0003(store: Store) -> None:
    """A clinic made before accounts existed: its users keep everything and get no password."""
    ids = setup(store)
    data_dir, url = store.data_dir, None if store.dialect == "sqlite" else store.url
    log_in(store, T0, "pat@example.org", PRAC_PW)
    store.downgrade("0002")
    assert store.revision() == "0002"
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT email FROM users ORDER BY id")).scalars().all() == [
            "owner@example.org",
            "pat@example.org",
        ]
    store.close()
    assert upgrade_store(data_dir, url=url) == ("0002", HEAD_REVISION)
    upgraded = open_store(data_dir, url=url)
    try:
        with upgraded.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, email, password_hash FROM users ORDER BY id")).all()
            assert rows == [(ids["owner"], "owner@example.org", None), (ids["prac"], "pat@example.org", None)]
            assert conn.execute(text("SELECT COUNT(*) FROM web_sessions")).scalar_one() == 0
        assert upgraded.integrity_check() == []
        assert wrong(upgraded, T0, "pat@example.org", PRAC_PW) == "wrong_login"  # no password yet
        accounts.set_password(
            at(upgraded, T0, ids["owner"]), SetPasswordRequest.of(user_id=ids["prac"], password=PRAC_PW)
        )
        assert log_in(upgraded, T0, "pat@example.org", PRAC_PW)
        upgraded.downgrade("0002")  # and back, with the rows in place
        assert upgraded.revision() == "0002"
        upgraded.upgrade()
        assert upgraded.revision() == HEAD_REVISION
    finally:
        upgraded.close()


def test_a_second_owner_cannot_take_over_the_store_administrators_login(store: Store) -> None:
    ids = setup(store)
    second = clinics.add_user(
        at(store, T0, ids["owner"]),
        clinics.AddUserRequest.of(name="Sam", role="owner", email="sam@example.org"),
    ).id
    with pytest.raises(AccessError) as refused:
        accounts.set_password(
            at(store, T0, second), SetPasswordRequest.of(user_id=ids["owner"], password="taken over now!")
        )
    assert refused.value.code == "not_your_account"
    with pytest.raises(AccessError):
        api_tokens.issue_token(at(store, T0, second), IssueTokenRequest.of(user_id=ids["owner"]))
    # the administrator still manages the second owner's account, and their own
    accounts.set_password(
        at(store, T0, ids["owner"]), SetPasswordRequest.of(user_id=second, password="a new one here")
    )
    log_in(store, T0, "owner@example.org", OWNER_PW)


def test_concurrent_wrong_passwords_get_at_most_the_throttles_number_of_checks(store: Store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    if store.dialect != "sqlite":
        pytest.skip("the atomic count-and-reserve is checked where writers are serialised (SQLite)")
    setup(store)

    def attempt(_: int) -> str:
        return wrong(store, T0, "pat@example.org", "not the password at all")

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(attempt, range(24)))
    assert codes.count("wrong_login") == MAX_FAILED_LOGINS
    assert codes.count("too_many_logins") == 24 - MAX_FAILED_LOGINS
