"""The whole JWT flow against a project built from the Quick start's snippets.

Run by test_quickstart.py inside that project (``python quickstart_flow.py`` with its
settings), never imported by pytest: it sees only what a new user's project has.
"""

import json
import os
import sys
import time

import django

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from django_totp_native import core  # noqa: E402

setup_test_environment()  # the test client's host and an in-memory mail outbox
PASSWORD = "quick-start-password-1"
get_user_model().objects.create_user("alice", "alice@example.com", PASSWORD)
client = Client()


def post(path, body=None, token=None, expect=200):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = client.post(path, json.dumps(body or {}), content_type="application/json", **headers)
    assert response.status_code == expect, (path, response.status_code, response.content)
    return response.json() if response.content else {}


def password_step():
    return post("/api/jwt/create/", {"username": "alice", "password": PASSWORD})


# No 2FA yet: the password gives tokens at once, and a Bearer token works on the API.
first = password_step()
assert first["is_totp_enabled"] is False, first
access = first["access"]

# Enrol: a new key with its QR code, then the first code confirms it.
created = post("/api/totp/create/", token=access, expect=201)
assert created["otpauth_uri"].startswith("otpauth://totp/Example%20Site:alice?"), created["otpauth_uri"]
assert "issuer=Example%20Site" in created["otpauth_uri"], created["otpauth_uri"]
secret = created["secret"]
confirmed = post("/api/totp/confirm/", {"input_code": core.totp(secret, time.time())}, token=access)
backup_codes = confirmed["backup_codes"]
assert len(backup_codes) == 10, backup_codes

# Second step with a code (the confirm spent this step's; the next is within tolerance).
challenge = password_step()
assert challenge["is_totp_enabled"] is True and "access" not in challenge, challenge
by_code = post(
    "/api/jwt/totp/verify/",
    {"totp_challenge_token": challenge["totp_challenge_token"], "otp_code": core.totp(secret, time.time() + 30)},
)
assert {"access", "refresh"} <= set(by_code), by_code

# Second step with a backup code, once.
by_backup = post(
    "/api/jwt/totp/verify/",
    {"totp_challenge_token": password_step()["totp_challenge_token"], "backup_code": backup_codes[0]},
)
post(
    "/api/jwt/totp/verify/",
    {"totp_challenge_token": password_step()["totp_challenge_token"], "backup_code": backup_codes[0]},
    expect=400,
)

# Every request here comes from one address, and the default TOTP_THROTTLE_RATE allows it
# 10 anonymous requests a minute (docs/throttling.md): start the next minute's budget.
cache.clear()

# New backup codes: the old set stops working.
rotated = post("/api/totp/rotate_backup_codes/", token=by_backup["access"])["backup_codes"]
assert len(rotated) == 10 and not set(rotated) & set(backup_codes), rotated
post(
    "/api/jwt/totp/verify/",
    {"totp_challenge_token": password_step()["totp_challenge_token"], "backup_code": backup_codes[1]},
    expect=400,
)

# Turn 2FA off: the client that did it keeps working, the other login's token is ended.
post("/api/totp/disable/", token=by_backup["access"], expect=204)
post("/api/totp/create/", token=by_code["access"], expect=401)
assert password_step()["is_totp_enabled"] is False
print("quick start JWT flow: ok")
