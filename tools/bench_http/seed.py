"""Seed one contender's database; run with that contender's venv.

    BENCH_CONTENDER=native|upstream python seed.py --users 1000 --create 200 --confirm 700 --out seeds.json

Drops and recreates the database named by the settings, migrates, and creates three pools
of users, each through the contender's own Python API:

- enrolled: a confirmed TOTP device and a set of backup codes (the login second step)
- create:   no device, and an access token (POST /api/totp/create/ with a JWT)
- confirm:  a pending device whose secret we know, and an access token (/api/totp/confirm/)

The secrets, backup codes, tokens and each enrolled user's last used time step are written
as JSON for the load client. These are throwaway benchmark accounts in a throwaway database.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")

PASSWORD = "bench-password-1"
PERIOD = 30


def recreate_database():
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def make_users(prefix, count, password_hash):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    users = [User(username=f"{prefix}{i:05d}", email=f"{prefix}{i:05d}@bench.invalid", password=password_hash)
             for i in range(count)]
    User.objects.bulk_create(users, batch_size=1000)
    return list(User.objects.filter(username__startswith=prefix).order_by("username"))


class Native:
    """django_totp_native through its django-totp compatible modules."""

    def __init__(self):
        from django_totp_native import encryption, totp
        from django_totp_native.models import Totp

        self.totp, self.encryption, self.Totp = totp, encryption, Totp

    def start(self, user):
        self.totp.create_totp_setup(user)
        return self.encryption.decrypt(self.Totp.objects.get(user=user).secret_key)

    def confirm(self, user, code):
        return list(self.totp.confirm_totp_setup(user, code))


class Upstream:
    """django-totp through its own modules. create_totp_setup would also render a QR code
    with qrcode (~20 ms); storing the sealed secret is all that seeding needs from it."""

    def __init__(self):
        from django_totp import encryption, totp
        from django_totp.models import Totp

        self.totp, self.encryption, self.Totp = totp, encryption, Totp

    def start(self, user):
        secret = self.totp.generate_totp_secret()
        self.Totp.objects.create(user=user, secret_key=self.encryption.encrypt(secret))
        return secret

    def confirm(self, user, code):
        return list(self.totp.confirm_totp_setup(user, code))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000, help="enrolled users (login second step)")
    parser.add_argument("--create", type=int, default=200, help="users without a device (create)")
    parser.add_argument("--confirm", type=int, default=700, help="users with a pending device (confirm)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    import django

    from django.conf import settings

    settings.DATABASES  # noqa: B018  (configure before touching the server)
    recreate_database()
    django.setup()
    import pyotp
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from rest_framework_simplejwt.tokens import RefreshToken

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    api = Native() if settings.CONTENDER == "native" else Upstream()
    password_hash = make_password(PASSWORD)

    enrolled = []
    for user in make_users("enrolled", args.users, password_hash):
        secret = api.start(user)
        now = time.time()
        codes = api.confirm(user, pyotp.TOTP(secret).at(now))
        enrolled.append({"username": user.username, "secret": secret, "last_step": int(now // PERIOD),
                         "backup_codes": codes})

    create = [{"username": u.username, "token": str(RefreshToken.for_user(u).access_token)}
              for u in make_users("create", args.create, password_hash)]

    confirm = []
    for user in make_users("confirm", args.confirm, password_hash):
        secret = api.start(user)
        confirm.append({"username": user.username, "secret": secret,
                        "token": str(RefreshToken.for_user(user).access_token)})

    Path(args.out).write_text(json.dumps({
        "contender": settings.CONTENDER, "password": PASSWORD, "enrolled": enrolled,
        "create": create, "confirm": confirm,
    }))
    print(f"seeded {settings.CONTENDER}: {len(enrolled)} enrolled, {len(create)} create, "
          f"{len(confirm)} confirm users in {time.monotonic() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
