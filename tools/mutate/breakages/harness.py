"""Breakages of configuration and error reports: defaults, ``sensitive_variables``."""

from . import Breakage

BREAKAGES: list[Breakage] = [
    Breakage(
        name="default-backoff-after-4",
        source="issue 16 item 8",
        path="django_totp_native/conf.py",
        old='return int(self._get("TOTP_BACKOFF_AFTER", 3))',
        new='return int(self._get("TOTP_BACKOFF_AFTER", 4))',
        why="a project with no TOTP_BACKOFF_AFTER meets backoff one guess later than documented",
        kills=(
            "tests/app/test_documented_defaults.py::test_every_documented_default_is_the_default",
            "tests/app/test_documented_defaults.py::test_by_default_backoff_starts_after_the_third_wrong_code",
        ),
    ),
    Breakage(
        name="default-token-max-age-hour",
        source="issue 16 item 8",
        path="django_totp_native/conf.py",
        old='return int(self._get("TOTP_TOKEN_MAX_AGE", 120))',
        new='return int(self._get("TOTP_TOKEN_MAX_AGE", 3600))',
        why="a login challenge lives an hour instead of the documented two minutes",
        kills=(
            "tests/app/test_documented_defaults.py::test_every_documented_default_is_the_default",
            "tests/app/test_documented_defaults.py::test_by_default_a_challenge_token_lives_two_minutes",
        ),
    ),
    Breakage(
        name="enrollment-token-report-shows-token",
        source="issue 16 item 2",
        path="django_totp_native/services/enrollment_tokens.py",
        old='@sensitive_variables("token", "binding", "expected")\ndef user_for(token)',
        new="def user_for(token)",
        why="an error inside user_for puts the enrollment token into the error e-mail",
        kills=(
            "tests/app/test_sensitive_frames.py::test_every_function_holding_a_secret_hides_it_from_error_reports",
            "tests/app/test_sensitive_frames.py::test_a_decorated_service_hides_its_token_in_a_real_report",
        ),
    ),
]
