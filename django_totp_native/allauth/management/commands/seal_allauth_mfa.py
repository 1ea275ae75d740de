"""manage.py seal_allauth_mfa: seal the TOTP secrets and recovery seeds allauth stored in plaintext."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ....management.commands._progress import Progress


class Command(BaseCommand):
    help = (
        "Seal the TOTP secrets and recovery-code seeds of django-allauth's authenticators "
        "(mfa_authenticator.data) that were stored in plaintext, before MFA_ADAPTER was "
        "django_totp_native.allauth.MFAAdapter, with the first TOTP_ENCRYPTION_KEY. Batched, "
        "one transaction per batch; sealed rows are left alone, so the command can be re-run; "
        "it never prints a secret."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be sealed, write nothing.")

    def handle(self, *args, batch_size, dry_run, verbosity, **options):
        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        if not apps.is_installed("allauth.mfa"):
            raise CommandError(_("allauth.mfa is not in INSTALLED_APPS: there is nothing to seal."))
        from ...sealing import seal_plaintext

        meter = Progress(self.stdout, verbosity=verbosity)
        report = seal_plaintext(batch_size=batch_size, dry_run=dry_run, progress=meter.update)
        summary = (
            _("Dry run, nothing written. Would seal %(sealed)d of %(total)d authenticators; "
              "%(current)d already sealed; %(failed)d failed.")
            if dry_run
            else _("Sealed %(sealed)d of %(total)d authenticators; %(current)d already sealed; %(failed)d failed.")
        ) % {
            "sealed": report.sealed,
            "total": report.total,
            "current": report.already_sealed,
            "failed": len(report.failed),
        }
        if verbosity >= 1:
            self.stdout.write("  " + meter.summary())
        self.stdout.write((self.style.WARNING if report.failed else self.style.SUCCESS)(summary))
        for pk, reason in report.failed:
            self.stderr.write("  " + _("authenticator %(id)s: %(reason)s") % {"id": pk, "reason": reason})
        if report.failed:
            raise CommandError(_("Some authenticators were not sealed; run the command again."))
