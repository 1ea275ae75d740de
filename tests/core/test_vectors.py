"""Published known-answer vectors (RFC 4226, RFC 6238 with all three hashes, RFC 4648) via the Python API."""

from pathlib import Path

import pytest

from django_totp_native import core

VECTORS = Path(__file__).parents[1] / "vectors"


def _rows(name):
    rows = []
    for line in (VECTORS / name).read_text(encoding="ascii").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split())
    return rows


HOTP_ROWS = _rows("rfc4226.txt")
TOTP_ROWS = _rows("rfc6238.txt")
BASE32_ROWS = _rows("rfc4648_base32.txt")


def test_vector_files_are_complete():
    # A truncated file must not make the parametrised tests below pass vacuously.
    assert len(HOTP_ROWS) == 10
    assert len(TOTP_ROWS) == 18
    assert sorted({row[4] for row in TOTP_ROWS}) == ["SHA1", "SHA256", "SHA512"]
    assert len(BASE32_ROWS) == 7


@pytest.mark.parametrize("key_hex, counter, digits, algorithm, expected", HOTP_ROWS)
def test_rfc4226_hotp(key_hex, counter, digits, algorithm, expected):
    key = bytes.fromhex(key_hex)
    assert core.hotp(key, int(counter), digits=int(digits), algorithm=algorithm) == expected
    # The same key given as a base32 secret (how apps and django-totp store it).
    assert core.hotp(core.b32encode(key), int(counter), int(digits), algorithm) == expected


@pytest.mark.parametrize("key_hex, unix_time, period, digits, algorithm, expected", TOTP_ROWS)
def test_rfc6238_totp(key_hex, unix_time, period, digits, algorithm, expected):
    key = bytes.fromhex(key_hex)
    when, period, digits = int(unix_time), int(period), int(digits)
    assert core.totp(key, when, period=period, digits=digits, algorithm=algorithm) == expected
    assert core.totp(key, float(when), period, digits, algorithm.lower()) == expected
    assert core.totp(core.b32encode(key), when, period, digits, algorithm) == expected
    step = core.totp_match(key, expected, when, period=period, digits=digits, algorithm=algorithm)
    assert step == when // period
    # Replay floor: once that step is used, the same code is refused.
    assert (
        core.totp_match(
            key, expected, when, period=period, digits=digits, algorithm=algorithm, after_step=step
        )
        is None
    )


@pytest.mark.parametrize("data_hex, encoded", BASE32_ROWS)
def test_rfc4648_base32(data_hex, encoded):
    data = b"" if data_hex == "-" else bytes.fromhex(data_hex)
    padded = "" if encoded == "-" else encoded
    assert core.b32encode(data, padding=True) == padded
    assert core.b32encode(data) == padded.rstrip("=")
    assert core.b32decode(padded) == data
    assert core.b32decode(padded.rstrip("=")) == data
    assert core.b32decode(padded.lower()) == data
