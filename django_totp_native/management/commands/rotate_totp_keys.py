"""manage.py rotate_totp_keys: re-seal every stored TOTP secret under the first key."""

from django.core.management.base import BaseCommand, CommandError

from ...services.rotation import reseal_all


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
            raise CommandError("--batch-size must be at least 1.")

        def progress(done, total):
            if verbosity >= 1:
                self.stdout.write(f"  {done}/{total} devices processed")

        report = reseal_all(batch_size=batch_size, progress=progress)
        self.stdout.write(
            f"Re-sealed {report.resealed} of {report.total} devices; "
            f"{report.already_current} already under the first key; {len(report.failed)} failed."
        )
        if report.legacy_backup_codes:
            self.stdout.write(
                self.style.WARNING(
                    f"{report.legacy_backup_codes} users have backup codes from before per-device keys: "
                    "those codes stop working when the key they were made under is removed "
                    "(their authenticator app keeps working). Ask them to generate new backup codes."
                )
            )
        if report.failed:
            for device_id, reason in report.failed:
                self.stderr.write(f"  TOTP device id {device_id}: {reason}")
            raise CommandError(
                f"{len(report.failed)} devices are not under the first key yet: keep the old keys configured."
            )
        self.stdout.write(self.style.SUCCESS("Every TOTP secret is sealed under the first key; older keys can be removed."))
