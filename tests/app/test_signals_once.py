"""Every signal is sent once per event, through every front end that can cause the event
(issue 17 items 5 and 6).

The services send the signals, so a front end can neither forget one nor send it twice
(a receiver that audits logins or e-mails the user would act twice). Each case below
makes one event as a user or an administrator does it — the DRF API, the JWT login, the
session pages, the admin, the management commands — and asserts which signals that event
sent, how often, about whom, and with the request of the front end (None from a command).

This module is also the URLconf of its tests: the test project (API, JWT, the default
admin, which is the opted-in OTPAdminSite) plus the session pages.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable

import pytest
from django.core.management import call_command
from django.dispatch import Signal
from django.test import Client
from django.urls import include, path
from rest_framework.test import APIClient

from django_totp_native import signals
from django_totp_native.models import SecondFactorState, Totp, TotpRequirement
from django_totp_native.services import recovery

from . import urls as project_urls
from .conftest import code_at, enroll

urlpatterns = [*project_urls.urlpatterns, path("account/2fa/", include("django_totp_native.urls.session"))]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

PASSWORD = "correct horse battery"  # make_user's default
SIGNALS = sorted(name for name, value in vars(signals).items() if isinstance(value, Signal))


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.LOGIN_URL = "django_totp_native:login"
    settings.LOGIN_REDIRECT_URL = "/"
    settings.TOTP_BACKOFF_AFTER = 100  # a wrong code never makes the next step wait


@dataclass
class Sent:
    name: str
    user_pk: object
    request: object
    kwargs: dict


class Recorder:
    """The signals sent since ``start()``: setting up an event sends its own (a login
    before a change), which are not the event's."""

    def __init__(self):
        self.sent: list[Sent] = []
        self.recording = False

    def start(self) -> None:
        self.sent, self.recording = [], True


@pytest.fixture
def recorder():
    recorder = Recorder()
    receivers = []
    for name in SIGNALS:

        def receiver(sender, request=None, user=None, _name=name, **kwargs):
            if recorder.recording:
                recorder.sent.append(Sent(_name, getattr(user, "pk", None), request, kwargs))

        getattr(signals, name).connect(receiver, weak=False)
        receivers.append((name, receiver))
    yield recorder
    for name, receiver in receivers:
        getattr(signals, name).disconnect(receiver)


def wrong_code(secret: str) -> str:
    valid = {code_at(secret, offset) for offset in range(-3, 4)}
    return next(c for c in (f"{n:06d}" for n in range(100000, 999999, 7919)) if c not in valid)


# Ways in ------------------------------------------------------------------------------------


def jwt_client(enrolled) -> APIClient:
    """An API client holding the access token of a completed two-step JWT login."""
    client = APIClient()
    first = client.post("/api/jwt/create/", {"username": enrolled.user.username, "password": PASSWORD}, format="json")
    tokens = client.post(
        "/api/jwt/totp/verify/",
        {"totp_challenge_token": first.json()["totp_challenge_token"], "otp_code": enrolled.code()},
        format="json",
    ).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client


def session_password_step(user) -> Client:
    client = Client()
    client.post("/account/2fa/login/", {"username": user.username, "password": PASSWORD})
    return client


def verified_session(enrolled) -> Client:
    """A browser session that signed in with the password and the code on the session pages."""
    client = session_password_step(enrolled.user)
    assert client.post("/account/2fa/verify/", {"code": enrolled.code()}).status_code == 302
    return client


def admin_password_step(user) -> Client:
    client = Client()
    client.post("/admin/login/", {"username": user.username, "password": PASSWORD, "next": "/admin/"})
    return client


def superuser_admin(make_user) -> Client:
    """An administrator without 2FA, signed in to the admin."""
    client = Client()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def command(*args) -> None:
    call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())


def recovery_link(user) -> tuple[str, str]:
    return recovery.encode_uid(user.pk), recovery.recovery_token_generator.make_token(user)


def locked(enrolled):
    SecondFactorState.objects.filter(user=enrolled.user).update(failed_attempts=5)
    return enrolled


def required(user):
    TotpRequirement.objects.create(user=user)
    return user


# The events -----------------------------------------------------------------------------------
#
# Each runs with (recorder, make_user, settings): it sets the stage, calls recorder.start()
# right before the one request or command that is the event, and returns the user the event
# is about.


def drf_confirm(recorder, make_user, settings):
    user = make_user("alice")
    client = APIClient()
    client.force_authenticate(user)
    secret = client.post("/api/totp/create/").json()["secret"]
    recorder.start()
    assert client.post("/api/totp/confirm/", {"input_code": code_at(secret)}, format="json").status_code == 200
    return user


def drf_confirm_wrong(recorder, make_user, settings):
    user = make_user("alice")
    client = APIClient()
    client.force_authenticate(user)
    secret = client.post("/api/totp/create/").json()["secret"]
    recorder.start()
    assert client.post("/api/totp/confirm/", {"input_code": wrong_code(secret)}, format="json").status_code == 400
    return user


def _session_enrollment(make_user) -> tuple[Client, object, str]:
    user = make_user("alice")
    client = Client()
    client.force_login(user)
    page = client.get("/account/2fa/enroll/").content.decode()
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    return client, user, secret


def session_confirm(recorder, make_user, settings):
    client, user, secret = _session_enrollment(make_user)
    recorder.start()
    assert client.post("/account/2fa/enroll/confirm/", {"code": code_at(secret)}).status_code == 200
    assert Totp.objects.get(user=user).is_confirmed
    return user


def session_confirm_wrong(recorder, make_user, settings):
    client, user, secret = _session_enrollment(make_user)
    recorder.start()
    assert client.post("/account/2fa/enroll/confirm/", {"code": wrong_code(secret)}).status_code == 200
    return user


def drf_disable(recorder, make_user, settings):
    enrolled = enroll(make_user("alice"))
    client = jwt_client(enrolled)
    recorder.start()
    assert client.post("/api/totp/disable/").status_code == 204
    return enrolled.user


def session_disable(recorder, make_user, settings):
    enrolled = enroll(make_user("alice"))
    client = verified_session(enrolled)
    recorder.start()
    assert client.post("/account/2fa/disable/").status_code == 302
    return enrolled.user


def drf_recovery(recorder, make_user, settings):
    enrolled = enroll(make_user("alice"))
    uid, token = recovery_link(enrolled.user)
    recorder.start()
    response = APIClient().post(
        "/api/totp/recovery_confirm/", {"uid": uid, "token": token, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 204
    return enrolled.user


def session_recovery(recorder, make_user, settings):
    enrolled = enroll(make_user("alice"))
    uid, token = recovery_link(enrolled.user)
    recorder.start()
    response = Client().post(f"/account/2fa/recovery/{uid}/{token}/", {"password": PASSWORD})
    assert response.status_code == 200 and not Totp.objects.filter(user=enrolled.user).exists()
    return enrolled.user


def _admin_user_action(action: str, prepare: Callable):
    def event(recorder, make_user, settings):
        user = prepare(make_user("alice"))
        user = getattr(user, "user", user)
        client = superuser_admin(make_user)
        recorder.start()
        body = {"action": action, "_selected_action": [user.pk], "post": "yes"}
        assert client.post("/admin/auth/user/", body).status_code == 302
        return user

    return event


def _admin_user_page(operation: str, prepare: Callable):
    def event(recorder, make_user, settings):
        user = prepare(make_user("alice"))
        user = getattr(user, "user", user)
        client = superuser_admin(make_user)
        recorder.start()
        assert client.post(f"/admin/auth/user/{user.pk}/two-factor/", {"operation": operation}).status_code == 302
        return user

    return event


def _command(name: str, prepare: Callable, *options: str):
    def event(recorder, make_user, settings):
        user = prepare(make_user("alice"))
        user = getattr(user, "user", user)
        recorder.start()
        command(name, user.username, *options)
        return user

    return event


def admin_device_delete(recorder, make_user, settings):
    enrolled = enroll(make_user("alice"))
    client = superuser_admin(make_user)
    device = Totp.objects.get(user=enrolled.user)
    recorder.start()
    assert client.post(f"/admin/django_totp_native/totp/{device.pk}/delete/", {"post": "yes"}).status_code == 302
    return enrolled.user


def admin_device_unlock(recorder, make_user, settings):
    enrolled = locked(enroll(make_user("alice")))
    client = superuser_admin(make_user)
    device = Totp.objects.get(user=enrolled.user)
    recorder.start()
    body = {"action": "unlock", "_selected_action": [device.pk]}
    assert client.post("/admin/django_totp_native/totp/", body).status_code == 302
    return enrolled.user


def admin_requirement_delete(recorder, make_user, settings):
    user = required(make_user("alice"))
    client = superuser_admin(make_user)
    requirement = TotpRequirement.objects.get(user=user)
    recorder.start()
    url = f"/admin/django_totp_native/totprequirement/{requirement.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 302
    return user


def drf_rotate(recorder, make_user, settings):
    enrolled = enroll(make_user("alice"))
    client = jwt_client(enrolled)
    recorder.start()
    assert client.post("/api/totp/rotate_backup_codes/").status_code == 200
    return enrolled.user


def session_regenerate(recorder, make_user, settings):
    enrolled = enroll(make_user("alice"))
    client = verified_session(enrolled)
    recorder.start()
    assert client.post("/account/2fa/backup-codes/regenerate/").status_code == 200
    return enrolled.user


def drf_step_up_wrong(recorder, make_user, settings):
    settings.TOTP_REQUIRE_CODE_FOR_CHANGES = True
    enrolled = enroll(make_user("alice"))
    client = jwt_client(enrolled)
    recorder.start()
    response = client.post("/api/totp/rotate_backup_codes/", {"otp_code": wrong_code(enrolled.secret)}, format="json")
    assert response.status_code == 400
    return enrolled.user


def session_step_up_wrong(recorder, make_user, settings):
    settings.TOTP_REQUIRE_CODE_FOR_CHANGES = True
    enrolled = enroll(make_user("alice"))
    client = verified_session(enrolled)
    recorder.start()
    response = client.post("/account/2fa/backup-codes/regenerate/", {"code": wrong_code(enrolled.secret)})
    assert response.status_code == 200 and b"not valid" in response.content
    return enrolled.user


def jwt_second_step(correct: bool):
    def event(recorder, make_user, settings):
        enrolled = enroll(make_user("alice"))
        client = APIClient()
        first = client.post("/api/jwt/create/", {"username": "alice", "password": PASSWORD}, format="json")
        code = enrolled.code() if correct else wrong_code(enrolled.secret)
        recorder.start()
        response = client.post(
            "/api/jwt/totp/verify/",
            {"totp_challenge_token": first.json()["totp_challenge_token"], "otp_code": code},
            format="json",
        )
        assert response.status_code == (200 if correct else 400)
        return enrolled.user

    return event


def session_second_step(correct: bool):
    def event(recorder, make_user, settings):
        enrolled = enroll(make_user("alice"))
        client = session_password_step(enrolled.user)
        recorder.start()
        response = client.post("/account/2fa/verify/", {"code": enrolled.code() if correct else wrong_code(enrolled.secret)})
        assert response.status_code == (302 if correct else 200)
        return enrolled.user

    return event


def session_signed_in_second_factor(recorder, make_user, settings):
    """A session signed in elsewhere with the password alone passes the code page."""
    enrolled = enroll(make_user("alice"))
    client = Client()
    client.force_login(enrolled.user)
    recorder.start()
    assert client.post("/account/2fa/verify/", {"code": enrolled.code()}).status_code == 302
    return enrolled.user


def admin_code_step(correct: bool):
    def event(recorder, make_user, settings):
        enrolled = enroll(make_user("alice", is_staff=True))
        client = admin_password_step(enrolled.user)
        recorder.start()
        code = enrolled.code() if correct else wrong_code(enrolled.secret)
        response = client.post("/admin/login/two-factor/", {"code": code})
        assert response.status_code == (302 if correct else 200)
        return enrolled.user

    return event


def jwt_password_only(recorder, make_user, settings):
    user = make_user("alice")
    recorder.start()
    response = APIClient().post("/api/jwt/create/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200 and "access" in response.json()
    return user


def session_password_only(recorder, make_user, settings):
    user = make_user("alice")
    recorder.start()
    client = session_password_step(user)
    assert "_auth_user_id" in client.session
    return user


def admin_password_only(recorder, make_user, settings):
    user = make_user("alice", is_staff=True)
    recorder.start()
    client = admin_password_step(user)
    assert "_auth_user_id" in client.session
    return user


def nothing(user):
    return user


@dataclass(frozen=True)
class Case:
    signal: str
    front_end: str
    event: Callable
    #: Every signal the event sends, with how often (the one under test among them).
    sends: tuple[str, ...] = ()
    #: The ``reason`` of totp_verification_failed.
    reason: str | None = None

    @property
    def id(self) -> str:
        return f"{self.signal}-{self.front_end}"


CASES = [
    Case("totp_created", "drf", drf_confirm),
    Case("totp_created", "session", session_confirm),
    Case("totp_disabled", "drf", drf_disable),
    Case("totp_disabled", "session", session_disable),
    Case("totp_disabled", "admin-action", _admin_user_action("reset_totp", enroll)),
    Case("totp_disabled", "admin-user-page", _admin_user_page("reset", enroll)),
    Case("totp_disabled", "admin-device-delete", admin_device_delete),
    Case("totp_disabled", "command", _command("totp_reset", enroll, "--yes")),
    Case("totp_recovery_succeeded", "drf", drf_recovery, sends=("totp_recovery_succeeded", "totp_disabled")),
    Case("totp_recovery_succeeded", "session", session_recovery, sends=("totp_recovery_succeeded", "totp_disabled")),
    Case("backup_codes_rotated", "drf", drf_rotate),
    Case("backup_codes_rotated", "session", session_regenerate),
    Case("totp_login_succeeded", "jwt", jwt_second_step(correct=True)),
    Case("totp_login_succeeded", "session", session_second_step(correct=True)),
    Case("totp_login_succeeded", "session-signed-in", session_signed_in_second_factor),
    Case("totp_login_succeeded", "admin", admin_code_step(correct=True)),
    Case("non_totp_login_succeeded", "jwt", jwt_password_only),
    Case("non_totp_login_succeeded", "session", session_password_only),
    Case("non_totp_login_succeeded", "admin", admin_password_only),
    Case("totp_verification_failed", "jwt", jwt_second_step(correct=False), reason="login"),
    Case("totp_verification_failed", "session", session_second_step(correct=False), reason="login"),
    Case("totp_verification_failed", "admin", admin_code_step(correct=False), reason="login"),
    Case("totp_verification_failed", "drf-confirm", drf_confirm_wrong, reason="confirm"),
    Case("totp_verification_failed", "session-confirm", session_confirm_wrong, reason="confirm"),
    Case("totp_verification_failed", "drf-step-up", drf_step_up_wrong, reason="step_up"),
    Case("totp_verification_failed", "session-step-up", session_step_up_wrong, reason="step_up"),
    Case("totp_required", "admin-action", _admin_user_action("require_totp", nothing)),
    Case("totp_required", "admin-user-page", _admin_user_page("require", nothing)),
    Case("totp_required", "command", _command("totp_require", nothing)),
    Case("totp_requirement_removed", "admin-action", _admin_user_action("unrequire_totp", required)),
    Case("totp_requirement_removed", "admin-user-page", _admin_user_page("unrequire", required)),
    Case("totp_requirement_removed", "admin-requirement-delete", admin_requirement_delete),
    Case("totp_requirement_removed", "command", _command("totp_require", required, "--off")),
    Case("totp_unlocked", "admin-action", _admin_user_action("unlock_totp", lambda u: locked(enroll(u)))),
    Case("totp_unlocked", "admin-user-page", _admin_user_page("unlock", lambda u: locked(enroll(u)))),
    Case("totp_unlocked", "admin-device-action", admin_device_unlock),
    Case("totp_unlocked", "command", _command("totp_unlock", lambda u: locked(enroll(u)))),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_event_sends_its_signals_once(case, recorder, make_user, settings):
    user = case.event(recorder, make_user, settings)
    expected = Counter(case.sends or (case.signal,))
    assert Counter(sent.name for sent in recorder.sent) == expected
    for sent in recorder.sent:
        assert sent.user_pk == user.pk
        # A request from every front end but the command line, which has none.
        assert (sent.request is None) == (case.front_end == "command")
        if sent.name == "totp_verification_failed":
            assert sent.kwargs.get("reason") == case.reason


def test_every_signal_has_a_case_and_every_front_end_that_can_cause_it():
    covered = {case.signal for case in CASES} | {s for case in CASES for s in case.sends}
    assert covered == set(SIGNALS)
    front_ends = {signal: {case.front_end.split("-")[0] for case in CASES if case.signal == signal} for signal in SIGNALS}
    # Logins happen on the three login front ends; the administrator's changes in the admin
    # and on the command line; the user's own changes through the API and the pages.
    for signal in ("totp_login_succeeded", "non_totp_login_succeeded", "totp_verification_failed"):
        assert {"jwt", "session", "admin"} <= front_ends[signal]
    for signal in ("totp_required", "totp_requirement_removed", "totp_unlocked"):
        assert {"admin", "command"} <= front_ends[signal]
    for signal in ("totp_created", "backup_codes_rotated", "totp_recovery_succeeded"):
        assert {"drf", "session"} <= front_ends[signal]
    assert {"drf", "session", "admin", "command"} <= front_ends["totp_disabled"]
