"""The only changes made to django-otp's plugin tests before they run against our app.

Each rule is (file, old, new), applied to a copy of the downloaded release at run time,
never to the release itself. They rename what the issue allows and nothing else: the app
label in admin URL names and persistent ids (ours is ``otp_native`` because it installs
beside django-otp's ``otp_totp`` and ``otp_static``) and the two reverse names on the user
(``native_totpdevice_set``, ``native_staticdevice_set``, for the same reason). A rule that
no longer matches fails the run, so a new release cannot slip through half rewritten.
"""

import difflib

NATIVE_RULES = [
    ("otp_totp/tests.py", "'admin:otp_totp_totpdevice_", "'admin:otp_native_totpdevice_"),
    ("otp_totp/tests.py", ".totpdevice_set.", ".native_totpdevice_set."),
    ("otp_static/tests.py", "'otp_static.staticdevice/", "'otp_native.staticdevice/"),
    ("otp_static/tests.py", ".staticdevice_set.", ".native_staticdevice_set."),
]


class RuleDidNotMatch(Exception):
    pass


def apply(relative_path, text, rules):
    """Returns (rewritten text, [(old, new, count)]) for the rules of one file."""
    applied = []
    for path, old, new in rules:
        if path != relative_path:
            continue
        count = text.count(old)
        if count == 0:
            raise RuleDidNotMatch(
                f"{relative_path}: the rewrite {old!r} -> {new!r} matches nothing; "
                "the pinned django-otp release changed, so review tests/compat/django_otp_suite/rewrite.py"
            )
        text = text.replace(old, new)
        applied.append((old, new, count))
    return text, applied


def unified_diff(relative_path, before, after):
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            f"django-otp/{relative_path}",
            f"rewritten/{relative_path}",
        )
    )
