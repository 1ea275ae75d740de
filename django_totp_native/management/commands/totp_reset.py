"""manage.py totp_reset: remove a user's TOTP device and backup codes (lost device)."""

from django.core.management.base import CommandError

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
        if status.state == management.NONE:
            self.stdout.write(f"{username!r} has no two-factor device: nothing to reset.")
            return
        if not yes and not self.confirm(username, status, stdin_of(options)):
            self.stdout.write("Reset cancelled: nothing changed.")
            return
        if not self.apply("reset", user):
            # Removed by someone else between the status and the reset.
            self.stdout.write(f"{username!r} has no two-factor device: nothing to reset.")
            return
        self.stdout.write(
            self.style.SUCCESS(f"Two-factor authentication of {username!r} was reset: device and backup codes removed.")
        )
        if status.required:
            self.stdout.write(f"It is still required for {username!r}: they will have to enroll at their next sign-in.")

    def confirm(self, username, status, stdin) -> bool:
        if not is_interactive(stdin):
            raise CommandError(
                f"Not resetting {username!r}: confirmation is needed and there is no terminal to ask on. "
                "Run it again with --yes to reset without asking."
            )
        state = "enabled" if status.state == management.ENABLED else "being set up"
        codes = f", {status.backup_codes_left} backup codes left" if status.state == management.ENABLED else ""
        self.stdout.write(
            f"Reset the two-factor authentication of {username!r} ({state}{codes})?\n"
            "This removes the device and all backup codes; until they enroll again, the password alone signs them in.\n"
            "Type 'yes' to reset: ",
            ending="",
        )
        self.stdout.flush()
        return stdin.readline().strip().lower() == "yes"
