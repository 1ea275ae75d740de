"""In Chromium against a live server: the admin login asks staff with 2FA for a code, and
an administrator sees users' 2FA in the User admin and resets a user's 2FA there."""

import time

import pytest

from django_totp_native import core
from django_totp_native.conf import conf
from django_totp_native.models import SecondFactorState, Totp
from django_totp_native.services import devices, management

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.browser.urls")]

PASSWORD = "correct horse battery"
CHANGELIST = "/admin/auth/user/"


class EnrolledUser:
    def __init__(self, user, secret, backup_codes):
        self.user, self.secret, self.backup_codes = user, secret, backup_codes

    def code(self, offset_steps=0):
        return core.totp(self.secret, time.time() + 30 * offset_steps)


def enroll(user) -> EnrolledUser:
    """A confirmed device; confirmed with the previous step's code, so the current one is unused."""
    enrollment = devices.start_enrollment(user)
    backup_codes = devices.confirm_enrollment(user, core.totp(enrollment.secret, time.time() - 30))
    return EnrolledUser(user, enrollment.secret, backup_codes)


def admin_password_step(browser, username):
    browser.open("/admin/")
    assert browser.path == "/admin/login/"
    browser.fill("username", username)
    browser.fill("password", PASSWORD, submit=True)


def statuses_in_changelist(browser) -> dict[str, str]:
    """username -> the text of the 2FA column, row by row."""
    rows = {}
    for row in browser.find_all("#result_list tbody tr"):
        username = row.find_element("css selector", ".field-username").text
        rows[username] = row.find_element("css selector", ".field-totp_status").text
    return rows


@pytest.fixture
def make_user(django_user_model):
    def make(username, **extra):
        return django_user_model.objects.create_user(username, f"{username}@example.com", PASSWORD, **extra)

    return make


def test_admin_login_asks_staff_with_2fa_for_a_code(browser, make_user):
    # The default site is OTPAdminSite: tests/settings.py opts in with OTPAdminConfig.
    staffer = enroll(make_user("staffer", is_staff=True, is_superuser=True))

    admin_password_step(browser, "staffer")
    assert browser.path == "/admin/login/two-factor/", browser.text
    # Not "signed in" before the code: the password step only passed.
    assert "The password for staffer was correct." in browser.text
    assert "Signed in as" not in browser.text
    # The password alone does not open the admin.
    browser.open("/admin/auth/user/")
    assert browser.path == "/admin/login/"
    assert "Site administration" not in browser.text

    browser.open("/admin/login/two-factor/")
    wrong = next(c for c in ("123456", "654321", "111111") if c not in {staffer.code(o) for o in (-1, 0, 1)})
    browser.fill("code", wrong, submit=True)
    assert browser.path == "/admin/login/two-factor/"
    assert "That code is not valid." in browser.text

    browser.fill("code", staffer.code(), submit=True)
    assert browser.path == "/admin/", browser.text
    assert "Site administration" in browser.text
    assert "STAFFER" in browser.find("#user-tools").text.upper()


def test_admin_sees_2fa_column_and_resets_a_users_2fa(browser, make_user, artifacts):
    make_user("root", is_staff=True, is_superuser=True)
    bob = enroll(make_user("bob"))
    devices.start_enrollment(make_user("carol"))  # pending: never confirmed
    make_user("dave")
    management.require(make_user("erin"))
    frank = enroll(make_user("frank"))
    SecondFactorState.objects.filter(user=frank.user).update(failed_attempts=conf.MAX_FAILURES)  # locked out

    admin_password_step(browser, "root")
    assert browser.path == "/admin/", browser.text
    browser.open(CHANGELIST)
    header = browser.find("#result_list thead th.column-totp_status")
    assert header.text.strip() == "2FA"
    # At 1280 pixels the admin's own columns, its navigation sidebar and the filter leave
    # the last column scrolled off; collapse the sidebar as an admin would.
    browser.find("#toggle-nav-sidebar").click()
    browser.screenshot(artifacts / "admin-2fa-column.png")

    status = statuses_in_changelist(browser)
    assert status["bob"].startswith("enabled") and "10 backup codes left" in status["bob"], status
    assert status["carol"].startswith("pending"), status
    assert status["dave"] == "none", status
    assert status["erin"].startswith("none") and "required" in status["erin"], status
    assert status["frank"].startswith("enabled") and "locked" in status["frank"], status
    for text in status.values():
        assert bob.secret not in text and frank.secret not in text

    # The filter in the sidebar narrows the list to users with 2FA on.
    browser.click_link("enabled")
    assert sorted(statuses_in_changelist(browser)) == ["bob", "frank"]
    browser.open(CHANGELIST)

    # Reset bob's 2FA (lost phone): select him, run the action, confirm.
    browser.find(f"input[name='_selected_action'][value='{bob.user.pk}']").click()
    browser.choose("action", "reset_totp")
    browser.click("Go")
    assert "Reset two-factor authentication?" in browser.text
    assert "bob" in browser.find("#content").text
    browser.click("Yes, reset")
    assert browser.path == CHANGELIST
    assert "Two-factor authentication was reset for 1 user." in browser.text
    assert statuses_in_changelist(browser)["bob"] == "none"

    # Bob now signs in with his password alone, and can enroll again.
    browser.clear_cookies()
    browser.open("/accounts/login/")
    browser.fill("username", "bob")
    browser.fill("password", PASSWORD, submit=True)
    assert browser.find("#signed-in-as").text == "Signed in as bob"
    browser.open("/account/2fa/")
    assert "Two-factor authentication is off." in browser.text
