"""Arguments whose conversion runs Python code that changes a buffer argument (issue 8 item 8).

A key, token or data argument may be a ``bytearray``. If a binding took a view of it and
then converted another argument whose ``__index__`` (or a patched ``time.time``) resizes
that bytearray, the core would read freed memory: a code for a key never passed could be
accepted. Every binding must instead behave exactly as if it had been called with the
bytes the bytearray holds once the conversions ran (the arguments are read after every
conversion), or raise a clean error (``BufferError``: the buffer is pinned for the call).
Objects whose ``__str__`` / ``__len__`` / ``__float__`` would mutate are never consulted:
the result is the one for the original bytes, or a TypeError.

A stale read only shows if the freed memory holds bytes that give another answer, so
every case that frees the bytearray's block plants an attacker's bytes of the same length
there (another key, a token signed with another key, another user's secret), checks that
they landed, and checks that they would give an answer the binding may not give (issue 16
item 10). `make sanitize` runs this file against an AddressSanitizer build of the
extension with PYTHONMALLOC=malloc: there the freed block is quarantined rather than
reused, and a stale read is an ASan report.
"""

import base64
import ctypes
import os
import time
from pathlib import Path

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
ATTACKER_CHALLENGE_KEY = b"attacker-challenge-key-0123456!!"
assert len(ATTACKER_CHALLENGE_KEY) == len(CHALLENGE_KEY)



#: Running from the repository (make test, make sanitize), not a copy of the tests staged
#: against an installed wheel: there a block that never lands is a failure.
IN_THE_CHECKOUT = (Path(__file__).resolve().parents[2] / "cpp" / "src").is_dir()

def _address(buffer: bytearray) -> int:
    """Where the bytes of ``buffer`` are now (the ctypes view is released at once)."""
    return ctypes.addressof((ctypes.c_char * 1).from_buffer(buffer))


_address(bytearray(1))  # creates and caches the ctypes array type before any case runs


def _asan_loaded() -> bool:
    try:
        with open("/proc/self/maps") as maps:
            return "libasan" in maps.read()
    except OSError:
        return False


UNDER_ASAN = _asan_loaded()
#: pymalloc (CPython's default) always moves a resized block and serves a size class from
#: its partly used pools before any new one, so the freed block comes back to one of the
#: next requests of its size; the system malloc may resize in place instead.
PYMALLOC = os.environ.get("PYTHONMALLOC", "").removesuffix("_debug") in ("", "default", "debug", "pymalloc")
#: Stops a runaway search; pymalloc returns the freed block after at most as many
#: allocations as its size class has free blocks (a few hundred in practice).
PLANT_LIMIT = 200_000


def _plant(payload: bytes, address: int, keep: list) -> bool:
    """Allocate bytearrays holding ``payload`` (kept alive in ``keep``) until one's bytes
    occupy the block at ``address``, just freed: a stale view of it then reads ``payload``."""
    for _ in range(PLANT_LIMIT):
        candidate = bytearray(payload)  # the same allocation size as the bytearray freed
        keep.append(candidate)
        if _address(candidate) == address:
            return True
        if id(candidate) == address:  # a bytearray object took the block: pick another length
            return False
    return False


class Mutation:
    """What the hook does to the bytearray. ``frees``: its bytes move to another block and
    the old block is freed, where the attacker's payload is then planted."""

    def __init__(self, change, frees: bool):
        self.change = change
        self.frees = frees

    def __call__(self, buffer: bytearray, payload: bytes, keep: list) -> bool:
        """Apply the change; returns whether ``payload`` now sits in the freed block."""
        if not self.frees:
            self.change(buffer)
            return False
        address = _address(buffer)
        self.change(buffer)
        # Under ASan the block is quarantined: nothing lands, and ASan reports a stale read.
        return PYMALLOC and not UNDER_ASAN and _plant(payload, address, keep)


MUTATIONS = {
    # pymalloc moves the bytes, freeing the old block (to 1 byte: a smaller size class).
    "grow-and-plant": Mutation(lambda ba: ba.__setitem__(slice(None), bytes(300)), frees=True),
    "clear-and-plant": Mutation(lambda ba: ba.clear(), frees=True),
    "shrink-and-plant": Mutation(lambda ba: ba.__delitem__(slice(1, None)), frees=True),
    # In place, nothing freed: a stale view reads live memory, which may hold the new
    # bytes; these check that the answer is the one for the bytes before or after.
    "shrink-in-place": Mutation(lambda ba: ba.__delitem__(slice(len(ba) * 3 // 4, None)), frees=False),
    "replace-same-size": Mutation(lambda ba: ba.__setitem__(slice(None), bytes(len(ba))), frees=False),
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


def check_no_stale_read(call_hooked, call, buffer: bytearray, mutation: Mutation, payload: bytes):
    """``call_hooked(buffer, action)`` calls a binding with ``buffer`` as its buffer
    argument such that converting another argument runs ``action`` first; ``call(value)``
    calls it the same way with nothing to run.

    With the bytearray and the mutation in the hook, the result must be the one for the
    bytes before the mutation (the binding copied them first), the one for the bytes after
    it (the binding read them after converting every other argument), or a BufferError
    (the binding pinned the buffer). When the mutation freed the bytearray's block,
    ``payload`` is planted there first and must give neither answer, so that a binding
    reading through a stale view fails here.
    """
    original = bytes(buffer)
    assert len(payload) == len(original), "the payload must be what a stale view of the old length reads"
    keep: list = []
    landed = []

    def action():
        if not landed:  # mutate once, even if the hook is converted more than once
            landed.append(mutation(buffer, payload, keep))

    got = outcome(lambda: call_hooked(buffer, action))
    if got == ("raised", BufferError):
        return got
    assert landed, "the hook never ran: the test does not exercise anything"
    allowed = {outcome(lambda: call(original)), outcome(lambda: call(bytes(buffer)))}
    if mutation.frees:
        assert outcome(lambda: call(payload)) not in allowed, "a stale read of the payload would pass"
        if not (landed[0] or UNDER_ASAN):
            if not PYMALLOC:
                pytest.skip(f"PYTHONMALLOC={os.environ['PYTHONMALLOC']} may not free or reuse the block; "
                            "run with pymalloc (the default) or under ASan (make sanitize)")
            if not IN_THE_CHECKOUT:
                # Against an installed wheel on another CPython (make wheels-check): pymalloc
                # there may not hand the freed block back (3.12 did not, for sign_challenge);
                # the checkout's run and the ASan run (make sanitize) hold the line.
                pytest.skip("this CPython's allocator did not reuse the freed block; see make sanitize")
            pytest.fail("the payload never landed in the freed block, so a stale read would go unnoticed")
    assert got in allowed
    return got


def assert_no_stale_read(call_with, buffer: bytearray, mutation: Mutation, payload: bytes):
    """check_no_stale_read where the hook is one int argument: ``call_with(arg, wrap)``
    calls a binding with ``arg`` as its buffer argument and ``wrap(value)`` for the int."""
    return check_no_stale_read(
        lambda arg, action: call_with(arg, lambda value: Hook(value, action)),
        lambda arg: call_with(arg, lambda value: value),
        buffer,
        mutation,
        payload,
    )


@pytest.fixture(params=sorted(MUTATIONS))
def mutation(request):
    return MUTATIONS[request.param]


# --- totp_match: the attack from the review --------------------------------------------

INT_KEYWORDS = ["window", "after_step", "digits", "period", "t0"]
DEFAULTS = {"window": 1, "after_step": -1, "digits": 6, "period": 30, "t0": 0}


@pytest.mark.parametrize("keyword", INT_KEYWORDS)
def test_totp_match_never_accepts_a_code_for_a_key_it_was_not_given(keyword, mutation):
    attacker_code = pyotp.TOTP(base64.b32encode(ATTACKER_KEY).decode()).at(WHEN)

    def call(key, wrap):
        kwargs = dict(DEFAULTS)
        kwargs[keyword] = wrap(kwargs[keyword])
        return core.totp_match(key, attacker_code, WHEN, **kwargs)

    got = assert_no_stale_read(call, bytearray(KEY), mutation, ATTACKER_KEY)
    assert got in (("ok", None), ("raised", BufferError), ("raised", ValueError))


@pytest.mark.parametrize("keyword", INT_KEYWORDS)
def test_totp_match_with_the_callers_key_sees_the_changed_key(keyword):
    # When __index__ replaces the key in place (nothing freed), the new key's code is
    # accepted and the old key's refused: the key is read after the conversions. The first
    # call shows that the hook path accepts a genuine code at all.
    def call(code, change):
        key = bytearray(KEY)
        kwargs = dict(DEFAULTS)
        kwargs[keyword] = Hook(kwargs[keyword], lambda: change(key))
        return outcome(lambda: core.totp_match(key, code, WHEN, **kwargs))

    def to_attacker_key(key):
        key[:] = ATTACKER_KEY

    assert call(core.totp(KEY, WHEN), lambda key: None) == ("ok", WHEN // 30)
    assert call(core.totp(ATTACKER_KEY, WHEN), to_attacker_key) in (("ok", WHEN // 30), ("raised", BufferError))
    assert call(core.totp(KEY, WHEN), to_attacker_key) in (("ok", None), ("raised", BufferError))


@pytest.mark.parametrize("keyword", INT_KEYWORDS)
def test_totp_match_sealed_never_accepts_a_code_for_a_secret_it_was_not_given(keyword, mutation):
    sealed = RING.encrypt(base64.b32encode(KEY))
    attacker_sealed = RING.encrypt(base64.b32encode(ATTACKER_KEY))  # same length
    attacker_code = pyotp.TOTP(base64.b32encode(ATTACKER_KEY).decode()).at(WHEN)

    def call(token, wrap):
        kwargs = dict(DEFAULTS)
        kwargs[keyword] = wrap(kwargs[keyword])
        return core.totp_match_sealed(RING, token, attacker_code, WHEN, **kwargs)

    got = assert_no_stale_read(call, bytearray(sealed), mutation, attacker_sealed)
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


def _clock_case(patched_clock, call, buffer: bytearray, mutation: Mutation, payload: bytes):
    """check_no_stale_read with the mutation in time.time() instead of __index__."""

    def call_hooked(arg, action):
        patched_clock["action"] = action
        try:
            return call(arg)
        finally:
            patched_clock["action"] = lambda: None

    return check_no_stale_read(call_hooked, call, buffer, mutation, payload)


def test_totp_match_sealed_now_reads_the_token_after_the_clock(patched_clock, mutation):
    sealed = RING.encrypt(base64.b32encode(KEY))
    attacker_sealed = RING.encrypt(base64.b32encode(ATTACKER_KEY))
    code = core.totp(ATTACKER_KEY, WHEN)
    call = lambda t: core.totp_match_sealed(RING, t, code, None)  # noqa: E731
    got = _clock_case(patched_clock, call, bytearray(sealed), mutation, attacker_sealed)
    assert got != ("ok", WHEN // 30)


def test_totp_match_now_reads_the_key_after_the_clock(patched_clock, mutation):
    code = core.totp(ATTACKER_KEY, WHEN)
    got = _clock_case(patched_clock, lambda k: core.totp_match(k, code, None), bytearray(KEY), mutation, ATTACKER_KEY)
    assert got in (("ok", None), ("raised", ValueError), ("raised", BufferError))


@pytest.mark.parametrize("fernet", [FERNET, RING], ids=["Fernet", "MultiFernet"])
def test_fernet_encrypt_reads_data_after_the_clock(patched_clock, mutation, fernet):
    data = bytearray(b"plaintext that a callback changes " * 3)
    other_users_secret = (b"another user's secret plaintext " * 4)[: len(data)]

    def sealed(plaintext):
        # Encryption is randomised: what the token holds is compared, not the token.
        token = fernet.encrypt(plaintext)
        return fernet.decrypt(token), fernet.extract_timestamp(token)

    got = _clock_case(patched_clock, sealed, data, mutation, other_users_secret)
    assert got == ("raised", BufferError) or got[1][1] == WHEN


@pytest.mark.parametrize("fernet", [FERNET, RING], ids=["Fernet", "MultiFernet"])
def test_fernet_decrypt_with_ttl_reads_the_token_after_the_clock(patched_clock, mutation, fernet):
    token = FERNET.encrypt_at_time(b"secret plaintext", WHEN - 5)
    other_users_token = FERNET.encrypt_at_time(b"other's secret!!", WHEN - 5)  # same length
    call = lambda t: fernet.decrypt(t, ttl=60)  # noqa: E731
    _clock_case(patched_clock, call, bytearray(token), mutation, other_users_token)


def test_sign_challenge_reads_the_key_after_the_clock(patched_clock, mutation):
    def signers(key):
        # Which of the two keys the challenge was signed with (the nonce is random).
        token = core.sign_challenge(key, "17", "login")
        candidates = {"caller": CHALLENGE_KEY, "attacker": ATTACKER_CHALLENGE_KEY}
        return tuple(
            name
            for name, candidate in candidates.items()
            if outcome(lambda: core.verify_challenge(candidate, token, "login", 60, WHEN)[:2]) == ("ok", ("17", WHEN))
        )

    _clock_case(patched_clock, signers, bytearray(CHALLENGE_KEY), mutation, ATTACKER_CHALLENGE_KEY)


def test_verify_challenge_reads_the_key_after_conversion(patched_clock, mutation):
    # The attacker's own token: only a read of the attacker's key (planted in the freed
    # block) verifies it, whatever the hook does to the caller's key.
    token = core.sign_challenge(ATTACKER_CHALLENGE_KEY, "17", "login", WHEN)

    def call(key, wrap):
        return core.verify_challenge(key, token, "login", wrap(60), WHEN)

    got = assert_no_stale_read(call, bytearray(CHALLENGE_KEY), mutation, ATTACKER_CHALLENGE_KEY)
    assert got[0] == "raised"
    call_now = lambda k: core.verify_challenge(k, token, "login", 60)  # noqa: E731
    got = _clock_case(patched_clock, call_now, bytearray(CHALLENGE_KEY), mutation, ATTACKER_CHALLENGE_KEY)
    assert got[0] == "raised"


# --- the other bindings with an int argument next to a buffer ---------------------------


def test_hotp_reads_the_key_after_conversion(mutation):
    assert_no_stale_read(lambda k, wrap: core.hotp(k, wrap(7)), bytearray(KEY), mutation, ATTACKER_KEY)
    assert_no_stale_read(lambda k, wrap: core.hotp(k, 7, wrap(6)), bytearray(KEY), mutation, ATTACKER_KEY)


@pytest.mark.parametrize("keyword", ["period", "digits", "t0"])
def test_totp_reads_the_key_after_conversion(keyword, mutation):
    def call(key, wrap):
        kwargs = {"period": 30, "digits": 6, "t0": 0}
        kwargs[keyword] = wrap(kwargs[keyword])
        return core.totp(key, WHEN, **kwargs)

    assert_no_stale_read(call, bytearray(KEY), mutation, ATTACKER_KEY)


@pytest.mark.parametrize("keyword", ["border", "scale"])
def test_qr_reads_the_data_after_conversion(keyword, mutation):
    uri = b"otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example"
    attackers_uri = b"otpauth://totp/Example:alice?secret=ATTACKERSECRET23&issuer=Example"  # same length

    def call(payload, wrap):
        kwargs = {"border": 4, "scale": 2}
        kwargs[keyword] = wrap(kwargs[keyword])
        return core.qr_png(payload, **kwargs)

    assert_no_stale_read(call, bytearray(uri), mutation, attackers_uri)
    if keyword == "border":
        svg = lambda p, wrap: core.qr_svg(p, border=wrap(4))  # noqa: E731
        assert_no_stale_read(svg, bytearray(uri), mutation, attackers_uri)


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
