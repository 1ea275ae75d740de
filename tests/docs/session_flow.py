"""Enrollment and the two-step login through the session pages of a project built from
the Quick start plus the session snippets (run by test_quickstart.py inside it)."""

import os
import re
import sys
import time

import django

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from django_totp_native import core  # noqa: E402

setup_test_environment()
PASSWORD = "session-start-password-1"
get_user_model().objects.create_user("bob", "bob@example.com", PASSWORD)
BACKUP_CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


def sign_in(client):
    response = client.post("/accounts/login/?next=/billing/", {"username": "bob", "password": PASSWORD, "next": "/billing/"})
    assert response.status_code == 302, response.content
    return response["Location"]


client = Client()
assert client.get("/billing/").status_code == 302  # not signed in: to the login page
sign_in(client)  # no 2FA yet: signed in, and the protected view sends bob to enrollment
to_enroll = client.get("/billing/")
assert to_enroll.status_code == 302 and "/account/2fa/enroll/" in to_enroll["Location"], to_enroll

page = client.get("/account/2fa/enroll/")
assert page.status_code == 200
secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', page.content.decode()).group(1).replace(" ", "")
confirmed = client.post("/account/2fa/enroll/confirm/", {"code": core.totp(secret, time.time())})
assert confirmed.status_code == 200, confirmed
backup_codes = BACKUP_CODE.findall(confirmed.content.decode())
assert len(set(backup_codes)) == 10, backup_codes
assert client.get("/billing/").content == b"billing"  # the enrollment verified this session

# A new browser: the password, then the code page, then the view.
browser = Client()
assert "/account/2fa/verify/" in sign_in(browser)
assert browser.get("/billing/").status_code == 302  # not verified yet
passed = browser.post("/account/2fa/verify/", {"code": core.totp(secret, time.time() + 30)})
assert passed.status_code == 302 and passed["Location"] == "/billing/", passed
assert browser.get("/billing/").content == b"billing"

# And one with a backup code.
other = Client()
sign_in(other)
assert other.post("/account/2fa/verify/", {"code": backup_codes[0]}).status_code == 302
assert other.get("/billing/").content == b"billing"
print("session pages flow: ok")
