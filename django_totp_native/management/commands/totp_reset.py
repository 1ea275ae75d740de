"""manage.py totp_reset: remove a user's TOTP device and backup codes (lost device)."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _, ngettext

from ...services import management
from ._user_command import UserCommand, is_interactive, stdin_of


class Command(UserCommand):
    help = (
        "Reset a user's two-factor authentication (lost device): remove the TOTP device and "
        "all backup codes, as the admin's Reset action does (same signal, logged). The user "
        "can then sign in with the password alone, or must enroll again at once if two-factor "
        "authentication is required for them. Asks for confirmation unless --yes is given."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--yes", action="store_true", help="Reset without asking for confirmation.")

    def handle(self, *args, username, yes, **options):
        user = self.find_user(username)
        status = management.status_of(user)
        names = {"username": repr(username)}
        if status.state == management.NONE:
            self.stdout.write(_("%(username)s has no two-factor device: nothing to reset.") % names)
            return
        if not yes and not self.confirm(username, status, stdin_of(options)):
            self.stdout.write(_("Reset cancelled: nothing changed."))
            return
        if not self.apply("reset", user):
            # Removed by someone else between the status and the reset.
            self.stdout.write(_("%(username)s has no two-factor device: nothing to reset.") % names)
            return
        self.stdout.write(
            self.style.SUCCESS(
                _("Two-factor authentication of %(username)s was reset: device and backup codes removed.") % names
            )
        )
        if status.required:
            self.stdout.write(
                _("It is still required for %(username)s: they will have to enroll at their next sign-in.") % names
            )

    def confirm(self, username, status, stdin) -> bool:
        if not is_interactive(stdin):
            raise CommandError(
                _(
                    "Not resetting %(username)s: confirmation is needed and there is no terminal to ask on. "
                    "Run it again with --yes to reset without asking."
                )
                % {"username": repr(username)}
            )
        if status.state == management.ENABLED:
            left = status.backup_codes_left
            state = ngettext("enabled, %(count)d backup code left", "enabled, %(count)d backup codes left", left) % {
                "count": left
            }
        else:
            state = _("being set up")
        self.stdout.write(
            _("Reset the two-factor authentication of %(username)s (%(state)s)?") % {"username": repr(username), "state": state}
            + "\n"
            + _("This removes the device and all backup codes; until they enroll again, the password alone signs them in.")
            + "\n"
            # Translators: the answer stays the English word yes, whatever the language.
            + _("Type 'yes' to reset: "),
            ending="",
        )
        self.stdout.flush()
        return stdin.readline().strip().lower() == "yes"
