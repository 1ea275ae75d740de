"""2FA management from the User admin: status column and filter, actions, per-user page."""

import re
import time

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from django_totp_native import signals
from django_totp_native.models import BackupCode, SecondFactorState, Totp, TotpRequirement
from django_totp_native.services import devices

from .conftest import enroll

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/auth/user/"


@pytest.fixture
def manager(make_user):
    staff = make_user("manager", is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(codename="manage_user_totp"),
        Permission.objects.get(codename="view_user"),
        Permission.objects.get(codename="change_user"),
    )
    return staff


@pytest.fixture
def viewer(make_user):
    """Staff who may see and edit users but not manage their 2FA."""
    staff = make_user("viewer", is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(codename="view_user"), Permission.objects.get(codename="change_user")
    )
    return staff


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def population(make_user, settings):
    """One user in each state: none, pending, enabled, locked, required-but-not-enrolled."""
    none = make_user("plain")
    pending = make_user("halfway")
    devices.start_enrollment(pending)
    enabled = enroll(make_user("secure"))
    locked = enroll(make_user("hammered"))
    SecondFactorState.objects.filter(user=locked.user).update(failed_attempts=settings.TOTP_MAX_FAILURES)
    required = make_user("ordered")
    TotpRequirement.objects.create(user=required)
    return {"none": none, "pending": pending, "enabled": enabled.user, "locked": locked.user, "required": required}


@pytest.fixture(autouse=True)
def _max_failures(settings):
    settings.TOTP_MAX_FAILURES = 5


@pytest.fixture
def received():
    """Signals sent during the test: (signal name, user)."""
    log = []
    names = ["totp_required", "totp_requirement_removed", "totp_disabled", "totp_unlocked"]
    receivers = []
    for name in names:

        def receiver(sender, request=None, user=None, _name=name, **kwargs):
            log.append((_name, user.pk))

        getattr(signals, name).connect(receiver, weak=False)
        receivers.append((name, receiver))
    yield log
    for name, receiver in receivers:
        getattr(signals, name).disconnect(receiver)


def _row(html: str, username: str) -> str:
    rows = re.findall(r"<tr>.*?</tr>", html, flags=re.S)
    matching = [r for r in rows if f">{username}</a>" in r]
    assert len(matching) == 1, f"no single row for {username}"
    return matching[0]


def _usernames(response) -> set:
    return set(re.findall(r'class="field-username"><a href="[^"]*">([^<]+)</a>', response.content.decode()))


# Status column and filter ----------------------------------------------------------


def test_status_column_shows_state_backup_codes_last_use_lock_and_requirement(manager_client, population):
    devices.verify_backup(population["enabled"], "not-a-code-at-all")  # a failure, not a use
    html = manager_client.get(CHANGELIST).content.decode()
    assert "field-totp_status" in html
    plain = _row(html, "plain")
    assert "none" in plain and "backup codes" not in plain and "last used" not in plain
    assert "pending" in _row(html, "halfway")
    secure = _row(html, "secure")
    assert "enabled" in secure and "10 backup codes left" in secure and "last used" in secure
    assert "locked" not in secure
    assert "locked" in _row(html, "hammered")
    ordered = _row(html, "ordered")
    assert "none" in ordered and "required" in ordered


def test_status_column_says_how_long_ago_while_the_user_page_gives_the_date(manager_client, make_user):
    enrolled = enroll(make_user("earlier"))
    three_hours_ago = int(time.time()) // 30 - 3 * 120
    Totp.objects.filter(user=enrolled.user).update(last_used_step=three_hours_ago)
    html = manager_client.get(CHANGELIST).content.decode()
    assert "last used 3\xa0hours ago" in _row(html, "earlier")
    page = manager_client.get(reverse("admin:auth_user_change", args=[enrolled.user.pk])).content.decode()
    assert "hours ago" not in page and "last used " in page


def test_backup_codes_left_counts_down(manager_client, make_user):
    enrolled = enroll(make_user("counter"))
    assert devices.verify_backup(enrolled.user, enrolled.backup_codes[0])
    html = manager_client.get(CHANGELIST).content.decode()
    assert "9 backup codes left" in _row(html, "counter")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("none", {"plain", "ordered", "manager"}),
        ("pending", {"halfway"}),
        ("enabled", {"secure", "hammered"}),
        ("locked", {"hammered"}),
        ("required_not_enrolled", {"ordered"}),
    ],
)
def test_status_filter(manager_client, population, value, expected):
    response = manager_client.get(CHANGELIST, {"totp_status": value})
    assert response.status_code == 200
    assert _usernames(response) == expected


def test_changelist_query_count_does_not_grow_with_users(manager_client, make_user):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert manager_client.get(CHANGELIST).status_code == 200
        return len(queries)

    enroll(make_user("first"))
    few = count_queries()
    for n in range(6):
        enrolled = enroll(make_user(f"more{n}"))
        devices.verify_backup(enrolled.user, enrolled.backup_codes[0])
        TotpRequirement.objects.create(user=make_user(f"req{n}"))
    assert count_queries() == few


def test_change_form_shows_status_and_manage_link(manager_client, population):
    user = population["enabled"]
    html = manager_client.get(reverse("admin:auth_user_change", args=[user.pk])).content.decode()
    assert "Two-factor authentication" in html and "10 backup codes left" in html
    assert reverse("admin:auth_user_totp", args=[user.pk]) in html


def test_change_form_without_permission_has_no_manage_link(viewer_client, population):
    user = population["enabled"]
    html = viewer_client.get(reverse("admin:auth_user_change", args=[user.pk])).content.decode()
    assert "10 backup codes left" in html
    assert reverse("admin:auth_user_totp", args=[user.pk]) not in html


# Bulk actions ------------------------------------------------------------------------


def _act(client, action, users, **extra):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [u.pk for u in users], **extra})


def _log_messages(user):
    return list(LogEntry.objects.filter(object_id=str(user.pk)).values_list("change_message", flat=True))


def test_bulk_require(manager_client, manager, population, received):
    targets = [population["none"], population["enabled"]]
    response = _act(manager_client, "require_totp", targets)
    assert response.status_code == 302
    assert set(TotpRequirement.objects.values_list("user_id", flat=True)) == {
        population["required"].pk,
        *[u.pk for u in targets],
    }
    assert TotpRequirement.objects.get(user=population["none"]).required_by == manager
    for user in targets:
        assert _log_messages(user) == ["Required two-factor authentication."]
    assert sorted(received) == sorted(("totp_required", u.pk) for u in targets)


def test_require_twice_changes_nothing_the_second_time(manager_client, population, received):
    _act(manager_client, "require_totp", [population["required"]])
    assert received == [] and _log_messages(population["required"]) == []


def test_bulk_unrequire(manager_client, population, received):
    _act(manager_client, "unrequire_totp", [population["required"], population["none"]])
    assert not TotpRequirement.objects.exists()
    assert received == [("totp_requirement_removed", population["required"].pk)]
    assert _log_messages(population["none"]) == []


def test_bulk_reset_asks_for_confirmation_then_removes_devices(manager_client, population, received):
    targets = [population["enabled"], population["pending"], population["none"]]
    page = _act(manager_client, "reset_totp", targets)
    assert page.status_code == 200 and b"Yes, reset" in page.content
    assert Totp.objects.filter(user__in=targets).count() == 2  # nothing happened yet

    response = _act(manager_client, "reset_totp", targets, post="yes")
    assert response.status_code == 302
    assert not Totp.objects.filter(user__in=targets).exists()
    assert not BackupCode.objects.filter(totp__user=population["enabled"]).exists()
    assert Totp.objects.filter(user=population["locked"]).exists()
    assert sorted(received) == sorted(
        [("totp_disabled", population["enabled"].pk), ("totp_disabled", population["pending"].pk)]
    )
    assert _log_messages(population["enabled"]) == [
        "Reset two-factor authentication: device and backup codes removed."
    ]
    assert _log_messages(population["none"]) == []


def test_bulk_unlock(manager_client, population, received, settings):
    locked = population["locked"]
    _act(manager_client, "unlock_totp", [locked, population["enabled"]])
    state = SecondFactorState.objects.get(user=locked)
    assert state.failed_attempts == 0 and state.next_attempt_at is None
    assert received == [("totp_unlocked", locked.pk)]
    assert _log_messages(locked) == ["Unlocked two-factor authentication: failed attempts and backoff cleared."]


def test_unlocked_user_can_verify_again(manager_client, make_user):
    enrolled = enroll(make_user("again"))
    SecondFactorState.objects.filter(user=enrolled.user).update(failed_attempts=5)
    with pytest.raises(devices.LockedOut):
        devices.verify_totp(enrolled.user, enrolled.code())
    _act(manager_client, "unlock_totp", [enrolled.user])
    assert devices.verify_totp(enrolled.user, enrolled.code())


@pytest.mark.parametrize("action", ["require_totp", "unrequire_totp", "reset_totp", "unlock_totp"])
def test_actions_need_the_permission(viewer_client, population, received, action):
    changelist = viewer_client.get(CHANGELIST).content.decode()
    assert f'value="{action}"' not in changelist
    before = (Totp.objects.count(), TotpRequirement.objects.count())
    targets = list(population.values())
    response = _act(viewer_client, action, targets, post="yes")
    assert response.status_code in (200, 302)  # Django: "No action selected."
    assert (Totp.objects.count(), TotpRequirement.objects.count()) == before
    assert SecondFactorState.objects.get(user=population["locked"]).failed_attempts == 5
    assert received == [] and not LogEntry.objects.exists()


def test_manager_sees_the_actions(manager_client):
    html = manager_client.get(CHANGELIST).content.decode()
    for action in ["require_totp", "unrequire_totp", "reset_totp", "unlock_totp"]:
        assert f'value="{action}"' in html


# Per-user page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation, signal_name, check",
    [
        ("require", "totp_required", lambda u: TotpRequirement.objects.filter(user=u).exists()),
        ("reset", "totp_disabled", lambda u: not Totp.objects.filter(user=u).exists()),
        ("unlock", "totp_unlocked", lambda u: SecondFactorState.objects.get(user=u).failed_attempts == 0),
    ],
)
def test_per_user_operations(manager_client, population, received, operation, signal_name, check):
    user = population["locked"]
    url = reverse("admin:auth_user_totp", args=[user.pk])
    page = manager_client.get(url)
    assert page.status_code == 200 and b"locked" in page.content
    response = manager_client.post(url, {"operation": operation})
    assert response.status_code == 302 and response["Location"] == url
    assert check(user)
    assert received == [(signal_name, user.pk)]
    assert len(_log_messages(user)) == 1


def test_per_user_unrequire(manager_client, population, received):
    user = population["required"]
    url = reverse("admin:auth_user_totp", args=[user.pk])
    assert b"Stop requiring" in manager_client.get(url).content
    manager_client.post(url, {"operation": "unrequire"})
    assert not TotpRequirement.objects.filter(user=user).exists()
    assert received == [("totp_requirement_removed", user.pk)]


def test_per_user_page_needs_the_permission(viewer_client, population, received):
    user = population["locked"]
    url = reverse("admin:auth_user_totp", args=[user.pk])
    assert viewer_client.get(url).status_code == 403
    for operation in ["require", "reset", "unlock", "unrequire"]:
        assert viewer_client.post(url, {"operation": operation}).status_code == 403
    assert SecondFactorState.objects.get(user=user).failed_attempts == 5
    assert received == [] and not LogEntry.objects.exists()


def test_per_user_page_is_admin_only(client, population):
    url = reverse("admin:auth_user_totp", args=[population["locked"].pk])
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_per_user_page_rejects_unknown_operations_and_users(manager_client, population):
    url = reverse("admin:auth_user_totp", args=[population["locked"].pk])
    assert manager_client.post(url, {"operation": "delete"}).status_code == 403
    assert manager_client.get(reverse("admin:auth_user_totp", args=[999999])).status_code == 404


def test_per_user_page_shows_no_secret(manager_client, population):
    user = population["enabled"]
    device = Totp.objects.get(user=user)
    html = manager_client.get(reverse("admin:auth_user_totp", args=[user.pk])).content.decode()
    assert device.secret_key not in html and device.secret_key[:10] not in html
    for digest in BackupCode.objects.filter(totp=device).values_list("digest", flat=True):
        assert digest[:12] not in html


# Registration -------------------------------------------------------------------------


def test_default_user_admin_is_patched_and_own_user_admins_are_left_alone(django_user_model):
    from django.contrib import admin
    from django.contrib.auth.admin import UserAdmin

    from django_totp_native.admin import UserTotpAdminMixin, patch_default_user_admin

    assert isinstance(admin.site._registry[django_user_model], UserTotpAdminMixin)

    stock = admin.AdminSite(name="stock")
    stock.register(django_user_model, UserAdmin)
    assert patch_default_user_admin(stock) is True
    assert isinstance(stock._registry[django_user_model], UserTotpAdminMixin)
    assert isinstance(stock._registry[django_user_model], UserAdmin)

    class ProjectUserAdmin(UserAdmin):
        list_display = ("username", "email")

    own = admin.AdminSite(name="own")
    own.register(django_user_model, ProjectUserAdmin)
    assert patch_default_user_admin(own) is False
    assert type(own._registry[django_user_model]) is ProjectUserAdmin


def test_mixin_keeps_the_project_admins_columns_filters_and_actions(rf, manager, django_user_model):
    from django.contrib import admin
    from django.contrib.auth.admin import UserAdmin

    from django_totp_native.admin import TotpStatusFilter, UserTotpAdminMixin

    @admin.action(description="Say hello")
    def hello(modeladmin, request, queryset):
        pass

    class ProjectUserAdmin(UserTotpAdminMixin, UserAdmin):
        list_display = ("username", "email")
        list_filter = ("is_staff",)
        actions = [hello]

    model_admin = ProjectUserAdmin(django_user_model, admin.AdminSite(name="project"))
    request = rf.get("/")
    request.user = manager
    assert model_admin.get_list_display(request) == ("username", "email", "totp_status")
    assert model_admin.get_list_filter(request) == ("is_staff", TotpStatusFilter)
    assert {"hello", "require_totp", "reset_totp", "unlock_totp"} <= set(model_admin.get_actions(request))


def test_session_verified_helpers(rf, make_user):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    from django_totp_native.services.sessions import is_session_verified, mark_session_verified

    from django_totp_native.services import management

    from .conftest import enroll

    alice, bob = make_user("alice2"), make_user("bob2")
    enroll(alice), enroll(bob)
    request = rf.get("/")
    request.session = SessionStore()
    request.user = AnonymousUser()
    assert not is_session_verified(request)
    request.user = alice
    assert not is_session_verified(request)
    mark_session_verified(request, alice)
    assert is_session_verified(request)
    request.user = bob  # another user in the same session is not verified
    assert not is_session_verified(request)
    request.user = alice  # a reset ends it, and so does enrolling again afterwards
    management.reset(alice)
    assert not is_session_verified(request)
    enroll(alice)
    assert not is_session_verified(request)


def test_deleting_users_in_the_admin_still_works(client, django_user_model, population):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    targets = [population["enabled"], population["required"]]
    response = _act(client, "delete_selected", targets, post="yes")
    assert response.status_code == 302
    assert not django_user_model.objects.filter(pk__in=[u.pk for u in targets]).exists()
    assert not Totp.objects.filter(user_id=population["enabled"].pk).exists()


def test_the_per_user_page_gives_every_date_in_one_format(manager_client, make_user):
    from datetime import datetime, timezone as dt_timezone

    from django.utils import formats, timezone

    enrolled = enroll(make_user("dated"))
    step = int(time.time()) // 30 - 3 * 120
    Totp.objects.filter(user=enrolled.user).update(last_used_step=step)
    page = manager_client.get(reverse("admin:auth_user_totp", args=[enrolled.user.pk])).content.decode()
    used = timezone.localtime(datetime.fromtimestamp(step * 30, tz=dt_timezone.utc))
    short = formats.date_format(used, "SHORT_DATETIME_FORMAT")
    long = formats.date_format(used, "DATETIME_FORMAT")
    assert page.count(short) == 2  # the status line and the "Last used" row
    assert long not in page


def test_the_2fa_column_keeps_its_width_beside_the_sidebar(manager_client, population):
    """With the navigation sidebar open at 1280 px the column shrank to ~30 px: the users
    list loads the app's style, which gives the column a minimum width and no wrapping."""
    from django.contrib.staticfiles import finders

    html = manager_client.get(CHANGELIST).content.decode()
    assert 'href="/static/django_totp_native/admin.css"' in html
    assert 'class="column-totp_status"' in html and 'class="field-totp_status"' in html
    with open(finders.find("django_totp_native/admin.css")) as handle:
        css = handle.read()
    rule = re.search(r"\.column-totp_status,\s*#changelist table td\.field-totp_status \{([^}]*)\}", css).group(1)
    assert "min-width: 10em" in rule and "white-space: nowrap" in rule
