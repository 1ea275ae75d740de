"""Retiring an encryption key with ``manage.py rotate_totp_keys``: no user loses 2FA.

The stored ciphertexts are checked with ``cryptography.fernet`` (an independent oracle):
after the command every secret opens with the new key and no longer with the old one.
"""

import re
from io import StringIO

import pytest
from cryptography.fernet import Fernet as OracleFernet, InvalidToken as OracleInvalidToken
from django.core.management import CommandError, call_command
from django.test import override_settings

from django_totp_native import core
from django_totp_native.models import Totp
from django_totp_native.services import devices, keys, rotation

from .conftest import code_at, enroll, store_codes_as_before_device_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_key(settings):
    return settings.TOTP_ENCRYPTION_KEY


@pytest.fixture
def new_key():
    return OracleFernet.generate_key().decode()


def rotate(**options):
    out, err = StringIO(), StringIO()
    call_command("rotate_totp_keys", stdout=out, stderr=err, **options)
    return out.getvalue() + err.getvalue()


def sealed_rows():
    return dict(Totp.objects.values_list("pk", "secret_key"))


def opens_with(key: str, token: str) -> bool:
    try:
        OracleFernet(key.encode()).decrypt(token.encode())
    except OracleInvalidToken:
        return False
    return True


def test_after_rotation_the_old_key_can_go_and_every_user_keeps_codes_and_backup_codes(
    make_user, settings, old_key, new_key
):
    alice, bob = enroll(make_user("alice")), enroll(make_user("bob"))
    pending_user = make_user("carol")
    pending = devices.start_enrollment(pending_user)

    settings.TOTP_ENCRYPTION_KEY = [new_key, old_key]
    output = rotate()
    assert "Re-sealed 3 of 3 devices; 0 already under the first key; 0 failed." in output
    for device in Totp.objects.all():
        assert opens_with(new_key, device.secret_key) and not opens_with(old_key, device.secret_key)
        assert opens_with(new_key, device.backup_key) and not opens_with(old_key, device.backup_key)

    settings.TOTP_ENCRYPTION_KEY = new_key  # the old key is gone
    assert devices.verify_totp(alice.user, alice.code())
    assert devices.verify_backup(alice.user, alice.backup_codes[0])
    assert devices.verify_backup(bob.user, bob.backup_codes[9])
    assert devices.verify_totp(bob.user, bob.code())
    assert len(devices.confirm_enrollment(pending_user, code_at(pending.secret))) == 10
    # The secrets themselves did not change: the same authenticator apps keep working.
    assert OracleFernet(new_key.encode()).decrypt(Totp.objects.get(user=alice.user).secret_key.encode()) == (
        alice.secret.encode()
    )


def test_running_it_again_changes_nothing(make_user, settings, old_key, new_key):
    enroll(make_user("alice"))
    enroll(make_user("bob"))
    settings.TOTP_ENCRYPTION_KEY = [new_key, old_key]
    rotate()
    before = sealed_rows()
    output = rotate()
    assert "Re-sealed 0 of 2 devices; 2 already under the first key; 0 failed." in output
    assert sealed_rows() == before


def test_a_secret_under_an_unknown_key_fails_the_run_and_is_left_as_it_was(make_user, settings, old_key, new_key):
    alice = enroll(make_user("alice"))
    stranger = enroll(make_user("stranger"))
    foreign = OracleFernet(OracleFernet.generate_key()).encrypt(stranger.secret.encode()).decode()
    Totp.objects.filter(user=stranger.user).update(secret_key=foreign)
    stranger_device = Totp.objects.get(user=stranger.user)

    settings.TOTP_ENCRYPTION_KEY = [new_key, old_key]
    with pytest.raises(CommandError, match="1 device is not under the first key yet: keep the old keys"):
        rotate()
    assert Totp.objects.get(pk=stranger_device.pk).secret_key == foreign
    assert opens_with(new_key, Totp.objects.get(user=alice.user).secret_key), "the other rows are rotated"

    err = StringIO()
    with pytest.raises(CommandError):
        call_command("rotate_totp_keys", stdout=StringIO(), stderr=err)
    assert f"TOTP device id {stranger_device.pk}: sealed under a key that is not in TOTP_ENCRYPTION_KEY" in err.getvalue()
    assert stranger.secret not in err.getvalue() and foreign not in err.getvalue()


def test_backup_codes_from_before_device_keys_are_reported_until_regenerated(make_user, settings, old_key, new_key):
    alice = enroll(make_user("alice"))
    store_codes_as_before_device_keys(alice)
    device = Totp.objects.get(user=alice.user)
    assert devices.verify_backup(alice.user, alice.backup_codes[0]), "old codes keep working"

    settings.TOTP_ENCRYPTION_KEY = [new_key, old_key]
    output = rotate()
    assert "1 user has backup codes from before per-device keys" in output
    assert devices.verify_backup(alice.user, alice.backup_codes[1]), "while the old key is configured"

    fresh = devices.rotate_codes(alice.user)
    assert Totp.objects.get(pk=device.pk).backup_key, "a new set moves the device to its own key"
    assert "backup codes from before" not in rotate()
    settings.TOTP_ENCRYPTION_KEY = new_key
    assert devices.verify_backup(alice.user, fresh[0])
    assert not devices.verify_backup(alice.user, alice.backup_codes[2])


def test_rate_at_the_end_and_no_secret_in_the_output(make_user, settings, old_key, new_key):
    users = [enroll(make_user(f"user{n}")) for n in range(3)]
    settings.TOTP_ENCRYPTION_KEY = [new_key, old_key]
    before = sealed_rows()
    output = rotate(batch_size=2)
    # Not on a terminal: no progress line per batch, the count and rate at the end.
    assert "/3" not in output and re.search(r"  3 rows in [\d.]+ s \(\d+ rows per second\)", output), output
    for enrolled in users:
        assert enrolled.secret not in output
        assert not any(code in output for code in enrolled.backup_codes)
    assert not any(token in output for token in before.values())
    assert not any(token in output for token in sealed_rows().values())


def test_a_batch_size_below_one_is_refused(settings):
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        rotate(batch_size=0)


def test_new_devices_get_their_own_backup_key(make_user):
    alice = enroll(make_user("alice"))
    device = Totp.objects.get(user=alice.user)
    other = Totp.objects.get(user=enroll(make_user("bob")).user)
    assert device.backup_key and other.backup_key
    assert keys.device_backup_digest_keys(device) != keys.device_backup_digest_keys(other)
    # The same code digests differently per device, so a digest reveals nothing across users.
    code = alice.backup_codes[0]
    assert core.backup_code_digest(keys.device_backup_digest_keys(device)[0], code) != core.backup_code_digest(
        keys.device_backup_digest_keys(other)[0], code
    )


def test_a_device_changed_between_read_and_write_is_read_again_not_overwritten(
    make_user, settings, monkeypatch, old_key, new_key
):
    """The lost update the conditional write exists for, provoked deterministically.

    While the command is between reading a device and writing it back, that device's user
    regenerates backup codes on a worker that still runs with the old key list (a rolling
    deploy): the device, which had codes from before per-device keys, gets its own backup
    key, sealed under the old key. Written back unconditionally, the command would keep
    that key as it is and report success; removing the old key then breaks the user's
    new backup codes.
    """
    alice = enroll(make_user("alice"))
    store_codes_as_before_device_keys(alice)
    settings.TOTP_ENCRYPTION_KEY = [new_key, old_key]
    regenerated = []
    real_sealed_by = rotation._sealed_by

    def sealed_by_while_the_user_regenerates(fernet, token):
        if not regenerated:
            with override_settings(TOTP_ENCRYPTION_KEY=old_key):
                regenerated.append(devices.rotate_codes(alice.user))
        return real_sealed_by(fernet, token)

    monkeypatch.setattr(rotation, "_sealed_by", sealed_by_while_the_user_regenerates)
    report = rotation.reseal_all()
    assert regenerated, "the concurrent regeneration ran"
    assert report.complete and report.resealed == 1, report

    device = Totp.objects.get(user=alice.user)
    assert opens_with(new_key, device.secret_key) and not opens_with(old_key, device.secret_key)
    assert opens_with(new_key, device.backup_key) and not opens_with(old_key, device.backup_key)
    settings.TOTP_ENCRYPTION_KEY = new_key  # the old key is gone
    assert devices.verify_backup(alice.user, regenerated[0][0])
    assert devices.verify_totp(alice.user, alice.code())


def test_a_device_that_keeps_changing_is_reported_not_written(make_user, settings, monkeypatch, old_key, new_key):
    alice = enroll(make_user("alice"))
    settings.TOTP_ENCRYPTION_KEY = [new_key, old_key]
    real_sealed_by = rotation._sealed_by

    def sealed_by_while_the_row_changes(fernet, token):
        # Another writer re-seals the secret (under the old key) every time the row is read.
        with override_settings(TOTP_ENCRYPTION_KEY=old_key):
            resealed = keys.as_text(keys.fernet().encrypt(alice.secret.encode()))
        Totp.objects.filter(user=alice.user).update(secret_key=resealed)
        return real_sealed_by(fernet, token)

    monkeypatch.setattr(rotation, "_sealed_by", sealed_by_while_the_row_changes)
    report = rotation.reseal_all()
    device = Totp.objects.get(user=alice.user)
    assert not report.complete and report.resealed == 0
    assert report.failed == [(device.pk, "changed during every attempt; run the command again")]
    assert opens_with(old_key, device.secret_key), "the other writer's value stands"


def test_rotation_reseals_exactly_the_columns_the_registry_lists(make_user, settings, old_key, new_key, monkeypatch):
    """rotate_totp_keys works from the registry that device adapters fill (issue 17 item
    4), not from a list of its own: a column left out of the registry is left as it was,
    and a registered column is re-sealed."""
    from django_totp_native.services import adapters

    enroll(make_user("alice"))
    settings.TOTP_ENCRYPTION_KEY = [new_key, old_key]
    registered = [(s.model, s.field) for s in adapters.sealed_fields()]
    # django-totp's device first; then the kinds installed apps registered (the django-otp
    # devices, where django-otp is installed).
    assert registered[:2] == [(Totp, "secret_key"), (Totp, "backup_key")]
    assert {field for _model, field in registered[2:]} <= {"sealed_key", "token_key"}
    monkeypatch.setattr(adapters, "_sealed", [adapters.SealedField(Totp, "secret_key")])
    rotate()
    device = Totp.objects.get()
    assert opens_with(new_key, device.secret_key) and not opens_with(new_key, device.backup_key)
    adapters.register_sealed_field(Totp, "backup_key")
    adapters.register_sealed_field(Totp, "backup_key")  # registering twice changes nothing
    assert len(adapters.sealed_fields()) == 2
    rotate()
    device = Totp.objects.get()
    assert opens_with(new_key, device.secret_key) and opens_with(new_key, device.backup_key)
