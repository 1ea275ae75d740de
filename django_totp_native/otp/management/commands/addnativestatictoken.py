"""django-otp's ``addstatictoken`` for these devices: one static token for a user."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.views.decorators.debug import sensitive_variables

from ...lib import add_static_token


class Command(BaseCommand):
    help = (
        "Adds one static OTP token to the given user's first static device (otp_native), "
        "making one if needed, and prints it: the only time it can be read (only its keyed "
        "digest is stored). Named apart from django-otp's addstatictoken, which may be "
        "installed beside it."
    )

    def add_arguments(self, parser):
        parser.add_argument("-t", "--token", dest="token", help="The token to add (default: a random one).")
        parser.add_argument("username", help="The user to give the token to.")

    @sensitive_variables("options", "added")
    def handle(self, *args, **options):
        username = options["username"]
        try:
            added = add_static_token(username, options.get("token"))
        except get_user_model().DoesNotExist:
            raise CommandError(f'User "{username}" does not exist.') from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(added.token)
