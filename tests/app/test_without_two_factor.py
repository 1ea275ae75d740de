"""Without django-two-factor-auth (the [two-factor] extra) the package and its django-otp
devices work, and listing django_totp_native.two_factor says what to install."""

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name == "two_factor" or name.startswith("two_factor."):
                raise ImportError("django-two-factor-auth is not installed")
    sys.meta_path.insert(0, Block())
    import django
    from django.conf import settings
    apps = ["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions", "rest_framework",
            "django_otp", "django_totp_native", "django_totp_native.otp"]
    if sys.argv[1] == "listed":
        apps.append("django_totp_native.two_factor")
    settings.configure(
        SECRET_KEY="x" * 50, INSTALLED_APPS=apps,
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        TOTP_ENCRYPTION_KEY="qTXtBw2t6n1cRq7HnO6mVbJmUo8JZ3s0x4Pp1Z3vY2E=",
    )
    from django.core.exceptions import ImproperlyConfigured
    try:
        django.setup()
    except ImproperlyConfigured as exc:
        print("REFUSED", exc)
        raise SystemExit(0)
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    from django.contrib.auth.models import User
    from django_totp_native.otp.models import TOTPDevice
    import django_totp_native.two_factor
    device = TOTPDevice.objects.create(user=User.objects.create(username="u"), name="default")
    print("OK", device.sealed_key != device.key)
    """
)


def run(mode):
    root = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], cwd=root, capture_output=True, text=True, timeout=120
    )


def test_the_package_and_its_django_otp_devices_work_without_two_factor_auth():
    result = run("unlisted")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OK True"


def test_listing_the_integration_without_two_factor_auth_says_what_to_install():
    result = run("listed")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("REFUSED") and "pip install 'django-totp-native[two-factor]'" in result.stdout
