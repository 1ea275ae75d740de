"""Backup-code formats: this app's forgiving Crockford codes and django-totp's exact ones;
input that cannot be a code is refused on every path without counting an attempt."""

import secrets

import pytest
from rest_framework.test import APIClient

from django_totp_native.services.sessions import PENDING_LOGIN_KEY
from django_totp_native import backup_code_utils
from django_totp_native.models import BackupCode, SecondFactorState, Totp
from django_totp_native.services import challenges, devices

from .conftest import PASSWORD, enroll, two_factor_state

pytestmark = pytest.mark.django_db

NOT_CODES = ["A", "ABC", "1", "12345", "abc", "1234567", "abc def", "x" * 9, "x" * 61, "!!!!-????-!!!!",
             "ABCD\x00EFGH-JKMN", "ABCD EFGH JKMN U"]


def urlsafe_codes(n=10):
    """Codes as django-totp makes them; at least one with '_' and one with '-'."""
    codes = [secrets.token_urlsafe(12) for _ in range(n - 2)] + ["Ab_" + "c" * 13, "Xy-" + "Z" * 13]
    assert all(len(c) == 16 for c in codes)
    return codes


@pytest.mark.parametrize("text", NOT_CODES)
def test_predicate_refuses_what_no_device_can_hold(text):
    assert not devices.could_be_backup_code(text)


@pytest.mark.parametrize(
    "text", ["ABCD-EFGH-JKMN", "abcd efgh jkmn", "AbCd-EfGh-JkMn", secrets.token_urlsafe(12), "backup-code-1",
             "  Zt_AYy9-K7ieoTnv  "]
)
def test_predicate_accepts_every_format(text):
    assert devices.could_be_backup_code(text)


def test_django_totp_codes_verify_exactly_as_written(enrolled):
    codes = urlsafe_codes()
    assert backup_code_utils.store_backup_codes(enrolled.user, codes) == codes
    assert set(BackupCode.objects.filter(totp__user=enrolled.user).values_list("digest", flat=True)).isdisjoint(codes)
    code = codes[-2]  # contains '_'
    assert not backup_code_utils.verify_backup_code(enrolled.user, code.swapcase())
    assert not backup_code_utils.verify_backup_code(enrolled.user, code.replace("_", "-"))
    assert backup_code_utils.verify_backup_code(enrolled.user, f"  {code}\n")
    assert not backup_code_utils.verify_backup_code(enrolled.user, code)  # once
    assert backup_code_utils.verify_backup_code(enrolled.user, codes[-1])


def test_own_codes_stay_forgiving(enrolled):
    code = enrolled.backup_codes[0]
    sloppy = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert backup_code_utils.verify_backup_code(enrolled.user, sloppy)
    assert not backup_code_utils.verify_backup_code(enrolled.user, code)


def test_exact_and_crockford_digests_are_separate_domains(enrolled):
    # The same characters stored as an exact code do not verify as a Crockford code
    # typed differently (forgiveness applies only to this app's own codes).
    backup_code_utils.store_backup_codes(enrolled.user, ["ABCDEFGHJKMN_x"])
    assert not backup_code_utils.verify_backup_code(enrolled.user, "abcdefghjkmn_x")
    assert backup_code_utils.verify_backup_code(enrolled.user, "ABCDEFGHJKMN_x")


@pytest.mark.parametrize("bad", ["short", "with space inside", "ümlaut-code-1", "x" * 61, ""])
def test_store_refuses_codes_no_device_can_hold_and_changes_nothing(enrolled, bad):
    before = two_factor_state(enrolled.user)
    with pytest.raises(ValueError):
        backup_code_utils.store_backup_codes(enrolled.user, ["ABCD-EFGH-JKMN", bad])
    assert two_factor_state(enrolled.user) == before


def test_store_backup_codes_enables_a_pending_device(user):
    devices.start_enrollment(user)
    assert not devices.is_enabled(user)
    backup_code_utils.store_backup_codes(user, urlsafe_codes())
    assert devices.is_enabled(user)
    assert Totp.objects.get(user=user).confirmed_at is not None


def test_rotate_on_a_pending_device_is_refused(user):
    devices.start_enrollment(user)
    with pytest.raises(ValueError, match="not enabled"):
        backup_code_utils.rotate_backup_codes(user)
    client = APIClient()
    client.force_authenticate(user)
    response = client.post("/api/totp/rotate_backup_codes/", {}, format="json")
    assert response.status_code == 400 and response.json()["detail"] == "TOTP is not enabled for this user."
    assert not devices.is_enabled(user) and not BackupCode.objects.filter(totp__user=user).exists()


def test_rotate_uses_the_patchable_generator(enrolled, monkeypatch):
    new = [f"new-backup-code-{i}" for i in range(1, 11)]
    monkeypatch.setattr("django_totp_native.backup_code_utils.generate_backup_codes", lambda: new)
    assert backup_code_utils.rotate_backup_codes(enrolled.user) == new
    assert backup_code_utils.verify_backup_code(enrolled.user, "new-backup-code-7")
    assert not backup_code_utils.verify_backup_code(enrolled.user, enrolled.backup_codes[0])


# Refusal without counting, per path ------------------------------------------------------


@pytest.mark.parametrize("text", NOT_CODES[:6])
def test_api_second_step_refuses_non_codes_without_counting(enrolled, text):
    token = challenges.issue(enrolled.user)
    before = two_factor_state(enrolled.user)
    response = APIClient().post(
        "/api/jwt/totp/verify/", {"totp_challenge_token": token, "backup_code": text}, format="json"
    )
    assert response.status_code == 400
    assert two_factor_state(enrolled.user) == before
    # A real (wrong) code of either format does count.
    APIClient().post(
        "/api/jwt/totp/verify/", {"totp_challenge_token": token, "backup_code": "Zt_AYy9-K7ieoTnv"}, format="json"
    )
    assert SecondFactorState.objects.get(user=enrolled.user).failed_attempts == before["state"]["failed_attempts"] + 1


@pytest.mark.parametrize("text", NOT_CODES[:6])
def test_api_step_up_refuses_non_codes_without_counting(enrolled, settings, text):
    settings.TOTP_REQUIRE_CODE_FOR_CHANGES = True
    client = APIClient()
    client.force_authenticate(enrolled.user)
    before = two_factor_state(enrolled.user)
    response = client.post("/api/totp/rotate_backup_codes/", {"backup_code": text}, format="json")
    assert response.status_code in (400, 403)
    assert two_factor_state(enrolled.user) == before


@pytest.mark.parametrize("text", ["12345", "abc", "A", "1234567", "ABC"])
def test_session_code_page_refuses_non_codes_as_invalid_input(enrolled, session_pages, client, text):
    from django.urls import reverse

    response = client.post(reverse("django_totp_native:login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    before = two_factor_state(enrolled.user)
    response = client.post(reverse("django_totp_native:verify"), {"code": text})
    assert response.status_code == 200
    assert "That is not a code" in response.content.decode()
    assert two_factor_state(enrolled.user) == before


def test_session_code_page_takes_digits_as_totp_and_the_rest_as_backup_code(enrolled, session_pages, client):
    from django.urls import reverse

    codes = urlsafe_codes()
    backup_code_utils.store_backup_codes(enrolled.user, codes)
    client.post(reverse("django_totp_native:login"), {"username": "alice", "password": PASSWORD})
    response = client.post(reverse("django_totp_native:verify"), {"code": codes[0]})
    assert response.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.parametrize("text", ["12345", "abc", "A"])
def test_admin_code_step_refuses_non_codes_without_counting(make_user, settings, client, text):
    settings.TOTP_ADMIN_REQUIRE_OTP = True
    staff = make_user("staffer", is_staff=True)
    enroll(staff)
    client.post("/admin/login/", {"username": "staffer", "password": PASSWORD, "next": "/admin/"})
    assert PENDING_LOGIN_KEY in client.session
    before = two_factor_state(staff)
    response = client.post("/admin/login/two-factor/", {"code": text})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert two_factor_state(staff) == before
