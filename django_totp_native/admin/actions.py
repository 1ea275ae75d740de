"""Running the administrator operations on users' 2FA (``services.management.OPERATIONS``)
from the admin: each change logged (LogEntry) and signalled, the staff member told."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext

from ..services import management


def refuse_protected(modeladmin, request, protected) -> None:
    """Tell a staff member which users' 2FA is not theirs to change, and why."""
    names = ", ".join(user.get_username() for user in protected)
    modeladmin.message_user(
        request,
        gettext(
            "Only a superuser can manage the two-factor authentication of a superuser, and your own "
            "only after entering your code in this session (%(users)s). Nothing was changed."
        )
        % {"users": names},
        messages.ERROR,
    )


def run_user_operation(modeladmin, request, users, name: str) -> int:
    """Apply one operation to each user; log and signal every actual change.

    Returns how many users changed. Raises PermissionDenied without the permission, so
    a forged POST is refused even when the action or button was never shown. When the
    selection holds a superuser and the staff member is not one, nothing is changed for
    anyone (the administrator is told which users to leave out).
    """
    if not management.can_manage(request.user):
        raise PermissionDenied
    users = list(users)
    protected = management.protected_users(request.user, users, request)
    if protected:
        refuse_protected(modeladmin, request, protected)
        return 0
    operation = management.OPERATIONS[name]
    changed = unchanged = 0
    for user in users:
        if management.apply(name, user, actor=request.user, sender=type(modeladmin), request=request, via="admin"):
            changed += 1
            modeladmin.log_change(request, user, operation.log_message)
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


class SuperuserRuleMixin:
    """For every admin of the app's 2FA rows: only a superuser may change a superuser's
    rows (and a staff member's own only from a session verified with their factor,
    ``management.may_manage_user``). Deleting a device is a reset, deleting a requirement
    lifts it, deleting backup codes takes away the user's way back in: each is a change to
    the user's 2FA, whichever admin makes it.

    Enforced on every path a staff member has: the change form and the delete view of a
    row, and every action of the changelist, Django's ``delete_selected`` and the admin's
    own alike (an action added later is covered without a word). ``delete_model`` and
    ``delete_queryset`` refuse too, for a caller that reached them some other way.
    ``owner_field`` is the lookup from a row to its user.
    """

    owner_field = "user"

    def owner_of(self, obj):
        for name in self.owner_field.split("__"):
            obj = getattr(obj, name)
        return obj

    def _protected_owners(self, request, objects) -> list:
        if isinstance(objects, QuerySet):
            objects = objects.select_related(self.owner_field)
        owners = {owner.pk: owner for owner in (self.owner_of(obj) for obj in objects)}
        return management.protected_users(request.user, owners.values(), request)

    def _may_change(self, request, obj) -> bool:
        return obj is None or management.may_manage_user(request.user, self.owner_of(obj), request)

    def has_change_permission(self, request, obj=None):
        return self._may_change(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_change(request, obj) and super().has_delete_permission(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self._protected_owners(request, [obj]):
            refuse_protected(self, request, [self.owner_of(obj)])
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist", current_app=self.admin_site.name)
            )
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request):
        return {
            name: (self._refusing_protected_owners(func), name, description)
            for name, (func, _name, description) in super().get_actions(request).items()
        }

    def _refusing_protected_owners(self, func):
        @wraps(func)
        def action(modeladmin, request, queryset):
            protected = self._protected_owners(request, queryset)
            if protected:
                refuse_protected(modeladmin, request, protected)
                return None
            return func(modeladmin, request, queryset)

        return action

    def delete_model(self, request, obj):
        if self._protected_owners(request, [obj]):
            raise PermissionDenied
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        if self._protected_owners(request, queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)

    def apply_to_owners(self, request, queryset, name: str) -> None:
        """Delete through the service: ``name`` ("reset" or "unrequire") for each row's
        user, logged and signalled (Django writes the deletion to the admin log itself)."""
        rows = list(queryset.select_related(self.owner_field))
        if self._protected_owners(request, rows):
            raise PermissionDenied  # a forged POST past the checks above
        for row in rows:
            management.apply(name, self.owner_of(row), actor=request.user, sender=type(self), request=request, via="admin")
