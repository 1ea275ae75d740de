"""In Chromium against a live server: a user sets up 2FA through the pages, then signs in
with password + code, is refused a replayed code, and signs in once with a backup code.

The test reads the key from the enrollment page as a user would type it into an app and
computes the codes with the native core, as the authenticator app would.
"""

import re
import subprocess
import time
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from django_totp_native import core

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.browser.urls")]

PASSWORD = "correct horse battery"
#: The key for manual entry as the enrollment page shows it: base32 in groups of four.
GROUPED_SECRET = re.compile(r"\b[A-Z2-7]{4}(?: [A-Z2-7]{1,4}){3,}\b")
#: A backup code as the core makes them: Crockford base32 in groups joined by '-'.
BACKUP_CODE = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4})+\b")


def code_for(secret: str, offset_steps: int = 0) -> str:
    """What an authenticator app shows for ``secret`` now (or ``offset_steps`` periods away)."""
    return core.totp(secret, time.time() + 30 * offset_steps)


def wrong_code_for(secret: str) -> str:
    """Six digits that no step within the tolerance window accepts."""
    near = {code_for(secret, offset) for offset in (-2, -1, 0, 1, 2)}
    return next(f"{n:06d}" for n in range(123456, 1_000_000) if f"{n:06d}" not in near)


def shown_secret(browser) -> str:
    """The key for manual entry, found by its look (groups of four base32 characters)."""
    keys = GROUPED_SECRET.findall(browser.text)
    assert len(keys) == 1, f"the enrollment page shows exactly one key for manual entry, found {keys!r}"
    return keys[0].replace(" ", "")


def otpauth_link_secret(browser) -> str | None:
    links = browser.find_all("a[href^='otpauth:']")
    if not links:
        return None
    return parse_qs(urlsplit(links[0].get_attribute("href")).query)["secret"][0]


def log_in(browser, username: str, password: str = PASSWORD) -> None:
    browser.open("/accounts/login/")
    browser.fill("username", username)
    browser.fill("password", password, submit=True)


def log_out(browser) -> None:
    browser.open("/accounts/profile/")
    browser.click("Log out")
    assert "You are logged out." in browser.text


def enter_code(browser, code: str) -> None:
    assert browser.path == "/account/2fa/verify/", f"expected the code page, got {browser.path}"
    browser.fill("code", code, submit=True)


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", PASSWORD)


def test_login_page_sends_the_user_on_to_the_page_that_asked_for_it(browser, alice):
    browser.open("/account/2fa/enroll/")
    assert browser.path == "/accounts/login/"
    assert browser.query == {"next": ["/account/2fa/enroll/"]}
    browser.fill("username", "alice")
    browser.fill("password", PASSWORD, submit=True)
    assert browser.path == "/account/2fa/enroll/", "the login page lost ?next="


def test_user_enrolls_then_logs_in_with_code_replay_refused_backup_code_once(browser, alice, artifacts):
    log_in(browser, "alice")
    assert browser.find("#signed-in-as").text == "Signed in as alice"
    browser.open("/account/2fa/")
    assert "Two-factor authentication is off." in browser.text
    browser.click_link("Set up two-factor authentication")
    assert browser.path == "/account/2fa/enroll/", browser.text
    assert browser.heading == "Set up two-factor authentication"
    browser.screenshot(artifacts / "enrollment.png")

    qr = browser.find(".qr svg, figure svg, img[src*='qr']")
    assert qr.is_displayed() and qr.size["width"] >= 100 and qr.size["height"] >= 100, qr.size
    secret = shown_secret(browser)
    assert len(core.b32decode(secret)) >= 16
    link_secret = otpauth_link_secret(browser)
    assert link_secret in (None, secret), "the 'open in app' link carries the key shown for manual entry"

    # A wrong code is refused with an explanation, and the key stays the one scanned.
    browser.fill("code", wrong_code_for(secret), submit=True)
    assert "not valid" in browser.field_errors()
    assert shown_secret(browser) == secret

    browser.fill("code", code_for(secret), submit=True)
    # The codes are the answer to the confirming POST itself: never stored to be shown later.
    assert browser.path == "/account/2fa/enroll/confirm/", browser.text
    assert "Two-factor authentication is now turned on." in browser.text
    backup_codes = BACKUP_CODE.findall(browser.find("main").text)
    assert len(backup_codes) == 10 and len(set(backup_codes)) == 10, backup_codes
    browser.screenshot(artifacts / "backup-codes.png")  # docs/images/ (docs/session.md)
    download = unquote(browser.find("a[download]").get_attribute("href"))
    assert download.startswith("data:text/plain") and all(code in download for code in backup_codes)
    browser.click("I have saved my backup codes")
    assert "Two-factor authentication is on." in browser.text

    # Log out; the password alone no longer signs in.
    log_out(browser)
    log_in(browser, "alice")
    assert browser.path == "/account/2fa/verify/", browser.text
    browser.screenshot(artifacts / "code-page.png")  # docs/images/ (docs/session.md)
    browser.open("/accounts/profile/")
    assert browser.path == "/accounts/login/", "the password step alone must not sign the user in"

    # Password + code signs in. The enrollment used the current step's code, so the app's
    # next code is the first one that is not a replay.
    log_in(browser, "alice")
    login_code = code_for(secret, offset_steps=1)
    enter_code(browser, login_code)
    assert browser.path == "/accounts/profile/"
    assert browser.find("#signed-in-as").text == "Signed in as alice"

    # The same code again, by someone who saw it: refused, with the hint to wait.
    log_out(browser)
    log_in(browser, "alice")
    enter_code(browser, login_code)
    assert browser.path == "/account/2fa/verify/"
    assert "That code was just used; wait for the next one." in browser.field_errors()
    browser.open("/accounts/profile/")
    assert browser.path == "/accounts/login/"

    # A backup code signs in once, with a warning that it is now used up.
    log_in(browser, "alice")
    enter_code(browser, backup_codes[0])
    assert browser.path == "/accounts/profile/"
    assert browser.find("#signed-in-as").text == "Signed in as alice"
    browser.open("/account/2fa/")
    assert "You used a backup code; it cannot be used again. You have 9 backup codes left." in browser.text
    assert "You have 9 unused backup codes." in browser.text

    # Used up, however it is typed.
    log_out(browser)
    log_in(browser, "alice")
    enter_code(browser, backup_codes[0].lower())
    assert browser.path == "/account/2fa/verify/"
    assert "not valid" in browser.field_errors()

    # Another backup code still works.
    enter_code(browser, backup_codes[1])
    assert browser.find("#signed-in-as").text == "Signed in as alice"


@pytest.mark.oracle("zbarimg")
def test_enrollment_page_qr_code_scans_to_the_key_shown(browser, alice, artifacts):
    log_in(browser, "alice")
    browser.open("/account/2fa/enroll/")
    assert browser.path == "/account/2fa/enroll/", browser.text

    qr_png = artifacts / "enrollment-qr.png"
    qr_png.write_bytes(browser.find(".qr svg, figure svg, img[src*='qr']").screenshot_as_png)
    scan = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(qr_png)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert scan.returncode == 0, f"no QR code found in the rendered page: {scan.stderr}"
    uri = scan.stdout.strip()
    assert uri.startswith("otpauth://totp/"), uri
    query = parse_qs(urlsplit(uri).query)
    assert query["secret"] == [shown_secret(browser)]
    assert query["issuer"] == ["Test Suite"]
    assert "alice" in urlsplit(uri).path
