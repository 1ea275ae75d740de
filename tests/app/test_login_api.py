"""JWT login with the TOTP step: challenge tokens are signed, purpose-bound, expiring and single-use."""

import time

import pytest
from django.core.signing import BadSignature, SignatureExpired

from django_totp_native import auth
from django_totp_native.models import BackupCode, SecondFactorState, Totp
from django_totp_native.services import challenges

from .conftest import enroll

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def login(api, username="alice", password=PASSWORD):
    return api.post("/api/jwt/create/", {"username": username, "password": password}, format="json")


def challenge(api, username="alice"):
    response = login(api, username)
    assert response.status_code == 200, response.content
    assert response.json()["is_totp_enabled"] is True
    return response.json()["totp_challenge_token"]


def test_user_without_totp_gets_tokens(api, user):
    response = login(api)
    assert response.status_code == 200
    body = response.json()
    assert body["is_totp_enabled"] is False and body["access"] and body["refresh"]


def test_wrong_password_is_401(api, user):
    response = login(api, password="nope")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid credentials."}


def test_inactive_user_is_401(api, make_user):
    make_user("bob", is_active=False)
    assert login(api, "bob").status_code == 401


def test_enrolled_user_gets_a_challenge_then_tokens_for_a_code(api, enrolled):
    token = challenge(api)
    response = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": token, "otp_code": enrolled.code()}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"access", "refresh"}
    # The access token works on a protected endpoint.
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert api.post("/api/totp/rotate_backup_codes/").status_code == 200


def test_refresh_and_verify_endpoints(api, user):
    tokens = login(api).json()
    assert api.post("/api/jwt/verify/", {"token": tokens["access"]}, format="json").status_code == 200
    refreshed = api.post("/api/jwt/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 200 and refreshed.json()["access"]
    bad = api.post("/api/jwt/verify/", {"token": "garbage"}, format="json")
    assert bad.status_code == 401 and "detail" in bad.json()


def test_backup_code_logs_in_once(api, enrolled):
    code = enrolled.backup_codes[0]
    ok = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": challenge(api), "backup_code": code}, format="json")
    assert ok.status_code == 200
    again = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": challenge(api), "backup_code": code}, format="json")
    assert again.status_code == 400
    assert again.json() == {"detail": "Invalid 2FA code."}


def test_backup_code_is_normalised(api, enrolled):
    messy = " " + enrolled.backup_codes[1].lower().replace("-", " ") + " "
    response = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": challenge(api), "backup_code": messy}, format="json")
    assert response.status_code == 200


def test_totp_code_is_accepted_once(api, enrolled):
    code = enrolled.code()
    first = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": challenge(api), "otp_code": code}, format="json")
    second = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": challenge(api), "otp_code": code}, format="json")
    assert first.status_code == 200
    assert second.status_code == 400 and second.json() == {"detail": "Invalid 2FA code."}


def test_earlier_step_is_rejected_after_a_later_one(api, enrolled):
    assert api.post(
        "/api/jwt/totp/verify/", {"totp_challenge_token": challenge(api), "otp_code": enrolled.code(1)}, format="json"
    ).status_code == 200
    response = api.post(
        "/api/jwt/totp/verify/", {"totp_challenge_token": challenge(api), "otp_code": enrolled.code(0)}, format="json"
    )
    assert response.status_code == 400


def test_challenge_token_is_single_use(api, enrolled):
    token = challenge(api)
    assert api.post("/api/jwt/totp/verify/", {"totp_challenge_token": token, "otp_code": enrolled.code()}, format="json").status_code == 200
    reuse = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": token, "otp_code": enrolled.code(1)}, format="json")
    assert reuse.status_code == 400
    assert reuse.json() == {"detail": "Invalid or expired challenge token."}
    state = SecondFactorState.objects.get(user=enrolled.user)
    assert state.challenge_redeemed == state.challenge_issued == 1


def test_wrong_code_does_not_burn_the_token(api, enrolled):
    token = challenge(api)
    wrong = "000000" if enrolled.code() != "000000" else "111111"
    assert api.post("/api/jwt/totp/verify/", {"totp_challenge_token": token, "otp_code": wrong}, format="json").status_code == 400
    assert api.post("/api/jwt/totp/verify/", {"totp_challenge_token": token, "otp_code": enrolled.code()}, format="json").status_code == 200


def test_expired_challenge_is_rejected(api, enrolled, settings):
    token = challenge(api)
    settings.TOTP_TOKEN_MAX_AGE = 0
    time.sleep(1.1)
    response = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": token, "otp_code": enrolled.code()}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid or expired challenge token."}
    with pytest.raises(SignatureExpired):
        auth.verify_challenge_token(token)


def test_challenge_from_another_salt_is_rejected(api, enrolled, settings):
    token = challenge(api)
    settings.TOTP_TOKEN_SALT = "another-salt"
    with pytest.raises(BadSignature):
        auth.verify_challenge_token(token)


def test_compat_auth_helpers(enrolled):
    token = auth.generate_challenge_token(enrolled.user)
    assert auth.verify_challenge_token(token) == enrolled.user.pk
    assert auth.get_user_from_challenge_token(token) == enrolled.user
    assert auth.is_totp_enabled(enrolled.user)
    with pytest.raises(BadSignature):
        auth.verify_challenge_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))


def test_challenge_for_deleted_user(api, enrolled):
    token = challenge(api)
    enrolled.user.delete()
    response = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": token, "otp_code": "123456"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid or expired challenge token."}


def test_totp_disabled_after_challenge(api, enrolled):
    token = challenge(api)
    Totp.objects.filter(user=enrolled.user).delete()
    response = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": token, "otp_code": "123456"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "TOTP is not enabled for this user."}


def test_other_purpose_token_is_rejected(api, enrolled):
    from django_totp_native import core
    from django_totp_native.services import keys

    other = core.sign_challenge(keys.challenge_key(), str(enrolled.user.pk), "password_reset")
    response = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": other, "otp_code": enrolled.code()}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid or expired challenge token."}
    assert challenges.PURPOSE == "totp_verification"


def test_login_signals(api, enrolled, make_user):
    from django_totp_native import signals

    seen = []

    def on_totp(sender, **kw):
        seen.append(("totp", kw["user"]))

    def on_plain(sender, **kw):
        seen.append(("plain", kw["user"]))

    signals.totp_login_succeeded.connect(on_totp)
    signals.non_totp_login_succeeded.connect(on_plain)
    try:
        plain = make_user("carol")
        login(api, "carol")
        api.post("/api/jwt/totp/verify/", {"totp_challenge_token": challenge(api), "otp_code": enrolled.code()}, format="json")
    finally:
        signals.totp_login_succeeded.disconnect(on_totp)
        signals.non_totp_login_succeeded.disconnect(on_plain)
    assert seen == [("plain", plain), ("totp", enrolled.user)]


def test_failing_signal_receiver_does_not_break_login(api, enrolled):
    from django_totp_native import signals

    def boom(sender, **kw):
        raise RuntimeError("receiver bug")

    signals.totp_login_succeeded.connect(boom)
    try:
        response = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": challenge(api), "otp_code": enrolled.code()}, format="json")
    finally:
        signals.totp_login_succeeded.disconnect(boom)
    assert response.status_code == 200


def test_second_user_is_independent(api, enrolled, make_user):
    other = enroll(make_user("dave"))
    token = challenge(api, "dave")
    # Alice's code does not log Dave in (unless the two random secrets collide).
    response = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": token, "otp_code": other.code()}, format="json")
    assert response.status_code == 200
    assert BackupCode.objects.filter(totp__user=other.user).count() == 10


def test_challenge_for_a_user_without_2fa_says_so(api, user):
    from django_totp_native.auth import generate_challenge_token

    response = api.post(
        "/api/jwt/totp/verify/",
        {"totp_challenge_token": generate_challenge_token(user), "otp_code": "123456"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "TOTP is not enabled for this user."
