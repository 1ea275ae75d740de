"""manage.py totp_require: require 2FA for a user (or, with --off, stop requiring it)."""

from django.utils.translation import gettext as _

from ...services import management
from ._user_command import UserCommand


class Command(UserCommand):
    help = (
        "Require two-factor authentication for a user: after their next sign-in they must "
        "enroll before doing anything else. --off stops requiring it (a device they have "
        "stays). Same signals and log as the admin's actions."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--off", action="store_true", help="Stop requiring two-factor authentication.")

    def handle(self, *args, username, off, **options):
        user = self.find_user(username)
        names = {"username": repr(username)}
        if off:
            if self.apply("unrequire", user):
                self.stdout.write(self.style.SUCCESS(_("Two-factor authentication is no longer required for %(username)s.") % names))
            else:
                self.stdout.write(_("Two-factor authentication was not required for %(username)s: nothing changed.") % names)
            return
        if not self.apply("require", user):
            self.stdout.write(_("Two-factor authentication was already required for %(username)s: nothing changed.") % names)
            return
        if management.status_of(user).state == management.ENABLED:
            then = _("they already use it, so nothing changes for them until it is reset.")
        else:
            then = _("they will have to enroll at their next sign-in.")
        done = _("Two-factor authentication is now required for %(username)s: %(then)s") % {**names, "then": then}
        self.stdout.write(self.style.SUCCESS(done))
