"""Arguments whose conversion runs Python code that changes a buffer argument (issue 8 item 8).

A key, token or data argument may be a ``bytearray``. If a binding took a view of it and
then converted another argument whose ``__index__`` (or a patched ``time.time``) resizes
that bytearray, the core would read freed memory: a code for a key never passed could be
accepted. Every binding must instead behave exactly as if it had been called with the
bytes the bytearray holds once the conversions ran (the arguments are read after every
conversion), or raise a clean error (``BufferError``: the buffer is pinned for the call).
Objects whose ``__str__`` / ``__len__`` / ``__float__`` would mutate are never consulted:
the result is the one for the original bytes, or a TypeError.
"""

import base64
import time

import pyotp
import pytest

from django_totp_native import core

KEY = bytes(range(1, 21))  # the key the caller passed
ATTACKER_KEY = b"attacker-chosen-key!"  # same length: its bytes can land in the freed block
assert len(ATTACKER_KEY) == len(KEY)
WHEN = 1_700_000_000
FERNET_KEY = core.Fernet.generate_key()
FERNET = core.Fernet(FERNET_KEY)
RING = core.MultiFernet([core.Fernet(core.Fernet.generate_key()), FERNET])
CHALLENGE_KEY = b"challenge-key-0123456789abcdef!!"


def _spray(payload: bytes, keep: list) -> None:
    # Allocate buffers of the freed block's size holding ``payload``, so a stale view
    # would read it (pymalloc hands out the block just freed first).
    for _ in range(8):
        keep.append(bytearray(payload))


#: Each mutation gets the bytearray, a list that keeps allocations alive, and the payload
#: a stale read should find (what an attacker would place in the freed block).
MUTATIONS = {
    # Grow: the bytearray's storage moves; the old block is freed and refilled.
    "grow-and-spray": lambda ba, keep, payload: (ba.__setitem__(slice(None), bytes(300)), _spray(payload, keep)),
    "clear-and-spray": lambda ba, keep, payload: (ba.clear(), _spray(payload, keep)),
    "shrink": lambda ba, keep, payload: ba.__delitem__(slice(len(ba) // 2, None)),
    "replace-same-size": lambda ba, keep, payload: ba.__setitem__(slice(None), bytes(len(ba))),
}


class Hook:
    """An int-like argument: converting it (``__index__``) runs ``action`` first."""

    def __init__(self, value, action):
        self.value = value
        self.action = action
        self.calls = 0

    def __index__(self):
        self.calls += 1
        self.action()
        return self.value


def outcome(call):
    try:
        return ("ok", call())
    except Exception as exc:  # the type decides; the message is not compared
        return ("raised", type(exc))


def assert_no_stale_read(call_with, buffer: bytearray, mutate, payload=None):
    """call_with(arg, wrap) calls a binding with ``arg`` as its buffer argument and
    ``wrap(value)`` for one int argument.

    With the bytearray and a hook that mutates it, the result must be the one for the
    bytes before the mutation (the binding copied them first), the one for the bytes
    after it (the binding read them after converting every other argument), or a
    BufferError (the binding pinned the buffer). Anything else read freed memory.
    """
    original = bytes(buffer)
    keep: list = []
    hook_ran = []

    def action():
        if not hook_ran:  # mutate once, even if the hook is converted more than once
            hook_ran.append(True)
            mutate(buffer, keep, original if payload is None else payload)

    got = outcome(lambda: call_with(buffer, lambda value: Hook(value, action)))
    if got == ("raised", BufferError):
        return got
    assert hook_ran, "the hook was never converted: the test does not exercise anything"
    allowed = {
        outcome(lambda: call_with(original, lambda value: value)),
        outcome(lambda: call_with(bytes(buffer), lambda value: value)),
    }
    assert got in allowed
    return got


@pytest.fixture(params=sorted(MUTATIONS))
def mutate(request):
    return MUTATIONS[request.param]


# --- totp_match: the attack from the review --------------------------------------------

INT_KEYWORDS = ["window", "after_step", "digits", "period", "t0"]
DEFAULTS = {"window": 1, "after_step": -1, "digits": 6, "period": 30, "t0": 0}


@pytest.mark.parametrize("keyword", INT_KEYWORDS)
def test_totp_match_never_accepts_a_code_for_a_key_it_was_not_given(keyword, mutate):
    attacker_code = pyotp.TOTP(base64.b32encode(ATTACKER_KEY).decode()).at(WHEN)

    def call(key, wrap):
        kwargs = dict(DEFAULTS)
        kwargs[keyword] = wrap(kwargs[keyword])
        return core.totp_match(key, attacker_code, WHEN, **kwargs)

    got = assert_no_stale_read(call, bytearray(KEY), mutate, payload=ATTACKER_KEY)
    assert got in (("ok", None), ("raised", BufferError), ("raised", ValueError))


@pytest.mark.parametrize("keyword", INT_KEYWORDS)
def test_totp_match_with_the_callers_key_sees_the_changed_key(keyword):
    # The genuine code of the original key: once __index__ has replaced the key, it is
    # refused (the core does not use a stale copy either).
    code = core.totp(KEY, WHEN)

    def call(key, wrap):
        kwargs = dict(DEFAULTS)
        kwargs[keyword] = wrap(kwargs[keyword])
        return core.totp_match(key, code, WHEN, **kwargs)

    got = assert_no_stale_read(call, bytearray(KEY), MUTATIONS["grow-and-spray"], payload=ATTACKER_KEY)
    assert got in (("ok", None), ("ok", WHEN // 30), ("raised", BufferError))
    # and without mutation the bytearray key works like bytes
    assert core.totp_match(bytearray(KEY), code, WHEN, window=Hook(1, lambda: None)) == WHEN // 30


@pytest.mark.parametrize("keyword", INT_KEYWORDS)
def test_totp_match_sealed_never_accepts_a_code_for_a_secret_it_was_not_given(keyword, mutate):
    sealed = RING.encrypt(base64.b32encode(KEY))
    attacker_sealed = RING.encrypt(base64.b32encode(ATTACKER_KEY))  # same length
    attacker_code = pyotp.TOTP(base64.b32encode(ATTACKER_KEY).decode()).at(WHEN)

    def call(token, wrap):
        kwargs = dict(DEFAULTS)
        kwargs[keyword] = wrap(kwargs[keyword])
        return core.totp_match_sealed(RING, token, attacker_code, WHEN, **kwargs)

    got = assert_no_stale_read(call, bytearray(sealed), mutate, payload=attacker_sealed)
    assert got != ("ok", WHEN // 30)


# --- time.time() runs Python code too (None means "now"; freezegun patches it) ---------


@pytest.fixture
def patched_clock(monkeypatch):
    """Patch time.time to run the current test's action first; returns a setter."""
    state = {"action": lambda: None}

    def fake_time():
        action, state["action"] = state["action"], (lambda: None)
        action()
        return float(WHEN)

    monkeypatch.setattr(time, "time", fake_time)
    return state


def _clock_case(patched_clock, call, buffer, mutate, payload=None):
    """assert_no_stale_read with the mutation in time.time() instead of __index__."""
    original = bytes(buffer)
    keep: list = []
    ran = []

    def action():
        ran.append(True)
        mutate(buffer, keep, original if payload is None else payload)

    patched_clock["action"] = action
    got = outcome(lambda: call(buffer))
    if got == ("raised", BufferError):
        return got
    assert ran, "time.time was never called: the test does not exercise anything"
    assert got in {outcome(lambda: call(original)), outcome(lambda: call(bytes(buffer)))}
    return got


def test_totp_match_sealed_now_reads_the_token_after_the_clock(patched_clock, mutate):
    sealed = RING.encrypt(base64.b32encode(KEY))
    attacker_sealed = RING.encrypt(base64.b32encode(ATTACKER_KEY))
    code = core.totp(ATTACKER_KEY, WHEN)
    call = lambda t: core.totp_match_sealed(RING, t, code, None)  # noqa: E731
    got = _clock_case(patched_clock, call, bytearray(sealed), mutate, attacker_sealed)
    assert got != ("ok", WHEN // 30)


def test_totp_match_now_reads_the_key_after_the_clock(patched_clock, mutate):
    code = core.totp(ATTACKER_KEY, WHEN)
    got = _clock_case(patched_clock, lambda k: core.totp_match(k, code, None), bytearray(KEY), mutate, ATTACKER_KEY)
    assert got in (("ok", None), ("raised", ValueError), ("raised", BufferError))


@pytest.mark.parametrize("fernet", [FERNET, RING], ids=["Fernet", "MultiFernet"])
def test_fernet_encrypt_reads_data_after_the_clock(patched_clock, mutate, fernet):
    data = bytearray(b"plaintext that a callback changes " * 3)
    keep: list = []
    original = bytes(data)
    patched_clock["action"] = lambda: mutate(data, keep, original)
    try:
        token = fernet.encrypt(data)
    except BufferError:
        return
    # Encryption is randomised: compare what decrypts, not the token.
    assert fernet.decrypt(token) in (original, bytes(data))
    assert fernet.extract_timestamp(token) == WHEN


@pytest.mark.parametrize("fernet", [FERNET, RING], ids=["Fernet", "MultiFernet"])
def test_fernet_decrypt_with_ttl_reads_the_token_after_the_clock(patched_clock, mutate, fernet):
    token = FERNET.encrypt_at_time(b"secret plaintext", WHEN - 5)
    _clock_case(patched_clock, lambda t: fernet.decrypt(t, ttl=60), bytearray(token), mutate)


def test_sign_challenge_reads_the_key_after_the_clock(patched_clock, mutate):
    key = bytearray(CHALLENGE_KEY)
    keep: list = []
    patched_clock["action"] = lambda: mutate(key, keep, CHALLENGE_KEY)
    try:
        token = core.sign_challenge(key, "17", "login")
    except (BufferError, ValueError):
        return
    # Signed with the key before or after the callback, not with freed memory.
    verdicts = []
    for candidate in {CHALLENGE_KEY, bytes(key)}:
        verdicts.append(outcome(lambda: core.verify_challenge(candidate, token, "login", 60, WHEN)[:2]))
    assert ("ok", ("17", WHEN)) in verdicts


def test_verify_challenge_reads_the_key_after_conversion(patched_clock, mutate):
    token = core.sign_challenge(CHALLENGE_KEY, "17", "login", WHEN)

    def call(key, wrap):
        return core.verify_challenge(key, token, "login", wrap(60), WHEN)

    assert_no_stale_read(call, bytearray(CHALLENGE_KEY), mutate)
    _clock_case(patched_clock, lambda k: core.verify_challenge(k, token, "login", 60), bytearray(CHALLENGE_KEY), mutate)


# --- the other bindings with an int argument next to a buffer ---------------------------


def test_hotp_reads_the_key_after_conversion(mutate):
    assert_no_stale_read(lambda k, wrap: core.hotp(k, wrap(7)), bytearray(KEY), mutate)
    assert_no_stale_read(lambda k, wrap: core.hotp(k, 7, wrap(6)), bytearray(KEY), mutate)


@pytest.mark.parametrize("keyword", ["period", "digits", "t0"])
def test_totp_reads_the_key_after_conversion(keyword, mutate):
    def call(key, wrap):
        kwargs = {"period": 30, "digits": 6, "t0": 0}
        kwargs[keyword] = wrap(kwargs[keyword])
        return core.totp(key, WHEN, **kwargs)

    assert_no_stale_read(call, bytearray(KEY), mutate)


@pytest.mark.parametrize("keyword", ["border", "scale"])
def test_qr_reads_the_data_after_conversion(keyword, mutate):
    data = bytearray(b"otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example")

    def call(payload, wrap):
        kwargs = {"border": 4, "scale": 2}
        kwargs[keyword] = wrap(kwargs[keyword])
        return core.qr_png(payload, **kwargs)

    assert_no_stale_read(call, data, mutate)
    if keyword == "border":
        assert_no_stale_read(lambda p, wrap: core.qr_svg(p, border=wrap(4)), bytearray(data), mutate)


# --- bindings where no argument conversion can run Python code --------------------------


class EvilStr(str):
    """A str whose Python-level hooks would mutate ``target``; the core must not call them."""

    target: bytearray = bytearray()

    def __str__(self):
        self.target.clear()
        return "000000"

    def __len__(self):
        self.target.clear()
        return 0


class EvilBytearray(bytearray):
    def __len__(self):
        self.clear()
        return 0


def _untouched(call, buffer):
    expected = call(bytes(buffer))
    before = bytes(buffer)
    assert call(buffer) == expected
    assert bytes(buffer) == before


def test_str_and_len_hooks_are_never_called():
    key = bytearray(KEY)
    EvilStr.target = key
    code = EvilStr(core.totp(KEY, WHEN))
    assert core.totp_match(key, code, WHEN) == WHEN // 30
    assert bytes(key) == KEY
    backup_key = bytearray(b"k" * 32)
    EvilStr.target = backup_key
    _untouched(lambda k: core.backup_code_digest(k, EvilStr("7K3M-Q9XD-2HPA")), backup_key)
    sealed_backup_key = FERNET.encrypt(b"k" * 32)
    token = bytearray(sealed_backup_key)
    EvilStr.target = token
    _untouched(lambda t: core.backup_code_digest_sealed(RING, t, EvilStr("7K3M-Q9XD-2HPA")), token)
    evil = EvilBytearray(KEY)
    assert core.totp_match(evil, core.totp(KEY, WHEN), WHEN) == WHEN // 30
    assert core.b32encode(evil) == core.b32encode(KEY)
    assert core.constant_time_equal(evil, EvilBytearray(KEY))
    assert bytes(evil) == KEY


class FloatHook:
    def __init__(self, action):
        self.action = action

    def __float__(self):
        self.action()
        return float(WHEN)

    def __index__(self):
        self.action()
        return WHEN


def test_time_arguments_take_no_objects_with_float_or_index_hooks():
    # for_time / current_time / issued_at / now / ttl accept only int and float; an object
    # with __float__ or __index__ is refused before any buffer is read.
    key = bytearray(KEY)
    hook = FloatHook(key.clear)
    token = bytearray(FERNET.encrypt_at_time(b"x", WHEN))
    calls = [
        lambda: core.totp_match(key, "123456", hook),
        lambda: core.totp(key, hook),
        lambda: core.totp_match_sealed(RING, token, "123456", hook),
        lambda: FERNET.encrypt_at_time(key, hook),
        lambda: FERNET.decrypt(token, ttl=hook),
        lambda: FERNET.decrypt_at_time(token, 60, hook),
        lambda: RING.decrypt_at_time(token, hook, WHEN),
        lambda: core.sign_challenge(key, "17", "login", hook),
        lambda: core.verify_challenge(key, "x", "login", 60, hook),
    ]
    for call in calls:
        with pytest.raises(TypeError):
            call()
    assert bytes(key) == KEY


def test_buffer_only_bindings_use_the_bytes_they_were_given():
    # No other argument of these can run Python code, so the bytearray is used as is.
    data = bytearray(KEY)
    _untouched(lambda d: core.b32encode(d, padding=True), data)
    _untouched(lambda d: core.b32decode(d), bytearray(b"AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYU"))
    _untouched(lambda d: core.constant_time_equal(d, KEY), data)
    _untouched(lambda d: core.backup_code_digest(d, "7K3M-Q9XD-2HPA"), data)
    token = bytearray(FERNET.encrypt_at_time(b"payload", WHEN))
    _untouched(lambda t: FERNET.decrypt(t), token)
    _untouched(lambda t: RING.decrypt_at_time(t, 10**9, WHEN), token)
    _untouched(lambda t: FERNET.extract_timestamp(t), token)
    _untouched(lambda t: RING.decrypt(RING.rotate(t)), token)
    assert core.Fernet(bytearray(FERNET_KEY)).decrypt(token) == b"payload"
