"""django-allauth's MFA on our keyring (issue 21 item 4): ``django_totp_native.allauth``.

Run with tests/allauth_settings.py (``make compat-allauth``); under the shared settings,
where allauth's apps are not installed, the module is skipped with that reason.
"""

from __future__ import annotations

import io
import json

import pyotp
import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError

if not apps.is_installed("allauth.mfa"):
    pytest.skip(
        "allauth.mfa is not installed here: make compat-allauth runs this module with tests.allauth_settings",
        allow_module_level=True,
    )

from allauth.mfa.models import Authenticator  # noqa: E402
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes  # noqa: E402
from allauth.mfa.totp.internal.auth import TOTP  # noqa: E402
from allauth.mfa.utils import decrypt, encrypt  # noqa: E402

from django_totp_native import core  # noqa: E402
from django_totp_native.allauth import MFAAdapter, sealing  # noqa: E402
from django_totp_native.services import rotation  # noqa: E402

pytestmark = pytest.mark.django_db

OLD_KEY = "qTXtBw2t6n1cRq7HnO6mVbJmUo8JZ3s0x4Pp1Z3vY2E="  # tests.settings' key
NEW_KEY = "uJ7qz7m1b6kVQv2m6o8C2w1mQ8m7k9d3Tz3gQ4m8c0s="


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", "pw-alice-1")


def table_dump() -> str:
    """Every Authenticator row as the database holds it (what a dump or backup shows)."""
    return serializers.serialize("json", Authenticator.objects.all())


def plaintext_row(user, kind, data) -> Authenticator:
    """A row as allauth stores it without our adapter (before a site installed it)."""
    row = Authenticator(user=user, type=kind, data=data)
    Authenticator.objects.bulk_create([row])  # no adapter involved
    return Authenticator.objects.get(user=user, type=kind)


def test_the_configured_adapter_is_ours():
    from allauth.mfa.adapter import get_adapter

    assert isinstance(get_adapter(), MFAAdapter)


def test_enrolled_totp_and_recovery_codes_leave_no_plaintext_in_the_table(user):
    secret = pyotp.random_base32()
    totp = TOTP.activate(user, secret)
    recovery = RecoveryCodes.activate(user)
    codes = recovery.generate_codes()
    seed = decrypt(Authenticator.objects.get(pk=recovery.instance.pk).data["seed"])

    dump = table_dump()
    assert secret not in dump and seed not in dump
    assert not any(code in dump for code in codes)
    stored = {row.type: row.data for row in Authenticator.objects.all()}
    assert sealing.is_sealed(stored["totp"]["secret"]) and sealing.is_sealed(stored["recovery_codes"]["seed"])

    # And they work through allauth's own checks.
    assert TOTP(Authenticator.objects.get(pk=totp.instance.pk)).validate_code(pyotp.TOTP(secret).now())
    fresh = RecoveryCodes(Authenticator.objects.get(pk=recovery.instance.pk))
    assert fresh.validate_code(codes[0])
    assert not RecoveryCodes(Authenticator.objects.get(pk=recovery.instance.pk)).validate_code(codes[0])


def test_a_plaintext_row_from_before_the_adapter_still_verifies(user):
    secret = pyotp.random_base32()
    row = plaintext_row(user, Authenticator.Type.TOTP, {"secret": secret})
    assert TOTP(row).validate_code(pyotp.TOTP(secret).now())
    assert decrypt(secret) == secret


def test_a_sealed_value_is_never_taken_for_plaintext_nor_the_reverse():
    sealed = encrypt("JBSWY3DPEHPK3PXP")
    assert sealed.startswith(sealing.PREFIX) and "JBSWY3DPEHPK3PXP" not in sealed
    # A bare Fernet token (no marker) is returned as it is, never decrypted by guesswork...
    bare = sealed[len(sealing.PREFIX):]
    assert decrypt(bare) == bare
    # ...and a marked value that no key opens fails loudly instead of becoming a secret.
    with pytest.raises(core.InvalidToken):
        decrypt(sealing.PREFIX + bare[:-4] + "AAAA")


def test_seal_allauth_mfa_seals_plaintext_rows_and_is_idempotent(user, django_user_model):
    other = django_user_model.objects.create_user("bob", "bob@example.com", "pw-bob-1")
    secret = pyotp.random_base32()
    plaintext_row(user, Authenticator.Type.TOTP, {"secret": secret})
    seed = RecoveryCodes.generate_seed()
    plaintext_row(user, Authenticator.Type.RECOVERY_CODES, {"seed": seed, "used_mask": 0})
    migrated = ["12345678", "87654321"]
    plaintext_row(other, Authenticator.Type.RECOVERY_CODES, {"migrated_codes": list(migrated), "used_mask": 0})
    codes = RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes")).generate_codes()

    out, err = io.StringIO(), io.StringIO()
    call_command("seal_allauth_mfa", "--dry-run", stdout=out, stderr=err)
    assert "Would seal 3 of 3" in out.getvalue()
    assert secret in table_dump()  # nothing written

    call_command("seal_allauth_mfa", "--batch-size", "2", stdout=out, stderr=err)
    assert "Sealed 3 of 3" in out.getvalue()
    dump = table_dump()
    assert secret not in dump and seed not in dump and not any(m in dump for m in migrated)
    printed = out.getvalue() + err.getvalue()
    assert secret not in printed and seed not in printed and not any(m in printed for m in migrated)

    # Sealed rows verify as before, the codes derived from the seed unchanged.
    assert TOTP(Authenticator.objects.get(user=user, type="totp")).validate_code(pyotp.TOTP(secret).now())
    assert RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes")).generate_codes() == codes
    assert RecoveryCodes(Authenticator.objects.get(user=other, type="recovery_codes")).validate_code(migrated[1])

    again = io.StringIO()
    call_command("seal_allauth_mfa", stdout=again)
    assert "Sealed 0 of 3 authenticators; 3 already sealed" in again.getvalue()


def test_the_sealing_write_is_conditional_on_the_data_it_read(user):
    """A recovery code spent between the read and the write is not written back unspent."""
    plaintext_row(user, Authenticator.Type.RECOVERY_CODES, {"seed": RecoveryCodes.generate_seed(), "used_mask": 0})
    row = Authenticator.objects.get(user=user)
    read = dict(row.data)
    Authenticator.objects.filter(pk=row.pk).update(data={**read, "used_mask": 1})
    report = sealing.SealReport(total=1)
    sealing._seal_one(Authenticator.objects, row.pk, read, False, report)
    data = Authenticator.objects.get(pk=row.pk).data
    assert report.sealed == 1 and data["used_mask"] == 1 and sealing.is_sealed(data["seed"])


def test_rotate_totp_keys_reseals_allauth_rows_and_the_old_key_can_go(user, settings):
    secret = pyotp.random_base32()
    TOTP.activate(user, secret)
    recovery = RecoveryCodes.activate(user)
    codes = recovery.generate_codes()
    plaintext = pyotp.random_base32()
    plaintext_row(user, Authenticator.Type.WEBAUTHN, {"credential": {"id": "x"}})
    before = {row.pk: row.data for row in Authenticator.objects.all()}

    settings.TOTP_ENCRYPTION_KEY = [NEW_KEY, OLD_KEY]
    out = io.StringIO()
    call_command("rotate_totp_keys", stdout=out)
    after = {row.pk: row.data for row in Authenticator.objects.all()}
    changed = [pk for pk in after if after[pk] != before[pk]]
    assert len(changed) == 2  # the TOTP and recovery rows; the WebAuthn row is untouched
    assert secret not in out.getvalue() and plaintext not in out.getvalue()
    again = rotation.reseal_all()
    assert again.resealed == 0 and again.complete

    settings.TOTP_ENCRYPTION_KEY = [NEW_KEY]
    assert rotation.unopenable() == []
    assert TOTP(Authenticator.objects.get(user=user, type="totp")).validate_code(pyotp.TOTP(secret).now())
    assert RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes")).generate_codes() == codes


def test_rotation_leaves_plaintext_rows_to_the_sealing_command(user, settings):
    secret = pyotp.random_base32()
    plaintext_row(user, Authenticator.Type.TOTP, {"secret": secret})
    settings.TOTP_ENCRYPTION_KEY = [NEW_KEY, OLD_KEY]
    report = rotation.reseal_all()
    assert report.complete and report.resealed == 0
    assert Authenticator.objects.get(user=user).data == {"secret": secret}


def test_rotation_reports_an_allauth_row_no_key_opens(user, settings):
    TOTP.activate(user, pyotp.random_base32())
    settings.TOTP_ENCRYPTION_KEY = [NEW_KEY]
    found = rotation.unopenable()
    assert found == [(f"mfa.authenticator:{Authenticator.objects.get(user=user).pk}", "data")]


def test_the_command_refuses_a_bad_batch_size():
    with pytest.raises(CommandError):
        call_command("seal_allauth_mfa", "--batch-size", "0")


def test_the_dump_check_can_fail(user):
    """The control: allauth's own adapter leaves the secret in the dump."""
    from allauth.mfa.adapter import DefaultMFAAdapter

    secret = pyotp.random_base32()
    plaintext_row(user, Authenticator.Type.TOTP, {"secret": DefaultMFAAdapter().encrypt(secret)})
    assert secret in table_dump()
    assert json.loads(table_dump())[0]["fields"]["data"]["secret"] == secret


def test_rotation_counts_only_allauth_rows_that_hold_a_sealed_value(user, settings):
    TOTP.activate(user, pyotp.random_base32())
    plaintext_row(user, Authenticator.Type.RECOVERY_CODES, {"seed": RecoveryCodes.generate_seed(), "used_mask": 0})
    plaintext_row(user, Authenticator.Type.WEBAUTHN, {"credential": {"id": "x"}})
    settings.TOTP_ENCRYPTION_KEY = [NEW_KEY, OLD_KEY]
    report = rotation.reseal_all()
    # No django-totp device here: the TOTP row alone, not the plaintext or WebAuthn ones.
    assert (report.total, report.resealed, report.already_current) == (1, 1, 0)


def test_system_checks_name_an_adapter_that_does_not_seal(settings):
    from django.core import checks as django_checks

    from django_totp_native.allauth.checks import check_allauth_adapter

    assert check_allauth_adapter() == []
    settings.MFA_ADAPTER = "allauth.mfa.adapter.DefaultMFAAdapter"
    (warning,) = check_allauth_adapter()
    assert warning.id == "django_totp_native.allauth.W001" and warning.level == django_checks.WARNING
