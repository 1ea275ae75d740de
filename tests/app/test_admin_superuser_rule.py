"""Only a superuser may manage a superuser's 2FA: every admin path, per user and in bulk.

A staff member holding ``manage_user_totp`` (and the device admin's delete permissions)
but not superuser status tries to reset, unlock, require and stop requiring a
superuser's 2FA through the user actions, the per-user page, the device admin and the
requirement admin. Each attempt is refused with a message, and nothing changes: no row,
no signal, no admin log entry.
"""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse

from django_totp_native import signals
from django_totp_native.models import SecondFactorState, Totp, TotpRequirement

from .conftest import enroll

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/auth/user/"
REFUSAL = "Only a superuser can manage the two-factor authentication of a superuser"
SIGNALS = ["totp_required", "totp_requirement_removed", "totp_disabled", "totp_unlocked"]


@pytest.fixture(autouse=True)
def _max_failures(settings):
    settings.TOTP_MAX_FAILURES = 5


@pytest.fixture
def manager(make_user):
    """Staff with every 2FA-related permission, but not a superuser."""
    staff = make_user("manager", is_staff=True)
    codenames = [
        "manage_user_totp",
        "view_user",
        "change_user",
        "view_totp",
        "delete_totp",
        "delete_backupcode",
        "view_totprequirement",
        "delete_totprequirement",
    ]
    staff.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return staff


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def root_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    return client


@pytest.fixture
def boss(django_user_model):
    """A superuser with 2FA on, locked out, and required to use 2FA."""
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "correct horse battery")
    enroll(user)
    SecondFactorState.objects.filter(user=user).update(failed_attempts=5)
    TotpRequirement.objects.create(user=user)
    return user


@pytest.fixture
def worker(make_user):
    """An ordinary user in the same state as ``boss``."""
    user = make_user("worker")
    enroll(user)
    SecondFactorState.objects.filter(user=user).update(failed_attempts=5)
    TotpRequirement.objects.create(user=user)
    return user


@pytest.fixture
def received():
    log = []
    receivers = []
    for name in SIGNALS:

        def receiver(sender, request=None, user=None, _name=name, **kwargs):
            log.append((_name, user.pk))

        getattr(signals, name).connect(receiver, weak=False)
        receivers.append((name, receiver))
    yield log
    for name, receiver in receivers:
        getattr(signals, name).disconnect(receiver)


def _state(user):
    device = Totp.objects.filter(user=user).first()
    return (
        device is not None,
        SecondFactorState.objects.get(user=user).failed_attempts if device else None,
        device.backup_codes.count() if device else None,
        TotpRequirement.objects.filter(user=user).exists(),
    )


UNCHANGED = (True, 5, 10, True)


def _assert_untouched(received, *users):
    for user in users:
        assert _state(user) == UNCHANGED, user.get_username()
    assert received == []
    assert not LogEntry.objects.exists()


def _act(client, action, users, **extra):
    data = {"action": action, "_selected_action": [u.pk for u in users], **extra}
    return client.post(CHANGELIST, data, follow=True)


# User admin: bulk actions -------------------------------------------------------------


@pytest.mark.parametrize("action", ["require_totp", "unrequire_totp", "reset_totp", "unlock_totp"])
def test_bulk_action_on_a_superuser_is_refused_and_changes_nobody(manager_client, boss, worker, received, action):
    # The superuser is selected together with an ordinary user: nothing happens to either.
    if action == "require_totp":
        TotpRequirement.objects.filter(user__in=[boss, worker]).delete()
    before = {u.pk: _state(u) for u in (boss, worker)}
    extra = {"post": "yes"} if action == "reset_totp" else {}
    response = _act(manager_client, action, [boss, worker], **extra)
    assert response.status_code == 200
    html = response.content.decode()
    assert REFUSAL in html and "boss" in html
    assert {u.pk: _state(u) for u in (boss, worker)} == before
    assert received == [] and not LogEntry.objects.exists()


def test_reset_confirmation_page_is_not_offered_for_a_superuser(manager_client, boss, received):
    response = _act(manager_client, "reset_totp", [boss])
    html = response.content.decode()
    assert REFUSAL in html and "Yes, reset" not in html
    _assert_untouched(received, boss)


def test_bulk_actions_still_work_on_ordinary_users(manager_client, worker, received):
    _act(manager_client, "unlock_totp", [worker])
    _act(manager_client, "unrequire_totp", [worker])
    _act(manager_client, "reset_totp", [worker], post="yes")
    assert _state(worker) == (False, None, None, False)
    assert received == [("totp_unlocked", worker.pk), ("totp_requirement_removed", worker.pk), ("totp_disabled", worker.pk)]


def test_a_superuser_manages_a_superusers_2fa(root_client, boss, received):
    _act(root_client, "unlock_totp", [boss])
    _act(root_client, "unrequire_totp", [boss])
    _act(root_client, "reset_totp", [boss], post="yes")
    assert _state(boss) == (False, None, None, False)
    assert [name for name, _ in received] == ["totp_unlocked", "totp_requirement_removed", "totp_disabled"]


# User admin: per-user page ------------------------------------------------------------


def test_per_user_page_of_a_superuser_shows_status_but_no_buttons(manager_client, boss):
    page = manager_client.get(reverse("admin:auth_user_totp", args=[boss.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert REFUSAL in html and "locked" in html
    assert 'name="operation"' not in html


@pytest.mark.parametrize("operation", ["require", "unrequire", "reset", "unlock"])
def test_per_user_page_refuses_every_operation_on_a_superuser(manager_client, boss, received, operation):
    url = reverse("admin:auth_user_totp", args=[boss.pk])
    if operation == "require":
        TotpRequirement.objects.filter(user=boss).delete()
    before = _state(boss)
    response = manager_client.post(url, {"operation": operation}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert REFUSAL in response.content.decode()
    assert _state(boss) == before
    assert received == [] and not LogEntry.objects.exists()


def test_per_user_page_of_a_superuser_works_for_a_superuser(root_client, boss, received):
    url = reverse("admin:auth_user_totp", args=[boss.pk])
    assert 'name="operation"' in root_client.get(url).content.decode()
    root_client.post(url, {"operation": "unlock"})
    assert SecondFactorState.objects.get(user=boss).failed_attempts == 0
    assert received == [("totp_unlocked", boss.pk)]


# The device and requirement admins ------------------------------------------------------


def test_device_unlock_action_refuses_a_superusers_device(manager_client, boss, worker, received):
    devices = Totp.objects.filter(user__in=[boss, worker])
    response = manager_client.post(
        reverse("admin:django_totp_native_totp_changelist"),
        {"action": "unlock", "_selected_action": [d.pk for d in devices]},
        follow=True,
    )
    assert REFUSAL in response.content.decode()
    _assert_untouched(received, boss, worker)


def test_deleting_a_superusers_device_is_refused(manager_client, boss, received):
    device = Totp.objects.get(user=boss)
    url = reverse("admin:django_totp_native_totp_delete", args=[device.pk])
    for method in (manager_client.get, manager_client.post):
        response = method(url, {"post": "yes"} if method == manager_client.post else {}, follow=True)
        assert response.status_code == 200 and REFUSAL in response.content.decode()
    _assert_untouched(received, boss)


def test_bulk_deleting_a_superusers_device_is_refused(manager_client, boss, worker, received):
    devices = Totp.objects.filter(user__in=[boss, worker])
    for extra in ({}, {"post": "yes"}):
        response = manager_client.post(
            reverse("admin:django_totp_native_totp_changelist"),
            {"action": "delete_selected", "_selected_action": [d.pk for d in devices], **extra},
            follow=True,
        )
        assert REFUSAL in response.content.decode()
    _assert_untouched(received, boss, worker)


def test_deleting_a_superusers_requirement_is_refused(manager_client, boss, worker, received):
    requirement = TotpRequirement.objects.get(user=boss)
    url = reverse("admin:django_totp_native_totprequirement_delete", args=[requirement.pk])
    response = manager_client.post(url, {"post": "yes"}, follow=True)
    assert REFUSAL in response.content.decode()
    response = manager_client.post(
        reverse("admin:django_totp_native_totprequirement_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": list(TotpRequirement.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
        follow=True,
    )
    assert REFUSAL in response.content.decode()
    _assert_untouched(received, boss, worker)


def test_deleting_an_ordinary_users_device_still_resets_it(manager_client, worker, received):
    device = Totp.objects.get(user=worker)
    manager_client.post(reverse("admin:django_totp_native_totp_delete", args=[device.pk]), {"post": "yes"})
    assert not Totp.objects.filter(user=worker).exists()
    assert received == [("totp_disabled", worker.pk)]
