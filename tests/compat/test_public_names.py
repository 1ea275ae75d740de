"""Every public name django-totp 1.1.7 has exists here, and the settings-backed ones follow
override_settings (read per access, never frozen at import)."""

import importlib

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from django_totp_native import core

pytestmark = pytest.mark.django_db

NAMES = {
    "models": ["MAX_BACKUP_CODES", "Totp", "BackupCode"],
    "backup_code": ["generate_backup_codes"],
    "qrsvg": ["render_qr_code_svg"],
    "backup_code_utils": ["generate_backup_codes", "store_backup_codes", "verify_backup_code", "rotate_backup_codes"],
    "auth": ["TOKEN_SALT", "TOKEN_MAX_AGE", "AUTH_USER_MODEL", "is_totp_enabled", "generate_challenge_token",
             "verify_challenge_token", "get_user_from_challenge_token"],
    "totp": ["TOTP_ISSUER", "generate_totp_secret", "verify_totp_code", "create_totp_setup",
             "confirm_totp_setup", "disable_totp"],
    "throttle": ["THROTTLE_RATE", "TotpUserThrottle", "TotpAnonThrottle", "TotpThrottle"],
    "email": ["TOTP_RECOVERY_EMAIL_TEMPLATE", "TOTP_DISABLED_EMAIL_TEMPLATE", "TOTP_RECOVERY_CONFIRM_URL",
              "DEFAULT_DOMAIN", "DEFAULT_SITE_NAME", "DEFAULT_PROTOCOL", "DEFAULT_FROM_EMAIL",
              "BaseEmailMessage", "TotpRecoveryEmail", "TotpDisabledEmail"],
    "views": ["TotpViewSet", "TotpRecoveryViewSet", "JWTCreateView", "JWTTOTP2FAVerifyView"],
    "serializers": ["JWTCreateSerializer", "JWT2FAVerifySerializer", "TotpConfirmRequestSerializer"],
    "apps": ["DjangoTotpConfig"],
    "admin": ["BackupCodeInline", "TotpAdmin"],
}


@pytest.mark.parametrize("module,name", [(m, n) for m, names in NAMES.items() for n in names])
def test_name_exists(module, name):
    mod = importlib.import_module(f"django_totp_native.{module}")
    assert getattr(mod, name) is not None
    # `from django_totp_native.X import NAME` works too (PEP 562 serves it).
    exec(f"from django_totp_native.{module} import {name}", {})


SETTING_NAMES = [
    ("models", "MAX_BACKUP_CODES", "TOTP_MAX_BACKUP_CODES", 4),
    ("auth", "TOKEN_SALT", "TOTP_TOKEN_SALT", "another-salt"),
    ("auth", "TOKEN_MAX_AGE", "TOTP_TOKEN_MAX_AGE", 33),
    ("totp", "TOTP_ISSUER", "TOTP_ISSUER", "Other Issuer"),
    ("throttle", "THROTTLE_RATE", "TOTP_THROTTLE_RATE", "3/minute"),
    ("email", "TOTP_RECOVERY_EMAIL_TEMPLATE", "TOTP_RECOVERY_EMAIL_TEMPLATE", "x/recovery.html"),
    ("email", "TOTP_DISABLED_EMAIL_TEMPLATE", "TOTP_DISABLED_EMAIL_TEMPLATE", "x/disabled.html"),
    ("email", "TOTP_RECOVERY_CONFIRM_URL", "TOTP_RECOVERY_CONFIRM_URL", "/r/{uid}/{token}"),
    ("email", "DEFAULT_DOMAIN", "DOMAIN", "example.org"),
    ("email", "DEFAULT_SITE_NAME", "SITE_NAME", "Example"),
    ("email", "DEFAULT_PROTOCOL", "PROTOCOL", "https"),
    ("email", "DEFAULT_FROM_EMAIL", "DEFAULT_FROM_EMAIL", "two-factor@example.org"),
]


@pytest.mark.parametrize("module,name,setting,value", SETTING_NAMES)
def test_setting_names_follow_override_settings(module, name, setting, value):
    mod = importlib.import_module(f"django_totp_native.{module}")
    before = getattr(mod, name)
    assert before != value
    with override_settings(**{setting: value}):
        assert getattr(mod, name) == value
    assert getattr(mod, name) == before


def test_auth_user_model_is_the_model_class(django_user_model):
    from django_totp_native import auth

    assert auth.AUTH_USER_MODEL is django_user_model


def test_generated_backup_codes_follow_max_backup_codes(settings):
    from django_totp_native import backup_code, backup_code_utils

    settings.TOTP_MAX_BACKUP_CODES = 3
    codes = backup_code.generate_backup_codes()
    assert len(codes) == 3 and len(set(codes)) == 3
    assert backup_code_utils.generate_backup_codes is backup_code.generate_backup_codes


def test_render_qr_code_svg_is_an_svg_of_the_data():
    from django_totp_native import qrsvg

    svg = qrsvg.render_qr_code_svg("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP")
    assert svg.lstrip().startswith("<svg") and svg == core.qr_svg("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP")


def test_jwt_create_serializer_uses_the_username_field():
    from django_totp_native.serializers import JWTCreateSerializer

    fields = JWTCreateSerializer().fields
    assert {name for name, field in fields.items() if field.required} == {"username", "password"}
    # Added since django-totp, optional (issue 18 item 4): a body without it is as before.
    assert set(fields) - {"username", "password"} == {"device_token"}


def test_app_config_alias_keeps_automatic_detection():
    from django.apps import apps

    from django_totp_native.apps import DjangoTotpConfig

    assert type(apps.get_app_config("django_totp_native")) is DjangoTotpConfig


def test_api_root_answers_on_the_router_prefix(user):
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/")
    assert response.status_code == 200 and isinstance(response.json(), dict)


def test_compat_verifiers_answer_with_booleans(enrolled):
    from django_totp_native import backup_code_utils, totp

    assert totp.verify_totp_code(enrolled.user, enrolled.code()) is True
    assert totp.verify_totp_code(enrolled.user, enrolled.code()) is False  # replay
    assert backup_code_utils.verify_backup_code(enrolled.user, enrolled.backup_codes[0]) is True
    assert backup_code_utils.verify_backup_code(enrolled.user, enrolled.backup_codes[0]) is False


# Where the names live (issue 17 item 8) ------------------------------------------------------

#: django-totp's modules that exist only for its names: at their old path, a face.
FACES = ["auth", "totp", "backup_code", "backup_code_utils", "encryption", "email", "email_utils", "qrsvg"]


def _source_tree(module):
    import ast
    from pathlib import Path

    path = Path(importlib.import_module("django_totp_native").__file__).parent.joinpath(*module.split("."))
    return ast.parse(path.with_suffix(".py").read_text(encoding="utf-8"))


@pytest.mark.parametrize("module", FACES)
def test_root_module_is_a_face_of_compat(module):
    """The module at django-totp's path defines nothing: each of its names is the compat
    module's object, so the two cannot drift apart."""
    import ast

    face, compat = (importlib.import_module(f"django_totp_native.{m}") for m in (module, f"compat.{module}"))
    assert not [n for n in _source_tree(module).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    for name in compat.__all__:
        assert getattr(face, name) is getattr(compat, name)
    for name in getattr(compat, "LAZY_NAMES", {}):
        assert getattr(face, name) == getattr(compat, name)


def test_views_and_jwt_views_do_not_import_each_other():
    """views must work without SimpleJWT, and jwt_views builds on what both share (drf.py)."""
    import ast

    def imported(module):
        """The package's own modules ``module`` imports, anywhere in it (lazy imports too)."""
        names = set()
        for node in ast.walk(_source_tree(module)):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names.add(node.module or "")
                names.update(f"{node.module or ''}.{alias.name}".lstrip(".") for alias in node.names)
        return names

    assert "drf.APIViewMixin" in imported("views") and "drf.APIViewMixin" in imported("jwt_views")
    assert not {n for n in imported("views") if "jwt_views" in n.split(".")}
    assert not {n for n in imported("jwt_views") if "views" in n.split(".")}


def test_unknown_names_are_refused_under_the_public_path():
    from django_totp_native import auth, views

    with pytest.raises(AttributeError, match="'django_totp_native.auth' has no attribute 'NOPE'"):
        auth.NOPE
    with pytest.raises(AttributeError, match="'django_totp_native.views' has no attribute 'NOPE'"):
        views.NOPE
