"""The browsable API titles every view with a name a person wrote ("JWT login: code step"),
not one DRF made from the class name ("Jwttot P2Fa Verify")."""

import pytest
from django.urls import get_resolver
from django.utils import translation

pytestmark = pytest.mark.django_db

EXPECTED = {
    "api/": "Two-factor authentication API",
    "api/^totp/create/$": "Start two-factor enrollment",
    "api/^totp/confirm/$": "Confirm two-factor enrollment",
    "api/^totp/disable/$": "Turn off two-factor authentication",
    "api/^totp/rotate_backup_codes/$": "Regenerate backup codes",
    "api/^totp/recovery/$": "Request a recovery e-mail",
    "api/^totp/recovery_confirm/$": "Use a recovery link",
    "api/jwt/create/": "JWT login: password step",
    "api/jwt/totp/verify/": "JWT login: code step",
    "api/jwt/refresh/": "JWT: refresh the access token",
    "api/jwt/verify/": "JWT: check a token",
}


def _api_views(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            yield from _api_views(pattern, prefix + str(pattern.pattern))
        elif prefix.startswith("api/") and getattr(pattern.callback, "cls", None) is not None:
            yield prefix + str(pattern.pattern), pattern.callback


def _view_name(callback):
    view = callback.cls(**getattr(callback, "initkwargs", {}))
    for action in (getattr(callback, "actions", None) or {}).values():
        view.action = action
    return str(view.get_view_name())


def test_every_api_view_has_a_written_name():
    names = {url: _view_name(callback) for url, callback in _api_views(get_resolver())}
    assert names == EXPECTED


def test_the_browsable_api_shows_the_name(client):
    page = client.get("/api/jwt/totp/verify/", HTTP_ACCEPT="text/html").content.decode()
    assert "JWT login: code step" in page
    assert "Jwttot" not in page and "P2Fa" not in page


def test_view_names_are_translated():
    with translation.override("de"):
        names = {url: _view_name(callback) for url, callback in _api_views(get_resolver())}
    assert names["api/^totp/rotate_backup_codes/$"] == "Backup-Codes neu erstellen"
