"""manage.py totp_status: users' 2FA state, never a secret or code."""

from datetime import timezone as dt_timezone

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _, gettext_lazy, ngettext

from ...services import management
from ._user_command import find_users

STATE_TEXT = {
    management.NONE: gettext_lazy("none"),
    management.PENDING: gettext_lazy("pending"),
    management.ENABLED: gettext_lazy("enabled"),
}
COLUMNS = (
    gettext_lazy("user"),
    gettext_lazy("2FA"),
    gettext_lazy("backup codes left"),
    gettext_lazy("last used (UTC)"),
    gettext_lazy("locked"),
    gettext_lazy("required"),
)


class Command(BaseCommand):
    help = (
        "Show the two-factor authentication state of the given users, or of every user who "
        "has a device or is required to enroll: state, backup codes left, last use, lock and "
        "requirement. No secret, code or digest is ever shown."
    )

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="*", metavar="USERNAME", help="Users to show (default: all with 2FA).")
        parser.add_argument(
            "--all", action="store_true", dest="all_users", help="With no USERNAME: every user, also those without 2FA."
        )
        parser.add_argument(
            "--check-keys",
            action="store_true",
            help=(
                "List every device whose stored secret or backup-code key opens with none of the "
                "configured TOTP_ENCRYPTION_KEY keys (its user cannot verify); exit with an error if any."
            ),
        )

    def handle(self, *args, usernames, all_users, check_keys=False, **options):
        if check_keys:
            return self.check_keys()
        User = get_user_model()
        field = User.USERNAME_FIELD
        if usernames:
            pks = [user.pk for user in find_users(usernames)]
            rows = management.annotate_status(User._default_manager.filter(pk__in=pks))
            rows = sorted(rows, key=lambda user: usernames.index(getattr(user, field)))
        else:
            queryset = User._default_manager.all()
            if not all_users:
                queryset = management.users_with_2fa(queryset)
            rows = list(management.annotate_status(queryset).order_by(field))
            if not rows:
                self.stdout.write(_("No user has two-factor authentication set up or required (--all lists every user)."))
                return
        table = [tuple(str(column) for column in COLUMNS), *(self.row(getattr(user, field), management.status_of(user)) for user in rows)]
        widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
        for row in table:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())

    @staticmethod
    def row(username, status) -> tuple:
        last_used = _("never")
        if status.last_used_at is not None:
            last_used = status.last_used_at.astimezone(dt_timezone.utc).strftime("%Y-%m-%d %H:%M")
        required = _("yes") if status.required else _("no")
        if status.must_enroll:
            required = _("yes, not enrolled")
        return (
            str(username),
            str(STATE_TEXT[status.state]),
            str(status.backup_codes_left) if status.state == management.ENABLED else "-",
            last_used,
            _("yes") if status.locked else _("no"),
            required,
        )

    def check_keys(self):
        from ...services.rotation import unopenable

        found = unopenable()
        if not found:
            self.stdout.write(self.style.SUCCESS(_("Every stored secret opens with the configured keys.")))
            return
        for device, field in found:
            self.stderr.write("  " + _("TOTP device id %(id)s: %(field)s opens with no configured key") % {
                "id": device, "field": field,
            })
        raise CommandError(
            ngettext(
                "%(count)d stored secret opens with none of the TOTP_ENCRYPTION_KEY keys: "
                "put the key it was sealed with back in the list, or reset those users' 2FA.",
                "%(count)d stored secrets open with none of the TOTP_ENCRYPTION_KEY keys: "
                "put the key they were sealed with back in the list, or reset those users' 2FA.",
                len(found),
            )
            % {"count": len(found)}
        )
