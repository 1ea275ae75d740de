"""Only a superuser may manage a superuser's 2FA: every admin path, per user and in bulk.

A staff member holding every permission of the app (``manage_user_totp`` and add,
change, delete and view on every 2FA model) but not superuser status tries to reset,
unlock, require and stop requiring a superuser's 2FA through the user actions and the
per-user page, and to change or delete a superuser's rows through every 2FA model admin:
its change form, its delete view and every action its changelist offers (issue 18 item 6:
the backup-code changelist deleted a superuser's codes). Each attempt is refused, and
nothing changes: no row, no signal, no admin log entry.
"""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import path, reverse

from django_totp_native import signals
from django_totp_native.admin import BackupCodeAdmin
from django_totp_native.models import BackupCode, SecondFactorState, Totp, TotpRequirement

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
    """Staff with every permission of the app (add, change, delete and view on every 2FA
    model, and ``manage_user_totp``) and of the User admin, but not a superuser."""
    staff = make_user("manager", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="django_totp_native"),
        *Permission.objects.filter(content_type__app_label="auth", codename__in=["view_user", "change_user"]),
    )
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


# Every admin of a 2FA model: change form, delete view, every action --------------------

#: The rows of each 2FA model that belong to the given users.
ROWS_OF = {
    Totp: lambda users: Totp.objects.filter(user__in=users),
    BackupCode: lambda users: BackupCode.objects.filter(totp__user__in=users),
    TotpRequirement: lambda users: TotpRequirement.objects.filter(user__in=users),
    SecondFactorState: lambda users: SecondFactorState.objects.filter(user__in=users),
}


def _app_admins():
    return {
        model: model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == "django_totp_native"
    }


def _url(model, view, *args):
    return reverse(f"admin:django_totp_native_{model._meta.model_name}_{view}", args=args)


def _offered_actions(client, model) -> list[str]:
    page = client.get(_url(model, "changelist")).content.decode()
    select = re.search(r'<select name="action".*?</select>', page, re.S)
    return [name for name in re.findall(r'<option value="([^"]+)"', select.group(0)) if name]


def test_every_2fa_model_admin_is_under_test():
    # A 2FA model registered in the admin without a row here is an admin nobody tried.
    assert set(_app_admins()) <= set(ROWS_OF)
    assert {Totp, BackupCode, TotpRequirement} <= set(_app_admins())


ADMINED = pytest.mark.parametrize(
    "model", sorted(_app_admins(), key=lambda m: m._meta.model_name), ids=lambda m: m.__name__
)


@ADMINED
def test_every_action_offered_is_refused_for_a_superusers_rows(manager_client, boss, worker, received, model):
    actions = _offered_actions(manager_client, model)
    assert "delete_selected" in actions  # the staff member holds the delete permission
    selected = list(ROWS_OF[model]([boss, worker]).values_list("pk", flat=True))
    for action in actions:
        for extra in ({}, {"post": "yes"}):  # the action, and its confirmation where it has one
            response = manager_client.post(
                _url(model, "changelist"),
                {"action": action, "_selected_action": selected, **extra},
                follow=True,
            )
            assert response.status_code == 200, action
            assert REFUSAL in response.content.decode() and "boss" in response.content.decode(), action
    _assert_untouched(received, boss, worker)


@ADMINED
def test_the_delete_view_of_a_superusers_row_is_refused(manager_client, boss, received, model):
    row = ROWS_OF[model]([boss]).first()
    for data in ({}, {"post": "yes"}):
        response = manager_client.post(_url(model, "delete", row.pk), data, follow=True)
        assert response.status_code == 200 and REFUSAL in response.content.decode()
    _assert_untouched(received, boss)


@ADMINED
def test_the_change_form_of_a_superusers_row_changes_nothing(manager_client, boss, received, model):
    row = ROWS_OF[model]([boss]).first()
    page = manager_client.get(_url(model, "change", row.pk))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # shown read-only
    forged = {"user": boss.pk, "is_used": "on", "failed_attempts": 0, "_save": "Save"}
    assert manager_client.post(_url(model, "change", row.pk), forged).status_code == 403
    assert manager_client.post(_url(model, "add"), forged).status_code == 403
    _assert_untouched(received, boss)


@ADMINED
def test_an_ordinary_users_rows_are_still_deleted_in_bulk(manager_client, boss, worker, received, model):
    selected = list(ROWS_OF[model]([worker]).values_list("pk", flat=True))
    response = manager_client.post(
        _url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": selected, "post": "yes"},
        follow=True,
    )
    assert REFUSAL not in response.content.decode()
    assert not ROWS_OF[model]([worker]).exists()
    assert _state(boss) == UNCHANGED


def test_a_superuser_deletes_a_superusers_backup_codes(root_client, boss):
    selected = list(ROWS_OF[BackupCode]([boss]).values_list("pk", flat=True))
    root_client.post(
        _url(BackupCode, "changelist"),
        {"action": "delete_selected", "_selected_action": selected, "post": "yes"},
    )
    assert _state(boss) == (True, 5, 0, True)


# An action the rule does not know of --------------------------------------------------


class BackupCodeAdminWithAnAction(BackupCodeAdmin):
    """A project's subclass with an action of its own, on a site of its own."""

    actions = ["mark_used"]

    @admin.action(description="Mark as used", permissions=["delete"])
    def mark_used(self, request, queryset):
        queryset.update(is_used=True)


probe_site = admin.AdminSite(name="probe")
probe_site.register(BackupCode, BackupCodeAdminWithAnAction)
urlpatterns = [path("probe/", probe_site.urls)]


@pytest.mark.urls(__name__)
def test_an_action_added_to_a_2fa_admin_is_refused_for_a_superusers_rows(manager_client, boss, worker, received):
    changelist = reverse("probe:django_totp_native_backupcode_changelist")

    def mark_used(*users):
        selected = list(ROWS_OF[BackupCode](users).values_list("pk", flat=True))
        return manager_client.post(changelist, {"action": "mark_used", "_selected_action": selected}, follow=True)

    assert REFUSAL in mark_used(boss, worker).content.decode()
    assert not BackupCode.objects.filter(is_used=True).exists()
    mark_used(worker)
    assert set(BackupCode.objects.filter(is_used=True).values_list("totp__user", flat=True)) == {worker.pk}
