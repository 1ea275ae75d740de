"""Admin: devices without their secret, an unlock action, backup codes only as counts."""

from django.contrib import admin, messages

from .conf import conf
from .models import Totp
from .services import devices


@admin.register(Totp)
class TotpAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "confirmed_at", "failed_attempts", "locked")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    search_fields = ("user__username", "user__email")
    fields = ("user", "created_at", "confirmed_at", "failed_attempts", "next_attempt_at", "unused_backup_codes")
    readonly_fields = fields
    actions = ["unlock"]

    @admin.display(boolean=True, description="locked")
    def locked(self, obj):
        return obj.failed_attempts >= conf.MAX_FAILURES

    @admin.display(description="unused backup codes")
    def unused_backup_codes(self, obj):
        return obj.backup_codes.filter(is_used=False).count()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Unlock: clear failed attempts and backoff", permissions=["unlock"])
    def unlock(self, request, queryset):
        count = 0
        for device in queryset.select_related("user"):
            count += devices.clear_lockout(device.user)
        self.message_user(request, f"Unlocked {count} device(s).", messages.SUCCESS)

    def has_unlock_permission(self, request):
        return request.user.has_perm("django_totp_native.delete_totp")
