"""Settings of django_totp_native, read from django.conf.settings on every access."""

from django.conf import settings as django_settings

DEFAULT_TOKEN_SALT = "django-totp-token-salt"


class TotpSettings:
    """One property per setting; nothing is cached, so override_settings always applies.

    The names and defaults of the django-totp settings are kept unchanged so that a
    project switching packages keeps its configuration.
    """

    def _get(self, name, default):
        return getattr(django_settings, name, default)

    # django-totp settings ---------------------------------------------------------

    @property
    def ENCRYPTION_KEYS(self) -> list:
        """TOTP_ENCRYPTION_KEY as a list: a single Fernet key, or several (first encrypts,
        every key decrypts). Empty when unset."""
        raw = self._get("TOTP_ENCRYPTION_KEY", None)
        if raw is None or raw == "" or raw == b"":
            return []
        if isinstance(raw, (list, tuple)):
            return [k for k in raw]
        return [raw]

    @property
    def ISSUER(self) -> str:
        """Issuer label shown in authenticator apps (TOTP_ISSUER, default "MyApp")."""
        return self._get("TOTP_ISSUER", "MyApp")

    @property
    def MAX_BACKUP_CODES(self) -> int:
        """Number of backup codes in a set (TOTP_MAX_BACKUP_CODES, default 10)."""
        return int(self._get("TOTP_MAX_BACKUP_CODES", 10))

    @property
    def THROTTLE_RATE(self) -> str:
        """DRF rate for every endpoint of this app (TOTP_THROTTLE_RATE, default "10/minute")."""
        return self._get("TOTP_THROTTLE_RATE", "10/minute")

    @property
    def TOKEN_SALT(self) -> str:
        """Salt that separates challenge-token keys (TOTP_TOKEN_SALT)."""
        return self._get("TOTP_TOKEN_SALT", DEFAULT_TOKEN_SALT)

    @property
    def TOKEN_MAX_AGE(self) -> int:
        """Lifetime of a login challenge token in seconds (TOTP_TOKEN_MAX_AGE, default 120)."""
        return int(self._get("TOTP_TOKEN_MAX_AGE", 120))

    @property
    def RECOVERY_EMAIL_TEMPLATE(self) -> str:
        """Template of the recovery e-mail (TOTP_RECOVERY_EMAIL_TEMPLATE)."""
        return self._get("TOTP_RECOVERY_EMAIL_TEMPLATE", "email/totp_recovery.html")

    @property
    def DISABLED_EMAIL_TEMPLATE(self) -> str:
        """Template of the "2FA was disabled" e-mail (TOTP_DISABLED_EMAIL_TEMPLATE)."""
        return self._get("TOTP_DISABLED_EMAIL_TEMPLATE", "email/totp_disabled.html")

    @property
    def RECOVERY_CONFIRM_URL(self) -> str:
        """Front-end path of the recovery link, with {uid} and {token} (TOTP_RECOVERY_CONFIRM_URL)."""
        return self._get("TOTP_RECOVERY_CONFIRM_URL", "/totp-recovery/{uid}/{token}")

    @property
    def DOMAIN(self) -> str:
        """Domain used in e-mailed links (DOMAIN, default "localhost:3000")."""
        return self._get("DOMAIN", "localhost:3000")

    @property
    def PROTOCOL(self) -> str:
        """Scheme used in e-mailed links (PROTOCOL, default "http")."""
        return self._get("PROTOCOL", "http")

    @property
    def SITE_NAME(self) -> str:
        """Site name used in e-mails (SITE_NAME, default "localhost")."""
        return self._get("SITE_NAME", "localhost")

    # Additions ------------------------------------------------------------------------

    @property
    def ALGORITHM(self) -> str:
        """HMAC hash of TOTP codes: "SHA1" (default), "SHA256" or "SHA512" (TOTP_ALGORITHM)."""
        return str(self._get("TOTP_ALGORITHM", "SHA1")).upper()

    @property
    def DIGITS(self) -> int:
        """Code length, 6 (default) to 8 (TOTP_DIGITS)."""
        return int(self._get("TOTP_DIGITS", 6))

    @property
    def PERIOD(self) -> int:
        """Seconds per code (TOTP_PERIOD, default 30)."""
        return int(self._get("TOTP_PERIOD", 30))

    @property
    def TOLERANCE(self) -> int:
        """Accepted clock drift in periods either side of now (TOTP_TOLERANCE, default 1)."""
        return int(self._get("TOTP_TOLERANCE", 1))

    @property
    def MAX_FAILURES(self) -> int:
        """Failed codes in a row after which the account is locked until a success is
        impossible: an administrator must unlock it (TOTP_MAX_FAILURES, default 10)."""
        return int(self._get("TOTP_MAX_FAILURES", 10))

    @property
    def BACKOFF_AFTER(self) -> int:
        """Failures in a row tolerated before exponential backoff starts (TOTP_BACKOFF_AFTER, default 3)."""
        return int(self._get("TOTP_BACKOFF_AFTER", 3))

    @property
    def BACKOFF_BASE(self) -> float:
        """First backoff delay in seconds; it doubles with every further failure (TOTP_BACKOFF_BASE, default 1)."""
        return float(self._get("TOTP_BACKOFF_BASE", 1))

    @property
    def BACKOFF_MAX(self) -> float:
        """Upper bound of one backoff delay in seconds (TOTP_BACKOFF_MAX, default 300)."""
        return float(self._get("TOTP_BACKOFF_MAX", 300))

    @property
    def REQUIRE_CODE_FOR_CHANGES(self) -> bool:
        """Disable and rotate require a fresh code or backup code (TOTP_REQUIRE_CODE_FOR_CHANGES, default False)."""
        return bool(self._get("TOTP_REQUIRE_CODE_FOR_CHANGES", False))

    @property
    def ENROLLMENT_TOKEN_MAX_AGE(self) -> int:
        """Lifetime in seconds of the enrollment token /api/jwt/create/ gives a user who
        must enroll first (TOTP_ENROLLMENT_TOKEN_MAX_AGE, default 900)."""
        return int(self._get("TOTP_ENROLLMENT_TOKEN_MAX_AGE", 900))

    @property
    def ADMIN_REQUIRE_OTP(self) -> bool:
        """Deprecated (TOTP_ADMIN_REQUIRE_OTP, default False): it used to give the default
        admin site the code step on import. No site reads it now; the system checks E005
        and W007 tell a project that sets it to use ``admin_apps.OTPAdminConfig``."""
        return bool(self._get("TOTP_ADMIN_REQUIRE_OTP", False))

    @property
    def ADMIN_PATCH_USER_ADMIN(self) -> bool:
        """With ``admin_apps.OTPAdminConfig``: re-register a user model that uses Django's
        stock UserAdmin with the 2FA columns, filter and actions (TOTP_ADMIN_PATCH_USER_ADMIN,
        default True; read when the admin is loaded)."""
        return bool(self._get("TOTP_ADMIN_PATCH_USER_ADMIN", True))

    @property
    def NUM_PROXIES(self) -> int:
        """Trusted reverse proxies in front of the app (TOTP_NUM_PROXIES, default 0: the
        client is REMOTE_ADDR and X-Forwarded-For is ignored). With N, the client is the
        N-th X-Forwarded-For entry from the right. Unset, DRF's NUM_PROXIES is used when a
        project set it explicitly."""
        value = self._get("TOTP_NUM_PROXIES", None)
        if value is None:
            value = (getattr(django_settings, "REST_FRAMEWORK", None) or {}).get("NUM_PROXIES")
        return int(value or 0)

    @property
    def LOGIN_FAILURES_PER_ACCOUNT(self):
        """Failed passwords for one login name within TOTP_LOGIN_FAILURE_WINDOW after which
        its password step is refused, from any address (TOTP_LOGIN_FAILURES_PER_ACCOUNT,
        default 10; None turns the limit off)."""
        value = self._get("TOTP_LOGIN_FAILURES_PER_ACCOUNT", 10)
        return None if value is None else int(value)

    @property
    def LOGIN_FAILURE_WINDOW(self) -> int:
        """Seconds over which failed passwords are counted (TOTP_LOGIN_FAILURE_WINDOW, default 900)."""
        return int(self._get("TOTP_LOGIN_FAILURE_WINDOW", 900))

    @property
    def DEVICE_COOKIE_MAX_AGE(self):
        """Lifetime in seconds of a device token (TOTP_DEVICE_COOKIE_MAX_AGE, default 15552000:
        180 days; None turns device tokens off). A successful login hands the browser (a
        cookie) or the JWT client (``device_token``) a token for the account; a later password
        step that presents it is limited on its own, not by the account's shared
        TOTP_LOGIN_FAILURES_PER_ACCOUNT, so guessing elsewhere cannot lock that device out."""
        value = self._get("TOTP_DEVICE_COOKIE_MAX_AGE", 15552000)  # 180 days
        return None if value is None else int(value)

    @property
    def EMAIL_RECOVERY(self) -> bool:
        """Recovery by e-mail (TOTP_EMAIL_RECOVERY, default True, as in django-totp): a
        link e-mailed to the account's address and the current password turn 2FA off. False
        removes it: the link on the code page, the session pages and the API endpoints
        (404), and a link sent before does nothing while it is off."""
        return bool(self._get("TOTP_EMAIL_RECOVERY", True))

    @property
    def RECOVERY_EMAILS_PER_ACCOUNT(self):
        """Recovery e-mails one account receives within TOTP_RECOVERY_EMAIL_WINDOW
        (TOTP_RECOVERY_EMAILS_PER_ACCOUNT, default 3; None: no limit)."""
        value = self._get("TOTP_RECOVERY_EMAILS_PER_ACCOUNT", 3)
        return None if value is None else int(value)

    @property
    def RECOVERY_EMAILS_PER_ADDRESS(self):
        """Recovery e-mails requests from one client address cause within
        TOTP_RECOVERY_EMAIL_WINDOW (TOTP_RECOVERY_EMAILS_PER_ADDRESS, default 10; None: no limit)."""
        value = self._get("TOTP_RECOVERY_EMAILS_PER_ADDRESS", 10)
        return None if value is None else int(value)

    @property
    def RECOVERY_EMAIL_WINDOW(self) -> int:
        """Seconds over which recovery e-mails are counted (TOTP_RECOVERY_EMAIL_WINDOW, default 3600)."""
        return int(self._get("TOTP_RECOVERY_EMAIL_WINDOW", 3600))


conf = TotpSettings()
