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
    from django.core.exceptions import ImproperlyConfigured
    try:
        import django_totp_native.urls.jwt
    except ImproperlyConfigured as exc:
        print("OK", exc)
    """
)

EXTRA = 'pip install "django-totp-native[jwt]"'


def test_app_imports_without_simplejwt():
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("OK ")
    # Not a bare ModuleNotFoundError: the message says what to install.
    assert EXTRA in result.stdout


# A project that includes urls.jwt without the extra: `manage.py check` names the extra too.
CHECK_SCRIPT = SCRIPT.split("    django.setup()")[0].replace(
    'TOTP_ENCRYPTION_KEY=', 'ROOT_URLCONF="jwt_only_urls", TOTP_ENCRYPTION_KEY='
) + textwrap.dedent(
    """
    django.setup()
    import types
    urls = types.ModuleType("jwt_only_urls")
    exec("from django.urls import include, path\\n"
         "urlpatterns = [path('api/', include('django_totp_native.urls.jwt'))]", urls.__dict__)
    sys.modules["jwt_only_urls"] = urls
    from django.core.management import call_command
    call_command("check")
    """
)


def test_manage_py_check_names_the_jwt_extra():
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", CHECK_SCRIPT], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and EXTRA in result.stderr
    assert "ModuleNotFoundError" not in result.stderr
