"""The admin of the django-otp devices: django-otp's pages and fields, the key and the
tokens write-only, the QR page only for who may manage the owner, and the superuser rule."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from django_totp_native.otp.models import StaticDevice, StaticToken, TOTPDevice

pytest.importorskip("django_otp")

HEX_KEY = "2a2bbba1092ffdd25a328ad1a0a5f5d61d7aacc4"
B32_KEY = "FIV3XIIJF765EWRSRLI2BJPV2YOXVLGE"


def url(model, view, *args):
    return reverse(f"admin:otp_native_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def manager(make_user):
    """Staff with every permission on these devices, not a superuser."""
    staff = make_user("manager", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="otp_native"))
    return staff


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def boss(django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")


@pytest.fixture
def worker(make_user):
    return make_user("worker")


def devices_of(user):
    totp = TOTPDevice.objects.create(user=user, name="phone", key=HEX_KEY)
    static = StaticDevice.objects.create(user=user, name="codes")
    static.token_set.create(token="plain-token1")
    return totp, static


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.mark.django_db
def test_no_page_shows_the_key_or_a_token_but_the_qr_page(manager_client, worker):
    totp, static = devices_of(worker)
    sealed = TOTPDevice.objects.get(pk=totp.pk).sealed_key
    pages = [
        page(manager_client.get(url(TOTPDevice, "changelist"))),
        page(manager_client.get(url(TOTPDevice, "change", totp.pk))),
        page(manager_client.get(url(StaticDevice, "changelist"))),
        page(manager_client.get(url(StaticDevice, "change", static.pk))),
    ]
    digest = static.token_set.get().digest
    for text in pages:
        for secret in (HEX_KEY, B32_KEY, sealed, "plain-token1", digest, static.token_key):
            assert secret not in text
    # The QR page is django-otp's: it shows the device's address, for the authenticator.
    config = page(manager_client.get(url(TOTPDevice, "config", totp.pk)))
    assert B32_KEY in config and "otp_totp/css/qrcode.css" in config and "otp_totp/js/qrcode.js" in config
    assert not re.search(r'style="|<style|onerror=', config)
    qr = manager_client.get(url(TOTPDevice, "qrcode", totp.pk))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    assert "no-store" in qr["Cache-Control"] and "no-store" in manager_client.get(url(TOTPDevice, "config", totp.pk))["Cache-Control"]


@pytest.mark.django_db
def test_the_key_is_write_only_in_the_form(manager_client, worker):
    totp, _static = devices_of(worker)
    form = {
        "user": worker.pk, "name": "phone", "confirmed": "on", "step": 30, "t0": 0, "digits": 6,
        "tolerance": 1, "drift": 0, "throttling_failure_count": 0, "_save": "Save",
    }
    # Empty keeps the key; a new one is sealed; junk is refused without being echoed.
    assert manager_client.post(url(TOTPDevice, "change", totp.pk), form).status_code == 302
    assert TOTPDevice.objects.get(pk=totp.pk).key == HEX_KEY
    junk = manager_client.post(url(TOTPDevice, "change", totp.pk), {**form, "key": "zz-not-hex-zz"})
    assert junk.status_code == 200 and "zz-not-hex-zz" not in junk.content.decode()
    assert manager_client.post(url(TOTPDevice, "change", totp.pk), {**form, "key": "ab" * 20}).status_code == 302
    assert TOTPDevice.objects.get(pk=totp.pk).key == "ab" * 20
    added = manager_client.post(url(TOTPDevice, "add"), {**form, "name": "new"})
    assert added.status_code == 302 and len(TOTPDevice.objects.get(name="new").bin_key) == 20


@pytest.mark.django_db
def test_tokens_can_be_added_in_the_inline_and_are_hashed(manager_client, worker):
    _totp, static = devices_of(worker)
    prefix = "token_set"
    data = {
        "user": worker.pk, "name": "codes", "confirmed": "on", "_save": "Save",
        f"{prefix}-TOTAL_FORMS": 2, f"{prefix}-INITIAL_FORMS": 1, f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
        f"{prefix}-0-id": static.token_set.get().pk, f"{prefix}-0-device": static.pk,
        f"{prefix}-1-token": "typed-token", f"{prefix}-1-device": static.pk,
    }
    response = manager_client.post(url(StaticDevice, "change", static.pk), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert static.token_set.count() == 2
    assert "typed-token" not in " ".join(StaticToken.objects.values_list("digest", flat=True))
    assert static.verify_token("typed-token") and static.verify_token("plain-token1")


@pytest.mark.django_db
def test_only_a_superuser_manages_a_superusers_devices(manager_client, boss, worker):
    totp, static = devices_of(boss)
    for view in ("config", "qrcode"):
        assert manager_client.get(url(TOTPDevice, view, totp.pk)).status_code == 403
    for model, row in ((TOTPDevice, totp), (StaticDevice, static)):
        assert manager_client.post(url(model, "change", row.pk), {"user": boss.pk, "name": "x"}).status_code == 403
        manager_client.post(url(model, "delete", row.pk), {"post": "yes"})
        manager_client.post(
            url(model, "changelist"), {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
        )
        assert model.objects.filter(pk=row.pk).exists()
    # Nor may a device be added for a superuser, or moved to one.
    form = {"user": boss.pk, "name": "planted", "confirmed": "on", "step": 30, "t0": 0, "digits": 6,
            "tolerance": 1, "drift": 0, "throttling_failure_count": 0, "_save": "Save"}
    assert manager_client.post(url(TOTPDevice, "add"), form).status_code == 403
    mine, _ = devices_of(worker)
    assert manager_client.post(url(TOTPDevice, "change", mine.pk), form).status_code == 403
    assert not TOTPDevice.objects.filter(name="planted").exists()
    assert manager_client.post(
        url(StaticDevice, "add"), {"user": boss.pk, "name": "planted", "confirmed": "on", "_save": "Save",
                                   "token_set-TOTAL_FORMS": 0, "token_set-INITIAL_FORMS": 0}
    ).status_code == 403
    assert not StaticDevice.objects.filter(name="planted").exists()


@pytest.mark.django_db
def test_a_superuser_manages_a_superusers_devices(client, boss):
    client.force_login(boss)
    totp, static = devices_of(boss)
    assert client.get(url(TOTPDevice, "config", totp.pk)).status_code == 200
    client.post(url(StaticDevice, "delete", static.pk), {"post": "yes"})
    assert not StaticDevice.objects.filter(pk=static.pk).exists()


@pytest.mark.django_db
def test_the_qr_page_needs_view_permission_and_shown_sensitive_data(client, worker, settings, make_user):
    totp, _static = devices_of(worker)
    staff = make_user("staff", is_staff=True)
    client.force_login(staff)
    assert client.get(url(TOTPDevice, "config", totp.pk)).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_totpdevice", content_type__app_label="otp_native"))
    assert client.get(url(TOTPDevice, "config", totp.pk)).status_code == 200
    settings.OTP_ADMIN_HIDE_SENSITIVE_DATA = True
    assert client.get(url(TOTPDevice, "config", totp.pk)).status_code == 403
    assert client.get(url(TOTPDevice, "qrcode", totp.pk)).status_code == 403
