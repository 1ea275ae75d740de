"""Breakages of the Django layer (services, sessions, admin)."""

from . import Breakage

SECOND_FACTOR_GATE = "tests/app/test_second_factor_gate.py"

BREAKAGES: list[Breakage] = [
    Breakage(
        name="enrollment-token-lifetime-in-minutes",
        source="issue 16 item 1",
        path="django_totp_native/services/enrollment_tokens.py",
        old="conf.ENROLLMENT_TOKEN_MAX_AGE",
        new="conf.ENROLLMENT_TOKEN_MAX_AGE * 60",
        kills=(f"{SECOND_FACTOR_GATE}::test_an_enrollment_token_lasts_its_lifetime_in_seconds",),
        why="an enrollment token opens enrollment 60 times longer than TOTP_ENROLLMENT_TOKEN_MAX_AGE says",
    ),
    Breakage(
        name="enrollment-token-of-deactivated-user",
        source="issue 16 item 6",
        path="django_totp_native/services/enrollment_tokens.py",
        old='return user if getattr(user, "is_active", True) else None',
        new="return user",
        kills=(f"{SECOND_FACTOR_GATE}::test_an_enrollment_token_of_a_user_deactivated_since_is_refused",),
        why="a user deactivated after the password step still enrolls (and gets tokens) with the enrollment token",
    ),
]
