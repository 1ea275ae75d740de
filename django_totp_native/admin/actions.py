"""The administrator operations on users' 2FA, each logged (LogEntry) and signalled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

from .. import signals
from ..services import management


@dataclass(frozen=True)
class Operation:
    run: Callable  # (user, request) -> bool: True when something changed
    signal: Signal
    log_message: str  # stored in the admin log, in English like Django's own entries
    done: str  # "%(count)d user(s) ...", shown to the administrator
    unchanged: str


OPERATIONS = {
    "require": Operation(
        run=lambda user, request: management.require(user, by=request.user),
        signal=signals.totp_required,
        log_message="Required two-factor authentication.",
        done=_("Two-factor authentication is now required for %(count)d user(s)."),
        unchanged=_("%(count)d user(s) were already required to use two-factor authentication."),
    ),
    "unrequire": Operation(
        run=lambda user, request: management.unrequire(user),
        signal=signals.totp_requirement_removed,
        log_message="Stopped requiring two-factor authentication.",
        done=_("Two-factor authentication is no longer required for %(count)d user(s)."),
        unchanged=_("%(count)d user(s) were not required to use two-factor authentication."),
    ),
    "reset": Operation(
        run=lambda user, request: management.reset(user),
        signal=signals.totp_disabled,
        log_message="Reset two-factor authentication: device and backup codes removed.",
        done=_("Two-factor authentication was reset for %(count)d user(s)."),
        unchanged=_("%(count)d user(s) had no two-factor device to reset."),
    ),
    "unlock": Operation(
        run=lambda user, request: management.unlock(user),
        signal=signals.totp_unlocked,
        log_message="Unlocked two-factor authentication: failed attempts and backoff cleared.",
        done=_("Two-factor authentication was unlocked for %(count)d user(s)."),
        unchanged=_("%(count)d user(s) were not locked."),
    ),
}


def run_user_operation(modeladmin, request, users, name: str) -> int:
    """Apply one operation to each user; log and signal every actual change.

    Returns how many users changed. Raises PermissionDenied without the permission, so
    a forged POST is refused even when the action or button was never shown.
    """
    if not management.can_manage(request.user):
        raise PermissionDenied
    operation = OPERATIONS[name]
    changed = unchanged = 0
    for user in users:
        if operation.run(user, request):
            changed += 1
            modeladmin.log_change(request, user, operation.log_message)
            operation.signal.send_robust(sender=type(modeladmin), request=request, user=user)
        else:
            unchanged += 1
    if changed:
        modeladmin.message_user(request, operation.done % {"count": changed}, messages.SUCCESS)
    if unchanged:
        modeladmin.message_user(request, operation.unchanged % {"count": unchanged}, messages.WARNING)
    return changed


class ReadOnlyAdminMixin:
    """Rows are never added or edited by hand, only through the services.

    Deleting keeps Django's delete permission: deleting a user cascades to these rows,
    and the admin refuses that cascade to anyone who may not delete them.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
