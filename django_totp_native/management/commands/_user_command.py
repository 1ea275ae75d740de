"""What the totp_* commands share: finding a user by username, and running an operation
through the same service function as the admin (same log line, same signal)."""

from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ...services import management

#: Where a change made by these commands comes from, in the log.
VIA = "command line"


def find_users(usernames) -> list:
    """The users with these usernames (USERNAME_FIELD), in the order given.

    Raises CommandError naming every unknown username, so nothing is done for any.
    """
    User = get_user_model()
    field = User.USERNAME_FIELD
    found = {getattr(u, field): u for u in User._default_manager.filter(**{f"{field}__in": list(usernames)})}
    missing = [name for name in usernames if name not in found]
    if missing:
        names = ", ".join(repr(name) for name in missing)
        raise CommandError(
            _(
                "No user with %(field)s %(names)s. Usernames are case-sensitive; "
                "`manage.py totp_status` lists the users with two-factor authentication."
            )
            % {"field": field, "names": names}
        )
    return [found[name] for name in usernames]


class UserCommand(BaseCommand):
    """A command acting on one user, given by username."""

    def add_arguments(self, parser):
        parser.add_argument("username", help=f"The user's {get_user_model().USERNAME_FIELD}.")

    def find_user(self, username):
        return find_users([username])[0]

    def apply(self, name: str, user) -> bool:
        """Run ``management.OPERATIONS[name]``: logged and signalled like the admin's."""
        return management.apply(name, user, actor=None, sender=type(self), request=None, via=VIA)


def stdin_of(options):
    # call_command(..., stdin=...) feeds the prompt in tests, as createsuperuser allows.
    return options.get("stdin") or sys.stdin


def is_interactive(stream) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
