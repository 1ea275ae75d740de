"""Run as a script: make a django-totp 1.1.7 database with django-totp's own models,
migrations and enrollment functions, and print what its users hold (JSON).

    python make_django_totp_db.py DB_PATH FERNET_KEY

Separate process because django-totp and django_totp_native cannot be installed in one
Django project (both give the user model a ``totp`` relation).
"""

import json
import sys
import warnings

if not hasattr(warnings, "deprecated"):  # django-totp imports it; Python adds it in 3.13
    import typing_extensions

    warnings.deprecated = typing_extensions.deprecated

import django
from django.conf import settings

db_path, fernet_key = sys.argv[1], sys.argv[2]
settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django_totp"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": db_path}},
    TOTP_ENCRYPTION_KEY=fernet_key,
    USE_TZ=True,
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
)
django.setup()

import pyotp  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from django_totp import backup_code_utils, totp  # noqa: E402
from django_totp.encryption import decrypt  # noqa: E402
from django_totp.models import Totp  # noqa: E402

call_command("migrate", verbosity=0)
User = get_user_model()
result = {}
for name, confirm, use in [("alice", True, 1), ("bob", False, 0), ("carol", True, 3)]:
    user = User.objects.create_user(username=name, password="correct horse battery")
    totp.create_totp_setup(user)
    secret = decrypt(Totp.objects.get(user=user).secret_key)
    codes = totp.confirm_totp_setup(user, pyotp.TOTP(secret).now()) if confirm else []
    for code in codes[:use]:
        assert backup_code_utils.verify_backup_code(user, code)
    result[name] = {"pk": user.pk, "secret": secret, "codes": codes, "used": codes[:use]}
print(json.dumps(result))
