#!/usr/bin/env python3
"""Writes the seed corpora under tests/fuzz_corpus/<target>/ (stdlib only, deterministic).

Each seed spells one input layout the harness in cpp/fuzz/fuzz_<target>.cpp reads (see
its Reader calls: a byte, a big-endian u64, a "field" = length byte + bytes, the rest).
Re-run after changing a harness's layout:  python3 cpp/fuzz/make_seeds.py
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "tests" / "fuzz_corpus"


def u64(value: int) -> bytes:
    return struct.pack(">Q", value & (2**64 - 1))


def field(data: bytes | str) -> bytes:
    raw = data.encode() if isinstance(data, str) else data
    assert len(raw) < 256
    return bytes([len(raw)]) + raw


NOW = 1_700_000_000


def fernet_seeds() -> dict[str, bytes]:
    iv = bytes(range(16))
    def built(shape: int, ts: int, body: bytes, damage: int = 0, where: int = 0,
              extra: bytes = b"", ttl: int | None = None, now: int = NOW) -> bytes:
        head = bytes([0, 1 if ttl is not None else 0]) + u64(now)
        if ttl is not None:
            head += u64(ttl)
        return head + bytes([shape]) + u64(ts) + iv + field(body) + bytes([damage, where]) + extra
    return {
        "token_ok": built(0, NOW, b"JBSWY3DPEHPK3PXP"),
        "token_empty_plaintext": built(0, NOW, b""),
        "token_block_plaintext": built(0, NOW, b"0123456789abcdef"),
        "token_ttl_ok": built(0, NOW - 10, b"secret", ttl=60),
        "token_expired": built(0, NOW - 100, b"secret", ttl=60),
        "token_future": built(0, NOW + 61, b"secret", ttl=60),
        # The exact edges of the window: 64-bit values a fuzzer rarely lands on alone.
        "token_ttl_edge": built(0, NOW - 60, b"secret", ttl=60),
        "token_ttl_just_expired": built(0, NOW - 61, b"secret", ttl=60),
        "token_future_edge": built(0, NOW + 60, b"secret", ttl=60),
        "token_negative_ttl": built(0, NOW, b"secret", ttl=-1),
        "token_max_timestamp": built(0, 2**64 - 1, b"secret", ttl=2**63 - 1),
        "raw_blocks_bad_padding": built(1, NOW, bytes(range(32))),
        "raw_ciphertext_odd_length": built(2, NOW, b"not a multiple of 16"),
        "raw_ciphertext_empty": built(2, NOW, b""),
        "flipped_byte": built(0, NOW, b"secret", damage=1 | (3 << 5), where=40),
        "truncated_text": built(0, NOW, b"secret", damage=2, where=50),
        "inserted_text": built(0, NOW, b"secret", damage=3, where=7, extra=field("=-_")),
        "text_garbage": bytes([1, 0]) + u64(NOW) + b"gAAAAABlU3Yg!!not*base64==",
        "text_unpadded": bytes([1, 0]) + u64(NOW) + b"gAAAAABlU3Yg",
        "text_short": bytes([1, 0]) + u64(NOW) + b"gA==",
    }


def challenge_seeds() -> dict[str, bytes]:
    nonce = bytes(range(16, 32))
    def built(subject: bytes = b"42", ts: int = NOW, max_age: int = 300, now: int = NOW,
              purpose: bytes = b"login", version: int = 1, declared: int = 0,
              damage: int = 0, where: int = 0, extra: bytes = b"", mode: int = 0,
              other_purpose: bytes | None = None, round_trip: bytes = b"7") -> bytes:
        out = bytes([mode]) + u64(now) + u64(max_age) + field(purpose)
        if mode & 2:
            out += field(other_purpose or b"")
        return (out + bytes([version]) + u64(ts) + nonce + bytes([declared]) + field(subject)
                + bytes([damage, where]) + extra + field(round_trip))
    return {
        "token_ok": built(),
        "long_subject": built(subject=b"u" * 255),
        "expired": built(ts=NOW - 301),
        "max_age_edge": built(ts=NOW - 300),
        "future_skew": built(ts=NOW + 61),
        "future_ok": built(ts=NOW + 60),
        "other_purpose": built(mode=2, other_purpose=b"recovery"),
        "bad_version": built(version=250),
        "lying_length": built(declared=255),
        "empty_subject": built(subject=b""),
        "flipped": built(damage=1 | (2 << 5), where=30),
        "padded": built(damage=4),
        "truncated": built(damage=2, where=20),
        "inserted": built(damage=3, where=5, extra=field("A")),
        "text_garbage": bytes([1]) + u64(NOW) + u64(300) + field("login") + b"AQAAAABlU*Yg",
    }


def uri_seeds() -> dict[str, bytes]:
    def built(shape: int, digits: int, period: int, secret: str, account: str,
              issuer: str | None = None, image: str | None = None, big_period: int | None = None) -> bytes:
        if issuer is not None:
            shape |= 0x08
        if image is not None:
            shape |= 0x10
        out = bytes([shape | (0x80 if big_period is not None else 0), digits, period & 0xFF])
        if big_period is not None:
            out += u64(big_period)
        out += field(secret) + field(account)
        if issuer is not None:
            out += field(issuer)
        if image is not None:
            out += image.encode()
        return out
    return {
        "plain": built(0, 1, 30, "JBSWY3DPEHPK3PXP", "alice@example.com"),
        "issuer": built(0, 1, 30, "jbsw y3dp-ehpk 3pxp", "alice", issuer="ACME Co"),
        "sha256_8_60": built(1, 3, 60, "MFRGGZDFMZTWQ2LK", "bob", issuer="Big & Co?"),
        "sha512_image": built(2, 2, 45, "MFRGG===", "名前 ユーザー", image="https://x.test/logo.png?a=1&b=2"),
        "colon_issuer": built(0, 1, 30, "MFRGG", "eve", issuer="a:b"),
        "bad_secret": built(0, 1, 30, "not base32!", "eve"),
        "empty_account": built(0, 1, 30, "MFRGG", ""),
        "zero_period": built(0, 1, 0, "MFRGG", "eve"),
        "huge_period": built(0, 1, 0, "MFRGG", "eve", big_period=2**63 - 1),
        "bad_digits": built(0, 0, 30, "MFRGG", "eve"),
    }


def qr_seeds() -> dict[str, bytes]:
    def built(shape: int, border: int, scale: int, data: bytes, dark: str | None = None,
              light: str | None = None) -> bytes:
        if dark is not None:
            shape |= 0x10
        if light is not None:
            shape |= 0x20
        out = bytes([shape, border + 2, scale])
        if dark is not None:
            out += field(dark)
        if light is not None:
            out += field(light)
        return out + data
    uri = b"otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME"
    return {
        "uri_medium": built(1, 4, 2, uri),
        "uri_high_colours": built(3, 2, 1, uri, dark="#123", light="#abcdef"),
        "one_byte_low": built(0, 0, 1, b"A"),
        "binary_quartile": built(2, 1, 1, bytes(range(256))),
        "border_limit": built(5, 64, 1, b"border"),
        "border_over": built(1, 65, 1, b"border"),
        "bad_colour": built(1, 4, 1, b"x", dark="red\"/><script>"),
        "scale_zero": built(1, 4, 0, b"x"),
        "bad_level": built(8, 4, 1, b"x"),
        "empty": built(1, 4, 1, b""),
        "long_text": built(0, 4, 1, b"0123456789" * 60),
    }


def fold_seeds() -> dict[str, bytes]:
    texts = {
        "ascii": "ABCD-1234 efgh",
        "fullwidth": "ＡＢＣＤ－１２３４",
        "roman_numerals": "Ⅻ ⅳ",
        "squared_units": "㎒㎓",
        "nbsp_and_ideographic_space": "AB\u00a0CD\u3000EF",
        "superscripts": "x²³¹",
        "foreign": "abcé",
        "emoji": "1😀",
        "python_spaces": "\x1c\x1d\x1e\x1f\x0b\x0c1",
    }
    seeds = {name: bytes([128]) + text.encode() for name, text in texts.items()}
    seeds["limit_one"] = bytes([1]) + "Ａb".encode()
    seeds["surrogate"] = bytes([128]) + b"A\xed\xa0\x80"
    seeds["overlong"] = bytes([128]) + b"\xc0\xaf\xe0\x80\xaf"
    seeds["truncated"] = bytes([128]) + b"AB\xe2\x82"
    seeds["above_max"] = bytes([128]) + b"\xf4\x90\x80\x80"
    return seeds


def backup_seeds() -> dict[str, bytes]:
    texts = {
        "grouped": "ABCD-EFGH-JKMN",
        "lower_spaced": "abcd efgh jkmn",
        "crockford_lookalikes": "oOiIlL01",
        "fullwidth_digits": "０１２３ ４５６",
        "otp_six": "123 456",
        "otp_eight": "1234-5678",
        "dashes_only": "----",
        "empty": "",
        "too_long": "A" * 129,
        "expands": "㎒" * 128,
        "foreign": "ABCD€",
    }
    seeds = {name: text.encode() for name, text in texts.items()}
    seeds["invalid_utf8"] = b"AB\xff\xfe"
    return seeds


def base32_seeds() -> dict[str, bytes]:
    texts = ["JBSWY3DPEHPK3PXP", "jbsw y3dp-ehpk 3pxp", "MFRGG===", "MFRGGZDFMZTWQ2LK",
             "MY======", "MZXQ====", "MZXW6===", "MZXW6YQ=", "MZXW6YTB", "AB", "ABC",
             "A=======", "MF=RGG", "01890", ""]
    return {f"text_{i:02d}": t.encode() for i, t in enumerate(texts)}


def base64url_seeds() -> dict[str, bytes]:
    texts = ["gAAAAABlU3Yg", "AQID", "AQI=", "AQ==", "AQI", "AQ", "A", "AR==", "_-8",
             "AQ=", "AQ===", "+/8=", ""]
    return {f"text_{i:02d}": t.encode() for i, t in enumerate(texts)}


def main() -> None:
    corpora = {
        "base32": base32_seeds(),
        "base64url": base64url_seeds(),
        "fernet": fernet_seeds(),
        "challenge": challenge_seeds(),
        "unicode_fold": fold_seeds(),
        "backup_code": backup_seeds(),
        "provisioning_uri": uri_seeds(),
        "qr": qr_seeds(),
    }
    for target, seeds in corpora.items():
        directory = ROOT / target
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        for name, data in seeds.items():
            (directory / name).write_bytes(data)
        total = sum(len(d) for d in seeds.values())
        print(f"{target}: {len(seeds)} seeds, {total} bytes")


if __name__ == "__main__":
    main()
