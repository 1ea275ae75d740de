"""The TOTP device and backup-code admin: status, counts and dates, never a secret."""

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse

from django_totp_native import signals
from django_totp_native.models import BackupCode, SecondFactorState, Totp, TotpRequirement
from django_totp_native.services import devices

from .conftest import code_at, enroll

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    return client


@pytest.fixture
def enrolled_with_history(make_user):
    enrolled = enroll(make_user("holder"))
    assert devices.verify_backup(enrolled.user, enrolled.backup_codes[0])
    TotpRequirement.objects.create(user=enrolled.user)
    return enrolled


def _secrets(enrolled):
    """Every stored or derived value that must never reach an admin page."""
    device = Totp.objects.get(user=enrolled.user)
    values = [device.secret_key, device.secret_key[10:40], enrolled.secret, enrolled.secret[:12], enrolled.code()]
    for digest in BackupCode.objects.filter(totp=device).values_list("digest", flat=True):
        values += [digest, digest[:16]]
    for code in enrolled.backup_codes:
        values += [code, code.replace("-", "")]
    return values


def _pages(enrolled):
    device = Totp.objects.get(user=enrolled.user)
    backup = BackupCode.objects.filter(totp=device).first()
    requirement = TotpRequirement.objects.get(user=enrolled.user)
    return [
        reverse("admin:django_totp_native_totp_changelist"),
        reverse("admin:django_totp_native_totp_change", args=[device.pk]),
        reverse("admin:django_totp_native_backupcode_changelist"),
        reverse("admin:django_totp_native_backupcode_change", args=[backup.pk]),
        reverse("admin:django_totp_native_totprequirement_changelist"),
        reverse("admin:django_totp_native_totprequirement_change", args=[requirement.pk]),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_change", args=[enrolled.user.pk]),
        reverse("admin:auth_user_totp", args=[enrolled.user.pk]),
    ]


def test_no_admin_page_shows_a_secret_ciphertext_digest_or_code(superuser_client, enrolled_with_history):
    secrets = _secrets(enrolled_with_history)
    for url in _pages(enrolled_with_history):
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for value in secrets:
            assert value not in html, url


def test_device_admin_shows_status_counts_and_dates(superuser_client, enrolled_with_history):
    device = Totp.objects.get(user=enrolled_with_history.user)
    html = superuser_client.get(reverse("admin:django_totp_native_totp_changelist")).content.decode()
    assert "holder" in html and "enabled" in html
    assert '<td class="field-unused_backup_codes">9</td>' in html
    change = superuser_client.get(reverse("admin:django_totp_native_totp_change", args=[device.pk]))
    assert b"Secret key" not in change.content and b"secret_key" not in change.content


def test_device_admin_lists_pending_devices(superuser_client, make_user):
    devices.start_enrollment(make_user("halfway"))
    html = superuser_client.get(reverse("admin:django_totp_native_totp_changelist")).content.decode()
    assert "pending" in html


def test_backup_code_admin_shows_use_not_digest(superuser_client, enrolled_with_history):
    response = superuser_client.get(reverse("admin:django_totp_native_backupcode_changelist"))
    assert response.status_code == 200
    assert b"Digest" not in response.content and b"digest" not in response.content


def test_devices_cannot_be_added_or_edited_in_the_admin(superuser_client, enrolled_with_history):
    device = Totp.objects.get(user=enrolled_with_history.user)
    assert superuser_client.get(reverse("admin:django_totp_native_totp_add")).status_code == 403
    before = Totp.objects.values().get(pk=device.pk)
    superuser_client.post(
        reverse("admin:django_totp_native_totp_change", args=[device.pk]),
        {"user": device.user_id, "failed_attempts": 0, "secret_key": "x"},
    )
    assert Totp.objects.values().get(pk=device.pk) == before


def test_deleting_a_device_is_a_reset_with_its_signal(superuser_client, enrolled_with_history):
    device = Totp.objects.get(user=enrolled_with_history.user)
    received = []

    def on_disabled(sender, user=None, **kwargs):
        received.append(user.pk)

    signals.totp_disabled.connect(on_disabled)
    try:
        response = superuser_client.post(
            reverse("admin:django_totp_native_totp_delete", args=[device.pk]), {"post": "yes"}
        )
    finally:
        signals.totp_disabled.disconnect(on_disabled)
    assert response.status_code == 302
    assert not Totp.objects.filter(pk=device.pk).exists()
    assert not BackupCode.objects.filter(totp_id=device.pk).exists()
    assert received == [enrolled_with_history.user.pk]
    assert LogEntry.objects.filter(object_id=str(device.pk), action_flag=DELETION).exists()


def test_deleting_devices_needs_the_delete_permission(client, make_user, enrolled_with_history):
    staff = make_user("staff", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_totp"))
    client.force_login(staff)
    device = Totp.objects.get(user=enrolled_with_history.user)
    response = client.post(reverse("admin:django_totp_native_totp_delete", args=[device.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Totp.objects.filter(pk=device.pk).exists()


def test_device_unlock_action_needs_the_permission(client, make_user, settings):
    settings.TOTP_MAX_FAILURES = 3
    enrolled = enroll(make_user("hammered"))
    SecondFactorState.objects.filter(user=enrolled.user).update(failed_attempts=3)
    staff = make_user("staff", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_totp"))
    client.force_login(staff)
    url = reverse("admin:django_totp_native_totp_changelist")
    device = Totp.objects.get(user=enrolled.user)
    assert b'value="unlock"' not in client.get(url).content
    client.post(url, {"action": "unlock", "_selected_action": [device.pk]})
    assert SecondFactorState.objects.get(user_id=device.user_id).failed_attempts == 3

    staff.user_permissions.add(Permission.objects.get(codename="manage_user_totp"))
    client.post(url, {"action": "unlock", "_selected_action": [device.pk]})
    assert SecondFactorState.objects.get(user_id=device.user_id).failed_attempts == 0
    assert devices.verify_totp(enrolled.user, code_at(enrolled.secret))
