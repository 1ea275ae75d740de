"""The example project: its settings import, and ``manage.py check`` passes for it."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "example_project"


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DEMO_STATE_DIR"] = str(tmp_path)
    env.update(extra)
    return env


def test_example_settings_import(tmp_path, monkeypatch):
    monkeypatch.setenv("DEMO_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    spec = importlib.util.spec_from_file_location("example_demo_settings", EXAMPLE / "demo_site" / "settings.py")
    settings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(settings)
    assert "django_totp_native.session.middleware.OTPMiddleware" in settings.MIDDLEWARE
    # The pages in the visitor's language: after the sessions, before CommonMiddleware.
    middleware = settings.MIDDLEWARE
    locale = middleware.index("django.middleware.locale.LocaleMiddleware")
    assert middleware.index("django.contrib.sessions.middleware.SessionMiddleware") < locale
    assert locale < middleware.index("django.middleware.common.CommonMiddleware")
    assert {code for code, _ in settings.LANGUAGES} == {"en", "de", "fr", "es"}
    # Its base template (home and sign-out links) is found before the app's.
    assert settings.INSTALLED_APPS.index("demo_site") < settings.INSTALLED_APPS.index("django_totp_native")
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    # The generated keys are kept: importing again gives the same ones.
    again = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(again)
    assert again.TOTP_ENCRYPTION_KEY == settings.TOTP_ENCRYPTION_KEY
    assert again.SECRET_KEY == settings.SECRET_KEY


def test_example_settings_follow_database_and_redis_urls(tmp_path, monkeypatch):
    monkeypatch.setenv("DEMO_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://demo@127.0.0.1:5432/demo")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    spec = importlib.util.spec_from_file_location("example_demo_settings_pg", EXAMPLE / "demo_site" / "settings.py")
    settings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(settings)
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"


def test_example_manage_py_check_passes(tmp_path):
    result = subprocess.run(
        [sys.executable, str(EXAMPLE / "manage.py"), "check", "--fail-level", "WARNING"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_prepare_demo_prints_a_new_password_each_run(tmp_path):
    env = _env(tmp_path)
    env.pop("DATABASE_URL", None)
    manage = [sys.executable, str(EXAMPLE / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, timeout=300)
    outputs = [
        subprocess.run([*manage, "prepare_demo"], env=env, check=True, capture_output=True, text=True, timeout=120).stdout
        for _ in range(2)
    ]
    passwords = [
        line.rsplit("password", 1)[1].strip()
        for out in outputs
        for line in out.splitlines()
        if line.startswith("Demo superuser")
    ]
    assert len(passwords) == 2 and passwords[0] != passwords[1]
    assert "created" in outputs[0] and "reset" in outputs[1]
    assert "/account/2fa/enroll/" in outputs[0] and "/admin/" in outputs[0]
