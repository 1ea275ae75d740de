"""Admin of the app's own models: status, counts and dates only, never a secret or digest."""

from django.contrib import admin
from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from ..conf import conf
from ..models import BackupCode, Totp, TotpRequirement
from ..services import management
from .actions import ReadOnlyAdminMixin, SuperuserRuleMixin, run_user_operation


@admin.register(Totp)
class TotpAdmin(SuperuserRuleMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "state", "created_at", "confirmed_at", "unused_backup_codes", "failed_attempts", "locked")
    list_select_related = ("user",)
    list_filter = ("created_at", "confirmed_at")
    raw_id_fields = ("user",)
    search_fields = ("user__username", "user__email")
    # secret_key and last_used_step are deliberately absent: the first is the sealed
    # secret, the second would date the user's last login to the second.
    fields = ("user", "state", "created_at", "confirmed_at", "unused_backup_codes", "failed_attempts",
              "next_attempt_at", "locked")
    readonly_fields = fields
    actions = ["unlock"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _unused_backup_codes=Count("backup_codes", filter=Q(backup_codes__is_used=False)),
                # Attempts are counted per user, on the user's second-factor state.
                _failed_attempts=F("user__second_factor_state__failed_attempts"),
                _next_attempt_at=F("user__second_factor_state__next_attempt_at"),
            )
        )

    @admin.display(description=_("status"))
    def state(self, obj):
        return _("enabled") if obj.is_confirmed else _("pending")

    @admin.display(description=_("failed attempts"), ordering="_failed_attempts")
    def failed_attempts(self, obj):
        return obj._failed_attempts or 0

    @admin.display(description=_("next attempt at"), ordering="_next_attempt_at")
    def next_attempt_at(self, obj):
        return obj._next_attempt_at

    @admin.display(boolean=True, description=_("locked"))
    def locked(self, obj):
        return (obj._failed_attempts or 0) >= conf.MAX_FAILURES

    @admin.display(description=_("unused backup codes"), ordering="_unused_backup_codes")
    def unused_backup_codes(self, obj):
        return obj._unused_backup_codes

    @admin.action(description=_("Unlock: clear failed attempts and backoff"), permissions=["manage_user_totp"])
    def unlock(self, request, queryset):
        users = [device.user for device in queryset.select_related("user")]
        run_user_operation(self, request, users, "unlock")

    def has_manage_user_totp_permission(self, request):
        return management.can_manage(request.user)

    # Deleting a device here is a reset.
    def delete_model(self, request, obj):
        self.delete_queryset(request, Totp.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        self.apply_to_owners(request, queryset, "reset")


class BackupCodeInline(admin.TabularInline):
    """Backup codes of a device, read-only and without digests (django-totp's inline name).

    django-totp's inline showed the first characters of each code; here only digests are
    stored, so there is nothing of the code to show.
    """

    model = BackupCode
    extra = 0
    can_delete = False
    show_change_link = False
    fields = ("is_used", "created_at", "used_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BackupCode)
class BackupCodeAdmin(SuperuserRuleMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    owner_field = "totp__user"
    list_display = ("user", "is_used", "created_at", "used_at")
    list_select_related = ("totp__user",)
    list_filter = ("is_used",)
    search_fields = ("totp__user__username", "totp__user__email")
    fields = ("user", "is_used", "created_at", "used_at")  # never the digest
    readonly_fields = fields

    @admin.display(description=_("user"), ordering="totp__user")
    def user(self, obj):
        return obj.totp.user


@admin.register(TotpRequirement)
class TotpRequirementAdmin(SuperuserRuleMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "required_at", "required_by")
    list_select_related = ("user", "required_by")
    search_fields = ("user__username", "user__email")
    fields = ("user", "required_at", "required_by")
    readonly_fields = fields

    def delete_model(self, request, obj):
        self.delete_queryset(request, TotpRequirement.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        self.apply_to_owners(request, queryset, "unrequire")
