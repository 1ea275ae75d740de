"""Administrator flows: per-user 2FA status, "require 2FA", reset and unlock."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone as dt_timezone
from typing import Callable, Iterable, Optional

from django.contrib.auth import get_user_model
from django.db import router, transaction
from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import ngettext, ngettext_lazy

from .. import signals
from ..conf import conf
from .. import models
from ..models import BackupCode, Totp, TotpRequirement
from . import devices
from .errors import NotEnrolled

logger = logging.getLogger("django_totp_native")

#: Permission (app_label.codename) a staff member needs for every flow of this module.
MANAGE_PERMISSION = "django_totp_native.manage_user_totp"

NONE, PENDING, ENABLED = "none", "pending", "enabled"
#: Filter-only values: a locked device, and users required to enroll who have not.
LOCKED, REQUIRED_NOT_ENROLLED = "locked", "required_not_enrolled"


def can_manage(user) -> bool:
    return bool(user is not None and user.is_active and user.is_staff and user.has_perm(MANAGE_PERMISSION))


def may_manage_user(actor, target, request=None) -> bool:
    """Whether ``actor`` (a staff member) may change ``target``'s 2FA.

    Only a superuser may manage a superuser's. A staff member's own 2FA, while it is on,
    may be changed only from a session verified with it (``request``): a password-only
    admin session cannot remove or replace the factor it skipped. ``actor`` None is the
    command line, where whoever runs manage.py already holds the database.
    """
    if actor is None:
        return True
    if getattr(target, "is_superuser", False) and not getattr(actor, "is_superuser", False):
        return False
    if request is not None and getattr(actor, "pk", None) == getattr(target, "pk", object()):
        from . import sessions

        proof = sessions.current_device_proof(target)
        if proof is not None and not sessions.is_session_verified(request, proof):
            return False
    return True


def protected_users(actor, users: Iterable, request=None) -> list:
    """The users among ``users`` whose 2FA ``actor`` may not change (see may_manage_user)."""
    return [user for user in users if not may_manage_user(actor, user, request)]


# Status -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TotpStatus:
    """What an administrator may see about a user's 2FA: no secret, digest or code."""

    state: str  # NONE, PENDING or ENABLED
    backup_codes_left: int
    last_used_at: Optional[datetime]
    locked: bool
    required: bool

    @property
    def must_enroll(self) -> bool:
        return self.required and self.state != ENABLED


def annotate_status(queryset: QuerySet) -> QuerySet:
    """Add the status columns to a user queryset: one query for any number of users.

    Subqueries rather than joins + GROUP BY, so the project's own annotations, ordering
    and filters on the queryset are left alone.
    """
    unused = (
        BackupCode.objects.filter(totp__user=OuterRef("pk"), is_used=False)
        .order_by()
        .values("totp__user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last_backup = (
        BackupCode.objects.filter(totp__user=OuterRef("pk"), is_used=True)
        .order_by()
        .values("totp__user")
        .annotate(at=Max("used_at"))
        .values("at")
    )
    device = Totp.objects.filter(user=OuterRef("pk"))
    return queryset.annotate(
        _totp_exists=Exists(device),
        _totp_confirmed=Exists(device.filter(confirmed_at__isnull=False)),
        _totp_failed=Subquery(
            models.SecondFactorState.objects.filter(user=OuterRef("pk")).values("failed_attempts")[:1]
        ),
        _totp_last_step=Subquery(device.values("last_used_step")[:1]),
        _totp_backup_left=Coalesce(Subquery(unused, output_field=IntegerField()), Value(0)),
        _totp_backup_last_used=Subquery(last_backup),
        _totp_required=Exists(TotpRequirement.objects.filter(user=OuterRef("pk"))),
    )


def status_of(user) -> TotpStatus:
    """Status of a user annotated by annotate_status (else one query to annotate it)."""
    if not hasattr(user, "_totp_exists"):
        user = annotate_status(get_user_model()._default_manager.filter(pk=user.pk)).get()
    state = ENABLED if user._totp_confirmed else PENDING if user._totp_exists else NONE
    last_used = user._totp_backup_last_used
    step = user._totp_last_step
    if step is not None and step >= 0:
        # The replay guard stores the accepted time step, not a timestamp; its start is
        # within one period of the moment the code was used.
        code_time = datetime.fromtimestamp(step * conf.PERIOD, tz=dt_timezone.utc)
        last_used = max(last_used, code_time) if last_used else code_time
    return TotpStatus(
        state=state,
        backup_codes_left=user._totp_backup_left or 0,
        last_used_at=last_used,
        locked=bool(user._totp_exists and (user._totp_failed or 0) >= conf.MAX_FAILURES),
        required=bool(user._totp_required),
    )


def backup_code_used_message(user) -> str:
    """What a front end tells a user who just signed in with a backup code: how many are
    left (the session pages and the admin say the same)."""
    left = status_of(user).backup_codes_left
    return ngettext(
        "You used a backup code; it cannot be used again. You have %(count)d backup code left.",
        "You used a backup code; it cannot be used again. You have %(count)d backup codes left.",
        left,
    ) % {"count": left}


def filter_by_status(queryset: QuerySet, value: str) -> QuerySet:
    """Users whose status is NONE, PENDING, ENABLED, LOCKED or REQUIRED_NOT_ENROLLED."""
    confirmed = Totp.objects.filter(user=OuterRef("pk"), confirmed_at__isnull=False)
    device = Totp.objects.filter(user=OuterRef("pk"))
    if value == NONE:
        return queryset.filter(~Exists(device))
    if value == PENDING:
        return queryset.filter(Exists(device.filter(confirmed_at__isnull=True)))
    if value == ENABLED:
        return queryset.filter(Exists(confirmed))
    if value == LOCKED:
        locked = models.SecondFactorState.objects.filter(user=OuterRef("pk"), failed_attempts__gte=conf.MAX_FAILURES)
        return queryset.filter(Exists(device) & Exists(locked))
    if value == REQUIRED_NOT_ENROLLED:
        required = TotpRequirement.objects.filter(user=OuterRef("pk"))
        return queryset.filter(Exists(required) & ~Exists(confirmed))
    return queryset


def users_with_2fa(queryset: QuerySet) -> QuerySet:
    """Users who have a device (pending or confirmed) or are required to enroll."""
    return queryset.filter(
        Exists(Totp.objects.filter(user=OuterRef("pk"))) | Exists(TotpRequirement.objects.filter(user=OuterRef("pk")))
    )


@dataclass(frozen=True)
class Enforcement:
    """What a login flow must do about a user's second factor (not to be confused with
    ``models.SecondFactorState``, the per-user attempt state)."""

    #: The user has a confirmed device: the password alone does not sign them in.
    enabled: bool
    #: An administrator required 2FA and there is no confirmed device: enrollment first.
    must_enroll: bool


def enforcement_of(user) -> Enforcement:
    """For login flows and the middleware: does the user have 2FA, and must they enroll
    first? One query."""
    if user is None or getattr(user, "pk", None) is None:
        return Enforcement(enabled=False, must_enroll=False)
    row = (
        get_user_model()
        ._default_manager.filter(pk=user.pk)
        .annotate(
            _enabled=Exists(Totp.objects.filter(user=OuterRef("pk"), confirmed_at__isnull=False)),
            _required=Exists(TotpRequirement.objects.filter(user=OuterRef("pk"))),
        )
        .values("_enabled", "_required")
        .first()
    )
    if row is None:
        return Enforcement(enabled=False, must_enroll=False)
    return Enforcement(enabled=row["_enabled"], must_enroll=row["_required"] and not row["_enabled"])


#: The name this function had before issue 17 (README, "For custom code", until then).
second_factor_state = enforcement_of


def must_enroll(user) -> bool:
    """True when an administrator required 2FA for the user and they have no confirmed device."""
    return enforcement_of(user).must_enroll


def is_required(user) -> bool:
    return TotpRequirement.objects.filter(user_id=user.pk).exists()


# Changes ----------------------------------------------------------------------------


def require(user, *, by=None, request=None, sender=None) -> bool:
    """Require 2FA for the user (sends ``totp_required``); False when it already was."""
    with transaction.atomic(using=router.db_for_write(TotpRequirement)):
        _, created = TotpRequirement.objects.get_or_create(
            user_id=user.pk, defaults={"required_by_id": getattr(by, "pk", None)}
        )
    if created:
        signals.totp_required.send_robust(sender=sender or require, request=request, user=user)
    return created


def unrequire(user, *, request=None, sender=None) -> bool:
    """Stop requiring 2FA (the device, if any, stays; sends ``totp_requirement_removed``);
    False when it was not required."""
    with transaction.atomic(using=router.db_for_write(TotpRequirement)):
        deleted, _ = TotpRequirement.objects.filter(user_id=user.pk).delete()
    if deleted:
        signals.totp_requirement_removed.send_robust(sender=sender or unrequire, request=request, user=user)
    return bool(deleted)


def reset(user, *, request=None, sender=None) -> bool:
    """Remove the device and its backup codes (lost device; sends ``totp_disabled``);
    False when there was none.

    A requirement stays, so a required user is sent to enrollment at the next login.
    """
    try:
        devices.disable(user, request=request, sender=sender or reset)
    except NotEnrolled:
        return False
    return True


def unlock(user, *, request=None, sender=None) -> bool:
    """Clear failed attempts, backoff and the hard lock (sends ``totp_unlocked``); False
    when nothing was locked."""
    locked = models.SecondFactorState.objects.filter(user_id=user.pk).filter(
        Q(failed_attempts__gt=0) | Q(next_attempt_at__isnull=False)
    )
    if not Totp.objects.filter(user_id=user.pk).exists() or not locked.exists():
        return False
    if not devices.clear_lockout(user):
        return False
    signals.totp_unlocked.send_robust(sender=sender or unlock, request=request, user=user)
    return True


# One code path for the admin and the command line ----------------------------------


@dataclass(frozen=True)
class Operation:
    """A change an administrator makes to a user's 2FA, with what announces it.

    The one table of these (``OPERATIONS``) serves the admin's actions and per-user page
    and the ``totp_*`` commands.
    """

    name: str
    #: (user, actor, request, sender) -> bool: True when something changed. The service it
    #: calls sends the operation's signal.
    run: Callable
    #: English, like Django's own admin log entries; also the logger's message.
    log_message: str
    #: What the admin tells the staff member, for ``count`` users changed / left as they were
    #: (``ngettext_lazy(..., "count")``, formatted with ``{"count": n}``).
    done: str
    unchanged: str


OPERATIONS = {
    operation.name: operation
    for operation in (
        Operation(
            name="require",
            run=lambda user, actor, request, sender: require(user, by=actor, request=request, sender=sender),
            log_message="Required two-factor authentication.",
            done=ngettext_lazy(
                "Two-factor authentication is now required for %(count)d user.",
                "Two-factor authentication is now required for %(count)d users.",
                "count",
            ),
            unchanged=ngettext_lazy(
                "%(count)d user was already required to use two-factor authentication.",
                "%(count)d users were already required to use two-factor authentication.",
                "count",
            ),
        ),
        Operation(
            name="unrequire",
            run=lambda user, actor, request, sender: unrequire(user, request=request, sender=sender),
            log_message="Stopped requiring two-factor authentication.",
            done=ngettext_lazy(
                "Two-factor authentication is no longer required for %(count)d user.",
                "Two-factor authentication is no longer required for %(count)d users.",
                "count",
            ),
            unchanged=ngettext_lazy(
                "%(count)d user was not required to use two-factor authentication.",
                "%(count)d users were not required to use two-factor authentication.",
                "count",
            ),
        ),
        Operation(
            name="reset",
            run=lambda user, actor, request, sender: reset(user, request=request, sender=sender),
            log_message="Reset two-factor authentication: device and backup codes removed.",
            done=ngettext_lazy(
                "Two-factor authentication was reset for %(count)d user.",
                "Two-factor authentication was reset for %(count)d users.",
                "count",
            ),
            unchanged=ngettext_lazy(
                "%(count)d user had no two-factor device to reset.",
                "%(count)d users had no two-factor device to reset.",
                "count",
            ),
        ),
        Operation(
            name="unlock",
            run=lambda user, actor, request, sender: unlock(user, request=request, sender=sender),
            log_message="Unlocked two-factor authentication: failed attempts and backoff cleared.",
            done=ngettext_lazy(
                "Two-factor authentication was unlocked for %(count)d user.",
                "Two-factor authentication was unlocked for %(count)d users.",
                "count",
            ),
            unchanged=ngettext_lazy(
                "%(count)d user was not locked.",
                "%(count)d users were not locked.",
                "count",
            ),
        ),
    )
}


class SuperuserProtected(Exception):
    """A staff member who is not a superuser tried to change a superuser's 2FA."""

    def __init__(self, users):
        self.users = list(users)
        names = ", ".join(u.get_username() for u in self.users)
        super().__init__(f"Only a superuser may manage the two-factor authentication of a superuser ({names}).")


def apply(name: str, user, *, actor=None, sender=None, request=None, via: str = "admin") -> bool:
    """Run operation ``name`` on ``user``; when it changed something, log it (logger
    "django_totp_native", ids only, never a secret) and send its signal.

    ``actor``: the staff member acting (``request.user``), None from the command line.
    ``via``: where it came from, for the log ("admin", "command line").
    Returns True when something changed. Raises SuperuserProtected, changing nothing,
    when ``actor`` may not manage ``user``.
    """
    operation = OPERATIONS[name]
    if not may_manage_user(actor, user, request):
        raise SuperuserProtected([user])
    if not operation.run(user, actor, request, sender):
        return False
    source = f"by staff user id {actor.pk} in the {via}" if actor is not None else f"from the {via}"
    logger.info(
        "%s User id %s, %s.",
        operation.log_message,
        user.pk,
        source,
        extra={"totp_operation": name, "totp_user_id": user.pk, "totp_actor_id": getattr(actor, "pk", None)},
    )
    return True
