"""Where one login second step spends its time, in process: crypto, database, the rest.

    cd tools/bench_http
    BENCH_CONTENDER=native   ../../build/bench-http/venv-native/bin/python   profile_verify.py
    BENCH_CONTENDER=upstream ../../build/bench-http/venv-upstream/bin/python profile_verify.py

Uses the contender's benchmark database (seeded by `make bench-http`), enrols its own
fresh users there through the same API as seed.py, gets each a challenge (not timed),
then times POST /api/jwt/totp/verify/ with a valid otp_code (or --backup) through Django's
test client, i.e. the whole middleware/DRF/view stack without the HTTP server. Per request:

- db:     time inside cursor.execute (every statement, savepoints included) and commits
- crypto: time inside the 2FA app's cryptographic calls (this project: every function of
          django_totp_native.core; django-totp: Fernet, pyotp's verify, django.core.signing)
- python: the rest (Django, DRF, SimpleJWT's token minting, the app's own Python)

Prints medians over the requests and the SQL statements of one request.
"""

import argparse
import functools
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")

import django  # noqa: E402

django.setup()

import pyotp  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

import seed  # noqa: E402

clock = {"crypto": 0.0}


def timed(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            clock["crypto"] += time.perf_counter() - t0

    return wrapper


def instrument_crypto():
    if settings.CONTENDER == "native":
        from django_totp_native import core

        for name in dir(core):
            obj = getattr(core, name)
            if callable(obj) and not isinstance(obj, type) and not name.startswith("_"):
                setattr(core, name, timed(obj))
        for cls in (core.Fernet, core.MultiFernet):
            for meth in ("encrypt", "decrypt", "decrypt_at_time", "rotate"):
                if hasattr(cls, meth):
                    try:
                        setattr(cls, meth, timed(getattr(cls, meth)))
                    except TypeError:
                        pass  # a native type that cannot be patched: its time stays in "python"
    else:
        import cryptography.fernet as cf
        from django.core import signing

        for meth in ("encrypt", "decrypt"):
            setattr(cf.Fernet, meth, timed(getattr(cf.Fernet, meth)))
        pyotp.TOTP.verify = timed(pyotp.TOTP.verify)
        signing.loads = timed(signing.loads)
        signing.dumps = timed(signing.dumps)


class DbTimer:
    def __init__(self):
        self.seconds = 0.0
        self.statements = []
        self.commits = 0

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - t0
            self.statements.append(sql)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--backup", action="store_true", help="profile the backup_code path instead")
    args = parser.parse_args()

    api = seed.Native() if settings.CONTENDER == "native" else seed.Upstream()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    User = get_user_model()
    prefix = f"profile{int(time.time())}_"
    users = [User(username=f"{prefix}{i}", password=make_password(seed.PASSWORD)) for i in range(args.requests)]
    User.objects.bulk_create(users)
    users = list(User.objects.filter(username__startswith=prefix).order_by("pk"))
    secrets, codes = {}, {}
    for u in users:
        secrets[u.pk] = api.start(u)
        codes[u.pk] = api.confirm(u, pyotp.TOTP(secrets[u.pk]).now())

    client = Client()
    challenges = {}
    for u in users:
        r = client.post("/api/jwt/create/", {"username": u.username, "password": seed.PASSWORD},
                        content_type="application/json")
        challenges[u.pk] = r.json()["totp_challenge_token"]

    instrument_crypto()
    connection.ensure_connection()
    original_commit = connection._commit
    samples = []
    for u in users:
        db = DbTimer()

        def commit(*a, _db=db):
            t0 = time.perf_counter()
            try:
                return original_commit(*a)
            finally:
                _db.seconds += time.perf_counter() - t0
                _db.commits += 1

        connection._commit = commit
        # The next step's code: inside the tolerance window and never used (confirm used now's).
        body = {"totp_challenge_token": challenges[u.pk]}
        if args.backup:
            body["backup_code"] = codes[u.pk][-1]
        else:
            body["otp_code"] = pyotp.TOTP(secrets[u.pk]).at(time.time() + 30)
        clock["crypto"] = 0.0
        with connection.execute_wrapper(db):
            t0 = time.perf_counter()
            r = client.post("/api/jwt/totp/verify/", body, content_type="application/json")
            total = time.perf_counter() - t0
        connection._commit = original_commit
        if r.status_code != 200:
            raise SystemExit(f"verify answered {r.status_code}: {r.content[:200]!r}")
        samples.append((total, db.seconds, clock["crypto"], len(db.statements), db.commits, db.statements))

    def med(i):
        return statistics.median(s[i] for s in samples) * 1e3

    total, dbs, crypto = med(0), med(1), med(2)
    n_sql = statistics.median(s[3] for s in samples)
    n_commit = statistics.median(s[4] for s in samples)
    kind = "backup_code" if args.backup else "otp_code"
    print(f"{settings.CONTENDER}: one JWT second step with {kind}, median of {len(samples)} "
          f"(Django test client, no HTTP server)")
    print(f"  total {total:.2f} ms = crypto {crypto:.2f} + db {dbs:.2f} ({n_sql:.0f} statements, "
          f"{n_commit:.0f} commits) + python {total - dbs - crypto:.2f}")
    print("  statements of the last request:")
    for sql in samples[-1][5]:
        print("    " + (sql if len(sql) < 150 else sql[:147] + "..."))


if __name__ == "__main__":
    main()
