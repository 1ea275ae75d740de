"""Command-line recovery: totp_status, totp_reset, totp_unlock and totp_require.

Each change is made through the same service function as the admin's actions, so it
sends the same signal and writes the same log line; nothing prints a secret.
"""

import io
import logging

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError

from django_totp_native import signals
from django_totp_native.models import BackupCode, SecondFactorState, Totp, TotpRequirement
from django_totp_native.services import devices

from .conftest import enroll

pytestmark = pytest.mark.django_db

SIGNALS = ["totp_required", "totp_requirement_removed", "totp_disabled", "totp_unlocked"]


@pytest.fixture(autouse=True)
def _max_failures(settings):
    settings.TOTP_MAX_FAILURES = 5


@pytest.fixture
def received():
    """Signals sent during the test: (signal name, sender, request, user pk)."""
    log = []
    receivers = []
    for name in SIGNALS:

        def receiver(sender, request=None, user=None, _name=name, **kwargs):
            log.append((_name, sender, request, user.pk))

        getattr(signals, name).connect(receiver, weak=False)
        receivers.append((name, receiver))
    yield log
    for name, receiver in receivers:
        getattr(signals, name).disconnect(receiver)


@pytest.fixture
def logged(caplog):
    caplog.set_level(logging.INFO, logger="django_totp_native")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "django_totp_native"]


class Terminal(io.StringIO):
    """Standard input typed at a terminal."""

    def isatty(self):
        return True


def run(name, *args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command(name, *args, stdout=out, stderr=err, **options)
    return out.getvalue()


def _command_class(name):
    from importlib import import_module

    return import_module(f"django_totp_native.management.commands.{name}").Command


def _secrets(enrolled):
    device = Totp.objects.get(user=enrolled.user)
    values = [device.secret_key, device.secret_key[10:40], enrolled.secret, enrolled.secret[:12], enrolled.code()]
    values += list(BackupCode.objects.filter(totp=device).values_list("digest", flat=True))
    values += enrolled.backup_codes + [c.replace("-", "") for c in enrolled.backup_codes]
    return values


# totp_status ----------------------------------------------------------------------------


@pytest.fixture
def population(make_user):
    enrolled = enroll(make_user("secure"))
    assert devices.verify_backup(enrolled.user, enrolled.backup_codes[0])
    devices.start_enrollment(make_user("halfway"))
    locked = enroll(make_user("hammered"))
    SecondFactorState.objects.filter(user=locked.user).update(failed_attempts=5)
    TotpRequirement.objects.create(user=make_user("ordered"))
    make_user("plain")
    return enrolled


def _lines(output):
    return {line.split()[0]: line for line in output.splitlines()[1:]}


def test_status_lists_every_user_with_2fa_and_no_one_else(population):
    output = run("totp_status")
    header = output.splitlines()[0]
    assert header.split()[:2] == ["user", "2FA"] and "backup codes left" in header
    lines = _lines(output)
    assert set(lines) == {"halfway", "hammered", "ordered", "secure"}
    assert lines["secure"].split()[1:3] == ["enabled", "9"]
    assert lines["halfway"].split()[1] == "pending"
    assert lines["hammered"].split()[-2:] == ["yes", "no"]  # locked, not required
    assert lines["ordered"].endswith("yes, not enrolled")
    assert "never" in lines["ordered"]


def test_status_all_includes_users_without_2fa(population):
    lines = _lines(run("totp_status", "--all"))
    assert lines["plain"].split()[1:3] == ["none", "-"]


def test_status_of_named_users_in_the_order_given(population):
    output = run("totp_status", "plain", "secure")
    assert [line.split()[0] for line in output.splitlines()[1:]] == ["plain", "secure"]


def test_status_when_nobody_has_2fa(make_user):
    make_user("plain")
    assert "No user has two-factor authentication" in run("totp_status")


def test_status_never_prints_a_secret_or_code(population):
    output = run("totp_status", "--all") + run("totp_status", "secure", "-v", "3")
    for value in _secrets(population):
        assert value not in output


def test_status_of_an_unknown_user_names_it_and_prints_nothing_else(population):
    with pytest.raises(CommandError, match=r"No user with username 'ghost', 'nobody'\..*totp_status"):
        run("totp_status", "secure", "ghost", "nobody")


# Unknown users: a clear message, no traceback ---------------------------------------------


@pytest.mark.parametrize(
    "argv", [["totp_status", "ghost"], ["totp_reset", "ghost", "--yes"], ["totp_unlock", "ghost"], ["totp_require", "ghost"]]
)
def test_unknown_user_is_a_one_line_error_without_traceback(capsys, argv):
    command = _command_class(argv[0])()
    with pytest.raises(SystemExit) as exit_info:
        command.run_from_argv(["manage.py", *argv])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("CommandError: No user with username 'ghost'.")
    assert "Traceback" not in err


# totp_reset -------------------------------------------------------------------------------


def test_reset_with_yes_removes_device_and_backup_codes(enrolled, received, logged):
    output = run("totp_reset", "alice", "--yes")
    assert "was reset" in output
    assert not Totp.objects.filter(user=enrolled.user).exists()
    assert not BackupCode.objects.filter(totp__user=enrolled.user).exists()
    assert received == [("totp_disabled", _command_class("totp_reset"), None, enrolled.user.pk)]
    assert logged() == [
        f"Reset two-factor authentication: device and backup codes removed. User id {enrolled.user.pk}, "
        "from the command line."
    ]


def test_reset_asks_and_resets_on_yes(enrolled, received):
    output = run("totp_reset", "alice", stdin=Terminal("yes\n"))
    assert "Reset the two-factor authentication of 'alice' (enabled, 10 backup codes left)?" in output
    assert "Type 'yes' to reset:" in output and "was reset" in output
    assert not Totp.objects.filter(user=enrolled.user).exists()
    assert [name for name, *_ in received] == ["totp_disabled"]


@pytest.mark.parametrize("answer", ["no\n", "\n", "", "y es\n"])
def test_reset_asks_and_any_other_answer_changes_nothing(enrolled, received, logged, answer):
    output = run("totp_reset", "alice", stdin=Terminal(answer))
    assert "Reset cancelled: nothing changed." in output
    assert BackupCode.objects.filter(totp__user=enrolled.user, is_used=False).count() == 10
    assert received == [] and logged() == []


def test_reset_without_yes_and_without_a_terminal_is_refused(enrolled, received):
    with pytest.raises(CommandError, match="no terminal to ask on.*--yes"):
        run("totp_reset", "alice", stdin=io.StringIO("yes\n"))
    assert Totp.objects.filter(user=enrolled.user).exists()
    assert received == []


def test_reset_of_a_pending_device_says_so_in_the_prompt(user, received):
    devices.start_enrollment(user)
    output = run("totp_reset", "alice", stdin=Terminal("yes\n"))
    assert "(being set up)?" in output
    assert not Totp.objects.filter(user=user).exists()


def test_reset_without_a_device_changes_nothing_and_asks_nothing(user, received, logged):
    output = run("totp_reset", "alice", stdin=io.StringIO(""))
    assert "no two-factor device: nothing to reset" in output
    assert received == [] and logged() == []


def test_reset_keeps_the_requirement_and_says_so(enrolled):
    TotpRequirement.objects.create(user=enrolled.user)
    output = run("totp_reset", "alice", "--yes")
    assert "still required" in output
    assert TotpRequirement.objects.filter(user=enrolled.user).exists()


def test_reset_output_and_log_hold_no_secret(enrolled, logged):
    values = _secrets(enrolled)
    output = run("totp_reset", "alice", stdin=Terminal("yes\n"))
    for value in values:
        assert value not in output and all(value not in line for line in logged())


# totp_unlock --------------------------------------------------------------------------------


def test_unlock_clears_failed_attempts_and_lets_the_user_verify(enrolled, received, logged):
    SecondFactorState.objects.filter(user=enrolled.user).update(failed_attempts=5)
    with pytest.raises(devices.LockedOut):
        devices.verify_totp(enrolled.user, enrolled.code())
    assert "Unlocked" in run("totp_unlock", "alice")
    state = SecondFactorState.objects.get(user=enrolled.user)
    assert state.failed_attempts == 0 and state.next_attempt_at is None
    assert received == [("totp_unlocked", _command_class("totp_unlock"), None, enrolled.user.pk)]
    assert logged() == [
        "Unlocked two-factor authentication: failed attempts and backoff cleared. "
        f"User id {enrolled.user.pk}, from the command line."
    ]
    assert devices.verify_totp(enrolled.user, enrolled.code())


def test_unlock_of_a_user_who_is_not_locked_changes_nothing(enrolled, received, logged):
    assert "was not locked: nothing changed" in run("totp_unlock", "alice")
    assert received == [] and logged() == []


# totp_require -------------------------------------------------------------------------------


def test_require_and_require_off(user, received, logged):
    assert "now required for 'alice': they will have to enroll" in run("totp_require", "alice")
    requirement = TotpRequirement.objects.get(user=user)
    assert requirement.required_by is None
    assert "already required" in run("totp_require", "alice")
    assert "no longer required" in run("totp_require", "alice", "--off")
    assert not TotpRequirement.objects.filter(user=user).exists()
    assert "was not required" in run("totp_require", "alice", "--off")
    command = _command_class("totp_require")
    assert received == [("totp_required", command, None, user.pk), ("totp_requirement_removed", command, None, user.pk)]
    assert logged() == [
        f"Required two-factor authentication. User id {user.pk}, from the command line.",
        f"Stopped requiring two-factor authentication. User id {user.pk}, from the command line.",
    ]


def test_require_for_an_enrolled_user(enrolled):
    assert "they already use it" in run("totp_require", "alice")


# The admin and the command line share one path ------------------------------------------------


@pytest.mark.parametrize(
    "admin_action, command_args",
    [
        ("require_totp", ["totp_require", "target"]),
        ("unrequire_totp", ["totp_require", "target", "--off"]),
        ("reset_totp", ["totp_reset", "target", "--yes"]),
        ("unlock_totp", ["totp_unlock", "target"]),
    ],
)
def test_command_sends_the_same_signal_and_log_line_as_the_admin_action(
    client, make_user, received, logged, admin_action, command_args
):
    def target_in_state():
        user = make_user("target")
        enroll(user)
        SecondFactorState.objects.filter(user=user).update(failed_attempts=5)
        if admin_action == "unrequire_totp":
            TotpRequirement.objects.create(user=user)
        return user

    manager = make_user("manager", is_staff=True)
    manager.user_permissions.add(
        *Permission.objects.filter(codename__in=["manage_user_totp", "view_user", "change_user"])
    )
    client.force_login(manager)
    target = target_in_state()
    data = {"action": admin_action, "_selected_action": [target.pk], "post": "yes"}
    assert client.post("/admin/auth/user/", data).status_code == 302
    admin_signals, admin_log = [name for name, *_ in received], logged()
    assert len(admin_signals) == 1 and len(admin_log) == 1
    assert admin_log[0].endswith(f"User id {target.pk}, by staff user id {manager.pk} in the admin.")

    target.delete()
    received.clear()
    target = target_in_state()
    before = len(logged())
    run(*command_args)
    assert [name for name, *_ in received] == admin_signals
    command_log = logged()[before:]
    assert len(command_log) == 1
    assert command_log[0].split(" User id ")[0] == admin_log[0].split(" User id ")[0]
    assert command_log[0].endswith(f"User id {target.pk}, from the command line.")
