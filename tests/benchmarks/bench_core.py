"""Benchmark the native core against the pure-Python code django-totp calls.

Each row times one core operation next to a named pure-Python reference, in one
process: mostly what the pure-Python package ``django-totp`` calls for the same job
(pyotp, cryptography's Fernet, qrcode, Django's signing); one information row uses
django-otp's TOTP (``django_otp.oath``) instead, the leaner pure-Python verifier. The
table's Reference column names each row's reference. Reference and native batches alternate round by round, and
which one goes first flips every round, so load spikes and frequency changes land on
both sides alike. A batch runs the statement N times (N chosen so a batch lasts a few
milliseconds) and is timed as a whole with ``time.perf_counter_ns``; a row reports the
median per-call time over all batches of each side.

This is a report, not a test: rows below their target say MISSED and the exit status
stays 0. The exit status is 1 only when an operation raised or returned a wrong answer
(so a CI smoke run with ``--quick`` still catches a broken core), and 2 when the core
cannot be imported.

Usage:
    .venv/bin/python tests/benchmarks/bench_core.py            # full run, ~10-20 s
    .venv/bin/python tests/benchmarks/bench_core.py --quick    # CI smoke, a few seconds
    .venv/bin/python tests/benchmarks/bench_core.py --json build/bench.json
    .venv/bin/python tests/benchmarks/bench_core.py --only totp,fernet
    .venv/bin/python tests/benchmarks/bench_core.py --reference-only   # no core needed
"""

from __future__ import annotations

import argparse
import base64
import gc
import hmac
import importlib.metadata
import itertools
import json
import os
import platform
import re
import secrets
import ssl
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]

# Every side of every row runs this many batches (the median is taken over them).
FULL_ROUNDS = 31
QUICK_ROUNDS = 5
# A batch repeats the statement until it lasts about this long.
FULL_BATCH_NS = 8_000_000
QUICK_BATCH_NS = 1_000_000

CHALLENGE_SALT = "django-totp-token-salt"
CHALLENGE_MAX_AGE = 300
BACKUP_CODE_COUNT = 10


# --------------------------------------------------------------------------- timing


@dataclass
class Side:
    """One half of a row: a statement run in a namespace of local names."""

    statement: str
    namespace: dict[str, Any]
    description: str


@dataclass
class Row:
    key: str
    operation: str
    reference: str  # what the native call is compared with, short (the Reference column)
    target: float | None  # minimum speed-up; None = information only
    build: Callable[[], tuple[Side | str, Side | str]]
    # Before every round: refresh time-dependent inputs (the current TOTP code).
    refresh: Callable[[dict[str, Any], dict[str, Any]], None] | None = None
    # Runs the statements once; returns a problem description or None.
    check: Callable[[dict[str, Any], dict[str, Any]], str | None] | None = None


@dataclass
class Timing:
    batch_size: int
    per_call_ns: list[float]

    @property
    def median_ns(self) -> float:
        return statistics.median(self.per_call_ns)

    @property
    def relative_iqr(self) -> float:
        if len(self.per_call_ns) < 4:
            return (max(self.per_call_ns) - min(self.per_call_ns)) / self.median_ns
        q1, _, q3 = statistics.quantiles(self.per_call_ns, n=4)
        return (q3 - q1) / self.median_ns


def compile_batch(
    side: Side, label: str, clock: Callable[[], int] = time.perf_counter_ns
) -> Callable[[int], int]:
    """Return batch(n) -> elapsed ns for running side.statement n times.

    The statement is inlined into a loop (as timeit does) with its names bound as
    locals, so neither side pays for a wrapper call or global look-ups the real caller
    would not pay for. The namespace is read at the start of every batch, so refresh
    hooks can swap inputs between rounds.
    """
    bindings = "".join(f"    {name} = _ns[{name!r}]\n" for name in side.namespace)
    source = (
        "def _batch(_n):\n"
        f"{bindings}"
        "    _loop = _repeat(None, _n)\n"
        "    _t0 = _clock()\n"
        "    for _ in _loop:\n"
        f"{textwrap.indent(textwrap.dedent(side.statement).strip(), ' ' * 8)}\n"
        "    return _clock() - _t0\n"
    )
    scope = {"_ns": side.namespace, "_repeat": itertools.repeat, "_clock": clock}
    exec(compile(source, f"<bench {label}>", "exec"), scope)
    return scope["_batch"]


def timed(batch: Callable[[int], int], n: int) -> int:
    # Like timeit: the collector would otherwise fire at random points inside batches.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return batch(n)
    finally:
        if gc_was_enabled:
            gc.enable()


def calibrate(batch: Callable[[int], int], batch_ns: int) -> int:
    """Smallest repeat count whose batch lasts at least batch_ns (also warms up)."""
    n = 1
    while True:
        elapsed = max(timed(batch, n), 1)
        if elapsed >= batch_ns:
            # One preemption can make a small batch look long enough; trust the fastest
            # of three before settling on n.
            elapsed = max(min(elapsed, timed(batch, n), timed(batch, n)), 1)
            if elapsed >= batch_ns // 2:
                break
        if n >= 10_000_000:
            break
        n = max(n + 1, min(n * 10, int(n * batch_ns * 1.15 / elapsed)))
    timed(batch, n)  # one more warm-up at the final size
    return n


def measure_interleaved(
    row: Row,
    reference: Side | None,
    native: Side | None,
    rounds: int,
    batch_ns: int,
    clock: Callable[[], int],
) -> tuple[Timing | None, Timing | None]:
    sides = [(name, s) for name, s in (("reference", reference), ("native", native)) if s]
    batches = {name: compile_batch(s, f"{row.key} {name}", clock) for name, s in sides}

    def refresh() -> None:
        if row.refresh is not None:
            row.refresh(
                reference.namespace if reference else {}, native.namespace if native else {}
            )

    refresh()
    sizes = {name: calibrate(batches[name], batch_ns) for name, _ in sides}
    samples: dict[str, list[float]] = {name: [] for name, _ in sides}
    for round_index in range(rounds):
        refresh()
        order = sides if round_index % 2 == 0 else sides[::-1]
        for name, _ in order:
            n = sizes[name]
            samples[name].append(timed(batches[name], n) / n)
    result = {name: Timing(sizes[name], samples[name]) for name, _ in sides}
    return result.get("reference"), result.get("native")


# ------------------------------------------------------------------- the workloads


def provisioning_uri_for(secret: str) -> str:
    # What pyotp.TOTP(secret).provisioning_uri(name=..., issuer_name=...) yields for a
    # typical account: about 120 bytes, QR version 6 or 7 at ECC level M.
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(
        name="alice.liddell@example.com", issuer_name="Example Corp"
    )


def totp_codes_near(secret: str, now: float, steps: range) -> set[str]:
    import pyotp

    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    return {totp.generate_otp(step + offset) for offset in steps}


def code_matching_none(secret: str, now: float) -> str:
    # Stays non-matching even if the step changes during the batch.
    taken = totp_codes_near(secret, now, range(-2, 3))
    for candidate in itertools.count(123456, 7919):
        code = f"{candidate % 1_000_000:06d}"
        if code not in taken:
            return code
    raise AssertionError("unreachable")


def build_rows(core: Any | None) -> list[Row]:
    import pyotp
    import qrcode
    import qrcode.image.svg
    from cryptography.fernet import Fernet
    from django.conf import settings
    from django.core import signing

    if not settings.configured:
        settings.configure(SECRET_KEY="bench-" + secrets.token_hex(32))

    # The shapes django-totp stores: a 32-character base32 secret, Fernet tokens as
    # text, backup codes from secrets.token_urlsafe(12).
    secret = pyotp.random_base32()
    raw_key = base64.b32decode(secret)
    fernet_key = Fernet.generate_key()
    reference_fernet = Fernet(fernet_key)
    sealed_secret = reference_fernet.encrypt(secret.encode()).decode()
    native_fernet = core.Fernet(fernet_key) if core else None
    uri = provisioning_uri_for(secret)
    hmac_key = secrets.token_bytes(32)

    def current_code(ref_ns: dict[str, Any], nat_ns: dict[str, Any]) -> None:
        code = pyotp.TOTP(secret).now()
        ref_ns["code"] = nat_ns["code"] = code

    def wrong_code(ref_ns: dict[str, Any], nat_ns: dict[str, Any]) -> None:
        code = code_matching_none(secret, time.time())
        ref_ns["code"] = nat_ns["code"] = code

    def native_or_none(make: Callable[[], Side]) -> Side | str:
        return make() if core else "core not imported (--reference-only)"

    rows: list[Row] = []

    # 1. TOTP verify ---------------------------------------------------------------
    def totp_sides() -> tuple[Side | str, Side | str]:
        reference = Side(
            "TOTP(secret).verify(code, valid_window=1)",
            {"TOTP": pyotp.TOTP, "secret": secret, "code": ""},
            "pyotp.TOTP(secret).verify(code, valid_window=1), as django-totp's "
            "verify_totp_code does (base32 secret decoded by pyotp on each call)",
        )
        native = native_or_none(
            lambda: Side(
                "totp_match(key, code, clock(), window=1)",
                {"totp_match": core.totp_match, "key": raw_key, "code": "", "clock": time.time},
                "core.totp_match(key, code, time.time(), window=1) with the raw key",
            )
        )
        return reference, native

    def check_totp_match(ref_ns: dict[str, Any], nat_ns: dict[str, Any]) -> str | None:
        now = time.time()
        if not ref_ns["TOTP"](secret).verify(ref_ns["code"], valid_window=1):
            return "reference rejected the current code"
        if nat_ns:
            step = nat_ns["totp_match"](raw_key, nat_ns["code"], now, window=1)
            if step not in (int(now // 30), int(now // 30) - 1):
                return f"totp_match returned {step!r} for the current code"
        return None

    def check_totp_miss(ref_ns: dict[str, Any], nat_ns: dict[str, Any]) -> str | None:
        now = time.time()
        if ref_ns["TOTP"](secret).verify(ref_ns["code"], valid_window=1):
            return "reference accepted a wrong code"
        if nat_ns:
            step = nat_ns["totp_match"](raw_key, nat_ns["code"], now, window=1)
            if step is not None:
                return f"totp_match returned {step!r} for a wrong code"
        return None

    rows.append(
        Row(
            "totp_verify_match",
            "TOTP verify, code of the current step",
            "pyotp TOTP.verify",
            20.0,
            totp_sides,
            refresh=current_code,
            check=check_totp_match,
        )
    )

    # django-otp's TOTP: the other pure-Python verifier, leaner than pyotp (raw key, no
    # base32 decoding, integer comparison). Information only: it shows the native gain
    # against the fastest pure-Python way, not only against django-totp's.
    def django_otp_sides() -> tuple[Side | str, Side | str]:
        _, native = totp_sides()
        try:
            from django_otp.oath import TOTP as OathTOTP
        except ImportError:
            return "django-otp is not installed (requirements-dev.txt)", native
        # TOTPDevice.verify_token, minus the throttling check and the save: the int()
        # of the token, a TOTP built from the device's fields (its defaults: step 30,
        # t0 0, 6 digits, drift 0), the clock read once, verify with tolerance 1 and
        # min_t = last_t + 1 (-1 + 1 for a device never used). The hex key is decoded
        # outside the loop (the device's bin_key property would unhexlify it per call).
        reference = Side(
            "totp = TOTP(key, 30, 0, 6, 0)\n"
            "totp.time = clock()\n"
            "totp.verify(int(code), 1, min_t)",
            {"TOTP": OathTOTP, "key": raw_key, "clock": time.time, "code": "", "min_t": 0},
            "django_otp.oath.TOTP(key, 30, 0, 6, 0) with .time = time.time(), then "
            ".verify(int(code), 1, last_t + 1), as django-otp's TOTPDevice.verify_token "
            "does (tolerance 1; raw key precomputed; throttling and the save not timed)",
        )
        return reference, native

    def check_django_otp(ref_ns: dict[str, Any], nat_ns: dict[str, Any]) -> str | None:
        if ref_ns:  # absent when django-otp is not installed
            totp = ref_ns["TOTP"](raw_key, 30, 0, 6, 0)
            totp.time = time.time()
            if not totp.verify(int(ref_ns["code"]), 1, ref_ns["min_t"]):
                return "django-otp rejected the current code"
        if not nat_ns:
            return None
        code = (ref_ns or nat_ns)["code"]
        return check_totp_match({"TOTP": pyotp.TOTP, "code": code}, nat_ns)

    rows.append(
        Row(
            "totp_verify_match_django_otp",
            "TOTP verify, code of the current step",
            "django-otp oath.TOTP.verify",
            None,
            django_otp_sides,
            refresh=current_code,
            check=check_django_otp,
        )
    )

    def totp_default_window_sides() -> tuple[Side | str, Side | str]:
        reference, native = totp_sides()
        if isinstance(native, Side):
            native = Side(
                "totp_match(key, code, clock())",
                native.namespace,
                "core.totp_match(key, code, time.time()): window=1 left as the default, "
                "so the call carries no keyword argument",
            )
        return reference, native

    rows.append(
        Row(
            "totp_verify_match_positional",
            "TOTP verify, current code, no keyword arguments",
            "pyotp TOTP.verify",
            None,
            totp_default_window_sides,
            refresh=current_code,
            check=check_totp_match,
        )
    )
    rows.append(
        Row(
            "totp_verify_miss",
            "TOTP verify, wrong code (all 3 steps tried)",
            "pyotp TOTP.verify",
            20.0,
            totp_sides,
            refresh=wrong_code,
            check=check_totp_miss,
        )
    )

    # 2. Decrypt + verify (what a login does) ---------------------------------------
    def sealed_sides() -> tuple[Side | str, Side | str]:
        reference = Side(
            "TOTP(fernet.decrypt(sealed).decode()).verify(code, valid_window=1)",
            {"TOTP": pyotp.TOTP, "fernet": reference_fernet, "sealed": sealed_secret, "code": ""},
            "cryptography Fernet.decrypt(token) of the stored secret, then pyotp verify "
            "(window 1); Fernet object built outside the loop",
        )
        native = native_or_none(
            lambda: Side(
                "totp_match_sealed(fernet, sealed, code, clock(), window=1)",
                {
                    "totp_match_sealed": core.totp_match_sealed,
                    "fernet": native_fernet,
                    "sealed": sealed_secret,
                    "code": "",
                    "clock": time.time,
                },
                "core.totp_match_sealed(fernet, token, code, time.time(), window=1)",
            )
        )
        return reference, native

    def check_sealed(ref_ns: dict[str, Any], nat_ns: dict[str, Any]) -> str | None:
        now = time.time()
        plain = reference_fernet.decrypt(sealed_secret).decode()
        if not pyotp.TOTP(plain).verify(ref_ns["code"], valid_window=1):
            return "reference rejected the current code"
        if nat_ns:
            step = core.totp_match_sealed(native_fernet, sealed_secret, nat_ns["code"], now, window=1)
            if step not in (int(now // 30), int(now // 30) - 1):
                return f"totp_match_sealed returned {step!r} for the current code"
        return None

    rows.append(
        Row(
            "totp_sealed_match",
            "Decrypt secret + TOTP verify (login)",
            "cryptography Fernet + pyotp",
            10.0,
            sealed_sides,
            refresh=current_code,
            check=check_sealed,
        )
    )

    # 3. QR code ----------------------------------------------------------------------
    def qr_path_sides() -> tuple[Side | str, Side | str]:
        reference = Side(
            "make(uri, image_factory=SvgPathImage).to_string().decode()",
            {"make": qrcode.make, "uri": uri, "SvgPathImage": qrcode.image.svg.SvgPathImage},
            "qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage).to_string() "
            "(one <path>, like the native output), decoded to str",
        )
        native = native_or_none(
            lambda: Side(
                "qr_svg(uri)",
                {"qr_svg": core.qr_svg, "uri": uri},
                "core.qr_svg(uri)",
            )
        )
        return reference, native

    def qr_rect_sides() -> tuple[Side | str, Side | str]:
        reference = Side(
            "make(uri, image_factory=SvgImage).to_string().decode()",
            {"make": qrcode.make, "uri": uri, "SvgImage": qrcode.image.svg.SvgImage},
            "qrcode.make(uri, image_factory=qrcode.image.svg.SvgImage).to_string() "
            "(one <rect> per dark module: the class django-totp's qrsvg uses)",
        )
        native = native_or_none(
            lambda: Side("qr_svg(uri)", {"qr_svg": core.qr_svg, "uri": uri}, "core.qr_svg(uri)")
        )
        return reference, native

    def check_qr(ref_ns: dict[str, Any], nat_ns: dict[str, Any]) -> str | None:
        if nat_ns:
            svg = nat_ns["qr_svg"](uri)
            if not isinstance(svg, str) or "<svg" not in svg or "<path" not in svg:
                return f"qr_svg returned {type(svg).__name__} without <svg>/<path>"
        return None

    # The target row is SvgImage: the class django-totp renders with (the target).
    # SvgPathImage is the like-for-like output shape (one <path>), shown for information.
    rows.append(
        Row("qr_svg_rect", "QR code SVG (django-totp's renderer)", "qrcode SvgImage", 100.0,
            qr_rect_sides, check=check_qr)
    )
    rows.append(
        Row("qr_svg_path", "QR code SVG (one-path output, like native)", "qrcode SvgPathImage",
            None, qr_path_sides, check=check_qr)
    )

    def qr_png_sides() -> tuple[Side | str, Side | str]:
        native = native_or_none(
            lambda: Side("qr_png(uri)", {"qr_png": core.qr_png, "uri": uri}, "core.qr_png(uri)")
        )
        try:
            import PIL  # noqa: F401  (only asking whether qrcode can make PIL images)
        except ImportError:
            return "pillow is not installed, so qrcode cannot render PNG", native
        import io

        from qrcode.image.pil import PilImage

        def render_png(data: str) -> bytes:
            out = io.BytesIO()
            qrcode.make(data, image_factory=PilImage).save(out)
            return out.getvalue()

        reference = Side(
            "render_png(uri)",
            {"render_png": render_png, "uri": uri},
            "qrcode.make(uri, image_factory=PilImage).save(BytesIO)",
        )
        return reference, native

    def check_png(ref_ns: dict[str, Any], nat_ns: dict[str, Any]) -> str | None:
        if nat_ns:
            png = nat_ns["qr_png"](uri)
            if not isinstance(png, bytes) or not png.startswith(b"\x89PNG\r\n\x1a\n"):
                return "qr_png did not return PNG bytes"
        return None

    rows.append(Row("qr_png", "QR code PNG", "qrcode PilImage", None, qr_png_sides, check=check_png))

    # 4. Challenge token sign + verify ----------------------------------------------
    def challenge_sides() -> tuple[Side | str, Side | str]:
        reference = Side(
            "loads(dumps(payload, salt=salt), salt=salt, max_age=max_age)",
            {
                "loads": signing.loads,
                "dumps": signing.dumps,
                "payload": {"user_id": 42},
                "salt": CHALLENGE_SALT,
                "max_age": CHALLENGE_MAX_AGE,
            },
            'django.core.signing.dumps({"user_id": 42}, salt=...) then '
            "signing.loads(token, salt=..., max_age=300)",
        )
        native = native_or_none(
            lambda: Side(
                'verify_challenge(key, sign_challenge(key, "42", "login"), "login", max_age)',
                {
                    "sign_challenge": core.sign_challenge,
                    "verify_challenge": core.verify_challenge,
                    "key": hmac_key,
                    "max_age": CHALLENGE_MAX_AGE,
                },
                'core.sign_challenge(key, "42", "login") then '
                'core.verify_challenge(key, token, "login", 300)',
            )
        )
        return reference, native

    def check_challenge(ref_ns: dict[str, Any], nat_ns: dict[str, Any]) -> str | None:
        token = signing.dumps({"user_id": 42}, salt=CHALLENGE_SALT)
        if signing.loads(token, salt=CHALLENGE_SALT, max_age=CHALLENGE_MAX_AGE) != {"user_id": 42}:
            return "reference round trip failed"
        if nat_ns:
            token = core.sign_challenge(hmac_key, "42", "login")
            subject, issued_at, nonce_hex = core.verify_challenge(
                hmac_key, token, "login", CHALLENGE_MAX_AGE
            )
            if subject != "42" or abs(issued_at - time.time()) > 5 or len(nonce_hex) != 32:
                return f"verify_challenge returned {(subject, issued_at, len(nonce_hex))!r}"
        return None

    rows.append(
        Row(
            "challenge_sign_verify",
            "Challenge token sign + verify",
            "django.core.signing",
            5.0,
            challenge_sides,
            check=check_challenge,
        )
    )

    # 5. Fernet encrypt / decrypt ---------------------------------------------------
    plaintext = secret.encode()

    def fernet_encrypt_sides() -> tuple[Side | str, Side | str]:
        reference = Side(
            "fernet.encrypt(plaintext)",
            {"fernet": reference_fernet, "plaintext": plaintext},
            "cryptography.fernet.Fernet(key).encrypt(32-byte secret)",
        )
        native = native_or_none(
            lambda: Side(
                "fernet.encrypt(plaintext)",
                {"fernet": native_fernet, "plaintext": plaintext},
                "core.Fernet(key).encrypt(32-byte secret)",
            )
        )
        return reference, native

    def fernet_decrypt_sides() -> tuple[Side | str, Side | str]:
        reference = Side(
            "fernet.decrypt(token)",
            {"fernet": reference_fernet, "token": sealed_secret},
            "cryptography.fernet.Fernet(key).decrypt(token) of a 32-byte secret",
        )
        native = native_or_none(
            lambda: Side(
                "fernet.decrypt(token)",
                {"fernet": native_fernet, "token": sealed_secret},
                "core.Fernet(key).decrypt(token), same token",
            )
        )
        return reference, native

    def check_fernet(ref_ns: dict[str, Any], nat_ns: dict[str, Any]) -> str | None:
        if nat_ns:
            # Both directions must interoperate, or the timings compare different work.
            if reference_fernet.decrypt(native_fernet.encrypt(plaintext)) != plaintext:
                return "cryptography could not decrypt a core.Fernet token"
            if native_fernet.decrypt(sealed_secret) != plaintext:
                return "core.Fernet could not decrypt a cryptography token"
        return None

    rows.append(
        Row("fernet_encrypt", "Fernet encrypt", "cryptography Fernet", 3.0, fernet_encrypt_sides, check=check_fernet)
    )
    rows.append(
        Row("fernet_decrypt", "Fernet decrypt", "cryptography Fernet", 3.0, fernet_decrypt_sides, check=check_fernet)
    )

    # 6. Backup-code check ------------------------------------------------------------
    stored_codes = [secrets.token_urlsafe(12) for _ in range(BACKUP_CODE_COUNT)]
    stored_tokens = [reference_fernet.encrypt(c.encode()).decode() for c in stored_codes]
    entered_code = "7K2M-9QXD-4HRT"  # a well-formed code that matches none of them

    def reference_verify_backup_code(tokens: list[str], entered: str) -> bool:
        # django-totp's verify_backup_code minus the database: decrypt every unused
        # code and compare it with the input in constant time.
        for token in tokens:
            if hmac.compare_digest(reference_fernet.decrypt(token).decode(), entered):
                return True
        return False

    def backup_sides() -> tuple[Side | str, Side | str]:
        reference = Side(
            "verify(tokens, entered)",
            {"verify": reference_verify_backup_code, "tokens": stored_tokens, "entered": entered_code},
            f"Fernet-decrypt each of {BACKUP_CODE_COUNT} stored codes and "
            "hmac.compare_digest it with the input (input matches none: worst case)",
        )
        native = native_or_none(
            lambda: Side(
                "backup_code_digest(fernet.decrypt(sealed_key), entered)",
                {
                    "backup_code_digest": core.backup_code_digest,
                    "fernet": native_fernet,
                    "sealed_key": native_fernet.encrypt(hmac_key),
                    "entered": entered_code,
                },
                "unseal the device's digest key (core.Fernet.decrypt), then "
                "core.backup_code_digest(key, code) once, as the app does (the indexed DB "
                "look-up that follows is not timed)",
            )
        )
        return reference, native

    def check_backup(ref_ns: dict[str, Any], nat_ns: dict[str, Any]) -> str | None:
        if reference_verify_backup_code(stored_tokens, entered_code):
            return "reference matched a code it should not"
        if nat_ns:
            digest = core.backup_code_digest(hmac_key, entered_code)
            if not re.fullmatch(r"[0-9a-f]{64}", digest or ""):
                return f"backup_code_digest returned {digest!r:.20}"
            if core.backup_code_digest(hmac_key, entered_code.lower().replace("-", " ")) != digest:
                return "backup_code_digest does not normalise its input"
        return None

    rows.append(
        Row(
            "backup_code_check",
            f"Backup-code check ({BACKUP_CODE_COUNT} stored, none match)",
            f"cryptography Fernet × {BACKUP_CODE_COUNT}",
            50.0,
            backup_sides,
            check=check_backup,
        )
    )

    # Call floor: what one trivial call costs on each side. Explains rows whose native
    # work is small enough that the binding, not OpenSSL, dominates.
    def floor_sides() -> tuple[Side | str, Side | str]:
        reference = Side(
            "compare_digest(a, b)",
            {"compare_digest": hmac.compare_digest, "a": b"x", "b": b"x"},
            "hmac.compare_digest(b'x', b'x') (a C builtin: CPython's own call floor)",
        )
        native = native_or_none(
            lambda: Side(
                "constant_time_equal(a, b)",
                {"constant_time_equal": core.constant_time_equal, "a": b"x", "b": b"x"},
                "core.constant_time_equal(b'x', b'x') (the pybind11 call floor)",
            )
        )
        return reference, native

    rows.append(Row("call_floor", "Call floor (1-byte compare)", "hmac.compare_digest", None, floor_sides))
    return rows


# --------------------------------------------------------------------- environment


def read_cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def native_libcrypto(core: Any) -> str:
    """The libcrypto the extension is linked against, with its version."""
    import ctypes

    extension = getattr(sys.modules.get("django_totp_native._core"), "__file__", None)
    if not extension:
        return "unknown"
    try:
        ldd = subprocess.run(["ldd", extension], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown (ldd failed)"
    match = re.search(r"(libcrypto\.so[^\s]*) => (\S+)", ldd)
    if not match:
        return "not dynamically linked (static or absent)"
    try:
        library = ctypes.CDLL(match.group(2))
        library.OpenSSL_version.restype = ctypes.c_char_p
        library.OpenSSL_version.argtypes = [ctypes.c_int]
        version = library.OpenSSL_version(0).decode()
    except (OSError, AttributeError):
        version = "version unknown"
    return f"{version} ({match.group(2)})"


def native_build_type() -> str:
    caches = sorted(REPO_ROOT.glob("build/*/CMakeCache.txt"), key=lambda p: p.stat().st_mtime)
    for cache in reversed(caches):
        if (cache.parent / "CMakeFiles").is_dir() and "ctest" not in cache.parent.name:
            text = cache.read_text(errors="replace")
            if "TOTP_NATIVE_BUILD_PYTHON" not in text:
                continue
            match = re.search(r"^CMAKE_BUILD_TYPE:\w+=(\S*)", text, re.MULTILINE)
            if match:
                return f"{match.group(1) or '(none)'} ({cache.parent.relative_to(REPO_ROOT)})"
    return "unknown"


def machine_info(core: Any | None) -> dict[str, str]:
    try:
        from cryptography.hazmat.backends.openssl.backend import backend

        cryptography_openssl = backend.openssl_version_text()
    except Exception:  # noqa: BLE001 - informational only
        cryptography_openssl = "unknown"
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count() or 0
    info = {
        "cpu": f"{read_cpu_model()} ({affinity} usable of {os.cpu_count()} logical CPUs)",
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "openssl_python_ssl": ssl.OPENSSL_VERSION,
        "openssl_cryptography": f"cryptography {package_version('cryptography')}, "
        f"its bundled {cryptography_openssl}",
        "reference_packages": ", ".join(
            f"{name} {package_version(name)}"
            for name in ("pyotp", "django-otp", "qrcode", "Django")
        ),
        "load_average": " ".join(f"{v:.2f}" for v in os.getloadavg()),
    }
    if core is not None:
        info["openssl_native_core"] = native_libcrypto(core)
        info["native_build_type"] = native_build_type()
    return info


# ------------------------------------------------------------------------- output


def format_us(ns: float | None) -> str:
    if ns is None:
        return "—"
    us = ns / 1000
    if us >= 1000:
        return f"{us:,.0f}"
    if us >= 100:
        return f"{us:.0f}"
    if us >= 10:
        return f"{us:.1f}"
    return f"{us:.2f}"


@dataclass
class Result:
    row: Row
    reference: Timing | None = None
    native: Timing | None = None
    reference_description: str = ""
    native_description: str = ""
    skipped: str | None = None
    error: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.reference and self.native:
            return self.reference.median_ns / self.native.median_ns
        return None

    @property
    def paired_ratio(self) -> float | None:
        # Median over rounds of reference/native from the same round: adjacent batches
        # share the machine's state, so this cancels slow drifts in load.
        if self.reference and self.native:
            pairs = zip(self.reference.per_call_ns, self.native.per_call_ns)
            return statistics.median(r / n for r, n in pairs)
        return None

    @property
    def status(self) -> str:
        if self.error:
            return "ERROR"
        if self.ratio is None:
            return "skipped"
        if self.row.target is None:
            return "info"
        return "met" if self.ratio >= self.row.target else "MISSED"

    def as_json(self) -> dict[str, Any]:
        def side(t: Timing | None, description: str) -> dict[str, Any] | None:
            if t is None:
                return None
            return {
                "description": description,
                "median_us": t.median_ns / 1000,
                "min_us": min(t.per_call_ns) / 1000,
                "relative_iqr": t.relative_iqr,
                "batch_size": t.batch_size,
                "per_call_us": [round(v / 1000, 4) for v in t.per_call_ns],
            }

        return {
            "key": self.row.key,
            "operation": self.row.operation,
            "reference_name": self.row.reference,
            "target_speedup": self.row.target,
            "speedup": self.ratio,
            "speedup_paired_median": self.paired_ratio,
            "status": self.status,
            "reference": side(self.reference, self.reference_description),
            "native": side(self.native, self.native_description),
            "skipped": self.skipped,
            "error": self.error,
        }


def markdown_report(results: list[Result], info: dict[str, str], settings_line: str) -> str:
    lines = [
        "| Operation | Reference | Reference (µs) | Native (µs) | Speed-up | Target | Result "
        "| Noise |",
        "|---|---|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        ratio = f"{r.ratio:.1f}×" if r.ratio is not None else "—"
        target = f"≥ {r.row.target:g}×" if r.row.target is not None else "info"
        status = {"MISSED": "**MISSED**", "ERROR": "**ERROR**"}.get(r.status, r.status)
        noise = "—"
        spreads = [t.relative_iqr for t in (r.reference, r.native) if t]
        if spreads:
            noise = f"±{max(spreads) * 50:.1f}%"
        lines.append(
            f"| {r.row.operation} | {r.row.reference} "
            f"| {format_us(r.reference.median_ns if r.reference else None)} "
            f"| {format_us(r.native.median_ns if r.native else None)} | {ratio} | {target} "
            f"| {status} | {noise} |"
        )

    out = ["## Native core vs. pure-Python references", ""]
    labels = {
        "cpu": "CPU",
        "os": "OS",
        "python": "Python",
        "openssl_python_ssl": "OpenSSL (Python `ssl`)",
        "openssl_cryptography": "OpenSSL (reference Fernet)",
        "openssl_native_core": "OpenSSL (native core)",
        "native_build_type": "Native build",
        "reference_packages": "Reference packages",
        "load_average": "Load average at start",
        "cpu_share": "CPU share",
    }
    out += [f"- {labels[k]}: {v}" for k, v in info.items() if k in labels]
    out += [f"- Method: {settings_line}", ""]
    out += lines
    out += ["", "What each row runs (reference / native):", ""]
    for index, r in enumerate(results, 1):
        parts = [f"{index}. **{r.row.operation}**, against {r.row.reference} — "
                 f"{r.reference_description or '—'} / "
                 f"{r.native_description or '—'}"]
        if r.skipped:
            parts.append(f" Skipped: {r.skipped}.")
        if r.error:
            parts.append(f" Error: {r.error}.")
        out.append("".join(parts))
    out += [
        "",
        "Noise is half the wider interquartile range of the two sides, relative to the "
        "median. Times are per call and include the loop step of the timing harness "
        "(~10 ns, the same on both sides).",
    ]
    return "\n".join(out)


# --------------------------------------------------------------------------- main


def import_core(reference_only: bool) -> Any | None:
    if reference_only:
        return None
    sys.path.insert(0, str(REPO_ROOT))
    try:
        import django_totp_native.core as core
    except ImportError as exc:
        print(
            f"error: cannot import django_totp_native.core ({exc}).\n"
            "Build it with `make build` (editable install into .venv), or pass "
            "--reference-only to time only the pure-Python side.",
            file=sys.stderr,
        )
        sys.exit(2)
    return core


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time the native core against pure-Python references (what "
        "django-totp calls, and django-otp's TOTP).",
    )
    parser.add_argument(
        "--quick", action="store_true",
        help=f"{QUICK_ROUNDS} rounds of ~{QUICK_BATCH_NS // 1_000_000} ms batches (CI smoke "
        f"run) instead of {FULL_ROUNDS} rounds of ~{FULL_BATCH_NS // 1_000_000} ms",
    )
    parser.add_argument("--rounds", type=int, help="batches per side and row (odd is best)")
    parser.add_argument(
        "--batch-ms", type=float,
        help="how long one batch should last; shorter batches are preempted less often "
        "on a busy machine, longer ones average more calls",
    )
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write results as JSON")
    parser.add_argument(
        "--only", metavar="KEYS",
        help="comma-separated substrings of row keys to run (e.g. totp,fernet)",
    )
    parser.add_argument("--list", action="store_true", help="list row keys and exit")
    parser.add_argument(
        "--cpu-clock", action="store_true",
        help="time batches with time.thread_time_ns (CPU time of this thread) instead of "
        "time.perf_counter_ns, so time spent preempted by other processes is not counted; "
        "for busy machines",
    )
    parser.add_argument(
        "--reference-only", action="store_true",
        help="time only the reference side (works before the core is built)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    core = import_core(args.reference_only or args.list)
    rows = build_rows(core)
    if args.list:
        for row in rows:
            print(f"{row.key:30} {row.operation} (against {row.reference})")
        return 0
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        rows = [row for row in rows if any(w in row.key for w in wanted)]

    rounds = args.rounds or (QUICK_ROUNDS if args.quick else FULL_ROUNDS)
    batch_ns = QUICK_BATCH_NS if args.quick else FULL_BATCH_NS
    if args.batch_ms:
        batch_ns = int(args.batch_ms * 1_000_000)
    clock = time.thread_time_ns if args.cpu_clock else time.perf_counter_ns
    settings_line = (
        f"median of {rounds} batches per side, each ~{batch_ns / 1e6:g} ms timed whole with "
        f"time.{clock.__name__} and divided by its size; reference and native batches "
        "alternate (order flipped every round); GC paused inside batches"
    )
    info = machine_info(core)
    started = time.perf_counter()
    cpu_started = time.process_time()

    results: list[Result] = []
    for row in rows:
        result = Result(row)
        results.append(result)
        print(f"… {row.operation}", file=sys.stderr, flush=True)
        try:
            reference, native = row.build()
            if isinstance(reference, Side):
                result.reference_description = reference.description
            if isinstance(native, Side):
                result.native_description = native.description
            ref_side = reference if isinstance(reference, Side) else None
            nat_side = native if isinstance(native, Side) else None
            skipped = [s for s in (reference, native) if isinstance(s, str)]
            result.skipped = "; ".join(skipped) or None
            if row.refresh:
                row.refresh(ref_side.namespace if ref_side else {}, nat_side.namespace if nat_side else {})
            if row.check:
                problem = row.check(ref_side.namespace if ref_side else {}, nat_side.namespace if nat_side else {})
                if problem:
                    result.error = problem
                    continue
            result.reference, result.native = measure_interleaved(
                row, ref_side, nat_side, rounds, batch_ns, clock
            )
        except Exception as exc:  # noqa: BLE001 - reported in the table, run continues
            result.error = f"{type(exc).__name__}: {exc}"

    elapsed = time.perf_counter() - started
    # Share of one CPU this single-threaded run actually got. Well below 100% means
    # other processes competed for the cores and the wall-clock numbers are inflated.
    cpu_share = (time.process_time() - cpu_started) / elapsed if elapsed else 1.0
    info["cpu_share"] = f"{cpu_share:.0%} of one CPU over the run" + (
        " (busy machine: absolute times are inflated and noisy; ratios less so, since "
        "both sides are interleaved; consider --cpu-clock)"
        if cpu_share < 0.9 and not args.cpu_clock
        else ""
    )
    print(markdown_report(results, info, settings_line))
    print(f"\n(run took {elapsed:.1f} s)", file=sys.stderr)

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "machine": info,
            "method": settings_line,
            "rounds": rounds,
            "batch_target_ns": batch_ns,
            "elapsed_s": elapsed,
            "rows": [r.as_json() for r in results],
        }
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")

    missed = [r.row.operation for r in results if r.status == "MISSED"]
    errors = [r.row.operation for r in results if r.status == "ERROR"]
    if missed:
        print(f"MISSED targets (reported, not a failure): {', '.join(missed)}", file=sys.stderr)
    if errors:
        print(f"errors (wrong answer or exception): {', '.join(errors)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
