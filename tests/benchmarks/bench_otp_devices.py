"""Benchmark the django-otp devices (``django_totp_native.otp``) against django-otp's own,
on PostgreSQL, in one process, through ``django_otp.match_token`` (the locked path both
share).

Rows: a TOTP code accepted (``TOTPDevice.verify_token``), a static token spent
(``StaticDevice.verify_token``) and a wrong TOTP code, each for a user with one device of
that kind, ours against django-otp 1.7's ``otp_totp`` / ``otp_static``. Every call is
timed alone (``time.perf_counter_ns`` around ``match_token``); what makes the next call
possible (a replay floor moved back, a new token) is done between calls, untimed. Our and
django-otp's calls alternate, the order flipping every round; a row reports the medians
and django-otp's time over ours (above 1.0×: ours is faster).

A report, not a test: the exit status is 1 only when a call gave a wrong answer, and 0
with a note when PostgreSQL cannot be reached (DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/test). It makes and drops a database of its own.

Usage:
    .venv/bin/python tests/benchmarks/bench_otp_devices.py [--rounds N] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test"
HEX_KEY = "3132333435363738393031323334353637383930"


def setup_django():
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"bench_otp_devices_{os.getpid()}"
    # The replay guard and throttling stay on; failures in a row must not lock the
    # wrong-code row's user out of the measurement.
    settings.TOTP_MAX_FAILURES = 10**9
    settings.TOTP_BACKOFF_AFTER = 10**9
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def median_us(samples: list[int]) -> float:
    return statistics.median(samples) / 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=400, help="timed calls per side and row (default 400)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 30 rounds")
    args = parser.parse_args()
    rounds = 30 if args.quick else args.rounds

    setup_django()
    from django.db import connection

    try:
        connection.ensure_connection()
    except Exception as exc:  # noqa: BLE001  (any reason the server is not there)
        print(f"SKIPPED the django-otp device benchmark: PostgreSQL not reachable ({type(exc).__name__})")
        return 0
    if connection.vendor != "postgresql":
        print("SKIPPED the django-otp device benchmark: DATABASE_URL is not PostgreSQL")
        return 0
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return run(rounds)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(rounds: int) -> int:
    import django
    import django_otp
    from django.contrib.auth import get_user_model
    from django_otp import match_token
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_static.models import StaticDevice as TheirStatic
    from django_otp.plugins.otp_totp.models import TOTPDevice as TheirTOTP

    from django_totp_native.otp.models import StaticDevice as OurStatic, TOTPDevice as OurTOTP

    User = get_user_model()
    users = {name: User.objects.create_user(name, password="x") for name in
             ("our_totp", "their_totp", "our_static", "their_static", "our_wrong", "their_wrong")}
    devices = {
        "our_totp": OurTOTP.objects.create(user=users["our_totp"], key=HEX_KEY),
        "their_totp": TheirTOTP.objects.create(user=users["their_totp"], key=HEX_KEY),
        "our_static": OurStatic.objects.create(user=users["our_static"]),
        "their_static": TheirStatic.objects.create(user=users["their_static"]),
        "our_wrong": OurTOTP.objects.create(user=users["our_wrong"], key=HEX_KEY),
        "their_wrong": TheirTOTP.objects.create(user=users["their_wrong"], key=HEX_KEY),
    }

    def code() -> str:
        return f"{TOTP(bytes.fromhex(HEX_KEY)).token():06d}"

    def wrong_code() -> str:
        taken = set()
        oracle = TOTP(bytes.fromhex(HEX_KEY))
        for offset in range(-2, 3):
            oracle.time = time.time() + 30 * offset
            taken.add(f"{oracle.token():06d}")
        return next(c for c in (f"{n:06d}" for n in range(123456, 999999, 7919)) if c not in taken)

    # What each timed call needs beforehand (untimed), and what it must answer.
    def prepare_totp(name):
        type(devices[name]).objects.filter(pk=devices[name].pk).update(last_t=-1)
        return code()

    def prepare_static(name):
        token = f"tok{time.perf_counter_ns() % 10**12:012d}"[:16]
        devices[name].token_set.create(token=token)
        return token

    rows = [
        ("TOTPDevice.verify_token, code accepted", "totp", prepare_totp, True),
        ("StaticDevice.verify_token, token spent", "static", prepare_static, True),
        ("TOTPDevice.verify_token, wrong code", "wrong", lambda name: wrong_code(), False),
    ]
    problems = []
    results = []
    for label, kind, prepare, expected in rows:
        samples = {"our": [], "their": []}
        for round_index in range(rounds + 10):  # the first ten warm up, untimed
            order = ("our", "their") if round_index % 2 == 0 else ("their", "our")
            for side in order:
                name = f"{side}_{kind}"
                token = prepare(name)
                user = users[name]
                started = time.perf_counter_ns()
                matched = match_token(user, token)
                elapsed = time.perf_counter_ns() - started
                if (matched is not None) != expected:
                    problems.append(f"{label}, {side}: match_token answered {matched!r}")
                if round_index >= 10:
                    samples[side].append(elapsed)
        ours, theirs = median_us(samples["our"]), median_us(samples["their"])
        results.append((label, theirs, ours))

    print(f"django-otp devices on PostgreSQL, through django_otp.match_token, median of {rounds} calls per side")
    print(f"(django-otp {django_otp.__version__ if hasattr(django_otp, '__version__') else _version('django-otp')}, "
          f"Django {django.get_version()}, Python {sys.version.split()[0]})")
    print()
    print("| Operation | django-otp (µs) | otp_native (µs) | Ratio |")
    print("|---|---:|---:|---:|")
    for label, theirs, ours in results:
        print(f"| {label} | {theirs:,.0f} | {ours:,.0f} | {theirs / ours:.2f}× |")
    for problem in problems[:10]:
        print("WRONG ANSWER:", problem, file=sys.stderr)
    return 1 if problems else 0


def _version(name: str) -> str:
    import importlib.metadata

    return importlib.metadata.version(name)


if __name__ == "__main__":
    sys.exit(main())
