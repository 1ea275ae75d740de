"""manage.py import_django_otp: move django-otp's TOTP and static devices into otp_native."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ....management.commands._progress import Progress
from ...importing import DEFAULT_BATCH_SIZE, SourceMissing, import_django_otp


class Command(BaseCommand):
    help = (
        "Copy django-otp's TOTP devices (otp_totp_totpdevice) and static devices with their "
        "tokens (otp_static_staticdevice, otp_static_statictoken) into django_totp_native.otp: "
        "keys sealed with the first TOTP_ENCRYPTION_KEY, tokens stored as keyed digests; name, "
        "confirmed, step, t0, digits, tolerance, drift, last_t, throttling state and timestamps "
        "kept. django-otp's apps may be installed or already removed from INSTALLED_APPS (the "
        "tables are read with SQL). Devices imported by an earlier run are skipped, so the "
        "command can be re-run safely; it never prints a key or a token."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Alias of the database holding django-otp's tables.")
        parser.add_argument(
            "--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
            help=f"Devices per transaction (default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Read and check everything, write nothing.")

    def handle(self, *args, database, batch_size, dry_run, verbosity, **options):
        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))

        meter = Progress(self.stdout, verbosity=verbosity)
        finished = {}

        def progress(table, done, total):
            # Per table from the service; one running count for the meter.
            finished[table] = done
            meter.update(sum(finished.values()), sum(finished.values()) - done + total, table)

        try:
            report = import_django_otp(using=database, dry_run=dry_run, batch_size=batch_size, progress=progress)
        except SourceMissing as exc:
            raise CommandError(_("%(error)s Is django-otp's data in this database?") % {"error": exc}) from None
        summary = (
            _("Dry run, nothing written. Would import %(totp)d of %(totp_total)d TOTP devices and %(static)d of "
              "%(static_total)d static devices with %(tokens)d tokens")
            if dry_run
            else _("Imported %(totp)d of %(totp_total)d TOTP devices and %(static)d of %(static_total)d static "
                   "devices with %(tokens)d tokens")
        ) % {
            "totp": report.imported_totp,
            "totp_total": report.totp_devices,
            "static": report.imported_static,
            "static_total": report.static_devices,
            "tokens": report.imported_tokens,
        }
        skipped = _("skipped %(imported)d imported by an earlier run, %(missing_user)d without a user; "
                    "%(failed)d failed.") % {
            "imported": report.skipped_imported,
            "missing_user": report.skipped_missing_user,
            "failed": len(report.failed),
        }
        style = self.style.WARNING if report.failed else self.style.SUCCESS
        if verbosity >= 1:
            self.stdout.write("  " + meter.summary())
        self.stdout.write(style(f"{summary}; {skipped}"))
        for table, source_id, reason in report.failed:
            self.stderr.write("  " + _("%(table)s id %(id)s: %(reason)s") % {"table": table, "id": source_id, "reason": reason})
