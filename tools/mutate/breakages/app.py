"""Breakages of the Django layer (services, sessions, admin)."""

from . import Breakage

SECOND_FACTOR_GATE = "tests/app/test_second_factor_gate.py"
DEVICE_COOKIES = "tests/app/test_device_cookies.py"
THROTTLE_ATTACKS = "tests/app/test_throttle_attacks.py"
SUPERUSER_RULE = "tests/app/test_admin_superuser_rule.py"
NO_STORE = "tests/app/test_no_store.py"
EMAIL_RECOVERY = "tests/app/test_email_recovery_setting.py"
REVOCATION = "tests/app/test_credential_revocation.py"

# Both proofs are written out in services/sessions.py; the breakage must drop the
# confirmation time from both at once (one without the other refuses every credential,
# which any login test notices), so it spans the two functions.
_PROOF_FUNCTIONS = (
    '    return f"{device.pk}.{int(device.confirmed_at.timestamp() * 1_000_000)}"\n'
    "\n"
    "\n"
    "def current_device_proof(user) -> Optional[str]:\n"
    '    """``device_proof`` of the user\'s confirmed device, read fresh; None without 2FA."""\n'
    '    if user is None or getattr(user, "pk", None) is None:\n'
    "        return None\n"
    "    row = (\n"
    "        Totp.objects.filter(user_id=user.pk, confirmed_at__isnull=False)\n"
    '        .values_list("pk", "confirmed_at")\n'
    "        .first()\n"
    "    )\n"
    "    if row is None:\n"
    "        return None\n"
    '    return f"{row[0]}.{int(row[1].timestamp() * 1_000_000)}"\n'
)

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
        name="device-proof-without-confirmation-time",
        source="issue 16 item 3",
        path="django_totp_native/services/sessions.py",
        old=_PROOF_FUNCTIONS,
        new=_PROOF_FUNCTIONS.replace(
            '{device.pk}.{int(device.confirmed_at.timestamp() * 1_000_000)}', "{device.pk}"
        ).replace("{row[0]}.{int(row[1].timestamp() * 1_000_000)}", "{row[0]}"),
        kills=(f"{SECOND_FACTOR_GATE}::test_credentials_of_a_reset_device_do_not_manage_a_new_one_under_its_id",),
        why="a JWT or session verified with a reset device manages a new device that got the same id",
    ),
    Breakage(
        name="session-mark-without-auth-hash",
        source="issue 16 item 4",
        path="django_totp_native/services/sessions.py",
        old='return f"{user.pk}:{proof}:{auth_hash}"',
        new='return f"{user.pk}:{proof}"',
        kills=(
            "tests/app/test_admin_login.py::test_changing_the_password_in_the_verified_session_asks_for_the_code_again",
        ),
        why="the session that changed the password stays verified without showing a code again",
    ),
    Breakage(
        name="otp-admin-login-counts-only-anonymous-guesses",
        source="issue 16 item 5",
        path="django_totp_native/throttle.py",
        old="        if wait is None:\n",
        new="        if wait is None and not self.request.user.is_authenticated:\n",
        kills=(
            "tests/app/test_throttle_attacks.py::"
            "test_a_signed_in_user_guessing_a_staff_password_meets_the_same_limit[default-otp-admin]",
            "tests/app/test_throttle_attacks.py::"
            "test_a_signed_in_user_guessing_a_staff_password_meets_the_same_limit[otp-admin-site]",
        ),
        why="a signed-in non-staff user guesses a staff password at the OTP admin login without limit",
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
    Breakage(
        name="enrollment-start-without-the-user-lock",
        source="issue 16 item 7 (since issue 18 item 2: the per-user lock replaced the retry)",
        path="django_totp_native/services/enrollment.py",
        old="            attempts.lock_user(user.pk)\n            if Totp.objects.filter(user_id=user.pk, confirmed_at__isnull=False)",
        new="            if Totp.objects.filter(user_id=user.pk, confirmed_at__isnull=False)",
        kills=(
            "tests/app/test_concurrency.py::"
            "test_one_user_starting_enrollment_twice_at_once_gets_two_answers_and_one_key",
        ),
        suite="pytest-pg",
        why="two enrollment starts of one user at once: the one that meets the other's INSERT answers an error",
    ),
    Breakage(
        name="password-only-login-unannounced",
        source="issue 17 item 6",
        path="django_totp_native/services/challenges.py",
        # The one function every login front end calls when the password alone signed a
        # user in: without its send, no front end announces such a login.
        old="    signals.non_totp_login_succeeded.send_robust(\n",
        new="    (lambda **kwargs: None)(\n",
        kills=tuple(
            f"tests/app/test_signals_once.py::test_the_event_sends_its_signals_once[non_totp_login_succeeded-{front_end}]"
            for front_end in ("jwt", "session", "admin")
        ),
        why="a login with the password alone (no 2FA) sends no non_totp_login_succeeded, through any front end",
    ),
    Breakage(
        name="device-token-ignored",
        source="issue 18 item 4",
        path="django_totp_native/services/throttling.py",
        old="    device_ident = _device_token_ident(device_token, login_name)\n",
        new="    device_ident = None\n",
        kills=(
            f"{DEVICE_COOKIES}::test_jwt_owner_with_a_device_token_signs_in_while_an_attacker_holds_the_account_limit",
            f"{DEVICE_COOKIES}::test_jwt_with_2fa_the_device_token_comes_with_the_whole_login",
            f"{DEVICE_COOKIES}::test_session_owner_with_a_device_cookie_signs_in_while_an_attacker_holds_the_account_limit",
            f"{DEVICE_COOKIES}::test_session_with_2fa_the_cookie_comes_with_the_code_and_spares_the_owner",
            f"{DEVICE_COOKIES}::test_admin_superuser_with_a_device_cookie_signs_in_while_an_attacker_holds_the_account_limit"
            "[default-otp-admin]",
            f"{DEVICE_COOKIES}::test_admin_with_2fa_the_cookie_comes_with_the_code_and_spares_the_owner[otp-admin-site]",
        ),
        why="anyone who knows a login name keeps its owner out of every login, from a known device too",
    ),
    Breakage(
        name="device-token-not-bound-to-the-login-name",
        source="issue 18 item 4",
        path="django_totp_native/services/throttling.py",
        old="    if not constant_time_compare(subject, _device_subject(login_name)):\n",
        new="    if False:\n",
        kills=(f"{DEVICE_COOKIES}::test_a_device_token_opens_only_its_own_account_and_only_while_genuine",),
        why="one's own device token lifts the per-account limit of any other account: unlimited guessing",
    ),
    Breakage(
        name="device-token-never-spent",
        source="issue 18 item 4",
        path="django_totp_native/services/throttling.py",
        old="    if _incr(key, timeout=conf.DEVICE_COOKIE_MAX_AGE) <= limit:\n",
        new="    if _incr(key, timeout=conf.DEVICE_COOKIE_MAX_AGE) > -1:\n",
        kills=(f"{DEVICE_COOKIES}::test_a_device_token_has_its_own_limit_and_too_many_failures_spend_it",),
        why="whoever took a device token guesses the account's password without any limit",
    ),
    Breakage(
        name="device-cookie-readable-by-scripts",
        source="issue 18 item 4",
        path="django_totp_native/throttle.py",
        old="            httponly=True,\n",
        new="            httponly=False,\n",
        kills=(f"{DEVICE_COOKIES}::test_the_device_cookie_is_http_only_same_site_lax_long_lived_and_secure_over_https",),
        why="a script injected into the site reads the device cookie and lifts the account's limit with it",
    ),
    Breakage(
        name="basic-passwords-not-counted",
        source="issue 18 item 8",
        path="django_totp_native/throttle.py",
        old="            authenticator.authenticate_credentials = _counted_password_check(authenticator.authenticate_credentials)\n",
        new="            pass\n",
        kills=(
            f"{THROTTLE_ATTACKS}::test_basic_passwords_on_the_api_stop_at_the_account_limit",
            f"{THROTTLE_ATTACKS}::test_basic_passwords_on_recovery_count_too",
        ),
        why="with HTTP Basic enabled, the app's API answers unlimited password guesses (401, then 201 for the right one)",
    ),
    Breakage(
        name="backup-code-admin-without-the-superuser-rule",
        source="issue 18 item 6",
        path="django_totp_native/admin/devices.py",
        old="class BackupCodeAdmin(SuperuserRuleMixin, ReadOnlyAdminMixin, admin.ModelAdmin):",
        new="class BackupCodeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):",
        kills=(
            f"{SUPERUSER_RULE}::test_every_action_offered_is_refused_for_a_superusers_rows[BackupCode]",
            f"{SUPERUSER_RULE}::test_the_delete_view_of_a_superusers_row_is_refused[BackupCode]",
        ),
        why="a staff member with delete_backupcode deletes a superuser's backup codes",
    ),
    Breakage(
        name="superuser-rule-guards-only-delete-selected",
        source="issue 18 item 6",
        path="django_totp_native/admin/actions.py",
        old="            name: (self._refusing_protected_owners(func), name, description)\n",
        new=(
            "            name: (self._refusing_protected_owners(func) if name == \"delete_selected\" else func,"
            " name, description)\n"
        ),
        kills=(f"{SUPERUSER_RULE}::test_an_action_added_to_a_2fa_admin_is_refused_for_a_superusers_rows",),
        why="an action a project adds to a 2FA admin changes a superuser's rows for any staff member",
    ),
    Breakage(
        name="api-answers-cacheable",
        source="issue 18 item 9",
        path="django_totp_native/drf.py",
        old="        add_never_cache_headers(response)\n",
        new="",
        kills=tuple(
            f"{NO_STORE}::test_every_answer_is_no_store[{endpoint}-success]"
            for endpoint in ("totp/create", "totp/confirm", "totp/rotate_backup_codes", "jwt/create", "jwt/totp/verify")
        ),
        why="a TOTP secret, backup codes and JWTs may be kept by a browser's disk cache or a shared proxy",
    ),
    Breakage(
        name="api-errors-cacheable",
        source="issue 18 item 9",
        path="django_totp_native/drf.py",
        old="        add_never_cache_headers(response)\n",
        new="        if response.status_code < 400:\n            add_never_cache_headers(response)\n",
        kills=(
            f"{NO_STORE}::test_every_answer_is_no_store[totp/confirm-error]",
            f"{NO_STORE}::test_every_answer_is_no_store[jwt/create-error]",
            f"{NO_STORE}::test_a_throttled_answer_is_no_store",
            f"{NO_STORE}::test_an_unavailable_answer_is_no_store",
        ),
        why="error answers (a wrong code, a wrong password, a throttle) may be cached and replayed to the next client",
    ),
    Breakage(
        name="recovery-endpoints-answer-while-off",
        source="issue 18 item 11",
        path="django_totp_native/views.py",
        old="        if not recovery.is_enabled():\n            raise NotFound(recovery.RECOVERY_DISABLED)\n",
        new="",
        kills=(
            f"{EMAIL_RECOVERY}::test_the_recovery_endpoints_are_404_and_send_nothing",
            f"{EMAIL_RECOVERY}::test_a_link_emailed_before_recovery_was_turned_off_does_not_turn_2fa_off",
        ),
        why="with TOTP_EMAIL_RECOVERY = False the API still offers recovery (answering 200 and 400, not 404)",
    ),
    Breakage(
        name="recovery-pages-while-off",
        source="issue 18 item 11",
        path="django_totp_native/session/views.py",
        old="        if not recovery.is_enabled():\n            raise Http404(recovery.RECOVERY_DISABLED)\n",
        new="",
        kills=(
            f"{EMAIL_RECOVERY}::test_the_recovery_pages_are_404_and_send_nothing",
            f"{EMAIL_RECOVERY}::test_a_link_emailed_before_recovery_was_turned_off_does_not_turn_2fa_off",
        ),
        why="with TOTP_EMAIL_RECOVERY = False the session recovery pages are still served",
    ),
    Breakage(
        name="recovery-service-ignores-the-setting",
        source="issue 18 item 11",
        path="django_totp_native/services/recovery.py",
        old="    if not is_enabled():\n        raise RecoveryDisabled()\n",
        new="",
        kills=(f"{EMAIL_RECOVERY}::test_the_service_refuses_a_valid_link_while_off",),
        why="a recovery link e-mailed before recovery was turned off still turns 2FA off through a project's own view",
    ),
    Breakage(
        name="code-page-links-recovery-while-off",
        source="issue 18 item 11",
        path="django_totp_native/templates/django_totp_native/verify.html",
        old="{% if email_recovery %}",
        new="{% if True %}",
        kills=(f"{EMAIL_RECOVERY}::test_the_code_page_does_not_offer_recovery",),
        why="with TOTP_EMAIL_RECOVERY = False the code page still sends users to a recovery page that answers 404",
    ),
    Breakage(
        name="disable-asks-for-no-new-generation",
        source="issue 18 item 5",
        path="django_totp_native/services/enrollment.py",
        old="user.pk, new_generation=True, survivor=",
        new="user.pk, new_generation=False, survivor=",
        kills=(
            f"{REVOCATION}::test_an_older_refresh_token_yields_nothing_after_disable_and_re_enrollment",
            f"{REVOCATION}::test_a_stale_jwt_cannot_enrol_the_attackers_authenticator_once_2fa_is_off",
        ),
        why="after a disable, reset or recovery an older refresh token still yields access tokens",
    ),
    Breakage(
        name="refresh-ignores-the-generation",
        source="issue 18 item 5",
        path="django_totp_native/jwt_views.py",
        old='        _refuse_revoked(request, "refresh")\n',
        new="",
        kills=(f"{REVOCATION}::test_an_older_refresh_token_yields_nothing_after_disable_and_re_enrollment",),
        why="an older refresh token yields access tokens after the user's 2FA was turned off",
    ),
    Breakage(
        name="api-ignores-the-generation",
        source="issue 18 item 5",
        path="django_totp_native/permissions.py",
        old="        if not credentials.request_is_current(request):\n            raise CredentialRevoked()\n",
        new="",
        kills=(f"{REVOCATION}::test_a_stale_jwt_cannot_enrol_the_attackers_authenticator_once_2fa_is_off",),
        why="while 2FA is off after a recovery, a stolen JWT enrolls the attacker's authenticator",
    ),
    Breakage(
        name="any-family-survives",
        source="issue 18 item 5",
        path="django_totp_native/services/credentials.py",
        old="    return bool(survivor) and isinstance(family, str) and constant_time_compare(family, survivor)\n",
        new="    return bool(survivor)\n",
        kills=(f"{REVOCATION}::test_an_older_refresh_token_yields_nothing_after_disable_and_re_enrollment",),
        why="the disable's exemption keeps every older token of the user alive, not only the disabling client's",
    ),
    Breakage(
        name="middleware-keeps-a-stale-session",
        source="issue 18 item 5",
        path="django_totp_native/session/middleware.py",
        old="        if getattr(user, \"is_authenticated\", False) and not credentials.session_is_current(request, user):\n",
        new="        if False:\n",
        kills=(f"{REVOCATION}::test_other_sessions_end_and_the_session_that_disabled_stays",),
        why="a browser signed in before the owner turned 2FA off stays signed in on the project's pages",
    ),
    Breakage(
        name="disabling-session-not-restamped",
        source="issue 18 item 5",
        path="django_totp_native/services/enrollment.py",
        old="    credentials.keep_changing_session(request, user, generation)\n",
        new="",
        kills=(f"{REVOCATION}::test_other_sessions_end_and_the_session_that_disabled_stays",),
        why="the browser that turned 2FA off is signed out by its own request",
    ),
]
