"""Conditions of the conditional writes that the row lock makes redundant (issue 16,
"equivalent, for the record"): tested from a stale read instead of being called equivalent."""

from . import Breakage

KILLS = "tests/app/test_conditions_without_the_lock.py::"

BREAKAGES: list[Breakage] = [
    Breakage(
        name="succeed-without-step-condition",
        source="issue 16 (equivalent claim)",
        path="django_totp_native/services/attempts.py",
        old="""        where.append(f"{names.col(Device, adapter.replay_field)} < %s")
        where_params.append(step)
""",
        new="",
        why="without the lock, a code's step could be recorded twice (replay) or moved back",
        kills=(KILLS + "test_a_step_recorded_from_a_stale_row_is_refused",),
    ),
    Breakage(
        name="succeed-without-challenge-condition",
        source="issue 16 (equivalent claim)",
        path="django_totp_native/services/attempts.py",
        old="""        where.append(f"{names.col(State, 'challenge_redeemed')} < %s")
        where_params.append(challenge_sequence)
""",
        new="",
        why="without the lock, one challenge token could complete two logins",
        kills=(KILLS + "test_a_challenge_spent_from_a_stale_row_is_refused",),
    ),
    Breakage(
        name="own-backup-key-overwrites",
        source="issue 16 (equivalent claim)",
        path="django_totp_native/services/backup_codes.py",
        old='Totp.objects.filter(pk=device.pk, backup_key="").update(backup_key=sealed)',
        new="Totp.objects.filter(pk=device.pk).update(backup_key=sealed)",
        why="two first uses of old codes at once: the second key replaces the first, its codes stop working",
        kills=(KILLS + "test_a_device_gets_one_backup_key_even_from_stale_copies",),
    ),
    Breakage(
        name="fallback-does-not-count",
        source="issue 16 (make test must catch what CI catches)",
        path="django_totp_native/services/attempts.py",
        old='failed_attempts=F("failed_attempts") + 1, next_attempt_at=_backoff_orm(now)',
        new='failed_attempts=F("failed_attempts") + 0, next_attempt_at=_backoff_orm(now)',
        why="on a backend without UPDATE ... RETURNING, wrong codes are never counted (no backoff, no lock)",
        suite="pytest-pg",
        kills=("tests/app/test_lean_verify_path.py::test_the_fallback_without_update_returning_keeps_the_guarantees",),
    ),
]

BREAKAGES.append(
    Breakage(
        name="attempts-on-the-default-database",
        source="issue 17 item 3",
        path="django_totp_native/services/attempts.py",
        old="    return router.db_for_write(SecondFactorState)\n",
        new='    return "default"\n',
        why="with the 2FA models routed to another database, every login step fails",
        kills=("tests/app/test_routed_databases.py::test_every_flow_runs_on_the_database_the_router_names",),
    )
)

BREAKAGES += [
    Breakage(
        name="rotation-without-the-user-lock",
        source="issue 18 item 2",
        path="django_totp_native/services/backup_codes.py",
        old="        attempts.lock_user(user.pk)\n        device = _require_device(user, confirmed=True)\n",
        new="        device = _require_device(user, confirmed=True)\n",
        why="concurrent rotations leave several sets of codes working",
        suite="pytest-pg",
        kills=("tests/app/test_concurrency.py::test_concurrent_rotations_leave_exactly_the_last_set",),
    ),
    Breakage(
        name="disable-without-the-user-lock",
        source="issue 18 items 2 and 3",
        path="django_totp_native/services/enrollment.py",
        old=(
            "        generation = attempts.lock_user(\n"
            "            user.pk, new_generation=True, survivor=credentials.surviving_family(request, user)\n"
            "        )\n"
        ),
        new="        generation = 0\n",
        why="a rotation racing a disable writes codes for the deleted device (a 500, or codes left behind)",
        suite="pytest-pg",
        kills=("tests/app/test_concurrency.py::test_a_disable_racing_rotations_leaves_no_device_and_no_codes",),
    ),
]

BREAKAGES.append(
    Breakage(
        name="lost-key-reads-as-a-wrong-code",
        source="issue 18 item 10",
        path="django_totp_native/services/verification.py",
        old="        raise SecretUnavailable() from None\n",
        new="        return None\n",
        why="a lost encryption key answers 'Invalid 2FA code.' and counts the owner's right codes as guesses",
        kills=("tests/app/test_lost_key.py::test_the_api_answers_unavailable_not_invalid_and_counts_nothing",),
    )
)

BREAKAGES += [
    Breakage(
        name="enrollment-token-not-bound",
        source="issue 18 item 1",
        path="django_totp_native/services/enrollment_tokens.py",
        old="    if not expected or not constant_time_compare(binding, expected):\n",
        new="    if False:\n",
        why="an enrollment token survives a password change, a reset and a lifted requirement",
        kills=(
            "tests/app/test_enrollment_token_binding.py::test_a_password_change_voids_the_token",
            "tests/app/test_enrollment_token_binding.py::test_a_reset_after_the_owner_enrolled_voids_the_token",
            "tests/app/test_enrollment_token_binding.py::"
            "test_lifting_the_requirement_voids_the_token_and_imposing_it_again_does_not_revive_it",
        ),
    ),
    Breakage(
        name="disable-keeps-the-credential-generation",
        source="issue 18 items 1 and 5",
        path="django_totp_native/services/attempts.py",
        old="{generation} = {generation} + 1, ",
        new="{generation} = {generation}, ",
        why="a reset does not end the enrollment tokens, sessions and JWTs issued before it",
        kills=(
            "tests/app/test_enrollment_token_binding.py::test_a_reset_after_the_owner_enrolled_voids_the_token",
            "tests/app/test_credential_revocation.py::test_a_stale_jwt_cannot_enrol_the_attackers_authenticator_once_2fa_is_off",
        ),
    ),
]
