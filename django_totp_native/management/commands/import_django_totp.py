"""manage.py import_django_totp: copy django-totp's devices and backup codes into this app."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _, ngettext

from ...services.importer import SourceMissing, import_django_totp
from ._progress import Progress


class Command(BaseCommand):
    help = (
        "Copy TOTP devices and backup codes from django-totp's tables (django_totp_totp, "
        "django_totp_backupcode) into django_totp_native. Secrets are re-sealed with the "
        "first TOTP_ENCRYPTION_KEY and backup codes stored as digests (they verify "
        "exactly as written, as in django-totp). Users already "
        "imported are skipped, so the command can be re-run safely."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Alias of the database holding django-totp's tables.")

    def handle(self, *args, database, verbosity, **options):
        meter = Progress(self.stdout, verbosity=verbosity)
        try:
            report = import_django_totp(using=database, progress=meter.update)
        except SourceMissing as exc:
            raise CommandError(_("%(error)s Is django-totp's data in this database?") % {"error": exc}) from None
        if verbosity >= 1:
            self.stdout.write("  " + meter.summary())
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Imported %(imported)d of %(total)d; skipped %(existing)d already imported, "
                    "%(missing_user)d without a user; %(failed)d failed."
                )
                % {
                    "imported": report.imported,
                    "total": report.total,
                    "existing": report.skipped_existing,
                    "missing_user": report.skipped_missing_user,
                    "failed": len(report.failed),
                }
            )
        )
        if report.skipped_codes:
            self.stderr.write(
                "  "
                + ngettext(
                    "%(count)d backup code left out: not django-totp's own format "
                    "nor this app's (the devices were imported; their users can make new codes).",
                    "%(count)d backup codes left out: not django-totp's own format "
                    "nor this app's (the devices were imported; their users can make new codes).",
                    report.skipped_codes,
                )
                % {"count": report.skipped_codes}
            )
        for source_id, reason in report.failed:
            self.stderr.write(f"  django_totp_totp id {source_id}: {reason}")
