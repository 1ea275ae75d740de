"""Without djangorestframework-simplejwt (the [jwt] extra) everything but urls.jwt still works."""

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name == "rest_framework_simplejwt" or name.startswith("rest_framework_simplejwt."):
                raise ImportError("simplejwt is not installed")
    sys.meta_path.insert(0, Block())
    import django
    from django.conf import settings
    settings.configure(
        SECRET_KEY="x" * 50,
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "rest_framework", "django_totp_native"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        TOTP_ENCRYPTION_KEY="qTXtBw2t6n1cRq7HnO6mVbJmUo8JZ3s0x4Pp1Z3vY2E=",
    )
    django.setup()
    import django_totp_native.urls, django_totp_native.urls.recovery, django_totp_native.auth
    import django_totp_native.totp, django_totp_native.views
    try:
        import django_totp_native.urls.jwt
    except ImportError:
        print("OK")
    """
)


def test_app_imports_without_simplejwt():
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "OK"
