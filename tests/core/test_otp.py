"""HOTP/TOTP interop with pyotp and oathtool, totp_match rules, code normalisation, URIs and base32."""

import base64
import hashlib
import hmac
import random
import shutil
import subprocess
import unicodedata
import urllib.parse

import pyotp
import pytest

from django_totp_native import core

ALGORITHMS = ("SHA1", "SHA256", "SHA512")
DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}
PERIODS = (15, 30, 60, 90)
OATHTOOL = shutil.which("oathtool")


def reference_hotp(key: bytes, counter: int, digits: int, algorithm: str) -> str:
    """RFC 4226 section 5.3 over Python's hmac: the oracle for matching rules."""
    mac = hmac.new(key, counter.to_bytes(8, "big"), DIGESTS[algorithm]).digest()
    offset = mac[-1] & 0x0F
    value = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def b32(key: bytes) -> str:
    return base64.b32encode(key).decode("ascii").rstrip("=")


def random_case(rng: random.Random, max_period: int = 600):
    key = rng.randbytes(rng.choice((14, 16, 20, 32, 33, 64, 65, 100, 129)))
    algorithm = rng.choice(ALGORITHMS)
    digits = rng.choice((6, 7, 8))
    period = rng.choice(PERIODS + (rng.randint(1, max_period),))
    t0 = rng.choice((0, 0, rng.randint(1, 10**9)))
    when = t0 + rng.randint(0, 4 * 10**9)
    return key, algorithm, digits, period, t0, when


# --------------------------------------------------------------------------------------
# Interoperability: pyotp and oathtool.


@pytest.mark.slow
def test_hotp_matches_pyotp_random():
    rng = random.Random(4226)
    for _ in range(400):
        key = rng.randbytes(rng.randint(14, 140))
        algorithm = rng.choice(ALGORITHMS)
        digits = rng.choice((6, 7, 8))
        counter = rng.choice((rng.randint(0, 2**20), rng.randint(0, 2**63 - 1)))
        expected = pyotp.HOTP(b32(key), digits=digits, digest=DIGESTS[algorithm]).at(counter)
        assert core.hotp(key, counter, digits, algorithm) == expected
        assert core.hotp(b32(key), counter, digits=digits, algorithm=algorithm) == expected


@pytest.mark.slow
def test_totp_matches_pyotp_random():
    rng = random.Random(6238)
    for _ in range(500):
        key, algorithm, digits, period, _, when = random_case(rng, max_period=120)  # pyotp's limit
        reference = pyotp.TOTP(b32(key), digits=digits, digest=DIGESTS[algorithm], interval=period)
        expected = reference.at(when)
        assert core.totp(key, when, period=period, digits=digits, algorithm=algorithm) == expected
        # A fractional time inside the same second gives the same code.
        fraction = rng.uniform(0.001, 0.999)
        assert core.totp(b32(key), when + fraction, period, digits, algorithm) == expected
        # The step boundaries: the last second of a step and the first of the next.
        start = when - when % period
        assert core.totp(key, start, period, digits, algorithm) == expected
        assert core.totp(key, start + period - 1, period, digits, algorithm) == expected
        assert core.totp(key, start + period, period, digits, algorithm) == reference.at(
            start + period
        )


@pytest.mark.slow
@pytest.mark.oracle("oathtool")
def test_totp_and_hotp_match_oathtool_random():
    rng = random.Random(20240601)
    checked = 0
    for _ in range(150):
        key, algorithm, digits, period, t0, when = random_case(rng)
        following = 3  # oathtool -w prints the codes of the next steps as well
        out = subprocess.run(
            [
                OATHTOOL,
                f"--totp={algorithm.lower()}",
                f"--digits={digits}",
                f"--time-step-size={period}s",
                f"--start-time=@{t0}",
                f"--now=@{when}",
                f"--window={following}",
                "-b",
                b32(key),
            ],
            capture_output=True,
            text=True,
            check=True,
            env={"TZ": "UTC", "LC_ALL": "C"},
        ).stdout.split()
        assert len(out) == following + 1
        for i, code in enumerate(out):
            got = core.totp(key, when + i * period, period=period, digits=digits, algorithm=algorithm, t0=t0)
            assert got == code, (algorithm, digits, period, t0, when, i)
            checked += 1
    for _ in range(50):
        key = rng.randbytes(rng.randint(1, 100))
        digits = rng.choice((6, 7, 8))
        counter = rng.randint(0, 2**40)
        out = subprocess.run(
            [OATHTOOL, "--hotp", f"--digits={digits}", f"--counter={counter}", "--window=2", key.hex()],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert out == [core.hotp(key, counter + i, digits) for i in range(3)]
        checked += 3
    assert checked == 150 * 4 + 150


def test_totp_before_t0_raises_and_t0_shifts_steps():
    key = b"12345678901234567890"
    with pytest.raises(ValueError, match="t0"):
        core.totp(key, 99, t0=100)
    assert core.totp(key, 100, t0=100) == reference_hotp(key, 0, 6, "SHA1")
    assert core.totp(key, 100 + 59, t0=100) == reference_hotp(key, 1, 6, "SHA1")
    assert core.totp_match(key, reference_hotp(key, 0, 6, "SHA1"), 100, t0=100, window=3) == 0


def test_totp_default_time_is_now():
    import time

    key = b"default-time-key-0123"
    before = time.time()
    code = core.totp(key, None)
    after = time.time()
    assert code in {pyotp.TOTP(b32(key)).at(int(before)), pyotp.TOTP(b32(key)).at(int(after))}


# --------------------------------------------------------------------------------------
# totp_match: window, replay floor, nearest wins.


def expected_match(key, code, when, *, period, digits, algorithm, t0, window, after_step):
    """The documented rule, written out: nearest step within the window, above after_step."""
    now_step = (when - t0) // period
    best = None
    for delta in sorted(range(-window, window + 1), key=lambda d: (abs(d), d)):
        step = now_step + delta
        if step < 0 or step <= after_step:
            continue
        if reference_hotp(key, step, digits, algorithm) == code:
            best = step
            break
    return best


@pytest.mark.slow
def test_totp_match_model_random():
    rng = random.Random(1)
    outcomes = {"matched": 0, "none": 0}
    for _ in range(600):
        key, algorithm, digits, period, t0, when = random_case(rng)
        window = rng.randint(0, 10)
        now_step = (when - t0) // period
        target = max(0, now_step + rng.randint(-window - 2, window + 2))
        code = reference_hotp(key, target, digits, algorithm)
        after_step = rng.choice((-1, -1, target - 1, target, now_step, rng.randint(-5, now_step + 5)))
        kwargs = dict(period=period, digits=digits, algorithm=algorithm, t0=t0, window=window)
        got = core.totp_match(key, code, when, after_step=after_step, **kwargs)
        want = expected_match(key, code, when, after_step=after_step, **kwargs)
        assert got == want, (kwargs, when, target, after_step)
        outcomes["matched" if got is not None else "none"] += 1
    # Both outcomes were exercised plenty.
    assert outcomes["matched"] > 150 and outcomes["none"] > 150


def test_totp_match_window_edges():
    key = bytes(range(1, 21))
    now_step = 55_555_555
    when = now_step * 30 + 29.9
    codes = {d: reference_hotp(key, now_step + d, 6, "SHA1") for d in range(-4, 5)}
    for d in (-1, 0, 1):
        assert core.totp_match(key, codes[d], when) == now_step + d
    for d in (-4, -3, -2, 2, 3, 4):
        if codes[d] not in {codes[-1], codes[0], codes[1]}:
            assert core.totp_match(key, codes[d], when) is None
        assert core.totp_match(key, codes[d], when, window=abs(d)) == now_step + d
    assert core.totp_match(key, codes[0], when, window=0) == now_step
    assert core.totp_match(key, codes[1], when, window=0) is None or codes[1] == codes[0]


def test_totp_match_replay_floor():
    key = b"replay-floor-key-0001"
    when = 1_700_000_000
    step = when // 30
    code = reference_hotp(key, step, 6, "SHA1")
    assert core.totp_match(key, code, when, after_step=step - 1) == step
    assert core.totp_match(key, code, when, after_step=step) is None
    assert core.totp_match(key, code, when, after_step=step + 1) is None
    # The next code is still accepted after this one was used (clock moving on).
    next_code = reference_hotp(key, step + 1, 6, "SHA1")
    assert core.totp_match(key, next_code, when, after_step=step) == step + 1
    # A previous step's code can never be used after a later step was accepted.
    prev_code = reference_hotp(key, step - 1, 6, "SHA1")
    if prev_code not in {code, next_code}:
        assert core.totp_match(key, prev_code, when, after_step=step) is None


def find_colliding_steps(key, max_gap, want_even, start=0):
    """Two counters a < b, b - a <= max_gap, with the same 6-digit SHA1 code."""
    last = {}
    counter = start
    while True:
        code = reference_hotp(key, counter, 6, "SHA1")
        previous = last.get(code)
        if previous is not None:
            gap = counter - previous
            if 2 <= gap <= max_gap and (gap % 2 == 0) == want_even:
                window_codes = [
                    reference_hotp(key, s, 6, "SHA1") for s in range(previous - max_gap, counter + max_gap + 1) if s >= 0
                ]
                if window_codes.count(code) == 2:
                    return previous, counter
        last[code] = counter
        counter += 1


def test_totp_match_nearest_wins_and_tie_goes_to_earlier():
    key = b"nearest-wins-key-\x00\x01\x02"
    a, b = find_colliding_steps(key, 20, want_even=True)
    code = reference_hotp(key, a, 6, "SHA1")
    mid, half = (a + b) // 2, (b - a) // 2
    # Equal distance: the earlier step.
    assert core.totp_match(key, code, mid * 30 + 7, window=half) == a
    # Nearer to b than to a: b.
    assert core.totp_match(key, code, (mid + 1) * 30, window=half + 1) == b
    # Nearer to a: a.
    assert core.totp_match(key, code, (mid - 1) * 30, window=half + 1) == a
    # With a burnt, b is still there; with b burnt, nothing.
    assert core.totp_match(key, code, mid * 30, window=half, after_step=a) == b
    assert core.totp_match(key, code, mid * 30, window=half, after_step=b) is None


def test_totp_match_returns_int_step():
    key = b"12345678901234567890"
    step = core.totp_match(key, "94287082", 59, digits=8)
    assert type(step) is int and step == 1


# --------------------------------------------------------------------------------------
# Code normalisation: NFKC, whitespace ignored, then exactly `digits` ASCII digits.

DIGIT_FORMS = [
    [chr(ord("0") + d) for d in range(10)],
    [chr(0xFF10 + d) for d in range(10)],  # fullwidth
    [chr(0x1D7CE + d) for d in range(10)],  # mathematical bold
    [chr(0x1D7D8 + d) for d in range(10)],  # mathematical double-struck
    [chr(0x1D7F6 + d) for d in range(10)],  # mathematical monospace
    [chr(0x2080 + d) for d in range(10)],  # subscripts
]
FOREIGN_DIGITS = [
    [chr(0x0660 + d) for d in range(10)],  # Arabic-Indic
    [chr(0x06F0 + d) for d in range(10)],  # Extended Arabic-Indic
    [chr(0x0966 + d) for d in range(10)],  # Devanagari
]
SPACES = [" ", "\t", "\n", "\r", "\u00a0", "\u3000", "\u2003", "\u2009", "\u202f", "\x0b", "\x0c", "\x1f", "\u0085"]
NOISE = ["-", ".", "a", "O", "l", "\u200b", "\u0301", "\U0001f600", "\ufeff", "+", "\u00b2", "\u2460", "\u24ea"]


def python_rule(code: str, digits: int) -> str | None:
    folded = "".join(unicodedata.normalize("NFKC", code).split())
    if len(folded) == digits and all("0" <= c <= "9" for c in folded):
        return folded
    return None


def decorate(rng: random.Random, code: str) -> str:
    out = []
    if rng.random() < 0.5:
        out.append(rng.choice(SPACES) * rng.randint(1, 3))
    for ch in code:
        d = int(ch)
        forms = DIGIT_FORMS if rng.random() < 0.9 else FOREIGN_DIGITS
        out.append(rng.choice(forms)[d])
        if rng.random() < 0.3:
            out.append(rng.choice(SPACES))
        if rng.random() < 0.04:
            out.append(rng.choice(NOISE))
    if rng.random() < 0.5:
        out.append(rng.choice(SPACES) * rng.randint(1, 3))
    if rng.random() < 0.05:
        out.insert(rng.randrange(len(out) + 1), rng.choice(DIGIT_FORMS)[rng.randrange(10)])
    if rng.random() < 0.05 and out:
        out.pop(rng.randrange(len(out)))
    return "".join(out)


@pytest.mark.slow
def test_code_normalisation_matches_nfkc_rule_random():
    rng = random.Random(0xC0DE)
    key = b"normalisation-key-0123"
    when = 1_650_000_000
    accepted = refused = 0
    for _ in range(1500):
        digits = rng.choice((6, 7, 8))
        right = core.totp(key, when, digits=digits)
        if rng.random() < 0.85:
            text = decorate(rng, right)
        else:
            pool = [c for forms in DIGIT_FORMS + FOREIGN_DIGITS for c in forms] + SPACES + NOISE
            text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 20)))
        assert len(text) <= 64
        expect_ok = python_rule(text, digits) == right
        got = core.totp_match(key, text, when, digits=digits, window=0)
        assert (got is not None) == expect_ok, ascii(text)
        accepted += expect_ok
        refused += not expect_ok
    assert accepted > 400 and refused > 200


@pytest.mark.parametrize(
    "transform, accepted",
    [
        (lambda c: c, True),
        (lambda c: f"  {c}\t\n", True),
        (lambda c: c[:3] + " " + c[3:], True),
        (lambda c: "\u3000".join(c), True),
        (lambda c: "\u00a0" + c + "\u00a0", True),
        (lambda c: "".join(chr(0xFF10 + int(d)) for d in c), True),
        (lambda c: "".join(chr(0x1D7CE + int(d)) for d in c), True),
        (lambda c: "".join(chr(0x0660 + int(d)) for d in c), False),
        (lambda c: "".join(chr(0x0966 + int(d)) for d in c), False),
        (lambda c: c[:3] + "-" + c[3:], False),
        (lambda c: c[:3] + "\u200b" + c[3:], False),
        (lambda c: c + "0", False),
        (lambda c: c[:-1], False),
        (lambda c: c[:-1] + "\ud800", False),
        (lambda c: c + "\udfff", False),
        (lambda c: "\ud83d" + c, False),
        (lambda c: c + "\x00", False),
        (lambda c: "", False),
    ],
)
def test_code_normalisation_cases(transform, accepted):
    key = b"normalisation-key-0123"
    when = 1_650_000_000
    code = core.totp(key, when)
    result = core.totp_match(key, transform(code), when, window=0)
    assert (result == when // 30) if accepted else (result is None)


@pytest.mark.parametrize("code", [None, 123456, 123456.0, b"123456", bytearray(b"123456"), ["123456"], object()])
def test_non_str_code_is_none_not_an_exception(code):
    key = b"12345678901234567890"
    assert core.totp_match(key, code, 59, digits=8) is None
    assert core.totp_match(key, code, 59) is None


# --------------------------------------------------------------------------------------
# provisioning_uri round-trips through pyotp.parse_uri.

URI_CASES = [
    ("JBSWY3DPEHPK3PXPJBSWY3DP", "alice@example.com", "Example", "SHA1", 6, 30, None),
    ("jbsw y3dp-ehpk 3pxp-kbsw y3dp", "bob", None, "SHA1", 6, 30, None),
    ("JBSWY3DPEHPK3PXPJBSWY3DPEHPA====", "padded", "P", "SHA1", 6, 30, None),
    (None, "carol+2fa@example.co.uk", "Acme Corp & Sons", "SHA256", 8, 60, None),
    (None, "dörte@exämple.de", "Ünïcødé 株式会社", "SHA512", 7, 90, "https://example.com/logo.png?size=64&x=a b"),
    (None, "a:b weird/acct?#%", "Issuer With Spaces", "sha256", 6, 15, None),
    (None, "e@x", "Z", "SHA1", 8, 30, "https://cdn.example.org/i.png"),
]


@pytest.mark.parametrize("secret, account, issuer, algorithm, digits, period, image", URI_CASES)
def test_provisioning_uri_round_trips_through_pyotp(secret, account, issuer, algorithm, digits, period, image):
    secret = secret or core.random_secret()
    uri = core.provisioning_uri(secret, account, issuer, algorithm=algorithm, digits=digits, period=period, image=image)
    assert uri.startswith("otpauth://totp/")
    assert " " not in uri
    parsed = pyotp.parse_uri(uri)
    assert isinstance(parsed, pyotp.TOTP)
    assert parsed.name == account
    assert parsed.issuer == issuer
    assert parsed.digits == digits
    assert parsed.interval == period
    assert parsed.digest is DIGESTS[algorithm.upper()]
    # The secret is canonical (upper case, no separators or padding) and the same key.
    assert parsed.secret == b32(core.b32decode(secret))
    # The app and the server agree on codes.
    for when in (0, 1_234_567_890, 2_000_000_000):
        assert parsed.at(when) == core.totp(secret, when, period=period, digits=digits, algorithm=algorithm)
    split = urllib.parse.urlsplit(uri)
    label = urllib.parse.unquote(split.path[1:])
    query = urllib.parse.parse_qs(split.query)
    if issuer is None:
        assert label == account
        assert "issuer" not in query
    else:
        # Issuer as label prefix AND as parameter.
        assert label == f"{issuer}:{account}"
        assert query["issuer"] == [issuer]
    if image is None:
        assert "image" not in query
    else:
        assert query["image"] == [image]


def test_provisioning_uri_omits_defaults_and_keeps_others():
    uri = core.provisioning_uri("JBSWY3DPEHPK3PXP", "a@b.c", "X")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(uri).query)
    assert query.get("algorithm", ["SHA1"]) == ["SHA1"]
    assert query.get("digits", ["6"]) == ["6"]
    assert query.get("period", ["30"]) == ["30"]
    uri = core.provisioning_uri("JBSWY3DPEHPK3PXP", "a@b.c", "X", algorithm="SHA512", digits=8, period=45)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(uri).query)
    assert query["algorithm"] == ["SHA512"] and query["digits"] == ["8"] and query["period"] == ["45"]


@pytest.mark.parametrize(
    "args, kwargs, needle",
    [
        (("JBSWY3DPEHPK3PXP", "alice", "Evil:Corp"), {}, "issuer"),
        (("JBSWY3DPEHPK3PXP", "alice", ":"), {}, "issuer"),
        (("JBSWY3DPEHPK3PXP", ""), {}, "account"),
        (("JBSWY3DPEHPK3PX1", "alice"), {}, "base32"),
        (("JBSWY3DPEHPK3PXP!", "alice"), {}, "base32"),
        (("", "alice"), {}, "secret"),
        (("JBSWY3DPEHPK3PXP", "alice"), {"digits": 9}, "digits"),
        (("JBSWY3DPEHPK3PXP", "alice"), {"digits": 5}, "digits"),
        (("JBSWY3DPEHPK3PXP", "alice"), {"period": 0}, "period"),
        (("JBSWY3DPEHPK3PXP", "alice"), {"algorithm": "MD5"}, "algorithm"),
    ],
)
def test_provisioning_uri_errors(args, kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        core.provisioning_uri(*args, **kwargs)


# --------------------------------------------------------------------------------------
# random_secret, b32encode/b32decode, constant_time_equal.


def test_random_secret_defaults_and_lengths():
    secrets = {core.random_secret() for _ in range(200)}
    assert len(secrets) == 200
    for s in secrets:
        assert len(s) == 32
        assert set(s) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        assert len(base64.b32decode(s)) == 20
        pyotp.TOTP(s).now()  # usable by an authenticator implementation
    for nbytes, chars in ((16, 26), (20, 32), (32, 52), (64, 103)):
        s = core.random_secret(nbytes)
        assert len(s) == chars
        assert len(core.b32decode(s)) == nbytes
        assert base64.b32decode(s + "=" * (-len(s) % 8)) == core.b32decode(s)
    # All 32 symbols show up across many secrets (no biased or truncated alphabet).
    assert set("".join(secrets)) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


@pytest.mark.parametrize("nbytes", [15, 10, 1, 0, -1])
def test_random_secret_too_short(nbytes):
    with pytest.raises(ValueError, match="16"):
        core.random_secret(nbytes)


def test_random_bytes():
    assert core.random_bytes(0) == b""
    values = {core.random_bytes(16) for _ in range(100)}
    assert len(values) == 100 and all(len(v) == 16 for v in values)
    with pytest.raises(ValueError):
        core.random_bytes(-1)


def test_b32_round_trips_against_base64_module():
    rng = random.Random(4648)
    for n in list(range(0, 41)) + [rng.randint(41, 500) for _ in range(30)]:
        data = rng.randbytes(n)
        padded = base64.b32encode(data).decode()
        assert core.b32encode(data, padding=True) == padded
        assert core.b32encode(data) == padded.rstrip("=")
        assert core.b32encode(bytearray(data)) == padded.rstrip("=")
        assert core.b32decode(padded) == data
        assert core.b32decode(padded.rstrip("=")) == data
        assert core.b32decode(padded.lower()) == data
        assert core.b32decode(padded.encode()) == data
        # Separators anywhere are ignored (secrets are shown grouped, typed back grouped).
        text = list(padded.rstrip("="))
        for _ in range(rng.randint(0, 6)):
            text.insert(rng.randrange(len(text) + 1), rng.choice(" -"))
        mixed = "".join(c.lower() if rng.random() < 0.5 else c for c in text)
        assert core.b32decode(mixed) == data


@pytest.mark.parametrize(
    "text",
    ["JBSWY3DPEHPK3PX0", "JBSWY3DPEHPK3PX1", "JBSWY3DPEHPK3PX8", "JBSW_Y3DP", "JBSW.Y3DP", "JBSW\tY3DP",
     "JBSWY3DPÉ", "MY=", "MY==MY==", "=MY", "M", "MZX", "MZXW6Y", "MY======="],
)
def test_b32decode_rejects_malformed(text):
    with pytest.raises(ValueError, match="base32"):
        core.b32decode(text)


def test_b32_types():
    with pytest.raises(TypeError):
        core.b32encode("not bytes")
    with pytest.raises(TypeError):
        core.b32decode(None)
    with pytest.raises(TypeError):
        core.b32encode(None)


def test_constant_time_equal():
    rng = random.Random(7)
    for _ in range(300):
        a = rng.randbytes(rng.randint(0, 40))
        b = rng.choice((a, rng.randbytes(len(a)), a[:-1], a + b"\x00", bytes(a[:1]) + a[1:]))
        assert core.constant_time_equal(a, b) is (a == b)
        assert core.constant_time_equal(a.hex(), b.hex()) is (a == b)
    assert core.constant_time_equal("päss", "päss") is True
    assert core.constant_time_equal("päss", "pass") is False
    assert core.constant_time_equal(bytearray(b"x"), b"x") is True
    assert core.constant_time_equal(b"", b"") is True
    with pytest.raises(TypeError):
        core.constant_time_equal(b"abc", "abc")
    with pytest.raises(TypeError):
        core.constant_time_equal(None, None)
