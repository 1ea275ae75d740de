"""manage.py totp_unlock: clear a user's failed code attempts, backoff and lock."""

from ._user_command import UserCommand


class Command(UserCommand):
    help = (
        "Unlock a user's two-factor authentication: clear the failed code attempts, the "
        "waiting time and the lock, as the admin's Unlock action does (same signal, logged)."
    )

    def handle(self, *args, username, **options):
        user = self.find_user(username)
        if self.apply("unlock", user):
            done = f"Unlocked two-factor authentication of {username!r}: failed attempts and waiting time cleared."
            self.stdout.write(self.style.SUCCESS(done))
        else:
            self.stdout.write(f"{username!r} was not locked: nothing changed.")
