"""Run as a script: make a django-otp database with django-otp's own models and migrations
(otp_totp, otp_static) and print what its users hold (JSON).

    python make_django_otp_db.py DB_PATH

Separate process so the database is django-otp's alone: none of this app's tables, and
users of its own (one of which the importing project does not have).
"""

import json
import sys

import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=[
        "django.contrib.auth", "django.contrib.contenttypes", "django_otp",
        "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static",
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": sys.argv[1]}},
    USE_TZ=True,
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
)
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

call_command("migrate", verbosity=0)
result = {}
for name in ("dana", "ghost"):
    user = get_user_model().objects.create_user(username=name, password="correct horse battery")
    totp = TOTPDevice.objects.create(user=user, name=f"{name}'s phone", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    tokens = [StaticToken.random_token() for _ in range(2)]
    for token in tokens:
        static.token_set.create(token=token)
    result[name] = {"pk": user.pk, "key": totp.key, "tokens": tokens}
print(json.dumps(result))
