"""One user's valid codes never work for another user, on any path.

Bob's current TOTP code and one of his unused backup codes are submitted for Alice on
every path that takes a code: the JWT second step, the API step-up, the session code
page (pending login) and step-up pages, and the admin's code step. Each is refused and
counted as one failed attempt against Alice, the user it was tried for; Bob's state is
untouched and his codes still work for him afterwards.
"""

import pytest
from django.test import Client
from django.urls import include, path, reverse
from rest_framework.test import APIClient

from django_totp_native.services import challenges, devices

from .conftest import enroll, store_codes_as_before_device_keys, two_factor_state, with_failures_added
from .urls import urlpatterns as api_and_admin_urlpatterns

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

urlpatterns = [*api_and_admin_urlpatterns, path("account/2fa/", include("django_totp_native.urls.session"))]

PASSWORD = "correct horse battery"
KINDS = ["totp", "backup"]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django_totp_native.session.middleware.OTPMiddleware"]
    settings.LOGIN_URL = "django_totp_native:login"
    settings.LOGIN_REDIRECT_URL = "/"
    settings.TOTP_REQUIRE_CODE_FOR_CHANGES = True
    settings.TOTP_BACKOFF_AFTER = 100


@pytest.fixture
def alice(make_user):
    return enroll(make_user("alice", is_staff=True))


@pytest.fixture
def bob(make_user):
    return enroll(make_user("bob"))


def bobs_code(bob, kind) -> str:
    return bob.code() if kind == "totp" else bob.backup_codes[0]


class Witness:
    """Both users' state before the attempt; ``check`` asserts the outcome."""

    def __init__(self, alice, bob):
        self.alice, self.bob = alice, bob
        self.alice_before, self.bob_before = two_factor_state(alice.user), two_factor_state(bob.user)

    def check(self, kind):
        assert two_factor_state(self.alice.user) == with_failures_added(self.alice_before, 1), "counted for Alice"
        assert two_factor_state(self.bob.user) == self.bob_before, "Bob's state is his own"
        # Bob's code is still his to use.
        if kind == "totp":
            assert devices.verify_totp(self.bob.user, self.bob.code())
        else:
            assert devices.verify_backup(self.bob.user, self.bob.backup_codes[0])


@pytest.mark.parametrize("kind", KINDS)
def test_jwt_second_step(alice, bob, kind):
    token = challenges.issue(alice.user)
    witness = Witness(alice, bob)
    field = "otp_code" if kind == "totp" else "backup_code"
    response = APIClient().post(
        "/api/jwt/totp/verify/", {"totp_challenge_token": token, field: bobs_code(bob, kind)}, format="json"
    )
    assert response.status_code == 400 and "access" not in response.json()
    witness.check(kind)


def api_logged_in(enrolled) -> APIClient:
    """A client with a JWT from the full two-step login (last backup code)."""
    client = APIClient()
    token = client.post(
        "/api/jwt/create/", {"username": enrolled.user.username, "password": PASSWORD}, format="json"
    ).json()["totp_challenge_token"]
    tokens = client.post(
        "/api/jwt/totp/verify/", {"totp_challenge_token": token, "backup_code": enrolled.backup_codes[-1]}, format="json"
    )
    assert tokens.status_code == 200, tokens.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    return client


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("endpoint", ["/api/totp/disable/", "/api/totp/rotate_backup_codes/"])
def test_api_step_up(alice, bob, endpoint, kind):
    client = api_logged_in(alice)
    witness = Witness(alice, bob)
    field = "otp_code" if kind == "totp" else "backup_code"
    response = client.post(endpoint, {field: bobs_code(bob, kind)}, format="json")
    assert response.status_code == 400, response.content
    witness.check(kind)


def session_url(name):
    return reverse(f"django_totp_native:{name}")


def session_pending_login(enrolled) -> Client:
    client = Client()
    response = client.post(session_url("login"), {"username": enrolled.user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(session_url("verify"))
    return client


@pytest.mark.parametrize("kind", KINDS)
def test_session_code_page(alice, bob, kind):
    client = session_pending_login(alice)
    witness = Witness(alice, bob)
    response = client.post(session_url("verify"), {"code": bobs_code(bob, kind)})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    witness.check(kind)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("page", ["regenerate", "disable"])
def test_session_step_up_pages(alice, bob, page, kind):
    client = session_pending_login(alice)
    assert client.post(session_url("verify"), {"code": alice.backup_codes[-1]}).status_code == 302
    witness = Witness(alice, bob)
    response = client.post(session_url(page), {"code": bobs_code(bob, kind)})
    assert response.status_code == 200
    witness.check(kind)


@pytest.mark.parametrize("kind", KINDS)
def test_admin_code_step(alice, bob, kind):
    client = Client()
    response = client.post("/admin/login/", {"username": "alice", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/login/two-factor/"
    witness = Witness(alice, bob)
    response = client.post("/admin/login/two-factor/", {"code": bobs_code(bob, kind)})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    witness.check(kind)


def test_codes_from_before_device_keys_stay_their_owners(alice, bob):
    """Codes stored before devices had their own key are digested under one key shared
    by every user: the lookup must stay within the user's own device."""
    store_codes_as_before_device_keys(alice)
    store_codes_as_before_device_keys(bob)
    token = challenges.issue(alice.user)
    witness = Witness(alice, bob)
    response = APIClient().post(
        "/api/jwt/totp/verify/", {"totp_challenge_token": token, "backup_code": bob.backup_codes[0]}, format="json"
    )
    assert response.status_code == 400
    witness.check("backup")
