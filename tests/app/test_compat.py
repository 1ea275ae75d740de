"""django-totp compatibility: module names, settings read at access time, stored data."""

import importlib

import pyotp
import pytest
from cryptography.fernet import Fernet as OracleFernet
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from django_totp_native import backup_code_utils, encryption, totp
from django_totp_native.conf import conf
from django_totp_native.models import Totp
from django_totp_native.services import devices

from .conftest import code_at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "module,names",
    [
        ("auth", ["is_totp_enabled", "generate_challenge_token", "verify_challenge_token", "get_user_from_challenge_token"]),
        ("totp", ["generate_totp_secret", "verify_totp_code", "create_totp_setup", "confirm_totp_setup", "disable_totp"]),
        ("backup_code_utils", ["store_backup_codes", "verify_backup_code", "rotate_backup_codes"]),
        ("encryption", ["generate_fernet_key", "resolve_fernet_key", "encrypt", "decrypt"]),
        ("email", ["BaseEmailMessage", "TotpRecoveryEmail", "TotpDisabledEmail"]),
        ("email_utils", ["encode_uid", "decode_uid"]),
        ("signals", ["totp_created", "totp_disabled", "backup_codes_rotated", "totp_login_succeeded",
                     "non_totp_login_succeeded", "totp_recovery_succeeded", "totp_verification_failed"]),
        ("throttle", ["TotpUserThrottle", "TotpAnonThrottle", "TotpThrottle"]),
        ("urls", ["urlpatterns"]),
        ("urls.jwt", ["urlpatterns"]),
        ("urls.recovery", ["urlpatterns"]),
    ],
)
def test_public_modules(module, names):
    mod = importlib.import_module(f"django_totp_native.{module}")
    for name in names:
        assert hasattr(mod, name), f"{module}.{name}"


def test_secret_written_by_django_totp_verifies_unchanged(user, settings):
    # django-totp stores Fernet(TOTP_ENCRYPTION_KEY).encrypt(base32 secret); produced here
    # by cryptography itself, the library django-totp uses.
    secret = pyotp.random_base32()
    token = OracleFernet(settings.TOTP_ENCRYPTION_KEY.encode()).encrypt(secret.encode()).decode()
    Totp.objects.create(user=user, secret_key=token, confirmed_at="2024-01-01T00:00:00Z")
    assert totp.verify_totp_code(user, pyotp.TOTP(secret).now())


def test_encryption_is_readable_by_cryptography(settings):
    token = encryption.encrypt("JBSWY3DPEHPK3PXP")
    assert OracleFernet(settings.TOTP_ENCRYPTION_KEY.encode()).decrypt(token.encode()) == b"JBSWY3DPEHPK3PXP"
    assert encryption.decrypt(token) == "JBSWY3DPEHPK3PXP"
    OracleFernet(encryption.generate_fernet_key().encode())  # a valid key
    assert encryption.resolve_fernet_key() == settings.TOTP_ENCRYPTION_KEY.encode()


def test_missing_key_is_improperly_configured(settings):
    del settings.TOTP_ENCRYPTION_KEY
    with pytest.raises(ImproperlyConfigured):
        encryption.resolve_fernet_key()
    fallback = OracleFernet.generate_key()
    assert encryption.resolve_fernet_key(default=fallback) == fallback
    settings.TOTP_ENCRYPTION_KEY = "not-a-key"
    with pytest.raises(ImproperlyConfigured):
        encryption.encrypt("x")


def test_key_list_rotation(user, settings):
    old = settings.TOTP_ENCRYPTION_KEY
    enrollment = devices.start_enrollment(user)
    codes = devices.confirm_enrollment(user, code_at(enrollment.secret, -1))
    new = OracleFernet.generate_key().decode()
    settings.TOTP_ENCRYPTION_KEY = [new, old]
    # Old secret and old backup codes still work; new data is encrypted with the new key.
    assert totp.verify_totp_code(user, code_at(enrollment.secret))
    assert backup_code_utils.verify_backup_code(user, codes[0])
    assert OracleFernet(new.encode()).decrypt(encryption.encrypt("x").encode()) == b"x"
    settings.TOTP_ENCRYPTION_KEY = new
    assert not backup_code_utils.verify_backup_code(user, codes[1])


def test_override_settings_changes_behaviour_mid_run(user):
    with override_settings(TOTP_ISSUER="First"):
        assert "issuer=First" in devices.start_enrollment(user).otpauth_uri
    devices.disable(user)
    with override_settings(TOTP_ISSUER="Second", TOTP_DIGITS=8):
        enrollment = devices.start_enrollment(user)
        assert "issuer=Second" in enrollment.otpauth_uri and "digits=8" in enrollment.otpauth_uri
        assert conf.DIGITS == 8
        eight = pyotp.TOTP(enrollment.secret, digits=8).now()
        assert len(devices.confirm_enrollment(user, eight)) == 10
    assert conf.DIGITS == 6 and conf.ISSUER == "Test Suite"


def test_compat_totp_functions(user):
    svg = totp.create_totp_setup(user)
    assert svg.lstrip().startswith("<svg")
    first_key = Totp.objects.get(user=user).secret_key
    # As in django-totp, creating again replaces a pending device (a new key).
    assert totp.create_totp_setup(user) != svg
    assert Totp.objects.get(user=user).secret_key != first_key
    with pytest.raises(ValueError, match="Invalid TOTP code"):
        totp.confirm_totp_setup(user, "12")
    totp.disable_totp(user)
    with pytest.raises(ValueError, match="does not have an associated TOTP secret"):
        totp.disable_totp(user)
    with pytest.raises(ValueError):
        totp.verify_totp_code(user, "123456")
    assert len(totp.generate_totp_secret()) >= 32


def test_compat_backup_code_functions(user):
    enrollment = devices.start_enrollment(user)
    devices.confirm_enrollment(user, code_at(enrollment.secret))
    assert backup_code_utils.store_backup_codes(user, ["AAAA-BBBB-CCCC"]) == ["AAAA-BBBB-CCCC"]
    assert backup_code_utils.verify_backup_code(user, "aaaa bbbb cccc")
    assert not backup_code_utils.verify_backup_code(user, "AAAA-BBBB-CCCC")
    fresh = backup_code_utils.rotate_backup_codes(user)
    assert len(fresh) == 10 and backup_code_utils.verify_backup_code(user, fresh[-1])
