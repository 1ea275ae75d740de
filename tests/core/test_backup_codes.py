"""Backup codes: generation, parameter validation, normalisation of typed input, keyed digests."""

import collections
import hashlib
import hmac
import random
import re
import unicodedata

import pytest

from django_totp_native import core

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
KEY = b"backup-code-digest-key-0123456789"


def shape(length: int, group: int) -> re.Pattern:
    symbol = f"[{ALPHABET}]"
    if group == 0 or group >= length:
        return re.compile(f"{symbol}{{{length}}}")
    full, rest = divmod(length, group)
    parts = [f"{symbol}{{{group}}}"] * full + ([f"{symbol}{{{rest}}}"] if rest else [])
    return re.compile("-".join(parts))


def python_normalise(code: str) -> str:
    folded = "".join(unicodedata.normalize("NFKC", code).split()).replace("-", "").upper()
    return folded.replace("O", "0").replace("I", "1").replace("L", "1")


def test_default_format():
    codes = core.generate_backup_codes()
    assert isinstance(codes, list) and len(codes) == 10
    for code in codes:
        assert re.fullmatch(f"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", code), code
    assert len(set(codes)) == 10
    assert set(codes).isdisjoint(core.generate_backup_codes())


@pytest.mark.parametrize(
    "count, length, group",
    [(1, 6, 0), (3, 12, 4), (5, 12, 5), (5, 13, 4), (2, 8, 8), (2, 8, 1), (4, 64, 16), (1000, 6, 3), (7, 10, 0)],
)
def test_count_length_group(count, length, group):
    codes = core.generate_backup_codes(count, length, group)
    assert len(codes) == count
    assert len(set(codes)) == count
    pattern = shape(length, group)
    for code in codes:
        assert pattern.fullmatch(code), code
        # What is shown is already canonical (after dropping the dashes).
        assert core.normalize_backup_code(code) == code.replace("-", "")


def test_alphabet_is_fully_and_evenly_used():
    codes = core.generate_backup_codes(1000, 12, 0)
    counts = collections.Counter("".join(codes))
    assert set(counts) == set(ALPHABET)
    # 12000 symbols, 375 expected each; a biased mapping (e.g. modulo of a non-multiple)
    # or a missing symbol would show up far outside this band.
    assert all(250 < n < 500 for n in counts.values()), counts
    assert not set("ILOU") & set(counts)


def test_short_codes_are_still_distinct():
    # 1000 codes of 6 symbols: a generator that does not de-duplicate would, over many
    # runs, occasionally return a duplicate; the contract is "all distinct".
    for _ in range(5):
        codes = core.generate_backup_codes(1000, 6, 0)
        assert len(set(codes)) == 1000


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"count": 0}, "count"),
        ({"count": -1}, "count"),
        ({"count": 1001}, "count"),
        ({"length": 5}, "length"),
        ({"length": 0}, "length"),
        ({"length": 65}, "length"),
        ({"group": -1}, "group"),
        ({"length": 8, "group": 9}, "group"),
    ],
)
def test_parameter_validation(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        core.generate_backup_codes(**kwargs)


@pytest.mark.parametrize("kwargs", [{"count": "10"}, {"count": None}, {"length": 12.0}, {"group": "4"}])
def test_parameter_types(kwargs):
    with pytest.raises(TypeError):
        core.generate_backup_codes(**kwargs)


@pytest.mark.parametrize(
    "typed, canonical",
    [
        ("7K3M-Q9XD-2HPA", "7K3MQ9XD2HPA"),
        ("7k3m-q9xd-2hpa", "7K3MQ9XD2HPA"),
        ("  7k3m q9xd 2hpa\n", "7K3MQ9XD2HPA"),
        ("7K3M--Q9XD\t2HPA", "7K3MQ9XD2HPA"),
        ("oO0", "000"),
        ("iIlL1", "11111"),
        ("Hello-World", "HE110W0R1D"),
        ("ＡＢＣＤ－１２３４", "ABCD1234"),  # fullwidth letters, digits and hyphen-minus
        ("AB\u3000CD\u00a0EF\u2003GH", "ABCDEFGH"),
        ("\U0001d400\U0001d401\U0001d7cf\U0001d7d0", "AB12"),  # mathematical bold
        ("\u01f2", "DZ"),  # one code point, two letters after NFKC
        ("u", "U"),  # not in the alphabet, but not a lookalike: kept, never matches
    ],
)
def test_normalisation(typed, canonical):
    assert core.normalize_backup_code(typed) == canonical
    assert python_normalise(typed) == canonical  # the rule in ARCHITECTURE.md ("The native core") says the same


def test_normalisation_random_against_python_rule():
    rng = random.Random(99)
    pool = list(ALPHABET) + list("ilouILOU-") + [" ", "\t", "\u00a0", "\u3000"] + [chr(0xFF21 + i) for i in range(26)]
    for _ in range(2000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 40)))
        expected = python_normalise(text)
        if expected:
            assert core.normalize_backup_code(text) == expected, ascii(text)
        else:
            with pytest.raises(ValueError):
                core.normalize_backup_code(text)


@pytest.mark.parametrize(
    "bad, needle",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("----", "empty"),
        (" -\t- ", "empty"),
        ("A" * 129, "128"),
        ("AB" + " " * 127, "128"),
        ("１" * 129, "128"),
        ("ABCD\U0001f600", "letters"),
        ("\U0001f511", "letters"),
        ("ABCD!", "letters"),
        ("AB_CD", "letters"),
        ("AB.CD", "letters"),
        ("AB\u2010CD", "letters"),  # Unicode hyphen is not '-' under NFKC
        ("AB\u200bCD", "letters"),  # zero-width space is not whitespace
        ("\u0661\u0662\u0663", "letters"),  # Arabic-Indic digits are not ASCII digits
        ("AB\x00CD", "letters"),
        ("AB\ud800", "Unicode"),
    ],
)
def test_normalisation_rejects(bad, needle):
    with pytest.raises(ValueError, match=needle):
        core.normalize_backup_code(bad)
    with pytest.raises(ValueError, match=needle):
        core.backup_code_digest(KEY, bad)


def test_length_limit_is_in_characters():
    assert core.normalize_backup_code("a" * 128) == "A" * 128
    assert core.normalize_backup_code("１" * 128) == "1" * 128  # 384 UTF-8 bytes


@pytest.mark.parametrize("value", [None, b"ABCD", 1234, ["ABCD"], bytearray(b"ABCD")])
def test_non_str_code_is_type_error(value):
    with pytest.raises(TypeError):
        core.normalize_backup_code(value)
    with pytest.raises(TypeError):
        core.backup_code_digest(KEY, value)


def test_digest_is_hmac_sha256_of_the_normalised_code():
    for code in core.generate_backup_codes(50, 12, 4):
        want = hmac.new(KEY, code.replace("-", "").encode(), hashlib.sha256).hexdigest()
        assert core.backup_code_digest(KEY, code) == want
    rng = random.Random(5)
    for _ in range(300):
        key = rng.randbytes(rng.randint(1, 200))  # shorter and longer than the SHA-256 block
        code = "".join(rng.choice(ALPHABET) for _ in range(12))
        want = hmac.new(key, code.encode(), hashlib.sha256).hexdigest()
        assert core.backup_code_digest(key, code) == want
        assert core.backup_code_digest(bytearray(key), code.lower()) == want
    # A str key is its UTF-8 bytes.
    assert core.backup_code_digest("kéy", "ABCD") == hmac.new("kéy".encode(), b"ABCD", hashlib.sha256).hexdigest()


def test_lookalike_input_has_the_canonical_digest():
    canonical = core.backup_code_digest(KEY, "10AB-C0D1")
    for typed in ("IOAB-COD1", "lOab cOdl", "10ab-c0d1", "ＩＯＡＢ－ＣＯＤＬ", " i o a b c o d i "):
        assert core.backup_code_digest(KEY, typed) == canonical, typed
    assert core.backup_code_digest(KEY, "10AB-C0D2") != canonical
    assert core.backup_code_digest(KEY + b"!", "10AB-C0D1") != canonical


def test_digest_is_stable_and_lower_hex():
    d1 = core.backup_code_digest(KEY, "7K3M-Q9XD-2HPA")
    d2 = core.backup_code_digest(KEY, "7K3M-Q9XD-2HPA")
    assert d1 == d2 and re.fullmatch(r"[0-9a-f]{64}", d1)


@pytest.mark.parametrize("key, exc", [(b"", ValueError), ("", ValueError), (None, TypeError), (12, TypeError)])
def test_digest_key_errors(key, exc):
    with pytest.raises(exc):
        core.backup_code_digest(key, "ABCD")


# --- backup_code_digest_sealed: the device's key opened and used in one native call ---------


def _sealed_fixture():
    import cryptography.fernet as reference

    raw_key = bytes(range(32))
    fernet_key = core.Fernet.generate_key()
    # Sealed by cryptography's own Fernet: an independent implementation of the format.
    sealed = reference.Fernet(fernet_key).encrypt(raw_key)
    return raw_key, fernet_key, sealed


SEALED_SPELLINGS = ["7K3M-Q9XD-2HPA", "7k3m q9xd 2hpa", "7K3MQ9XD2HPA", "OIL0-1LI0-OOII", "\uff17K3M-Q9XD-2HPA"]


@pytest.mark.parametrize("code", SEALED_SPELLINGS)
def test_backup_code_digest_sealed_equals_the_digest_under_the_plain_key(code):
    raw_key, fernet_key, sealed = _sealed_fixture()
    expected = core.backup_code_digest(raw_key, code)
    # and the plain digest is HMAC-SHA256 of the normalised code (Python's hmac as oracle)
    assert expected == hmac.new(raw_key, core.normalize_backup_code(code).encode(), hashlib.sha256).hexdigest()
    fernet = core.Fernet(fernet_key)
    ring = core.MultiFernet([core.Fernet(core.Fernet.generate_key()), fernet])
    for keys in (fernet, ring):
        for token in (sealed, sealed.decode("ascii"), bytearray(sealed)):
            assert core.backup_code_digest_sealed(keys, token, code) == expected


def test_backup_code_digest_sealed_distinguishes_codes_and_keys():
    raw_key, fernet_key, sealed = _sealed_fixture()
    fernet = core.Fernet(fernet_key)
    other = fernet.encrypt(bytes(range(1, 33)))
    a = core.backup_code_digest_sealed(fernet, sealed, "7K3M-Q9XD-2HPA")
    assert a != core.backup_code_digest_sealed(fernet, sealed, "7K3M-Q9XD-2HPB")
    assert a != core.backup_code_digest_sealed(fernet, other, "7K3M-Q9XD-2HPA")


def test_backup_code_digest_sealed_refuses_a_token_no_key_opens():
    raw_key, fernet_key, sealed = _sealed_fixture()
    strangers = core.MultiFernet([core.Fernet(core.Fernet.generate_key()), core.Fernet(core.Fernet.generate_key())])
    with pytest.raises(core.InvalidToken):
        core.backup_code_digest_sealed(strangers, sealed, "7K3M-Q9XD-2HPA")
    fernet = core.Fernet(fernet_key)
    tampered = bytearray(sealed)
    tampered[40] ^= 1
    for token in (bytes(tampered), b"", "not a token", sealed[:-1]):
        with pytest.raises(core.InvalidToken):
            core.backup_code_digest_sealed(fernet, token, "7K3M-Q9XD-2HPA")
    with pytest.raises(core.InvalidToken):  # opens, but holds no key
        core.backup_code_digest_sealed(fernet, fernet.encrypt(b""), "7K3M-Q9XD-2HPA")


def test_backup_code_digest_sealed_refuses_junk_code_and_wrong_types():
    raw_key, fernet_key, sealed = _sealed_fixture()
    fernet = core.Fernet(fernet_key)
    for junk in ("", "---", "x" * 129, "7K3M!Q9XD"):
        with pytest.raises(ValueError):
            core.backup_code_digest_sealed(fernet, sealed, junk)
    # Junk code is refused before the key is opened: no InvalidToken for a bad token.
    with pytest.raises(ValueError):
        core.backup_code_digest_sealed(fernet, b"not a token", "")
    with pytest.raises(TypeError, match="fernet"):
        core.backup_code_digest_sealed(fernet_key, sealed, "7K3M-Q9XD-2HPA")
    with pytest.raises(TypeError, match="sealed_key"):
        core.backup_code_digest_sealed(fernet, 12345, "7K3M-Q9XD-2HPA")
    with pytest.raises(TypeError, match="code"):
        core.backup_code_digest_sealed(fernet, sealed, b"7K3M-Q9XD-2HPA")
