"""Users for the schemathesis run (tools/schemathesis.sh) in its throwaway database:
``alice`` without 2FA, ``bob`` with 2FA on, ``carol`` required to enroll and not enrolled.

Run with DJANGO_SETTINGS_MODULE=tests.openapi.settings and OPENAPI_SQLITE set.
"""

import django

PASSWORD = "schemathesis-not-a-secret"
USERS = ("alice", "bob", "carol")


def main() -> None:
    django.setup()
    import pyotp
    from django.contrib.auth import get_user_model

    from django_totp_native.services import devices, management

    User = get_user_model()
    alice, bob, carol = (
        User.objects.create_user(name, f"{name}@example.com", PASSWORD) for name in USERS
    )
    enrollment = devices.start_enrollment(bob)
    devices.confirm_enrollment(bob, pyotp.TOTP(enrollment.secret).now())
    management.require(carol)
    assert not devices.is_enabled(alice) and devices.is_enabled(bob) and management.must_enroll(carol)


if __name__ == "__main__":
    main()
