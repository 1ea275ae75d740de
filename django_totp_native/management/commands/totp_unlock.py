"""manage.py totp_unlock: clear a user's failed code attempts, backoff and lock."""

from django.utils.translation import gettext as _

from ._user_command import UserCommand


class Command(UserCommand):
    help = (
        "Unlock a user's two-factor authentication: clear the failed code attempts, the "
        "waiting time and the lock, as the admin's Unlock action does (same signal, logged)."
    )

    def handle(self, *args, username, **options):
        user = self.find_user(username)
        if self.apply("unlock", user):
            done = _("Unlocked two-factor authentication of %(username)s: failed attempts and waiting time cleared.") % {
                "username": repr(username)
            }
            self.stdout.write(self.style.SUCCESS(done))
        else:
            self.stdout.write(_("%(username)s was not locked: nothing changed.") % {"username": repr(username)})
