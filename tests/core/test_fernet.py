"""Fernet and MultiFernet: spec vectors, interop with cryptography.fernet, hostile input, threads."""

import base64
import datetime
import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography import fernet as reference

import django_totp_native.core as core

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "fernet"
SPEC_KEY = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="
KEY_MESSAGE = "Fernet key must be 32 url-safe base64-encoded bytes."


def load(name):
    with open(VECTORS / name, encoding="utf-8") as handle:
        return json.load(handle)


def unix(iso_text):
    return int(datetime.datetime.fromisoformat(iso_text).timestamp())


def raw(token):
    return base64.urlsafe_b64decode(token)


def canonical(data):
    return base64.urlsafe_b64encode(data)


def reference_token(key, data, timestamp, iv):
    """cryptography's own token for the same key, plaintext, timestamp and IV."""
    return reference.Fernet(key)._encrypt_from_parts(data, timestamp, iv)


def outcome(call):
    """'ok', 'expired' or 'invalid': what a decrypt did, for either implementation."""
    try:
        call()
    except core.ExpiredToken:
        return "expired"
    except (core.InvalidToken, reference.InvalidToken):
        return "invalid"
    return "ok"


def accepted(call):
    return outcome(call) == "ok"


# --- spec vectors ------------------------------------------------------------------------


def test_vector_times_parse_to_the_spec_instant():
    assert unix("1985-10-26T01:20:01-07:00") == 499162801


@pytest.mark.parametrize("vector", load("generate.json"), ids=lambda v: v["src"])
def test_spec_generate_vectors(vector):
    key = vector["secret"]
    now = unix(vector["now"])
    iv = bytes(vector["iv"])
    src = vector["src"].encode()
    token = vector["token"].encode()
    # The vector is exactly what cryptography produces from these parts...
    assert reference_token(key, src, now, iv) == token
    ours = core.Fernet(key)
    # ...we read it...
    assert ours.decrypt(token) == src
    assert ours.extract_timestamp(token) == now
    # ...and what we produce for the same parts is byte-identical, given our random IV.
    mine = ours.encrypt_at_time(src, now)
    assert len(mine) == len(token)
    assert raw(mine)[:9] == raw(token)[:9]
    assert mine == reference_token(key, src, now, raw(mine)[9:25])


@pytest.mark.parametrize("vector", load("verify.json"), ids=lambda v: v["src"])
def test_spec_verify_vectors(vector):
    now = unix(vector["now"])
    assert now == 499162801
    src = vector["src"].encode()
    for fernet in (
        core.Fernet(vector["secret"]),
        core.Fernet(vector["secret"].encode()),
        core.MultiFernet([core.Fernet(core.Fernet.generate_key()), core.Fernet(vector["secret"])]),
    ):
        assert fernet.decrypt_at_time(vector["token"], vector["ttl_sec"], now) == src
        assert fernet.decrypt_at_time(vector["token"].encode(), vector["ttl_sec"], now) == src
        assert fernet.decrypt(vector["token"]) == src
        assert fernet.extract_timestamp(vector["token"]) == now - 1


@pytest.mark.parametrize("vector", load("invalid.json"), ids=lambda v: v["desc"])
def test_spec_invalid_vectors(vector):
    now = unix(vector["now"])
    ttl = vector["ttl_sec"]
    token = vector["token"]
    genuine_but_out_of_window = vector["desc"] in (
        "expired TTL",
        "far-future TS (unacceptable clock skew)",
    )
    expected = "expired" if genuine_but_out_of_window else "invalid"
    ours = core.Fernet(vector["secret"])
    ring = core.MultiFernet([core.Fernet(core.Fernet.generate_key()), ours])
    assert outcome(lambda: ours.decrypt_at_time(token, ttl, now)) == expected
    assert outcome(lambda: ring.decrypt_at_time(token, ttl, now)) == expected
    assert not accepted(lambda: reference.Fernet(vector["secret"]).decrypt_at_time(token, ttl, now))
    if genuine_but_out_of_window:
        # No TTL, no time check: as cryptography.
        assert ours.decrypt(token) == reference.Fernet(vector["secret"]).decrypt(token)


# --- interoperability with cryptography.fernet -------------------------------------------


def random_case(rng):
    key = reference.Fernet.generate_key() if rng.random() < 0.5 else core.Fernet.generate_key()
    if rng.random() < 0.3:
        key = key.decode()
    size = rng.choice([0, 1, 15, 16, 17, rng.randint(0, 2000)])
    return key, rng.randbytes(size), rng.randint(0, 4_000_000_000)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_random_tokens_interoperate(seed):
    rng = random.Random(seed)
    for _ in range(100):
        key, plaintext, timestamp = random_case(rng)
        ours, theirs = core.Fernet(key), reference.Fernet(key)

        mine = ours.encrypt_at_time(plaintext, timestamp)
        assert isinstance(mine, bytes)
        assert mine == reference_token(key, plaintext, timestamp, raw(mine)[9:25])
        assert theirs.decrypt(mine) == plaintext
        assert theirs.extract_timestamp(mine) == timestamp

        foreign = theirs.encrypt_at_time(plaintext, timestamp)
        assert ours.decrypt(foreign) == plaintext
        assert ours.decrypt(foreign.decode()) == plaintext
        assert ours.extract_timestamp(foreign) == timestamp

        now_token = ours.encrypt(plaintext)
        assert abs(theirs.extract_timestamp(now_token) - time.time()) < 5
        assert theirs.decrypt(now_token, ttl=60) == plaintext


def test_generated_keys_work_in_cryptography():
    key = core.Fernet.generate_key()
    assert isinstance(key, bytes) and len(key) == 44
    assert len(base64.urlsafe_b64decode(key)) == 32
    assert core.Fernet.generate_key() != key
    assert reference.Fernet(key).decrypt(core.Fernet(key).encrypt(b"x")) == b"x"


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(2))
def test_multifernet_rotation_both_ways(seed):
    rng = random.Random(1000 + seed)
    for _ in range(60):
        old, new, spare = (reference.Fernet.generate_key() for _ in range(3))
        plaintext = rng.randbytes(rng.randint(0, 2000))
        timestamp = rng.randint(0, 4_000_000_000)

        # Our MultiFernet rotates cryptography's token; cryptography reads the result.
        ours = core.MultiFernet([core.Fernet(new), core.Fernet(spare), core.Fernet(old)])
        legacy = reference.Fernet(old).encrypt_at_time(plaintext, timestamp)
        rotated = ours.rotate(legacy)
        assert reference.Fernet(new).decrypt(rotated) == plaintext
        assert reference.Fernet(new).extract_timestamp(rotated) == timestamp
        assert not accepted(lambda: reference.Fernet(old).decrypt(rotated))
        assert ours.decrypt(legacy) == plaintext
        assert ours.extract_timestamp(legacy) == timestamp

        # cryptography's MultiFernet rotates our token; we read the result.
        theirs = reference.MultiFernet([reference.Fernet(new), reference.Fernet(old)])
        mine = core.Fernet(old).encrypt_at_time(plaintext, timestamp)
        rotated = theirs.rotate(mine)
        assert core.Fernet(new).decrypt(rotated) == plaintext
        assert core.Fernet(new).extract_timestamp(rotated) == timestamp

        # Encrypts with the first key only.
        fresh = ours.encrypt_at_time(plaintext, timestamp)
        assert reference.Fernet(new).decrypt(fresh) == plaintext
        assert not accepted(lambda: reference.Fernet(old).decrypt(fresh))


@pytest.mark.slow
def test_ttl_edges_match_cryptography():
    rng = random.Random(7)
    ttls = [0, 1, 59, 60, 61, 3600, -1]
    for _ in range(40):
        key = reference.Fernet.generate_key()
        timestamp = rng.randint(100_000, 4_000_000_000)
        token = reference.Fernet(key).encrypt_at_time(b"edge", timestamp)
        ring = core.MultiFernet([core.Fernet(reference.Fernet.generate_key()), core.Fernet(key)])
        for ttl in ttls:
            nows = [
                timestamp + ttl - 1, timestamp + ttl, timestamp + ttl + 1,
                timestamp - 59, timestamp - 60, timestamp - 61, timestamp, timestamp - 10_000,
            ]
            for now in nows:
                theirs = accepted(lambda: reference.Fernet(key).decrypt_at_time(token, ttl, now))
                for fernet in (core.Fernet(key), ring):
                    ours = outcome(lambda: fernet.decrypt_at_time(token, ttl, now))
                    assert ours == ("ok" if theirs else "expired"), (ttl, now - timestamp)
    # The exact edges, spelled out.
    key = core.Fernet.generate_key()
    ours = core.Fernet(key)
    token = ours.encrypt_at_time(b"x", 1_000_000)
    assert ours.decrypt_at_time(token, 60, 1_000_060) == b"x"
    assert outcome(lambda: ours.decrypt_at_time(token, 60, 1_000_061)) == "expired"
    assert ours.decrypt_at_time(token, 60, 1_000_000 - 60) == b"x"
    assert outcome(lambda: ours.decrypt_at_time(token, 60, 1_000_000 - 61)) == "expired"


def test_ttl_against_the_real_clock():
    key = core.Fernet.generate_key()
    ours, theirs = core.Fernet(key), reference.Fernet(key)
    now = int(time.time())
    fresh = ours.encrypt_at_time(b"x", now)
    stale = ours.encrypt_at_time(b"x", now - 1000)
    future = ours.encrypt_at_time(b"x", now + 1000)
    assert ours.decrypt(fresh, ttl=30) == b"x"
    assert ours.decrypt(fresh, 30) == b"x"
    for token in (stale, future):
        with pytest.raises(core.ExpiredToken):
            ours.decrypt(token, ttl=30)
        with pytest.raises(reference.InvalidToken):
            theirs.decrypt(token, ttl=30)
        # Without a TTL neither implementation looks at the time.
        assert ours.decrypt(token) == theirs.decrypt(token) == b"x"
        assert core.MultiFernet([ours]).decrypt(token) == b"x"
    with pytest.raises(core.ExpiredToken):
        core.MultiFernet([core.Fernet(core.Fernet.generate_key()), ours]).decrypt(stale, ttl=30)


def test_expired_is_a_kind_of_invalid_token():
    assert issubclass(core.ExpiredToken, core.InvalidToken)
    assert issubclass(core.InvalidToken, core.NativeError)
    assert issubclass(core.NativeError, Exception)


def test_key_accepts_bytes_str_and_surrounding_whitespace():
    token = reference.Fernet(SPEC_KEY).encrypt(b"payload")
    for key in (SPEC_KEY, SPEC_KEY.encode(), SPEC_KEY + "\n", b"  " + SPEC_KEY.encode() + b"\r\n"):
        assert core.Fernet(key).decrypt(token) == b"payload"
        assert reference.Fernet(key).decrypt(token) == b"payload"


def test_large_plaintext_round_trips():
    key = core.Fernet.generate_key()
    plaintext = random.Random(3).randbytes(4 * 1024 * 1024 + 5)
    token = core.Fernet(key).encrypt(plaintext)
    assert reference.Fernet(key).decrypt(token) == plaintext
    assert core.Fernet(key).decrypt(reference.Fernet(key).encrypt(plaintext)) == plaintext


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, 123, 4.5, ["k"], object()])
def test_key_of_wrong_type_is_a_type_error(key):
    with pytest.raises(TypeError, match="key must be bytes or str"):
        core.Fernet(key)


@pytest.mark.parametrize(
    "key",
    [
        b"",
        "",
        b"abc",
        SPEC_KEY[:-1],  # unpadded: cryptography rejects it too
        base64.urlsafe_b64encode(b"k" * 31),
        base64.urlsafe_b64encode(b"k" * 33),
        base64.urlsafe_b64encode(b"k" * 16),
        "%" * 44,
        "é" * 44,
        SPEC_KEY[:10] + " " + SPEC_KEY[10:],
    ],
)
def test_bad_key_is_a_value_error_with_cryptographys_message(key):
    with pytest.raises(ValueError) as info:
        core.Fernet(key)
    assert str(info.value) == KEY_MESSAGE


@pytest.mark.parametrize("data", ["text", 1, None, memoryview(b"x"), [1]])
def test_plaintext_must_be_bytes(data):
    fernet = core.Fernet(SPEC_KEY)
    ring = core.MultiFernet([fernet])
    for call in (
        lambda: fernet.encrypt(data),
        lambda: fernet.encrypt_at_time(data, 1),
        lambda: ring.encrypt(data),
        lambda: ring.encrypt_at_time(data, 1),
    ):
        with pytest.raises(TypeError, match="data must be bytes"):
            call()


@pytest.mark.parametrize("token", [None, 1, 2.5, ["t"], object()])
def test_token_must_be_bytes_or_str(token):
    fernet = core.Fernet(SPEC_KEY)
    ring = core.MultiFernet([fernet])
    for call in (
        lambda: fernet.decrypt(token),
        lambda: fernet.decrypt_at_time(token, 60, 1),
        lambda: fernet.extract_timestamp(token),
        lambda: ring.decrypt(token),
        lambda: ring.decrypt_at_time(token, 60, 1),
        lambda: ring.rotate(token),
        lambda: ring.extract_timestamp(token),
    ):
        with pytest.raises(TypeError, match="token must be bytes or str"):
            call()


def test_time_arguments_are_checked():
    fernet = core.Fernet(SPEC_KEY)
    token = fernet.encrypt(b"x")
    with pytest.raises(ValueError, match="non-None ttl"):
        fernet.decrypt_at_time(token, None, 1)
    with pytest.raises(ValueError, match="non-None ttl"):
        core.MultiFernet([fernet]).decrypt_at_time(token, None, 1)
    with pytest.raises(TypeError, match="ttl"):
        fernet.decrypt(token, ttl="60")
    with pytest.raises(TypeError, match="current_time"):
        fernet.encrypt_at_time(b"x", None)
    with pytest.raises(TypeError, match="current_time"):
        fernet.encrypt_at_time(b"x", "1")
    with pytest.raises(TypeError, match="current_time"):
        fernet.decrypt_at_time(token, 60, None)
    with pytest.raises(ValueError, match="non-negative"):
        fernet.encrypt_at_time(b"x", -1)
    with pytest.raises(ValueError):
        fernet.encrypt_at_time(b"x", 10**30)


@pytest.mark.parametrize(
    "token",
    [b"", "", b"=", "====", b"%%%%", "not a token!", "\x00" * 8, b"gA==", "gAAAAAAA", "é" * 100],
)
def test_garbage_tokens_are_invalid(token):
    fernet = core.Fernet(SPEC_KEY)
    ring = core.MultiFernet([fernet])
    for call in (
        lambda: fernet.decrypt(token),
        lambda: fernet.decrypt(token, ttl=60),
        lambda: fernet.extract_timestamp(token),
        lambda: ring.decrypt(token),
        lambda: ring.rotate(token),
        lambda: ring.extract_timestamp(token),
    ):
        assert outcome(call) == "invalid"


def test_lone_surrogate_token_is_a_value_error():
    with pytest.raises(ValueError, match="token"):
        core.Fernet(SPEC_KEY).decrypt("gAAA\ud800")


def test_non_canonical_base64_is_rejected():
    # Every Fernet implementation emits padded url-safe base64. cryptography's decoder
    # also tolerates whitespace, '+' and '/' inside tokens; we accept only the canonical
    # text, so two different texts never decrypt to the same token.
    fernet = core.Fernet(SPEC_KEY)
    token = fernet.encrypt(b"x" * 40)
    variants = [token + b"\n", b" " + token, token.rstrip(b"=") if token.endswith(b"=") else None]
    translated = token.replace(b"-", b"+").replace(b"_", b"/")
    if translated != token:
        variants.append(translated)
    for variant in filter(None, variants):
        assert outcome(lambda: fernet.decrypt(variant)) == "invalid"


def test_truncated_tokens_are_invalid_at_every_length():
    fernet = core.Fernet(SPEC_KEY)
    token = fernet.encrypt_at_time(b"truncate me, please", 499162800)
    for length in range(len(token)):
        assert outcome(lambda: fernet.decrypt(token[:length])) == "invalid"
        assert outcome(lambda: fernet.decrypt(token[:length].decode(), ttl=60)) == "invalid"
    data = raw(token)
    for length in range(len(data)):
        assert outcome(lambda: fernet.decrypt(canonical(data[:length]))) == "invalid"
        assert outcome(lambda: fernet.extract_timestamp(canonical(data[:length]))) == "invalid"


def test_every_flipped_byte_is_invalid_never_expired():
    fernet = core.Fernet(SPEC_KEY)
    ring = core.MultiFernet([core.Fernet(core.Fernet.generate_key()), fernet])
    token = fernet.encrypt_at_time(b"flip every byte of this", 499162800)
    data = raw(token)
    for index in range(len(data)):
        for mask in (0x01, 0x80, 0xFF):
            tampered = bytearray(data)
            tampered[index] ^= mask
            text = canonical(bytes(tampered))
            # A forged timestamp outside the window must still read as forged.
            assert outcome(lambda: fernet.decrypt_at_time(text, 60, 499162800)) == "invalid"
            assert outcome(lambda: fernet.decrypt_at_time(text, 60, 0)) == "invalid"
            assert outcome(lambda: ring.decrypt(text)) == "invalid"
            assert outcome(lambda: ring.extract_timestamp(text)) == "invalid"
            assert not accepted(lambda: reference.Fernet(SPEC_KEY).decrypt(text))
    for index in range(len(token)):
        text = bytearray(token)
        text[index] = ord("B") if text[index] == ord("A") else ord("A")
        assert outcome(lambda: fernet.decrypt(bytes(text))) == "invalid"


def test_wrong_key_is_invalid_and_the_message_leaks_nothing():
    key = core.Fernet.generate_key()
    plaintext = b"super secret plaintext"
    token = core.Fernet(key).encrypt(plaintext)
    other = core.Fernet.generate_key()
    with pytest.raises(core.InvalidToken) as info:
        core.Fernet(other).decrypt(token)
    assert not isinstance(info.value, core.ExpiredToken)
    message = str(info.value)
    assert message  # says what went wrong
    for secret in (key, other, plaintext, key.decode(), other.decode()):
        assert str(secret) not in message
    with pytest.raises(core.InvalidToken):
        core.MultiFernet([core.Fernet(other)]).rotate(token)
    with pytest.raises(ValueError) as info:
        core.Fernet(key[:-2] + b"==")
    assert key.decode()[:-2] not in str(info.value)


def test_huge_tokens_are_invalid_not_a_crash():
    fernet = core.Fernet(SPEC_KEY)
    ring = core.MultiFernet([fernet])
    huge_garbage = b"A" * (8 * 1024 * 1024)
    huge_forged = canonical(b"\x80" + bytes(6 * 1024 * 1024))
    for token in (huge_garbage, huge_forged, huge_forged.decode()):
        assert outcome(lambda: fernet.decrypt(token)) == "invalid"
        assert outcome(lambda: ring.rotate(token)) == "invalid"


def test_multifernet_constructor_checks():
    with pytest.raises(ValueError, match="MultiFernet requires at least one Fernet instance"):
        core.MultiFernet([])
    with pytest.raises(ValueError, match="at least one"):
        core.MultiFernet(iter(()))
    with pytest.raises(TypeError, match="Fernet instances, not str"):
        core.MultiFernet([SPEC_KEY])
    with pytest.raises(TypeError, match=r"not cryptography\.[\w.]*\.Fernet"):
        core.MultiFernet([reference.Fernet(SPEC_KEY)])
    with pytest.raises(TypeError):
        core.MultiFernet(5)
    with pytest.raises(TypeError):
        core.MultiFernet([core.Fernet(SPEC_KEY), None])
    ring = core.MultiFernet(core.Fernet(k) for k in (SPEC_KEY, core.Fernet.generate_key()))
    assert reference.Fernet(SPEC_KEY).decrypt(ring.encrypt(b"gen")) == b"gen"


def test_fernet_is_accepted_by_totp_match_sealed():
    key = core.Fernet.generate_key()
    secret = core.random_secret()
    sealed = reference.Fernet(key).encrypt(secret.encode())
    code = core.totp(core.b32decode(secret), 1_700_000_000)
    for fernet in (core.Fernet(key), core.MultiFernet([core.Fernet(core.Fernet.generate_key()), core.Fernet(key)])):
        assert core.totp_match_sealed(fernet, sealed, code, 1_700_000_000) == 1_700_000_000 // 30
    with pytest.raises(core.InvalidToken):
        core.totp_match_sealed(core.Fernet(core.Fernet.generate_key()), sealed, code, 1_700_000_000)


# --- threads -----------------------------------------------------------------------------


def test_shared_instances_across_threads():
    key = core.Fernet.generate_key()
    fernet = core.Fernet(key)
    ring = core.MultiFernet([core.Fernet(core.Fernet.generate_key()), fernet])
    checker = reference.Fernet(key)

    def worker(seed):
        rng = random.Random(seed)
        problems = []
        for i in range(400):
            plaintext = rng.randbytes(rng.randint(0, 600))
            timestamp = 1_700_000_000 + i
            mine = fernet.encrypt_at_time(plaintext, timestamp)
            if fernet.decrypt(mine) != plaintext or ring.decrypt_at_time(mine, 60, timestamp) != plaintext:
                problems.append(("fernet", seed, i))
            rotated = ring.rotate(mine)
            if ring.extract_timestamp(rotated) != timestamp or ring.decrypt(rotated) != plaintext:
                problems.append(("rotate", seed, i))
            if accepted(lambda: fernet.decrypt(rotated)):
                problems.append(("rotated token readable by the old key alone", seed, i))
            if i % 20 == 0 and checker.decrypt(mine) != plaintext:
                problems.append(("interop", seed, i))
        return problems

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(worker, range(8)))
    assert results == [[]] * 8


def test_constructors_and_methods_take_keywords_as_cryptography_does():
    from cryptography.fernet import Fernet as CryptoFernet

    key = CryptoFernet.generate_key()
    ours = core.MultiFernet(fernets=[core.Fernet(key=key, backend=None)])
    token = ours.encrypt_at_time(msg=b"secret", current_time=1_000)
    assert CryptoFernet(key).decrypt_at_time(token, ttl=60, current_time=1_030) == b"secret"
    assert ours.decrypt(msg=token) == b"secret"
    assert core.Fernet(key).decrypt_at_time(token=token, ttl=60, current_time=1_030) == b"secret"
