"""Signed challenge tokens: round trip, purpose/key binding, tampering, expiry and skew, argument errors."""

import base64
import hashlib
import hmac
import re
import time

import pytest

from django_totp_native import core

KEY = b"challenge-key-for-tests-0123456789"
NOW = 1_700_000_000
URL_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def sign(subject="42", purpose="login", issued_at=NOW, key=KEY):
    return core.sign_challenge(key, subject, purpose, issued_at)


@pytest.mark.parametrize("subject", ["1", "42", "user-é-€-名前", "x" * 255, "a b\tc", "0" * 100])
def test_round_trip(subject):
    token = sign(subject)
    got = core.verify_challenge(KEY, token, "login", 300, NOW)
    assert isinstance(got, tuple) and len(got) == 3
    got_subject, issued_at, nonce_hex = got
    assert got_subject == subject
    assert issued_at == NOW and type(issued_at) is int
    assert re.fullmatch(r"[0-9a-f]{32}", nonce_hex)
    # URL-safe and compact: no padding, no characters a URL or a header would escape, and
    # no bigger than the documented layout needs (1+8+16+1+subject+32 bytes, base64).
    assert URL_SAFE.match(token)
    assert len(token) <= -(-(58 + len(subject.encode())) * 4 // 3)


def test_str_key_and_bytes_token_are_accepted():
    token = core.sign_challenge("text key", "7", "login", NOW)
    assert core.verify_challenge("text key", token.encode(), "login", 60, NOW)[0] == "7"
    assert core.verify_challenge(b"text key", token, "login", 60, NOW)[0] == "7"


def test_default_issued_at_and_now_are_the_clock():
    before = int(time.time())
    token = core.sign_challenge(KEY, "9", "login")
    after = int(time.time())
    subject, issued_at, _ = core.verify_challenge(KEY, token, "login", 60)
    assert subject == "9" and before <= issued_at <= after + 1


def test_nonces_and_tokens_differ_every_time():
    tokens = [sign() for _ in range(300)]
    assert len(set(tokens)) == 300
    nonces = {core.verify_challenge(KEY, t, "login", 60, NOW)[2] for t in tokens}
    assert len(nonces) == 300


def test_layout_is_the_documented_one():
    # version(1)=1 | issued_at(8, BE) | nonce(16) | subject_len(1) | subject | tag(32),
    # tag = HMAC-SHA256(key, "totp-native-challenge" 0 purpose 0 || body).
    token = sign("1234", "step-up")
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert raw[0] == 1
    assert int.from_bytes(raw[1:9], "big") == NOW
    assert raw[25] == 4 and raw[26:30] == b"1234"
    body, tag = raw[:-32], raw[-32:]
    assert len(body) == 30
    expected = hmac.new(KEY, b"totp-native-challenge\x00step-up\x00" + body, hashlib.sha256).digest()
    assert tag == expected
    assert core.verify_challenge(KEY, token, "step-up", 60, NOW)[2] == raw[9:25].hex()


def _kind(fn):
    try:
        fn()
    except core.ExpiredToken:
        return "expired"
    except core.InvalidToken:
        return "invalid"
    return "ok"


def test_exception_hierarchy():
    assert issubclass(core.ExpiredToken, core.InvalidToken)
    assert issubclass(core.InvalidToken, core.NativeError)
    assert issubclass(core.NativeError, Exception)
    assert not issubclass(core.InvalidToken, ValueError)


@pytest.mark.parametrize("purpose", ["Login", "login ", "logi", "login\x00", "password-reset", "LOGIN"])
def test_wrong_purpose_is_invalid(purpose):
    token = sign()
    assert _kind(lambda: core.verify_challenge(KEY, token, purpose, 300, NOW)) == "invalid"


# (Not KEY + b"\x00": HMAC zero-pads short keys, so that is the same HMAC key by design.)
@pytest.mark.parametrize("key", [b"challenge-key-for-tests-012345678", KEY[:-1] + b"8", b"other", "challenge-key-for-tests-0123456789x"])
def test_wrong_key_is_invalid(key):
    token = sign()
    assert _kind(lambda: core.verify_challenge(key, token, "login", 300, NOW)) == "invalid"


def test_key_as_str_equals_key_as_utf8_bytes():
    token = core.sign_challenge("kéy", "1", "login", NOW)
    assert core.verify_challenge("kéy".encode(), token, "login", 60, NOW)[0] == "1"


def test_every_flipped_character_is_invalid():
    token = sign("12345")
    for i, ch in enumerate(token):
        for shift in (1, 31):
            other = B64URL[(B64URL.index(ch) + shift) % 64]
            changed = token[:i] + other + token[i + 1 :]
            with pytest.raises(core.InvalidToken) as info:
                core.verify_challenge(KEY, changed, "login", 300, NOW)
            assert not isinstance(info.value, core.ExpiredToken), (i, shift)


def test_every_truncation_and_extension_is_invalid():
    token = sign("12345")
    for n in range(len(token)):
        assert _kind(lambda: core.verify_challenge(KEY, token[:n], "login", 300, NOW)) == "invalid"
    for changed in (token + "A", token + "=", token + "==", "A" + token, token * 2, token[:10] + "." + token[10:],
                    token.replace("-", "+").replace("_", "/"), " " + token, token + "\n", "€" + token):
        if changed == token:
            continue
        assert _kind(lambda: core.verify_challenge(KEY, changed, "login", 300, NOW)) == "invalid", changed


def test_reencoded_token_with_changed_fields_is_invalid():
    raw = bytearray(base64.urlsafe_b64decode(sign("77") + "=="))
    for index in (0, 1, 8, 9, 24, 25, 26, len(raw) - 1):
        changed = bytearray(raw)
        changed[index] ^= 0x01
        token = base64.urlsafe_b64encode(bytes(changed)).decode().rstrip("=")
        assert _kind(lambda: core.verify_challenge(KEY, token, "login", 300, NOW)) == "invalid", index


def test_expiry_boundaries():
    token = sign()
    max_age = 300
    # Exactly max_age old is still accepted; one second later it has expired.
    assert core.verify_challenge(KEY, token, "login", max_age, NOW + max_age)[1] == NOW
    for now in (NOW + max_age + 1, NOW + max_age + 3600, NOW + 10**9):
        with pytest.raises(core.ExpiredToken):
            core.verify_challenge(KEY, token, "login", max_age, now)
    assert core.verify_challenge(KEY, token, "login", 0, NOW)[1] == NOW
    with pytest.raises(core.ExpiredToken):
        core.verify_challenge(KEY, token, "login", 0, NOW + 1)
    # ExpiredToken is an InvalidToken, so callers that only catch InvalidToken stay safe.
    with pytest.raises(core.InvalidToken):
        core.verify_challenge(KEY, token, "login", max_age, NOW + max_age + 1)


def test_future_skew_of_60_seconds():
    token = sign(issued_at=NOW + 60)
    assert core.verify_challenge(KEY, token, "login", 300, NOW)[1] == NOW + 60
    token = sign(issued_at=NOW + 61)
    with pytest.raises(core.ExpiredToken):
        core.verify_challenge(KEY, token, "login", 300, NOW)
    with pytest.raises(core.ExpiredToken):
        core.verify_challenge(KEY, sign(issued_at=NOW + 10**6), "login", 10**9, NOW)


def test_float_times_are_whole_seconds():
    token = core.sign_challenge(KEY, "1", "login", NOW + 0.9)
    assert core.verify_challenge(KEY, token, "login", 10, float(NOW))[1] == NOW


@pytest.mark.parametrize(
    "call",
    [
        lambda: core.sign_challenge(KEY, None, "login", NOW),
        lambda: core.sign_challenge(KEY, 42, "login", NOW),
        lambda: core.sign_challenge(KEY, "1", None, NOW),
        lambda: core.sign_challenge(None, "1", "login", NOW),
        lambda: core.sign_challenge(123, "1", "login", NOW),
        lambda: core.sign_challenge(KEY, "1", "login", "now"),
        lambda: core.sign_challenge(KEY, "1", "login", True),
        lambda: core.verify_challenge(KEY, None, "login", 60, NOW),
        lambda: core.verify_challenge(KEY, 12345, "login", 60, NOW),
        lambda: core.verify_challenge(KEY, sign(), None, 60, NOW),
        lambda: core.verify_challenge(KEY, sign(), "login", None, NOW),
        lambda: core.verify_challenge(KEY, sign(), "login", "60", NOW),
        lambda: core.verify_challenge(KEY, sign(), "login", 60, "now"),
        lambda: core.verify_challenge(None, sign(), "login", 60, NOW),
    ],
)
def test_bad_types_raise_type_error(call):
    with pytest.raises(TypeError):
        call()


@pytest.mark.parametrize(
    "call, needle",
    [
        (lambda: core.sign_challenge(KEY, "", "login", NOW), "subject"),
        (lambda: core.sign_challenge(KEY, "x" * 256, "login", NOW), "subject"),
        (lambda: core.sign_challenge(KEY, "é" * 128, "login", NOW), "subject"),  # 256 UTF-8 bytes
        (lambda: core.sign_challenge(KEY, "1", "", NOW), "purpose"),
        (lambda: core.sign_challenge(KEY, "1", "p" * 256, NOW), "purpose"),
        (lambda: core.sign_challenge(b"", "1", "login", NOW), "key"),
        (lambda: core.verify_challenge(KEY, sign(), "login", -1, NOW), "max_age"),
        (lambda: core.verify_challenge(KEY, sign(), "", 60, NOW), "purpose"),
        (lambda: core.verify_challenge(b"", sign(), "login", 60, NOW), "key"),
        (lambda: core.sign_challenge(KEY, "1", "login", float("nan")), "issued_at"),
        (lambda: core.verify_challenge(KEY, sign(), "login", 60, float("inf")), "now"),
    ],
)
def test_bad_values_raise_value_error(call, needle):
    with pytest.raises(ValueError, match=needle):
        call()
