"""Security issue 8, items 6 and 7: hostile bodies and usernames, and error reports.

- Absurdly nested JSON is a 400 with ``detail`` on every JSON endpoint, never a 500.
- Every valid username enrolls (the authenticator label is shortened safely), and no
  error leaves a half-made device behind.
- Django's error report (what the admin error e-mail and error trackers record) shows no
  secret, code, password, token or key from any function that held one.
"""

import sys

import pytest
from django.views.debug import ExceptionReporter
from django.views.decorators.debug import sensitive_variables
from rest_framework.test import APIClient

from django_totp_native import core
from django_totp_native.models import BackupCode, Totp
from django_totp_native.services import backup_codes, challenges, devices, keys, recovery
from django_totp_native.services import enrollment as enrollment_service

from .conftest import code_at

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"

JSON_ENDPOINTS = [
    ("anonymous", "/api/jwt/create/"),
    ("anonymous", "/api/jwt/totp/verify/"),
    ("anonymous", "/api/jwt/refresh/"),
    ("anonymous", "/api/jwt/verify/"),
    ("anonymous", "/api/totp/recovery/"),
    ("anonymous", "/api/totp/recovery_confirm/"),
    ("user", "/api/totp/create/"),
    ("user", "/api/totp/confirm/"),
    ("user", "/api/totp/disable/"),
    ("user", "/api/totp/rotate_backup_codes/"),
]


@pytest.mark.parametrize("who,path", JSON_ENDPOINTS, ids=[p for _, p in JSON_ENDPOINTS])
def test_deeply_nested_json_is_a_400_with_detail(enrolled, who, path, settings):
    settings.TOTP_REQUIRE_CODE_FOR_CHANGES = True  # disable and rotate read the body then
    client = APIClient()
    if who == "user":
        client.force_authenticate(enrolled.user)
    before = Totp.objects.filter(user=enrolled.user).values().first()
    for body in ("[" * 100_000, '{"a":' * 100_000):
        response = client.post(path, body, content_type="application/json")
        assert response.status_code == 400, (path, response.status_code)
        assert "detail" in response.json()
    assert Totp.objects.filter(user=enrolled.user).values().first() == before


def test_a_username_of_129_four_byte_characters_enrolls(make_user):
    user = make_user("\U00020000" * 129)
    client = APIClient()
    client.force_authenticate(user)
    response = client.post("/api/totp/create/")
    assert response.status_code == 201
    body = response.json()
    assert body["svg"].startswith("<svg") and body["otpauth_uri"].startswith("otpauth://totp/")
    confirmed = client.post("/api/totp/confirm/", {"input_code": code_at(body["secret"], -1)}, format="json")
    assert confirmed.status_code == 200 and devices.is_enabled(user)


def test_an_error_while_enrolling_leaves_no_device(user, monkeypatch):
    def broken_qr(*args, **kwargs):
        raise RuntimeError("QR rendering failed")

    monkeypatch.setattr(devices.core, "qr_svg", broken_qr)
    with pytest.raises(RuntimeError):
        devices.start_enrollment(user)
    assert not Totp.objects.filter(user=user).exists()


# Error reports -----------------------------------------------------------------------


@sensitive_variables()
def _forced_failure(*args, **kwargs):
    # Stands in for a callee that fails; it hides its own arguments, as the real callees
    # (native code) have no Python frame that could show them.
    raise RuntimeError("forced failure")


def _report_of(call) -> str:
    """What the error report shows of the library's frames (the test's own frames hold
    the secrets it planted, of course): each frame's variables as the report renders them."""
    try:
        call()
    except RuntimeError:
        reporter = ExceptionReporter(None, *sys.exc_info())
        shown = [str(reporter.exc_value)]
        for frame in reporter.get_traceback_frames():
            if "/django_totp_native/" in frame["filename"].replace("\\", "/"):
                shown.append(frame["function"])
                shown.extend(f"{name}={value}" for name, value in frame["vars"])
        assert len(shown) > 2, "no frame of the library was reported"
        return "\n".join(shown)
    raise AssertionError("the forced failure did not happen")


def _assert_hidden(report: str, *secrets):
    assert "forced failure" in report  # the report really rendered the failing call
    for secret in secrets:
        assert secret and secret not in report, f"{secret[:3]}… shown in the error report"


def test_start_enrollment_error_report_hides_the_secret(user, monkeypatch):
    seen = {}
    real_uri = enrollment_service.provisioning_uri

    def remember(u, secret):
        seen["secret"] = secret
        return real_uri(u, secret)

    monkeypatch.setattr(enrollment_service, "provisioning_uri", remember)
    monkeypatch.setattr(devices.core, "qr_svg", _forced_failure)
    report = _report_of(lambda: devices.start_enrollment(user))
    _assert_hidden(report, seen["secret"])


def test_confirm_enrollment_error_report_hides_code_and_backup_codes(user, monkeypatch):
    enrollment = devices.start_enrollment(user)
    code = code_at(enrollment.secret)
    monkeypatch.setattr(backup_codes, "_store_backup_codes", _forced_failure)
    report = _report_of(lambda: devices.confirm_enrollment(user, code))
    _assert_hidden(report, code, enrollment.secret)
    assert not devices.is_enabled(user)  # nothing half-done


def test_totp_verification_error_report_hides_the_code(enrolled, monkeypatch):
    code = enrolled.code()
    monkeypatch.setattr(devices.core, "totp_match_sealed", _forced_failure)
    _assert_hidden(_report_of(lambda: devices.verify_totp(enrolled.user, code)), code)


def test_backup_code_verification_error_report_hides_the_code(enrolled, monkeypatch):
    code = enrolled.backup_codes[0]
    monkeypatch.setattr(backup_codes, "digests_for", _forced_failure)
    _assert_hidden(_report_of(lambda: devices.verify_backup(enrolled.user, code)), code)


def test_login_second_step_error_report_hides_token_and_code(enrolled, monkeypatch):
    token = challenges.issue(enrolled.user)
    code = enrolled.code()
    monkeypatch.setattr(devices.core, "totp_match_sealed", _forced_failure)
    report = _report_of(lambda: challenges.complete_login(token, otp_code=code))
    _assert_hidden(report, token, code)


def test_backup_code_rotation_error_report_hides_the_new_codes(enrolled, monkeypatch):
    issued = {}
    real = devices.core.generate_backup_codes

    def remember(**kwargs):
        issued["codes"] = real(**kwargs)
        return issued["codes"]

    monkeypatch.setattr(devices.core, "generate_backup_codes", remember)
    monkeypatch.setattr(BackupCode.objects, "bulk_create", _forced_failure)
    report = _report_of(lambda: devices.rotate_codes(enrolled.user))
    _assert_hidden(report, *issued["codes"])


def test_recovery_link_error_report_hides_token_and_password(enrolled, monkeypatch):
    uid = recovery.encode_uid(enrolled.user.pk)
    token = recovery.recovery_token_generator.make_token(enrolled.user)
    monkeypatch.setattr(type(enrolled.user), "check_password", _forced_failure)
    report = _report_of(lambda: recovery.check_link(uid, token, PASSWORD))
    _assert_hidden(report, token, PASSWORD)


def test_key_handling_error_reports_hide_the_keys(enrolled, monkeypatch, settings):
    key = settings.TOTP_ENCRYPTION_KEY
    keys._fernet_cache.clear()
    monkeypatch.setattr(keys.core, "MultiFernet", _forced_failure)
    _assert_hidden(_report_of(keys.fernet), key)
    monkeypatch.setattr(keys.hmac, "new", _forced_failure)
    _assert_hidden(_report_of(keys.challenge_key), settings.SECRET_KEY)


def test_api_views_error_reports_hide_codes(enrolled, monkeypatch):
    """Through the API: the views' locals (serializer with its input, validated data)."""
    code = enrolled.code()
    api = APIClient(raise_request_exception=True)
    first = api.post("/api/jwt/create/", {"username": "alice", "password": PASSWORD}, format="json").json()
    monkeypatch.setattr(challenges, "complete", _forced_failure)
    body = {"totp_challenge_token": first["totp_challenge_token"], "otp_code": code}
    report = _report_of(lambda: api.post("/api/jwt/totp/verify/", body, format="json"))
    _assert_hidden(report, code, first["totp_challenge_token"])
    monkeypatch.setattr(core, "sign_challenge", _forced_failure)
    monkeypatch.setattr(challenges.core, "sign_challenge", _forced_failure)
    login = {"username": "alice", "password": PASSWORD}
    _assert_hidden(_report_of(lambda: api.post("/api/jwt/create/", login, format="json")), PASSWORD)
