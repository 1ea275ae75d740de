"""Per-user 2FA management in the project's User admin: column, filter, actions, a page."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from ..services import management
from .actions import refuse_protected, run_user_operation

STATE_LABELS = {
    management.NONE: _("none"),
    management.PENDING: _("pending"),
    management.ENABLED: _("enabled"),
}


class TotpStatusFilter(admin.SimpleListFilter):
    title = _("two-factor authentication")
    parameter_name = "totp_status"

    def lookups(self, request, model_admin):
        return [
            (management.NONE, _("none")),
            (management.PENDING, _("pending")),
            (management.ENABLED, _("enabled")),
            (management.LOCKED, _("locked")),
            (management.REQUIRED_NOT_ENROLLED, _("required, not enrolled")),
        ]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return management.filter_by_status(queryset, self.value())


def _date(value):
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def status_parts(status: management.TotpStatus, *, relative_dates: bool = False) -> list[str]:
    """The status as short phrases. ``relative_dates`` ("last used 3 hours ago") keeps the
    changelist column narrow: a full date is the widest unbreakable word in the row."""
    parts = [str(STATE_LABELS[status.state])]
    if status.state == management.ENABLED:
        parts.append(
            ngettext("%(count)d backup code left", "%(count)d backup codes left", status.backup_codes_left)
            % {"count": status.backup_codes_left}
        )
    if status.last_used_at is not None:
        if relative_dates and timezone.now() - status.last_used_at < timedelta(minutes=1):
            parts.append(gettext("last used just now"))
        elif relative_dates:
            ago = timesince(status.last_used_at, depth=1)
            parts.append(gettext("last used %(time)s ago") % {"time": ago})
        else:
            parts.append(gettext("last used %(date)s") % {"date": _date(status.last_used_at)})
    if status.locked:
        parts.append(gettext("locked"))
    if status.required:
        parts.append(gettext("required"))
    return parts


class UserTotpAdminMixin:
    """Add to your UserAdmin (before it in the bases) for 2FA status, filter and actions.

    Everything is added through the get_* hooks, so the admin's own list_display,
    list_filter, actions and fieldsets stay as they are.
    """

    totp_manage_template = "admin/django_totp_native/user_totp.html"
    totp_reset_confirmation_template = "admin/django_totp_native/reset_confirmation.html"

    @property
    def media(self):
        # Keeps the 2FA column from being squeezed to a sliver (min-width, no wrapping).
        return super().media + forms.Media(css={"all": ["django_totp_native/admin.css"]})

    # Queryset and display ---------------------------------------------------------

    def get_queryset(self, request):
        return management.annotate_status(super().get_queryset(request))

    def get_list_display(self, request):
        return (*super().get_list_display(request), "totp_status")

    def get_list_filter(self, request):
        return (*super().get_list_filter(request), TotpStatusFilter)

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            fieldsets.append((_("Two-factor authentication"), {"fields": (self._totp_summary_field(request),)}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, self._totp_summary_field(request)) if obj is not None else fields

    def _totp_summary_field(self, request):
        return "totp_summary_managed" if management.can_manage(request.user) else "totp_summary"

    @admin.display(description=_("2FA"))
    def totp_status(self, obj):
        # One phrase per line: the column stays narrow enough for a 1280-pixel screen.
        parts = status_parts(management.status_of(obj), relative_dates=True)
        return format_html_join(mark_safe("<br>"), "{}", ((part,) for part in parts))

    @admin.display(description=_("status"))
    def totp_summary(self, obj):
        return " · ".join(status_parts(management.status_of(obj)))

    @admin.display(description=_("status"))
    def totp_summary_managed(self, obj):
        return format_html('{} — <a href="{}">{}</a>', self.totp_summary(obj), self._totp_manage_url(obj), gettext("Manage"))

    def _totp_manage_url(self, obj):
        opts = self.model._meta
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_totp", args=[obj.pk], current_app=self.admin_site.name
        )

    # Actions -------------------------------------------------------------------------

    def get_actions(self, request):
        actions = super().get_actions(request)
        if management.can_manage(request.user):
            for name in ("require_totp", "unrequire_totp", "reset_totp", "unlock_totp"):
                func, action_name, description = self.get_action(name)
                actions[action_name] = (func, action_name, description)
        return actions

    @admin.action(description=_("Require two-factor authentication"))
    def require_totp(self, request, queryset):
        run_user_operation(self, request, list(queryset), "require")

    @admin.action(description=_("Stop requiring two-factor authentication"))
    def unrequire_totp(self, request, queryset):
        run_user_operation(self, request, list(queryset), "unrequire")

    @admin.action(description=_("Reset two-factor authentication (lost device)"))
    def reset_totp(self, request, queryset):
        if not management.can_manage(request.user):
            raise PermissionDenied
        users = list(queryset)
        protected = management.protected_users(request.user, users, request)
        if protected:
            refuse_protected(self, request, protected)
            return None
        if request.POST.get("post") == "yes":
            run_user_operation(self, request, users, "reset")
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reset two-factor authentication?"),
            "opts": self.model._meta,
            "users": [(u, " · ".join(status_parts(management.status_of(u)))) for u in users],
            "queryset": queryset,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "action_name": "reset_totp",
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.totp_reset_confirmation_template, context)

    @admin.action(description=_("Unlock two-factor authentication"))
    def unlock_totp(self, request, queryset):
        run_user_operation(self, request, list(queryset), "unlock")

    # Per-user page ----------------------------------------------------------------

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/two-factor/",
                self.admin_site.admin_view(self.totp_manage_view),
                name=f"{opts.app_label}_{opts.model_name}_totp",
            ),
            *super().get_urls(),
        ]

    def totp_manage_view(self, request, object_id):
        if not management.can_manage(request.user):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(gettext("No such user."))
        if request.method == "POST":
            operation = request.POST.get("operation")
            if operation not in management.OPERATIONS:
                raise PermissionDenied
            run_user_operation(self, request, [obj], operation)
            return HttpResponseRedirect(request.path)
        opts = self.model._meta
        status = management.status_of(obj)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Two-factor authentication of %(user)s") % {"user": obj.get_username()},
            "subtitle": None,
            "opts": opts,
            "original": obj,
            "status": status,
            "status_text": " · ".join(status_parts(status)),
            # The same format as in the status line above it: one date format on the page.
            "last_used_text": _date(status.last_used_at) if status.last_used_at else "",
            "change_url": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk], current_app=self.admin_site.name
            ),
            "has_device": status.state != management.NONE,
            # Only a superuser may manage a superuser's 2FA: the page shows the status only.
            "may_manage": management.may_manage_user(request.user, obj, request),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.totp_manage_template, context)


def patch_default_user_admin(site=None) -> bool:
    """Re-register the user model on ``site`` (default: the default admin site) with the
    mixin if it uses Django's stock UserAdmin.

    Never called on import: ``OTPAdminConfig`` calls it for the default site, a project
    may call it (after ``django.contrib.auth.admin`` registered the user model). A project
    with its own UserAdmin is left alone (it adds UserTotpAdminMixin itself). Returns True
    when the registration was replaced.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.admin import UserAdmin

    site = site or admin.site
    user_model = get_user_model()
    current = site._registry.get(user_model)
    if current is None or type(current) is not UserAdmin:
        return False
    patched = type("UserAdmin", (UserTotpAdminMixin, UserAdmin), {"__module__": __name__})
    site.unregister(user_model)
    site.register(user_model, patched)
    return True

