"""Security issue 18, item 5: disable, reset and e-mail recovery end older credentials.

The attack of the review: an attacker holds a JWT (or a browser session) of the user from
before the change — stolen, or their own from a login with a planted device. The owner
turns 2FA off, an administrator resets it, or the owner recovers by e-mail. Before, the
older refresh token still yielded access tokens, and while 2FA was off a stale JWT passed
the gate and enrolled the attacker's authenticator (create 201, confirm 200 with verified
tokens). Each test performs that attack over HTTP; only the credential that made the
change may go on.
"""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.http import JsonResponse
from django.test import Client, override_settings
from django.urls import include, path, reverse
from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.test import APIClient

from django_totp_native.authentication import JWTAuthentication
from django_totp_native.models import Totp
from django_totp_native.services import credentials

from . import urls as project_urls
from .conftest import code_at, enroll

PASSWORD = "correct horse battery"
REVOKED = "totp_credential_revoked"


@api_view(["GET"])
@authentication_classes([JWTAuthentication])
@permission_classes([IsAuthenticated])
def project_view(request):
    """A project's own API view, authenticated as the docs say (docs/quickstart-api.md)."""
    return JsonResponse({"username": request.user.get_username()})


def whoami(request):
    """A project's page: who the session is signed in as."""
    return JsonResponse({"username": request.user.get_username() if request.user.is_authenticated else None})


urlpatterns = [
    *project_urls.urlpatterns,
    path("account/2fa/", include("django_totp_native.urls.session")),
    path("project/api/", project_view),
    path("project/whoami/", whoami),
]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def jwt_login(username="alice", code=None) -> dict:
    api = APIClient()
    first = api.post("/api/jwt/create/", {"username": username, "password": PASSWORD}, format="json").json()
    if code is None:
        assert "access" in first, first
        return first
    second = api.post(
        "/api/jwt/totp/verify/", {"totp_challenge_token": first["totp_challenge_token"], "otp_code": code},
        format="json",
    )
    assert second.status_code == 200, second.content
    return second.json()


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def session_login(enrolled, offset=0) -> Client:
    browser = Client()
    browser.post("/account/2fa/login/", {"username": enrolled.user.get_username(), "password": PASSWORD})
    assert browser.post("/account/2fa/verify/", {"code": enrolled.code(offset)}).status_code == 302
    return browser


def refresh(token: str):
    return APIClient().post("/api/jwt/refresh/", {"refresh": token}, format="json")


def assert_ended(tokens: dict) -> None:
    """Every use of an older JWT is refused: refresh, verify, this app's API (enrolling
    included, although 2FA is off now) and a project's view."""
    refreshed = refresh(tokens["refresh"])
    assert refreshed.status_code == 401 and "access" not in refreshed.json()
    verified = APIClient().post("/api/jwt/verify/", {"token": tokens["access"]}, format="json")
    assert verified.status_code == 401
    attacker = bearer(tokens["access"])
    created = attacker.post("/api/totp/create/")
    assert created.status_code == 401 and created.json()["code"] == REVOKED, created.content
    assert attacker.post("/api/totp/confirm/", {"input_code": "123456"}, format="json").status_code == 401
    assert attacker.get("/project/api/").status_code == 401


def recover_by_email(enrolled) -> None:
    api = APIClient()
    assert api.post("/api/totp/recovery/", {"email": enrolled.user.email}, format="json").status_code == 200
    uid, token = re.search(r"/totp-recovery/([^/\s]+)/([^/\s]+)", mail.outbox[-1].body).groups()
    done = api.post("/api/totp/recovery_confirm/", {"uid": uid, "token": token, "password": PASSWORD}, format="json")
    assert done.status_code == 204


def admin_reset(enrolled, make_user) -> None:
    admin = Client()
    admin.force_login(make_user("root", is_staff=True, is_superuser=True))
    url = reverse("admin:auth_user_totp", args=[enrolled.user.pk])
    assert admin.post(url, {"operation": "reset"}).status_code == 302


CHANGES = {
    "email recovery": lambda enrolled, make_user: recover_by_email(enrolled),
    "admin reset": admin_reset,
    "command-line reset": lambda enrolled, make_user: call_command(
        "totp_reset", enrolled.user.get_username(), "--yes", stdout=io.StringIO()
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_stale_jwt_cannot_enrol_the_attackers_authenticator_once_2fa_is_off(enrolled, make_user, change):
    stolen = jwt_login(code=enrolled.code())
    assert bearer(stolen["access"]).get("/project/api/").status_code == 200
    CHANGES[change](enrolled, make_user)
    assert not Totp.objects.filter(user=enrolled.user).exists()
    assert_ended(stolen)
    assert not Totp.objects.filter(user=enrolled.user).exists(), "the attacker planted a device"
    # The owner signs in again with the password and is not hindered.
    fresh = jwt_login()
    assert bearer(fresh["access"]).post("/api/totp/create/").status_code == 201


def test_an_older_refresh_token_yields_nothing_after_disable_and_re_enrollment(enrolled):
    attacker = jwt_login(code=enrolled.code())
    owner = jwt_login(code=enrolled.code(1))
    assert bearer(owner["access"]).post("/api/totp/disable/").status_code == 204
    assert_ended(attacker)
    # The client that turned 2FA off keeps its sign-in: refresh works and it enrolls again.
    owner_client = bearer(refresh(owner["refresh"]).json()["access"])
    secret = owner_client.post("/api/totp/create/").json()["secret"]
    confirmed = owner_client.post("/api/totp/confirm/", {"input_code": code_at(secret)}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["access"]
    # After re-enrolling, the attacker's older refresh token is still worth nothing.
    assert refresh(attacker["refresh"]).status_code == 401
    assert bearer(confirmed.json()["access"]).post("/api/totp/rotate_backup_codes/").status_code == 200


def test_a_change_made_by_an_older_credential_does_not_revive_it(enrolled, make_user):
    """The surviving family is the last change's only: a reset after a disable ends the
    client that disabled too."""
    owner = jwt_login(code=enrolled.code())
    assert bearer(owner["access"]).post("/api/totp/disable/").status_code == 204
    assert refresh(owner["refresh"]).status_code == 200
    again = enroll(enrolled.user)
    admin_reset(again, make_user)
    assert refresh(owner["refresh"]).status_code == 401


def test_a_forged_family_claim_does_not_survive(enrolled):
    """The family id is inside the signed token: a client cannot claim another's."""
    owner = jwt_login(code=enrolled.code())
    assert bearer(owner["access"]).post("/api/totp/disable/").status_code == 204
    survivor = credentials.generation_of(enrolled.user.pk)[1]
    assert len(survivor) == 32
    from rest_framework_simplejwt.tokens import RefreshToken

    attacker = RefreshToken(jwt_login()["refresh"])  # a current token, then tampered with
    forged = str(attacker).rsplit(".", 1)[0] + ".AAAA"
    assert refresh(forged).status_code == 401


def test_other_sessions_end_and_the_session_that_disabled_stays(enrolled, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django_totp_native.session.middleware.OTPMiddleware"]
    attacker = session_login(enrolled)
    owner = session_login(enrolled, 1)
    assert attacker.get("/project/whoami/").json()["username"] == "alice"
    response = owner.post("/account/2fa/disable/", {"password": PASSWORD, "code": enrolled.code(2)})
    assert response.status_code == 302
    assert not Totp.objects.filter(user=enrolled.user).exists()
    assert owner.get("/project/whoami/").json()["username"] == "alice"
    # The other browser is signed out on its next request, and cannot enrol.
    assert attacker.get("/project/whoami/").json()["username"] is None
    enroll_page = attacker.get("/account/2fa/enroll/")
    assert enroll_page.status_code == 302 and "login" in enroll_page["Location"]
    assert attacker.post("/api/totp/create/").status_code in (401, 403)
    assert not Totp.objects.filter(user=enrolled.user).exists()


def test_a_stale_session_is_ended_without_the_middleware_by_the_api_and_the_pages(enrolled, make_user):
    attacker = session_login(enrolled)
    admin_reset(enrolled, make_user)
    created = attacker.post("/api/totp/create/")
    assert created.status_code in (401, 403) and created.json()["code"] == REVOKED
    page = attacker.get("/account/2fa/enroll/")
    assert page.status_code == 302 and "login" in page["Location"]
    assert not Totp.objects.filter(user=enrolled.user).exists()


def test_the_admin_signs_out_a_session_that_a_reset_ended(make_user):
    staff = make_user("staffer", is_staff=True, is_superuser=True)
    enrolled = enroll(staff)
    browser = Client()
    browser.post("/admin/login/", {"username": "staffer", "password": PASSWORD})
    form = browser.get("/admin/login/two-factor/")
    assert form.status_code == 200
    browser.post("/admin/login/two-factor/", {"code": enrolled.code()})
    assert browser.get("/admin/").status_code == 200
    other_admin = Client()
    other_admin.force_login(make_user("root", is_staff=True, is_superuser=True))
    assert other_admin.post(reverse("admin:auth_user_totp", args=[staff.pk]), {"operation": "reset"}).status_code == 302
    assert browser.get("/admin/")["Location"].startswith("/admin/login/")


def test_drf_auth_tokens_of_the_user_are_deleted_but_the_one_that_disabled(enrolled):
    theirs = Token.objects.create(user=enrolled.user, key="a" * 40)
    assert Token.objects.filter(pk=theirs.pk).exists()
    owner = jwt_login(code=enrolled.code())
    assert bearer(owner["access"]).post("/api/totp/disable/").status_code == 204
    assert not Token.objects.filter(user=enrolled.user).exists()


@override_settings(TOTP_EMAIL_RECOVERY=True)
def test_tokens_issued_before_this_mechanism_count_as_generation_zero(enrolled):
    """A token without the claims (issued by an earlier version, or by SimpleJWT's own
    views) is valid until the first change, then ends like the others."""
    from rest_framework_simplejwt.tokens import RefreshToken

    legacy = RefreshToken.for_user(enrolled.user)
    assert refresh(str(legacy)).status_code == 200
    recover_by_email(enrolled)
    assert refresh(str(legacy)).status_code == 401
    assert bearer(str(legacy.access_token)).get("/project/api/").status_code == 401


def test_deploy_check_warns_while_simplejwts_own_class_authenticates_the_project(settings):
    from django_totp_native import checks

    settings.REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"]
    }
    (warning,) = checks.check_jwt_authentication()
    assert warning.id == "django_totp_native.W010" and "django_totp_native.authentication" in warning.hint
    settings.REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": ["django_totp_native.authentication.JWTAuthentication"]
    }
    assert checks.check_jwt_authentication() == []


def test_simplejwts_own_class_still_accepts_an_ended_token_which_is_why_w010_exists(enrolled, make_user):
    """The control: the same attack against a view on SimpleJWT's stock class passes, so the
    refusal above comes from this app's class."""
    from rest_framework_simplejwt.authentication import JWTAuthentication as StockJWTAuthentication

    stolen = jwt_login(code=enrolled.code())
    admin_reset(enrolled, make_user)
    request = APIClient().get("/", HTTP_AUTHORIZATION=f"Bearer {stolen['access']}").wsgi_request
    user, _token = StockJWTAuthentication().authenticate(request)
    assert user == enrolled.user
