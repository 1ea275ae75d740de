"""Security issue 8, items 1, 2, 4 and 5: the factor is managed only with the factor.

Each test performs the attack as an outsider would, over HTTP through the test client:
a password-only credential (stock admin login, ``client.login`` as Django's LoginView
does, HTTP Basic, a JWT issued before the device existed) tries to read, create, replace
or remove the second factor of a user whose 2FA is on.
"""

import base64
import time

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client, override_settings
from django.urls import include, path
from rest_framework.test import APIClient

from django_totp_native import core
from django_totp_native.models import BackupCode, Totp
from django_totp_native.services import devices, enrollment_tokens, keys, management

from . import stock_admin, urls as project_urls
from .conftest import code_at, enroll

# This module is also the URLconf of its tests: the test project's URLs plus the session
# pages, so an attack can sign in the way a browser does, and Django's own admin site (a
# project that did not opt in to the OTP admin), whose login asks for the password only.
urlpatterns = [
    *project_urls.urlpatterns,
    *stock_admin.urlpatterns,
    path("account/2fa/", include("django_totp_native.urls.session")),
]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

PASSWORD = "correct horse battery"
GATE = "totp_second_factor_required"
MANAGEMENT_CALLS = [
    ("/api/totp/rotate_backup_codes/", {}),
    ("/api/totp/disable/", {}),
    ("/api/totp/create/", {}),
    ("/api/totp/confirm/", {"input_code": "123456"}),
]


def device_state(user):
    device = Totp.objects.filter(user=user).values().first()
    codes = sorted(BackupCode.objects.filter(totp__user=user).values_list("digest", "is_used"))
    return device, codes


def assert_refused_everywhere(client, enrolled, **extra):
    before = device_state(enrolled.user)
    for path, body in MANAGEMENT_CALLS:
        response = client.post(path, body, format="json", **extra) if isinstance(client, APIClient) else client.post(
            path, body, content_type="application/json", **extra
        )
        assert response.status_code == 403, (path, response.status_code, response.content)
        assert response.json()["code"] == GATE, path
        assert "detail" in response.json()
    assert device_state(enrolled.user) == before
    # The user's own backup codes still work: nothing was replaced.
    assert devices.verify_backup(enrolled.user, enrolled.backup_codes.pop())


def jwt_login(api, username, code=None, backup_code=None):
    first = api.post("/api/jwt/create/", {"username": username, "password": PASSWORD}, format="json").json()
    if "totp_challenge_token" not in first:
        return first
    body = {"totp_challenge_token": first["totp_challenge_token"]}
    body.update({"otp_code": code} if code else {"backup_code": backup_code})
    response = api.post("/api/jwt/totp/verify/", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


# Item 1: a password-only credential cannot touch the factor -----------------------------


def test_stock_admin_login_session_cannot_mint_backup_codes_or_disable(enrolled):
    enrolled.user.is_staff = True
    enrolled.user.save()
    client = Client()
    response = client.post(
        "/stock-admin/login/", {"username": "alice", "password": PASSWORD, "next": "/stock-admin/"}
    )
    assert response.status_code == 302 and response["Location"] == "/stock-admin/"
    assert_refused_everywhere(client, enrolled)
    assert devices.is_enabled(enrolled.user)


def test_password_only_session_cannot_mint_a_factor_and_log_in_with_it(enrolled):
    """The review's chain: password session -> fresh backup codes -> JWT second step."""
    attacker = Client()
    assert attacker.login(username="alice", password=PASSWORD)  # what Django's LoginView does
    response = attacker.post("/api/totp/rotate_backup_codes/")
    assert response.status_code == 403 and response.json()["code"] == GATE
    assert "backup_codes" not in response.json()
    assert_refused_everywhere(attacker, enrolled)


@override_settings(
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": (
            "rest_framework.authentication.SessionAuthentication",
            "rest_framework.authentication.BasicAuthentication",
        )
    }
)
def test_http_basic_cannot_touch_the_factor(enrolled):
    header = "Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    assert_refused_everywhere(APIClient(), enrolled, HTTP_AUTHORIZATION=header)


def test_http_basic_still_enrolls_a_user_without_2fa(user):
    with override_settings(
        REST_FRAMEWORK={"DEFAULT_AUTHENTICATION_CLASSES": ("rest_framework.authentication.BasicAuthentication",)}
    ):
        header = "Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
        response = APIClient().post("/api/totp/create/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 201


def test_jwt_issued_before_the_device_was_confirmed_cannot_manage_it(user):
    api = APIClient()
    tokens = jwt_login(api, "alice")
    assert tokens["is_totp_enabled"] is False
    old = APIClient()
    old.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    # Enrollment with that token is allowed (2FA is off); confirming answers with new
    # tokens that carry the proof, because the old one predates the device.
    secret = old.post("/api/totp/create/").json()["secret"]
    confirmed = old.post("/api/totp/confirm/", {"input_code": code_at(secret, -1)}, format="json").json()
    assert len(confirmed["backup_codes"]) == 10 and confirmed["access"] and confirmed["refresh"]
    enrolled = type("E", (), {"user": user, "backup_codes": confirmed["backup_codes"]})
    assert_refused_everywhere(old, enrolled)
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {confirmed['access']}")
    assert fresh.post("/api/totp/rotate_backup_codes/").status_code == 200


def test_tokens_from_the_second_step_manage_the_factor(api, enrolled):
    tokens = jwt_login(api, "alice", code=enrolled.code())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    rotated = client.post("/api/totp/rotate_backup_codes/")
    assert rotated.status_code == 200 and len(rotated.json()["backup_codes"]) == 10
    # An access token made from the refresh token keeps the proof.
    refreshed = api.post("/api/jwt/refresh/", {"refresh": tokens["refresh"]}, format="json").json()["access"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed}")
    assert client.post("/api/totp/disable/").status_code == 204
    assert not devices.is_enabled(enrolled.user)


def test_session_verified_with_the_code_page_manages_the_factor(enrolled):
    client = Client()
    client.post("/account/2fa/login/", {"username": "alice", "password": PASSWORD})
    response = client.post("/account/2fa/verify/", {"code": enrolled.code()})
    assert response.status_code == 302
    assert client.post("/api/totp/rotate_backup_codes/").status_code == 200


@pytest.mark.parametrize("how", ["disable", "admin_reset", "recovery"])
def test_disable_reset_or_recovery_ends_older_sessions_and_refresh_tokens(api, enrolled, how, client):
    tokens = jwt_login(api, "alice", code=enrolled.code())
    session_client = Client()
    session_client.post("/account/2fa/login/", {"username": "alice", "password": PASSWORD})
    assert session_client.post("/account/2fa/verify/", {"code": enrolled.code(1)}).status_code == 302
    if how == "disable":
        bearer = APIClient()
        bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        assert bearer.post("/api/totp/disable/").status_code == 204
    elif how == "admin_reset":
        assert management.reset(enrolled.user)
    else:
        devices.disable(enrolled.user)  # what the recovery link does (tested end to end in test_security)
    # The user enrolls again (e.g. the attacker's device after a recovery).
    again = enroll(enrolled.user)
    refreshed = api.post("/api/jwt/refresh/", {"refresh": tokens["refresh"]}, format="json")
    if how == "disable":
        # The client that turned 2FA off keeps its sign-in, password-only for the new device.
        bearer = APIClient()
        bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
        assert_refused_everywhere(bearer, again)
    else:
        # Every other credential of the user ended with the change (services.credentials).
        assert refreshed.status_code == 401 and "access" not in refreshed.json()
    assert_revoked_everywhere(session_client, again)


def assert_revoked_everywhere(client, enrolled):
    before = device_state(enrolled.user)
    for path, body in MANAGEMENT_CALLS:
        response = client.post(path, body, content_type="application/json")
        assert response.status_code == 401, (path, response.status_code, response.content)
        assert response.json()["code"] == "totp_credential_revoked", path
    assert device_state(enrolled.user) == before


def next_device_gets_id(pk: int) -> None:
    """Make the next device row get primary key ``pk``, as a reset sequence does (MySQL
    before 8.0 after a restart, a restored dump, a sequence reset by hand)."""
    table, column = Totp._meta.db_table, Totp._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, %s), %s, false)", [table, column, pk])
        elif connection.vendor == "sqlite":
            # AUTOINCREMENT hands out max(sqlite_sequence, largest id) + 1.
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [pk - 1, table])
        else:
            pytest.skip(f"no way to reset the id sequence on {connection.vendor} here")


def test_credentials_of_a_reset_device_do_not_manage_a_new_one_under_its_id(api, enrolled):
    """A lost device is deleted by hand (the shell, a stock admin: no credential generation is
    raised, unlike a reset); the user enrolls again and the new device gets the old one's id.
    Tokens and sessions verified with the lost device (the thief's) are still password-only
    for the new one: the proof names the device's confirmation time, not just its id."""
    tokens = jwt_login(api, "alice", code=enrolled.code())
    session_client = Client()
    session_client.post("/account/2fa/login/", {"username": "alice", "password": PASSWORD})
    assert session_client.post("/account/2fa/verify/", {"code": enrolled.code(1)}).status_code == 302
    old_id = Totp.objects.get(user=enrolled.user).pk
    Totp.objects.filter(pk=old_id).delete()
    next_device_gets_id(old_id)
    again = enroll(enrolled.user)
    assert Totp.objects.get(user=enrolled.user).pk == old_id, "the new device must reuse the id for this test"

    old_access = APIClient()
    old_access.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert_refused_everywhere(old_access, again)
    refreshed = api.post("/api/jwt/refresh/", {"refresh": tokens["refresh"]}, format="json").json()["access"]
    old_refresh = APIClient()
    old_refresh.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed}")
    assert_refused_everywhere(old_refresh, again)
    assert_refused_everywhere(session_client, again)
    for page in ("/account/2fa/backup-codes/regenerate/", "/account/2fa/disable/"):
        response = session_client.get(page)
        assert response.status_code == 302 and response["Location"].startswith("/account/2fa/verify/"), page
    assert devices.is_enabled(enrolled.user)


# Item 2: a pending key is shown to one enrollment only ---------------------------------


def test_pending_key_read_by_an_attacker_is_void_after_the_victim_enrolls(user):
    attacker = Client()
    assert attacker.login(username="alice", password=PASSWORD)
    planted = attacker.post("/api/totp/create/").json()["secret"]

    victim = Client()
    assert victim.login(username="alice", password=PASSWORD)
    page = victim.get("/account/2fa/enroll/").content.decode()
    shown = page.split('<code id="totp-secret">')[1].split("</code>")[0].replace(" ", "")
    assert shown != planted
    # The victim reloads: the same key (their session started it).
    again = victim.get("/account/2fa/enroll/").content.decode()
    assert shown in again.replace(" ", "")
    response = victim.post("/account/2fa/enroll/confirm/", {"code": code_at(shown, -1)})
    assert response.status_code == 200 and devices.is_enabled(user)

    api = APIClient()
    challenge = api.post("/api/jwt/create/", {"username": "alice", "password": PASSWORD}, format="json").json()
    refused = api.post(
        "/api/jwt/totp/verify/",
        {"totp_challenge_token": challenge["totp_challenge_token"], "otp_code": code_at(planted)},
        format="json",
    )
    assert refused.status_code == 400


def test_another_session_gets_a_new_key_and_cannot_confirm_the_first(user):
    first, second = Client(), Client()
    first.force_login(user)
    second.force_login(user)
    key_one = first.get("/account/2fa/enroll/").content.decode().split('<code id="totp-secret">')[1].split("</code>")[0]
    key_two = second.get("/account/2fa/enroll/").content.decode().split('<code id="totp-secret">')[1].split("</code>")[0]
    key_one, key_two = key_one.replace(" ", ""), key_two.replace(" ", "")
    assert key_one != key_two
    # The first session's key was voided: its code confirms nothing.
    response = first.post("/account/2fa/enroll/confirm/", {"code": code_at(key_one, -1)})
    assert not devices.is_enabled(user)
    assert response.status_code == 302 and "/enroll/" in response["Location"]
    assert second.post("/account/2fa/enroll/confirm/", {"code": code_at(key_two, -1)}).status_code == 200
    assert devices.is_enabled(user)


def test_the_qr_png_of_another_sessions_enrollment_is_not_shown(user):
    owner, other = Client(), Client()
    owner.force_login(user)
    other.force_login(user)
    owner.get("/account/2fa/enroll/")
    assert owner.get("/account/2fa/enroll/qr.png").status_code == 200
    assert other.get("/account/2fa/enroll/qr.png").status_code == 404


# Item 4: "require 2FA" holds on the API too ----------------------------------------------


def test_required_user_gets_only_an_enrollment_token_then_real_tokens_after_confirming(api, user):
    management.require(user)
    first = api.post("/api/jwt/create/", {"username": "alice", "password": PASSWORD}, format="json")
    body = first.json()
    assert first.status_code == 200
    assert body["is_totp_enabled"] is False and body["totp_enrollment_required"] is True
    assert "access" not in body and "refresh" not in body
    token = body["totp_enrollment_token"]

    # The enrollment token is no JWT: SimpleJWT (the project's other views) refuses it.
    assert api.post("/api/jwt/verify/", {"token": token}, format="json").status_code == 401
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert bearer.post("/api/totp/create/").status_code == 401

    enrolling = APIClient()
    enrolling.credentials(HTTP_AUTHORIZATION=f"TOTP-Enrollment {token}")
    for path in ("/api/totp/rotate_backup_codes/", "/api/totp/disable/"):
        refused = enrolling.post(path)
        assert refused.status_code == 403 and refused.json()["code"] == "totp_enrollment_only"
    secret = enrolling.post("/api/totp/create/").json()["secret"]
    confirmed = enrolling.post("/api/totp/confirm/", {"input_code": code_at(secret, -1)}, format="json").json()
    assert confirmed["access"] and confirmed["refresh"] and len(confirmed["backup_codes"]) == 10
    # The confirm spent the enrollment token (issue 18 item 1): refused as a credential.
    assert enrolling.post("/api/totp/create/").status_code == 401

    full = APIClient()
    full.credentials(HTTP_AUTHORIZATION=f"Bearer {confirmed['access']}")
    refused = full.post("/api/totp/disable/")
    assert refused.status_code == 403 and refused.json()["code"] == "totp_required"
    assert devices.is_enabled(user)
    assert full.post("/api/totp/rotate_backup_codes/").status_code == 200


def test_forged_or_expired_enrollment_tokens_are_refused(api, user, settings):
    management.require(user)
    token = api.post("/api/jwt/create/", {"username": "alice", "password": PASSWORD}, format="json").json()[
        "totp_enrollment_token"
    ]
    client = APIClient()
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "x", token + " extra"):
        client.credentials(HTTP_AUTHORIZATION=f"TOTP-Enrollment {bad}")
        assert client.post("/api/totp/create/").status_code == 401
    settings.TOTP_ENROLLMENT_TOKEN_MAX_AGE = 0
    time.sleep(1.1)  # the token is now older than its lifetime
    client.credentials(HTTP_AUTHORIZATION=f"TOTP-Enrollment {token}")
    assert client.post("/api/totp/create/").status_code == 401
    assert not Totp.objects.filter(user=user).exists()


def enrollment_token_for(api, user) -> str:
    """The enrollment token /api/jwt/create/ gives a user who must enroll."""
    management.require(user)
    body = api.post("/api/jwt/create/", {"username": user.username, "password": PASSWORD}, format="json").json()
    return body["totp_enrollment_token"]


def test_an_enrollment_token_lasts_its_lifetime_in_seconds(api, user, settings, monkeypatch):
    """TOTP_ENROLLMENT_TOKEN_MAX_AGE is in seconds: the token opens enrollment up to that
    age and not one second longer."""
    settings.TOTP_ENROLLMENT_TOKEN_MAX_AGE = 120
    token = enrollment_token_for(api, user)
    _subject, issued_at, _nonce = core.verify_challenge(keys.challenge_key(), token, enrollment_tokens.PURPOSE, 10**9)
    # The core reads its own clock unless given ``now``: move that clock.
    real_verify, clock = core.verify_challenge, {}

    def verify_on_the_moved_clock(key, token, purpose, max_age, now=None):
        return real_verify(key, token, purpose, max_age, clock["now"])

    monkeypatch.setattr(core, "verify_challenge", verify_on_the_moved_clock)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"TOTP-Enrollment {token}")
    clock["now"] = issued_at + 120  # the last second of its lifetime
    assert client.post("/api/totp/create/").status_code == 201
    clock["now"] = issued_at + 121
    refused = client.post("/api/totp/create/")
    assert refused.status_code == 401 and refused["WWW-Authenticate"] == "TOTP-Enrollment"


def test_an_enrollment_token_of_a_user_deactivated_since_is_refused(api, user):
    """An account deactivated in the middle of enrollment cannot go on with the token it got
    before: neither start again nor confirm (which would answer real tokens)."""
    token = enrollment_token_for(api, user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"TOTP-Enrollment {token}")
    started = client.post("/api/totp/create/")
    assert started.status_code == 201
    user.is_active = False
    user.save(update_fields=["is_active"])
    pending = Totp.objects.filter(user=user).values().get()
    assert client.post("/api/totp/create/").status_code == 401
    confirm = client.post("/api/totp/confirm/", {"input_code": code_at(started.json()["secret"])}, format="json")
    assert confirm.status_code == 401 and "access" not in confirm.json()
    assert Totp.objects.filter(user=user).values().get() == pending, "the pending device is untouched"


# Item 5: plaintext backup codes never reach a store --------------------------------------


def _stored_session_data() -> str:
    return " ".join(str(s.get_decoded()) for s in Session.objects.all())


def test_backup_codes_from_the_session_pages_are_never_stored(user, settings):
    client = Client()
    client.force_login(user)
    page = client.get("/account/2fa/enroll/").content.decode()
    secret = page.split('<code id="totp-secret">')[1].split("</code>")[0].replace(" ", "")
    shown = client.post("/account/2fa/enroll/confirm/", {"code": code_at(secret, -1)}).content.decode()
    codes = [c.split("</code>")[0] for c in shown.split("<li><code>")[1:]]
    assert len(codes) == 10
    stored = _stored_session_data()
    assert stored and not any(code in stored for code in codes)
    regenerated = client.post("/account/2fa/backup-codes/regenerate/", {}).content.decode()
    fresh = [c.split("</code>")[0] for c in regenerated.split("<li><code>")[1:]]
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    stored = _stored_session_data()
    assert not any(code in stored for code in fresh)


def test_password_only_admin_session_cannot_reset_its_own_factor(enrolled):
    enrolled.user.is_staff = enrolled.user.is_superuser = True
    enrolled.user.save()
    client = Client()
    login = client.post("/stock-admin/login/", {"username": "alice", "password": PASSWORD, "next": "/stock-admin/"})
    assert login["Location"] == "/stock-admin/"  # signed in with the password alone
    action = {"action": "reset_totp", "_selected_action": [enrolled.user.pk], "post": "yes"}
    assert client.post("/stock-admin/auth/user/", action).status_code == 302
    assert devices.is_enabled(enrolled.user)
    for operation in ("reset", "unlock"):
        response = client.post(f"/stock-admin/auth/user/{enrolled.user.pk}/two-factor/", {"operation": operation})
        assert response.status_code == 302
    assert devices.is_enabled(enrolled.user)
    device = Totp.objects.get(user=enrolled.user)
    client.post(f"/stock-admin/django_totp_native/totp/{device.pk}/delete/", {"post": "yes"})
    assert devices.is_enabled(enrolled.user)
    # After the code page, the same session may.
    assert client.post("/account/2fa/verify/", {"code": enrolled.code()}).status_code == 302
    client.post("/stock-admin/auth/user/", action)
    assert not devices.is_enabled(enrolled.user)
