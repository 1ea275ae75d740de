"""pytest plugin: the tests use django_totp_native._core from the file named by
TOTP_NATIVE_CORE (the AddressSanitizer build of tools/sanitize/binding-tests.sh) instead
of the installed extension.

Loaded with ``-p sanitized_core`` before any test module imports the package, it puts
that module in sys.modules under the extension's name, so every import finds it there.
"""

import importlib.util
import os
import sys

import pytest

NAME = "django_totp_native._core"
PATH = os.path.abspath(os.environ["TOTP_NATIVE_CORE"])

# This process has the ASan runtime loaded already; the oracle programs the tests run
# (zbarimg, rsvg-convert, oathtool) are not instrumented, and with it preloaded they
# fail or hang.
os.environ.pop("LD_PRELOAD", None)

if NAME in sys.modules:  # pragma: no cover - only if a plugin imported the package first
    raise RuntimeError(f"{NAME} was imported before {__name__} could replace it")
_spec = importlib.util.spec_from_file_location(NAME, PATH)
SANITIZED = importlib.util.module_from_spec(_spec)
sys.modules[NAME] = SANITIZED
_spec.loader.exec_module(SANITIZED)

import django_totp_native  # noqa: E402  (after the replacement: its imports must find it)

django_totp_native._core = SANITIZED


def pytest_report_header(config):
    return f"django_totp_native._core: {SANITIZED.__file__}"


def pytest_sessionstart(session):
    from django_totp_native import core

    # A run that quietly tested the ordinary build would prove nothing about ASan.
    if core.totp_match is not SANITIZED.totp_match:
        pytest.exit(f"django_totp_native.core does not use {PATH}", returncode=3)
