"""Hostile input across the OTP, encoding, challenge and backup-code functions, and thread safety."""

import base64
import hashlib
import hmac
import random
import re
import sys
import threading

import pytest

from django_totp_native import core

# Recognisable secrets: none of these may ever appear in an exception message.
SECRET = b"TOPSECRET-otp-key-\x01\x02-0123456789"
SECRET_B32 = base64.b32encode(SECRET).decode().rstrip("=")
CHALLENGE_KEY = b"TOPSECRET-challenge-key-9876543210"
BACKUP_KEY = b"TOPSECRET-backup-key-5555555555"
CODE = "424242"  # a user's OTP code is confidential too
TOKEN = core.sign_challenge(CHALLENGE_KEY, "17", "login", 1_700_000_000)
MB = 1 << 20

FORBIDDEN = [
    SECRET.decode("latin-1"),
    repr(SECRET),
    SECRET.hex(),
    SECRET_B32,
    "TOPSECRET",
    repr(CHALLENGE_KEY),
    repr(BACKUP_KEY),
    CODE,
    TOKEN[:20],
]

NONE = object()  # "returns None" in the table below


def _(fn, expected, needle=None, id=None):
    return pytest.param(fn, expected, needle, id=id)


CASES = [
    # ---- hotp
    _(lambda: core.hotp(None, 1), TypeError, "key", "hotp-key-None"),
    _(lambda: core.hotp(12345, 1), TypeError, "key", "hotp-key-int"),
    _(lambda: core.hotp(b"", 1), ValueError, "key", "hotp-key-empty"),
    _(lambda: core.hotp("", 1), ValueError, None, "hotp-key-empty-str"),
    _(lambda: core.hotp(SECRET_B32 + "!", 1), ValueError, "base32", "hotp-key-bad-base32"),
    _(lambda: core.hotp(SECRET_B32 + "1", 1), ValueError, "base32", "hotp-key-bad-base32-digit"),
    _(lambda: core.hotp(SECRET, -1), ValueError, "counter", "hotp-counter-negative"),
    _(lambda: core.hotp(SECRET, None), TypeError, "counter", "hotp-counter-None"),
    _(lambda: core.hotp(SECRET, "1"), TypeError, "counter", "hotp-counter-str"),
    _(lambda: core.hotp(SECRET, 1.5), TypeError, "counter", "hotp-counter-float"),
    _(lambda: core.hotp(SECRET, 2**64), (TypeError, ValueError), "counter", "hotp-counter-huge"),
    _(lambda: core.hotp(SECRET, 1, 5), ValueError, "digits", "hotp-digits-5"),
    _(lambda: core.hotp(SECRET, 1, 9), ValueError, "digits", "hotp-digits-9"),
    _(lambda: core.hotp(SECRET, 1, 0), ValueError, "digits", "hotp-digits-0"),
    _(lambda: core.hotp(SECRET, 1, -6), ValueError, "digits", "hotp-digits-negative"),
    _(lambda: core.hotp(SECRET, 1, 2**40), (TypeError, ValueError), "digits", "hotp-digits-huge"),
    _(lambda: core.hotp(SECRET, 1, 6, "MD5"), ValueError, "algorithm", "hotp-algorithm-md5"),
    _(lambda: core.hotp(SECRET, 1, 6, ""), ValueError, "algorithm", "hotp-algorithm-empty"),
    _(lambda: core.hotp(SECRET, 1, 6, "SHA3-256"), ValueError, "algorithm", "hotp-algorithm-sha3"),
    _(lambda: core.hotp(SECRET, 1, 6, "SHA1" * 100), ValueError, "algorithm", "hotp-algorithm-long"),
    _(lambda: core.hotp(SECRET, 1, 6, None), TypeError, "algorithm", "hotp-algorithm-None"),
    # ---- totp
    _(lambda: core.totp(SECRET, 59, period=0), ValueError, "period", "totp-period-0"),
    _(lambda: core.totp(SECRET, 59, period=-30), ValueError, "period", "totp-period-negative"),
    _(lambda: core.totp(SECRET, 59, period=10**12), ValueError, "period", "totp-period-huge"),
    _(lambda: core.totp(SECRET, 59, period=2**70), (TypeError, ValueError), "period", "totp-period-overflow"),
    _(lambda: core.totp(SECRET, 59, period=None), TypeError, "period", "totp-period-None"),
    _(lambda: core.totp(SECRET, 59, period=30.0), TypeError, "period", "totp-period-float"),
    _(lambda: core.totp(SECRET, 59, digits=5), ValueError, "digits", "totp-digits-5"),
    _(lambda: core.totp(SECRET, 59, digits=9), ValueError, "digits", "totp-digits-9"),
    _(lambda: core.totp(SECRET, 59, algorithm="SHA384"), ValueError, "algorithm", "totp-algorithm"),
    _(lambda: core.totp(SECRET, float("nan")), ValueError, "for_time", "totp-time-nan"),
    _(lambda: core.totp(SECRET, float("inf")), ValueError, "for_time", "totp-time-inf"),
    _(lambda: core.totp(SECRET, float("-inf")), ValueError, "for_time", "totp-time-minus-inf"),
    _(lambda: core.totp(SECRET, 1e300), ValueError, "for_time", "totp-time-huge"),
    _(lambda: core.totp(SECRET, 10**400), ValueError, "for_time", "totp-time-huge-int"),
    _(lambda: core.totp(SECRET, -1), ValueError, "t0", "totp-time-before-epoch"),
    _(lambda: core.totp(SECRET, 10, t0=11), ValueError, "t0", "totp-time-before-t0"),
    _(lambda: core.totp(SECRET, "59"), TypeError, "for_time", "totp-time-str"),
    _(lambda: core.totp(SECRET, b"59"), TypeError, "for_time", "totp-time-bytes"),
    _(lambda: core.totp(SECRET, True), TypeError, "for_time", "totp-time-bool"),
    _(lambda: core.totp(SECRET, [59]), TypeError, "for_time", "totp-time-list"),
    _(lambda: core.totp(b"", 59), ValueError, "key", "totp-key-empty"),
    _(lambda: core.totp(None, 59), TypeError, "key", "totp-key-None"),
    _(lambda: core.totp(["k"], 59), TypeError, "key", "totp-key-list"),
    # ---- totp_match: parameters raise, the code never does
    _(lambda: core.totp_match(SECRET, CODE, 59, window=-1), ValueError, "window", "match-window-negative"),
    _(lambda: core.totp_match(SECRET, CODE, 59, window=11), ValueError, "window", "match-window-11"),
    _(lambda: core.totp_match(SECRET, CODE, 59, window=10**6), ValueError, "window", "match-window-huge"),
    _(lambda: core.totp_match(SECRET, CODE, 59, window=None), TypeError, "window", "match-window-None"),
    _(lambda: core.totp_match(SECRET, CODE, 59, digits=5), ValueError, "digits", "match-digits-5"),
    _(lambda: core.totp_match(SECRET, CODE, 59, digits=9), ValueError, "digits", "match-digits-9"),
    _(lambda: core.totp_match(SECRET, CODE, 59, period=0), ValueError, "period", "match-period-0"),
    _(lambda: core.totp_match(SECRET, CODE, 59, period=-1), ValueError, "period", "match-period-negative"),
    _(lambda: core.totp_match(SECRET, CODE, 59, period=2**70), (TypeError, ValueError), "period", "match-period-overflow"),
    _(lambda: core.totp_match(SECRET, CODE, 59, algorithm="sha3"), ValueError, "algorithm", "match-algorithm"),
    _(lambda: core.totp_match(SECRET, CODE, float("nan")), ValueError, "for_time", "match-time-nan"),
    _(lambda: core.totp_match(SECRET, CODE, float("inf")), ValueError, "for_time", "match-time-inf"),
    _(lambda: core.totp_match(SECRET, CODE, "now"), TypeError, "for_time", "match-time-str"),
    _(lambda: core.totp_match(SECRET, CODE, 59, after_step=None), TypeError, "after_step", "match-after-None"),
    _(lambda: core.totp_match(SECRET, CODE, 59, after_step=2**64), (TypeError, ValueError), "after_step", "match-after-overflow"),
    _(lambda: core.totp_match(b"", CODE, 59), ValueError, "key", "match-key-empty"),
    _(lambda: core.totp_match(None, CODE, 59), TypeError, "key", "match-key-None"),
    _(lambda: core.totp_match(SECRET_B32 + "8", CODE, 59), ValueError, "base32", "match-key-bad-base32"),
    _(lambda: core.totp_match(SECRET, CODE, 59, digits=5, window=99), ValueError, None, "match-bad-params-bad-code"),
    _(lambda: core.totp_match(SECRET, None, 59), NONE, None, "match-code-None"),
    _(lambda: core.totp_match(SECRET, b"424242", 59), NONE, None, "match-code-bytes"),
    _(lambda: core.totp_match(SECRET, 424242, 59), NONE, None, "match-code-int"),
    _(lambda: core.totp_match(SECRET, "", 59), NONE, None, "match-code-empty"),
    _(lambda: core.totp_match(SECRET, "4" * MB, 59), NONE, None, "match-code-1MB"),
    _(lambda: core.totp_match(SECRET, " " * MB, 59), NONE, None, "match-code-1MB-spaces"),
    _(lambda: core.totp_match(SECRET, "42424\ud800", 59), NONE, None, "match-code-surrogate"),
    _(lambda: core.totp_match(SECRET, "\x00" * 6, 59), NONE, None, "match-code-nul"),
    _(lambda: core.totp_match(SECRET, CODE, -10**9), NONE, None, "match-before-epoch"),
    _(lambda: core.totp_match(SECRET, CODE, 59, after_step=2**62), NONE, None, "match-after-step-high"),
    # ---- provisioning_uri
    _(lambda: core.provisioning_uri(SECRET_B32, ""), ValueError, "account", "uri-account-empty"),
    _(lambda: core.provisioning_uri(SECRET_B32, None), TypeError, "account", "uri-account-None"),
    _(lambda: core.provisioning_uri(SECRET_B32, "a" * MB), ValueError, "account", "uri-account-1MB"),
    _(lambda: core.provisioning_uri(SECRET_B32, "a", "Evil:Issuer"), ValueError, "issuer", "uri-issuer-colon"),
    _(lambda: core.provisioning_uri(SECRET_B32, "a", "i" * MB), ValueError, "issuer", "uri-issuer-1MB"),
    _(lambda: core.provisioning_uri(SECRET_B32, "a", 5), TypeError, "issuer", "uri-issuer-int"),
    _(lambda: core.provisioning_uri(SECRET_B32 + "0", "a"), ValueError, "base32", "uri-secret-bad"),
    _(lambda: core.provisioning_uri(SECRET, "a"), (TypeError, ValueError), None, "uri-secret-bytes-not-str"),
    _(lambda: core.provisioning_uri(None, "a"), TypeError, "secret", "uri-secret-None"),
    _(lambda: core.provisioning_uri(SECRET_B32, "a", digits=9), ValueError, "digits", "uri-digits-9"),
    _(lambda: core.provisioning_uri(SECRET_B32, "a", period=0), ValueError, "period", "uri-period-0"),
    _(lambda: core.provisioning_uri(SECRET_B32, "a", algorithm="MD5"), ValueError, "algorithm", "uri-algorithm"),
    _(lambda: core.provisioning_uri(SECRET_B32, "a", image="x" * MB), ValueError, "image", "uri-image-1MB"),
    # ---- random / encoding
    _(lambda: core.random_secret(15), ValueError, "nbytes", "secret-15"),
    _(lambda: core.random_secret(-1), ValueError, "nbytes", "secret-negative"),
    _(lambda: core.random_secret(10**9), ValueError, "nbytes", "secret-huge"),
    _(lambda: core.random_secret("20"), TypeError, "nbytes", "secret-str"),
    _(lambda: core.random_bytes(-1), ValueError, "n", "random-bytes-negative"),
    _(lambda: core.random_bytes(MB + 1), ValueError, None, "random-bytes-huge"),
    _(lambda: core.random_bytes(None), TypeError, "n", "random-bytes-None"),
    _(lambda: core.b32encode("text"), TypeError, "data", "b32encode-str"),
    _(lambda: core.b32encode(None), TypeError, "data", "b32encode-None"),
    _(lambda: core.b32decode(None), TypeError, "text", "b32decode-None"),
    _(lambda: core.b32decode(42), TypeError, "text", "b32decode-int"),
    _(lambda: core.b32decode("!" * MB), ValueError, "base32", "b32decode-1MB-bad"),
    _(lambda: core.b32decode("MZXW6\ud800"), ValueError, None, "b32decode-surrogate"),
    _(lambda: core.b32decode("MZXW6=Y"), ValueError, "base32", "b32decode-misplaced-padding"),
    _(lambda: core.constant_time_equal(b"a", "a"), TypeError, None, "cte-mixed"),
    _(lambda: core.constant_time_equal(None, b"a"), TypeError, None, "cte-None"),
    _(lambda: core.constant_time_equal(1, 1), TypeError, None, "cte-int"),
    # ---- challenges
    _(lambda: core.sign_challenge(CHALLENGE_KEY, None, "login"), TypeError, "subject", "sign-subject-None"),
    _(lambda: core.sign_challenge(CHALLENGE_KEY, 17, "login"), TypeError, "subject", "sign-subject-int"),
    _(lambda: core.sign_challenge(CHALLENGE_KEY, "", "login"), ValueError, "subject", "sign-subject-empty"),
    _(lambda: core.sign_challenge(CHALLENGE_KEY, "s" * MB, "login"), ValueError, "subject", "sign-subject-1MB"),
    _(lambda: core.sign_challenge(CHALLENGE_KEY, "1", None), TypeError, "purpose", "sign-purpose-None"),
    _(lambda: core.sign_challenge(CHALLENGE_KEY, "1", ""), ValueError, "purpose", "sign-purpose-empty"),
    _(lambda: core.sign_challenge(CHALLENGE_KEY, "1", "p" * MB), ValueError, "purpose", "sign-purpose-1MB"),
    _(lambda: core.sign_challenge(b"", "1", "login"), ValueError, "key", "sign-key-empty"),
    _(lambda: core.sign_challenge(None, "1", "login"), TypeError, "key", "sign-key-None"),
    _(lambda: core.sign_challenge(CHALLENGE_KEY, "1", "login", float("nan")), ValueError, "issued_at", "sign-time-nan"),
    _(lambda: core.sign_challenge(CHALLENGE_KEY, "1", "login", 10**30), ValueError, "issued_at", "sign-time-huge"),
    _(lambda: core.sign_challenge(CHALLENGE_KEY, "1", "login", "now"), TypeError, "issued_at", "sign-time-str"),
    _(lambda: core.sign_challenge(CHALLENGE_KEY, "1\ud800", "login"), (TypeError, ValueError), "subject", "sign-subject-surrogate"),
    _(lambda: core.verify_challenge(CHALLENGE_KEY, None, "login", 60), TypeError, "token", "verify-token-None"),
    _(lambda: core.verify_challenge(CHALLENGE_KEY, 5, "login", 60), TypeError, "token", "verify-token-int"),
    _(lambda: core.verify_challenge(CHALLENGE_KEY, "", "login", 60), core.InvalidToken, None, "verify-token-empty"),
    _(lambda: core.verify_challenge(CHALLENGE_KEY, "A" * MB, "login", 60), core.InvalidToken, None, "verify-token-1MB"),
    _(lambda: core.verify_challenge(CHALLENGE_KEY, "\x00" * 100, "login", 60), core.InvalidToken, None, "verify-token-nul"),
    _(lambda: core.verify_challenge(CHALLENGE_KEY, TOKEN + "\ud800", "login", 60), (ValueError, core.InvalidToken), None, "verify-token-surrogate"),
    _(lambda: core.verify_challenge(CHALLENGE_KEY, TOKEN, "other", 60, 1_700_000_000), core.InvalidToken, None, "verify-purpose-wrong"),
    _(lambda: core.verify_challenge(CHALLENGE_KEY, TOKEN, None, 60), TypeError, "purpose", "verify-purpose-None"),
    _(lambda: core.verify_challenge(CHALLENGE_KEY, TOKEN, "", 60), ValueError, "purpose", "verify-purpose-empty"),
    _(lambda: core.verify_challenge(CHALLENGE_KEY, TOKEN, "login", -1), ValueError, "max_age", "verify-max-age-negative"),
    _(lambda: core.verify_challenge(CHALLENGE_KEY, TOKEN, "login", None), TypeError, "max_age", "verify-max-age-None"),
    _(lambda: core.verify_challenge(CHALLENGE_KEY, TOKEN, "login", 2**70), (TypeError, ValueError), "max_age", "verify-max-age-overflow"),
    _(lambda: core.verify_challenge(CHALLENGE_KEY, TOKEN, "login", 60, float("nan")), ValueError, "now", "verify-now-nan"),
    _(lambda: core.verify_challenge(b"", TOKEN, "login", 60), ValueError, "key", "verify-key-empty"),
    _(lambda: core.verify_challenge(None, TOKEN, "login", 60), TypeError, "key", "verify-key-None"),
    # ---- backup codes
    _(lambda: core.generate_backup_codes(0), ValueError, "count", "gen-count-0"),
    _(lambda: core.generate_backup_codes(10**6), ValueError, "count", "gen-count-huge"),
    _(lambda: core.generate_backup_codes(2**40), (TypeError, ValueError), "count", "gen-count-overflow"),
    _(lambda: core.generate_backup_codes(10, 5), ValueError, "length", "gen-length-5"),
    _(lambda: core.generate_backup_codes(10, 10**6), ValueError, "length", "gen-length-huge"),
    _(lambda: core.generate_backup_codes(10, 12, -1), ValueError, "group", "gen-group-negative"),
    _(lambda: core.generate_backup_codes(10, 12, 13), ValueError, "group", "gen-group-too-big"),
    _(lambda: core.generate_backup_codes(None), TypeError, "count", "gen-count-None"),
    _(lambda: core.normalize_backup_code(None), TypeError, "code", "norm-None"),
    _(lambda: core.normalize_backup_code(b"ABCD"), TypeError, "code", "norm-bytes"),
    _(lambda: core.normalize_backup_code(""), ValueError, "empty", "norm-empty"),
    _(lambda: core.normalize_backup_code("A" * MB), ValueError, "128", "norm-1MB"),
    _(lambda: core.normalize_backup_code("\U0001f600"), ValueError, None, "norm-emoji"),
    _(lambda: core.backup_code_digest(BACKUP_KEY, None), TypeError, "code", "digest-code-None"),
    _(lambda: core.backup_code_digest(BACKUP_KEY, b"ABCD"), TypeError, "code", "digest-code-bytes"),
    _(lambda: core.backup_code_digest(BACKUP_KEY, ""), ValueError, "empty", "digest-code-empty"),
    _(lambda: core.backup_code_digest(BACKUP_KEY, "A" * MB), ValueError, "128", "digest-code-1MB"),
    _(lambda: core.backup_code_digest(BACKUP_KEY, "AB\U0001f600"), ValueError, None, "digest-code-emoji"),
    _(lambda: core.backup_code_digest(b"", "ABCD"), ValueError, "key", "digest-key-empty"),
    _(lambda: core.backup_code_digest(None, "ABCD"), TypeError, "key", "digest-key-None"),
]


# Calls that do not fit a signature at all (a mistake in the calling code, which then
# ends up in a traceback or a log): the error names the problem, never an argument value.
_FERNET = core.Fernet(core.Fernet.generate_key())
_MULTI = core.MultiFernet([_FERNET])
CASES += [
    _(lambda: core.hotp(SECRET, 1, foo=2), TypeError, "foo", "arity-hotp-unknown-keyword"),
    _(lambda: core.hotp(SECRET, 1, 6, "SHA1", 9), TypeError, "positional", "arity-hotp-extra"),
    _(lambda: core.totp(SECRET_B32), TypeError, "for_time", "arity-totp-missing"),
    _(lambda: core.totp_match(SECRET, CODE, 0, 30), TypeError, "positional", "arity-match-period-positional"),
    _(lambda: core.totp_match(SECRET, CODE, 0, key=SECRET), TypeError, "multiple values", "arity-match-twice"),
    _(lambda: core.totp_match_sealed(_FERNET, TOKEN, CODE), TypeError, "for_time", "arity-sealed-missing"),
    _(lambda: core.provisioning_uri(SECRET_B32, "a", "b", "SHA1"), TypeError, "positional", "arity-uri-extra"),
    _(lambda: core.sign_challenge(CHALLENGE_KEY, "17", "login", 1, 2), TypeError, "positional", "arity-sign-extra"),
    _(lambda: core.verify_challenge(CHALLENGE_KEY, TOKEN, "login", max_agee=5), TypeError, "max_agee", "arity-verify-typo"),
    _(lambda: core.backup_code_digest(BACKUP_KEY, CODE, CODE), TypeError, "positional", "arity-digest-extra"),
    _(lambda: core.constant_time_equal(SECRET), TypeError, "'b'", "arity-compare-missing"),
    _(lambda: core.b32decode(SECRET_B32, SECRET_B32), TypeError, "positional", "arity-b32-extra"),
    _(lambda: core.qr_svg(SECRET_B32, "H"), TypeError, "positional", "arity-qr-ecc-positional"),
    _(lambda: core.Fernet(SECRET, None, SECRET), TypeError, "positional", "arity-fernet-init"),
    _(lambda: core.Fernet(secret=SECRET), TypeError, "secret", "arity-fernet-init-keyword"),
    _(lambda: core.MultiFernet([_FERNET], SECRET), TypeError, "positional", "arity-multifernet-init"),
    _(lambda: _FERNET.decrypt(TOKEN, 60, SECRET), TypeError, "positional", "arity-fernet-decrypt"),
    _(lambda: _FERNET.encrypt(data=SECRET, extra=SECRET), TypeError, "extra", "arity-fernet-encrypt"),
    _(lambda: _MULTI.rotate(msg=TOKEN, ttl=5), TypeError, "ttl", "arity-multifernet-rotate"),
    _(lambda: core.MultiFernet(fernets=[]), ValueError, "at least one", "multifernet-init-keyword-empty"),
    _(lambda: core.Fernet.decrypt(SECRET, TOKEN), TypeError, "Fernet", "arity-unbound-method"),
]


@pytest.mark.parametrize("call, expected, needle", CASES)
def test_hostile_input(call, expected, needle):
    if expected is NONE:
        assert call() is None
        return
    with pytest.raises(expected) as info:
        call()
    message = str(info.value)
    assert message.strip(), "an error a user can hit must say what went wrong"
    if needle is not None:
        assert needle.lower() in message.lower(), message
    leaked = [s for s in FORBIDDEN if s in message or s in repr(info.value)]
    assert not leaked, f"secret material in the message: {message[:300]!r}"
    # Nothing internal leaks either: the mapped classes only.
    assert isinstance(info.value, (ValueError, TypeError, core.InvalidToken))


def test_hostile_input_that_succeeds():
    # Large but legal inputs work and agree with independent implementations.
    long_key = b"k" * MB
    mac = hmac.new(long_key, (7).to_bytes(8, "big"), hashlib.sha1).digest()
    offset = mac[-1] & 15
    want = str((int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF) % 10**6).zfill(6)
    assert core.hotp(long_key, 7) == want
    assert core.b32decode("A" * (8 * 1000)) == bytes(5000)
    assert core.b32encode(bytes(MB)) == "A" * (MB * 8 // 5 + 1)
    assert len(core.random_bytes(MB)) == MB
    assert core.hotp(SECRET, 2**63 - 1) == core.hotp(SECRET_B32, 2**63 - 1)
    assert core.totp(SECRET, 1e15 - 1, period=86400 * 366).isdigit()


# --------------------------------------------------------------------------------------
# Threads: Python threads interleaving calls into the core (see the test's docstring for its limits).


def _operations():
    rng = random.Random(8)
    ops = []
    for i in range(500):
        key = rng.randbytes(rng.randint(1, 150))
        algorithm = rng.choice(("SHA1", "SHA256", "SHA512"))
        digits = rng.choice((6, 7, 8))
        when = rng.randint(0, 4 * 10**9)
        period = rng.choice((15, 30, 60, 90))
        kind = i % 6
        if kind == 0:
            ops.append((core.hotp, (key, rng.randint(0, 2**63 - 1), digits, algorithm), {}))
        elif kind == 1:
            ops.append((core.totp, (key, when), {"period": period, "digits": digits, "algorithm": algorithm}))
        elif kind == 2:
            target = when + rng.randint(-2, 2) * period
            code = core.totp(key, max(target, 0), period=period, digits=digits, algorithm=algorithm)
            ops.append((core.totp_match, (key, code, when), {"period": period, "digits": digits, "algorithm": algorithm, "window": rng.randint(0, 3)}))
        elif kind == 3:
            ops.append((core.backup_code_digest, (key, core.generate_backup_codes(1)[0].lower()), {}))
        elif kind == 4:
            ops.append((core.b32encode, (key,), {"padding": rng.random() < 0.5}))
        else:
            ops.append((core.b32decode, (core.b32encode(key).lower(),), {}))
    return ops


def test_threads_get_the_single_threaded_answers():
    """Eight Python threads interleaving calls get exactly the single-threaded answers.

    What this shows is narrow: each of these functions holds the GIL for the whole call
    (only qr_svg/qr_png release it), so the threads interleave *between* calls, never
    inside the native code. It checks that no state leaks from one call into the next
    (shared keys, cached digests, the CSPRNG: challenge nonces stay unique). Native
    code running truly in parallel on shared key objects is tested by the C++ CTest
    ``core_threads`` (cpp/tests/test_threads.cpp), also under ASan+UBSan (make sanitize).
    """
    ops = _operations()
    reference = [fn(*args, **kwargs) for fn, args, kwargs in ops]
    threads_n, rounds = 8, 8  # 8 x 8 x (500 + challenge round trips) ~ 4500 calls per thread
    barrier = threading.Barrier(threads_n)
    errors = []
    nonces = [[] for _ in range(threads_n)]

    def worker(index):
        rng = random.Random(index)
        order = list(range(len(ops)))
        barrier.wait()
        try:
            for _round in range(rounds):
                rng.shuffle(order)
                for n, i in enumerate(order):
                    fn, args, kwargs = ops[i]
                    got = fn(*args, **kwargs)
                    if got != reference[i]:
                        errors.append((index, fn.__name__, i, got, reference[i]))
                    if n % 10 == 0:
                        subject = f"user-{index}-{n}"
                        token = core.sign_challenge(CHALLENGE_KEY, subject, "login", 1_700_000_000 + n)
                        claims = core.verify_challenge(CHALLENGE_KEY, token, "login", 60, 1_700_000_000 + n)
                        if claims[:2] != (subject, 1_700_000_000 + n) or not re.fullmatch("[0-9a-f]{32}", claims[2]):
                            errors.append((index, "challenge", subject, claims))
                        nonces[index].append(claims[2])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append((index, "exception", repr(exc)))

    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads)
    finally:
        sys.setswitchinterval(old_interval)
    assert errors == []
    all_nonces = [n for per_thread in nonces for n in per_thread]
    assert len(all_nonces) == threads_n * rounds * 50
    assert len(set(all_nonces)) == len(all_nonces)
