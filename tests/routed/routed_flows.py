"""Every flow with auth and the 2FA models routed to "accounts" (issue 17 item 3).

Run by tests/app/test_routed_databases.py in its own process with tests.routed.settings
(the name does not match test_*.py, so the main run does not collect it). The tests may
use only the "accounts" database: pytest-django refuses any statement on "default", so a
single query that ignores the router fails the test that makes it.
"""

from io import StringIO

import pyotp
import pytest
from cryptography.fernet import Fernet as OracleFernet
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connections
from django.test import Client
from rest_framework.test import APIClient

from django_totp_native.models import BackupCode, SecondFactorState, Totp, TotpRequirement

pytestmark = pytest.mark.django_db(databases=["accounts"])

PASSWORD = "correct horse battery"


def at(secret: str, steps: int = 0) -> str:
    import time

    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def jwt_login(username: str) -> dict:
    return APIClient().post("/api/jwt/create/", {"username": username, "password": PASSWORD}, format="json").json()


def enroll_by_api(username: str):
    get_user_model().objects.create_user(username, f"{username}@example.com", PASSWORD)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer " + jwt_login(username)["access"])
    created = api.post("/api/totp/create/")
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    confirmed = api.post("/api/totp/confirm/", {"input_code": at(secret, -1)}, format="json")
    assert confirmed.status_code == 200, confirmed.content
    api.credentials(HTTP_AUTHORIZATION="Bearer " + confirmed.json()["access"])
    return api, secret, confirmed.json()["backup_codes"]


def second_step(challenge: str, **code) -> object:
    return APIClient().post("/api/jwt/totp/verify/", {"totp_challenge_token": challenge, **code}, format="json")


def test_the_jwt_flow(settings):
    api, secret, backup_codes = enroll_by_api("alice")
    user = get_user_model().objects.get(username="alice")
    assert Totp.objects.get(user=user).confirmed_at is not None
    # Login: a wrong code counts on the user's state row, a right one and a backup code log in.
    wrong = next(c for c in ("000000", "111111") if c not in {at(secret, d) for d in (-1, 0, 1)})
    assert second_step(jwt_login("alice")["totp_challenge_token"], otp_code=wrong).status_code == 400
    assert SecondFactorState.objects.get(user=user).failed_attempts == 1
    assert second_step(jwt_login("alice")["totp_challenge_token"], otp_code=at(secret, 1)).status_code == 200
    assert second_step(jwt_login("alice")["totp_challenge_token"], backup_code=backup_codes[0]).status_code == 200
    assert BackupCode.objects.filter(totp__user=user, is_used=True).count() == 1
    # Management with the verified token.
    rotated = api.post("/api/totp/rotate_backup_codes/")
    assert rotated.status_code == 200 and len(rotated.json()["backup_codes"]) == 10
    assert api.post("/api/totp/disable/").status_code == 204
    assert not Totp.objects.filter(user=user).exists()


def test_the_session_pages(settings):
    settings.LOGIN_URL = "django_totp_native:login"
    settings.LOGIN_REDIRECT_URL = "/account/2fa/"
    _api, secret, _codes = enroll_by_api("bob")
    client = Client()
    response = client.post("/account/2fa/login/", {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/account/2fa/verify/")
    response = client.post("/account/2fa/verify/", {"code": at(secret, 1)})
    assert response.status_code == 302, response.content
    page = client.get("/account/2fa/")
    assert page.status_code == 200
    regenerated = client.post("/account/2fa/backup-codes/regenerate/")
    assert regenerated.status_code == 200 and b"backup" in regenerated.content.lower()


def test_key_rotation(settings):
    enroll_by_api("carol")
    old_key = settings.TOTP_ENCRYPTION_KEY
    new_key = OracleFernet.generate_key().decode()
    settings.TOTP_ENCRYPTION_KEY = [new_key, old_key]
    out = StringIO()
    call_command("rotate_totp_keys", stdout=out)
    assert "Re-sealed 1 of 1 device" in out.getvalue()
    settings.TOTP_ENCRYPTION_KEY = new_key
    device = Totp.objects.get(user__username="carol")
    assert OracleFernet(new_key.encode()).decrypt(device.secret_key.encode())


def test_the_management_commands():
    enroll_by_api("dave")
    user = get_user_model().objects.get(username="dave")
    SecondFactorState.objects.filter(user=user).update(failed_attempts=7)
    out = StringIO()
    call_command("totp_status", "dave", stdout=out)
    assert "dave" in out.getvalue()
    call_command("totp_require", "dave", stdout=StringIO())
    assert TotpRequirement.objects.filter(user=user).exists()
    call_command("totp_unlock", "dave", stdout=StringIO())
    assert SecondFactorState.objects.get(user=user).failed_attempts == 0
    call_command("totp_reset", "dave", "--yes", stdout=StringIO())
    assert not Totp.objects.filter(user=user).exists()


def test_importing_django_totp_data(settings):
    erin = get_user_model().objects.create_user("erin", "erin@example.com", PASSWORD)
    connection = connections["accounts"]
    timestamp = "timestamp with time zone" if connection.vendor == "postgresql" else "datetime"
    secret = pyotp.random_base32()
    sealed = OracleFernet(settings.TOTP_ENCRYPTION_KEY.encode()).encrypt(secret.encode()).decode()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE django_totp_totp (id integer PRIMARY KEY, user_id integer NOT NULL UNIQUE, "
            f"secret_key varchar(255) NOT NULL, created_at {timestamp} NOT NULL)"
        )
        cursor.execute(
            "CREATE TABLE django_totp_backupcode (id integer PRIMARY KEY, totp_id integer NOT NULL, "
            "code varchar(255) NOT NULL, is_used boolean NOT NULL, created_at timestamp NOT NULL)"
        )
        cursor.execute("INSERT INTO django_totp_totp VALUES (1, %s, %s, '2024-01-01 00:00:00+00:00')", [erin.pk, sealed])
    out = StringIO()
    call_command("import_django_totp", database="accounts", stdout=out)
    assert "Imported 1 of 1" in out.getvalue()
    # An imported device without codes is pending; storing codes (django-totp's API) enables it.
    from django_totp_native import backup_code_utils, totp

    backup_code_utils.store_backup_codes(erin, ["Zt_AYy9-K7ieoTnv"])
    assert totp.verify_totp_code(erin, at(secret))
