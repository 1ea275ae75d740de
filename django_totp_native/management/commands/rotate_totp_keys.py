"""manage.py rotate_totp_keys: re-seal every stored TOTP secret under the first key."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _, ngettext

from ...services.rotation import reseal_all
from ._progress import Progress


class Command(BaseCommand):
    help = (
        "Re-encrypt every TOTP secret and backup-code key with the first TOTP_ENCRYPTION_KEY. "
        "Run it after putting a new key first in the list (keeping the old ones after it); "
        "remove an old key only after a run that reports no failures. Safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Devices per transaction (default 500).")

    def handle(self, *args, batch_size, verbosity, **options):
        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))

        meter = Progress(self.stdout, verbosity=verbosity)
        report = reseal_all(batch_size=batch_size, progress=meter.update)
        if verbosity >= 1:
            self.stdout.write("  " + meter.summary())
        self.stdout.write(
            ngettext(
                "Re-sealed %(resealed)d of %(total)d device; "
                "%(current)d already under the first key; %(failed)d failed.",
                "Re-sealed %(resealed)d of %(total)d devices; "
                "%(current)d already under the first key; %(failed)d failed.",
                report.total,
            )
            % {
                "resealed": report.resealed,
                "total": report.total,
                "current": report.already_current,
                "failed": len(report.failed),
            }
        )
        if report.legacy_backup_codes:
            self.stdout.write(
                self.style.WARNING(
                    ngettext(
                        "%(count)d user has backup codes from before per-device keys: "
                        "those codes stop working when the key they were made under is removed "
                        "(their authenticator app keeps working). Ask them to generate new backup codes.",
                        "%(count)d users have backup codes from before per-device keys: "
                        "those codes stop working when the key they were made under is removed "
                        "(their authenticator app keeps working). Ask them to generate new backup codes.",
                        report.legacy_backup_codes,
                    )
                    % {"count": report.legacy_backup_codes}
                )
            )
        if report.failed:
            for device_id, reason in report.failed:
                self.stderr.write("  " + _("TOTP device id %(id)s: %(reason)s") % {"id": device_id, "reason": reason})
            raise CommandError(
                ngettext(
                    "%(count)d device is not under the first key yet: keep the old keys configured.",
                    "%(count)d devices are not under the first key yet: keep the old keys configured.",
                    len(report.failed),
                )
                % {"count": len(report.failed)}
            )
        self.stdout.write(self.style.SUCCESS(_("Every TOTP secret is sealed under the first key; older keys can be removed.")))
