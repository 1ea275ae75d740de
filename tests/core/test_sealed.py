"""totp_match_sealed against an independent oracle: codes from pyotp, secrets sealed by
cryptography's Fernet, exact time steps, the replay floor (after_step) and the window."""

import base64

import pyotp
import pytest
from cryptography import fernet as reference

from django_totp_native import core

PERIOD = 30
NOW = 1_700_000_015  # inside step 56_666_667
STEP = NOW // PERIOD


def _secret(seed: int) -> str:
    return base64.b32encode(bytes((seed * 31 + i * 7) % 256 for i in range(20))).decode().rstrip("=")


@pytest.fixture(scope="module")
def keys():
    key = core.Fernet.generate_key()
    return {
        "raw": key,
        "fernet": core.Fernet(key),
        # The sealing key second, as after a key rotation.
        "multi": core.MultiFernet([core.Fernet(core.Fernet.generate_key()), core.Fernet(key)]),
    }


def _sealed(keys, secret: str) -> bytes:
    return reference.Fernet(keys["raw"]).encrypt(secret.encode("ascii"))


@pytest.mark.parametrize("which", ["fernet", "multi"])
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_a_pyotp_code_matches_at_exactly_its_step(keys, which, offset):
    secret = _secret(offset + 5)
    code = pyotp.TOTP(secret).at(NOW + offset * PERIOD)
    sealed = _sealed(keys, secret)
    assert core.totp_match_sealed(keys[which], sealed, code, NOW) == STEP + offset
    assert core.totp_match_sealed(keys[which], sealed.decode(), code, NOW) == STEP + offset


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_after_step_is_the_replay_floor(keys, offset):
    secret = _secret(11)
    s = STEP + offset
    code = pyotp.TOTP(secret).at(s * PERIOD)
    sealed = _sealed(keys, secret)
    match = lambda floor: core.totp_match_sealed(keys["multi"], sealed, code, NOW, after_step=floor)  # noqa: E731
    assert match(-1) == s
    assert match(s - 1) == s  # the step just before was used: this one is still new
    assert match(s) is None  # this step was used: a replay
    assert match(s + 1) is None
    assert match(STEP + 5) is None


def test_the_floor_skips_an_older_matching_step(keys):
    # Both codes are inside the window; with the floor at STEP - 1 only the later is new.
    secret = _secret(21)
    sealed = _sealed(keys, secret)
    totp = pyotp.TOTP(secret)
    earlier, later = totp.at((STEP - 1) * PERIOD), totp.at(STEP * PERIOD)
    assert core.totp_match_sealed(keys["fernet"], sealed, earlier, NOW, after_step=STEP - 1) is None
    assert core.totp_match_sealed(keys["fernet"], sealed, later, NOW, after_step=STEP - 1) == STEP


@pytest.mark.parametrize("window", [0, 1, 2, 3])
@pytest.mark.parametrize("offset", [-3, -2, -1, 0, 1, 2, 3])
def test_window(keys, window, offset):
    secret = _secret(31)
    code = pyotp.TOTP(secret).at((STEP + offset) * PERIOD)
    got = core.totp_match_sealed(keys["fernet"], _sealed(keys, secret), code, NOW, window=window)
    assert got == (STEP + offset if abs(offset) <= window else None)


@pytest.mark.parametrize(
    ("digits", "algorithm", "digest"),
    [(6, "SHA1", "sha1"), (8, "SHA256", "sha256"), (7, "SHA512", "sha512")],
)
def test_parameters_as_pyotp_reads_them(keys, digits, algorithm, digest):
    import hashlib

    secret = _secret(41)
    totp = pyotp.TOTP(secret, digits=digits, digest=getattr(hashlib, digest), interval=60)
    code = totp.at(NOW)
    got = core.totp_match_sealed(
        keys["multi"], _sealed(keys, secret), code, NOW, period=60, digits=digits, algorithm=algorithm
    )
    assert got == NOW // 60


def test_a_token_no_key_opens_is_invalid(keys):
    secret = _secret(51)
    code = pyotp.TOTP(secret).at(NOW)
    sealed = _sealed(keys, secret)
    strangers = core.MultiFernet([core.Fernet(core.Fernet.generate_key())])
    with pytest.raises(core.InvalidToken):
        core.totp_match_sealed(strangers, sealed, code, NOW)
    with pytest.raises(core.InvalidToken):
        core.totp_match_sealed(keys["fernet"], sealed[:-2], code, NOW)
    with pytest.raises(core.InvalidToken):  # opens, but is not a base32 secret
        core.totp_match_sealed(keys["fernet"], keys["fernet"].encrypt(b"not base32!"), code, NOW)


def test_another_secrets_code_is_refused(keys):
    mine, theirs = _secret(61), _secret(62)
    code = pyotp.TOTP(theirs).at(NOW)
    assert core.totp_match_sealed(keys["fernet"], _sealed(keys, mine), code, NOW, window=3) is None
