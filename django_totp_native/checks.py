"""System checks (manage.py check / check --deploy) for the settings of this app.

Ids are stable: E001 key missing, E002 key invalid, E003 TOTP parameters invalid,
W001 default token salt (deploy), W002-W004 parameters authenticator apps ignore,
W005 step-up off (deploy), E004 invalid throttling settings (the device-token lifetime
included), W006 a cache that does not share counters between workers (deploy), E005
TOTP_ADMIN_REQUIRE_OTP on while the default admin site asks no code, W007
TOTP_ADMIN_REQUIRE_OTP set (it no longer does anything), W008 a default admin site
without a code step (deploy), W009 e-mail recovery on (deploy), W010 SimpleJWT's own
JWTAuthentication as a default class, which accepts tokens a disable ended (deploy).
"""

from django.core import checks

from .conf import DEFAULT_TOKEN_SALT, conf


@checks.register(checks.Tags.security)
def check_encryption_key(app_configs=None, **kwargs):
    from django.core.exceptions import ImproperlyConfigured

    from .services import keys

    if not conf.ENCRYPTION_KEYS:
        return [
            checks.Error(
                "TOTP_ENCRYPTION_KEY is not set.",
                hint='Generate one with: python -c "from django_totp_native.encryption import '
                'generate_fernet_key; print(generate_fernet_key())" and load it from the environment.',
                id="django_totp_native.E001",
            )
        ]
    try:
        keys.fernet()
    except ImproperlyConfigured:
        return [
            checks.Error(
                "TOTP_ENCRYPTION_KEY is not a valid Fernet key (or a list of them).",
                hint="A Fernet key is 32 random bytes in URL-safe base64 (44 characters).",
                id="django_totp_native.E002",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def check_totp_parameters(app_configs=None, **kwargs):
    messages = []
    try:
        algorithm, digits, period, tolerance = conf.ALGORITHM, conf.DIGITS, conf.PERIOD, conf.TOLERANCE
    except (TypeError, ValueError):
        return [
            checks.Error(
                "TOTP_DIGITS, TOTP_PERIOD and TOTP_TOLERANCE must be integers.",
                id="django_totp_native.E003",
            )
        ]
    if algorithm not in ("SHA1", "SHA256", "SHA512") or not 6 <= digits <= 8 or period < 1 or not 0 <= tolerance <= 10:
        messages.append(
            checks.Error(
                "Invalid TOTP parameters.",
                hint="TOTP_ALGORITHM must be SHA1, SHA256 or SHA512; TOTP_DIGITS 6 to 8; "
                "TOTP_PERIOD at least 1; TOTP_TOLERANCE 0 to 10.",
                id="django_totp_native.E003",
            )
        )
        return messages
    if algorithm != "SHA1":
        messages.append(
            checks.Warning(
                f"TOTP_ALGORITHM is {algorithm}.",
                hint="Google Authenticator and several other apps ignore the algorithm and use SHA1, "
                "so their codes will be rejected.",
                id="django_totp_native.W002",
            )
        )
    if digits != 6:
        messages.append(
            checks.Warning(
                f"TOTP_DIGITS is {digits}.",
                hint="Some popular authenticator apps always show 6 digits.",
                id="django_totp_native.W003",
            )
        )
    if period != 30:
        messages.append(
            checks.Warning(
                f"TOTP_PERIOD is {period}.",
                hint="Some popular authenticator apps ignore the period and use 30 seconds.",
                id="django_totp_native.W004",
            )
        )
    return messages


@checks.register(checks.Tags.security, deploy=True)
def check_deploy(app_configs=None, **kwargs):
    messages = []
    if conf.TOKEN_SALT == DEFAULT_TOKEN_SALT:
        messages.append(
            checks.Warning(
                "TOTP_TOKEN_SALT has its default value.",
                hint="Set a project-specific value (and keep it stable) before going to production.",
                id="django_totp_native.W001",
            )
        )
    if not conf.REQUIRE_CODE_FOR_CHANGES:
        messages.append(
            checks.Warning(
                "TOTP_REQUIRE_CODE_FOR_CHANGES is off: a stolen session can disable 2FA or rotate backup codes.",
                hint="Set TOTP_REQUIRE_CODE_FOR_CHANGES = True once your front end sends otp_code or "
                "backup_code with disable and rotate_backup_codes.",
                id="django_totp_native.W005",
            )
        )
    return messages


@checks.register(checks.Tags.security, deploy=True)
def check_email_recovery(app_configs=None, **kwargs):
    """On by default to stay compatible with django-totp, e-mail recovery makes the second
    factor as strong as the mailbox: said once, at deploy time, for the site to decide."""
    if not conf.EMAIL_RECOVERY:
        return []
    return [
        checks.Warning(
            "TOTP_EMAIL_RECOVERY is on: whoever can read a user's e-mail and knows the password "
            "can turn the user's 2FA off.",
            hint="Set TOTP_EMAIL_RECOVERY = False to leave lost devices to administrators (reset in the "
            "admin or with totp_reset), or add django_totp_native.W009 to SILENCED_SYSTEM_CHECKS "
            "to keep recovery by e-mail on purpose.",
            id="django_totp_native.W009",
        )
    ]


_SIMPLEJWT_AUTHENTICATION = "rest_framework_simplejwt.authentication.JWTAuthentication"


@checks.register(checks.Tags.security, deploy=True)
def check_jwt_authentication(app_configs=None, **kwargs):
    """SimpleJWT's own class knows nothing of credential generations: the project's views
    accept a token that a disable, reset or recovery ended (this app's endpoints do not)."""
    from django.conf import settings

    rest_framework = getattr(settings, "REST_FRAMEWORK", None)
    classes = rest_framework.get("DEFAULT_AUTHENTICATION_CLASSES", ()) if isinstance(rest_framework, dict) else ()
    if _SIMPLEJWT_AUTHENTICATION not in classes:
        return []
    return [
        checks.Warning(
            "REST_FRAMEWORK's DEFAULT_AUTHENTICATION_CLASSES has SimpleJWT's JWTAuthentication: your "
            "views accept a token after the user's 2FA was turned off, reset or recovered.",
            hint="Use \"django_totp_native.authentication.JWTAuthentication\" in its place.",
            id="django_totp_native.W010",
        )
    ]


@checks.register(checks.Tags.security)
def check_throttling(app_configs=None, **kwargs):
    problems = []
    try:
        if conf.NUM_PROXIES < 0:
            problems.append("TOTP_NUM_PROXIES must be 0 (no proxy) or the number of trusted proxies")
    except (TypeError, ValueError):
        problems.append("TOTP_NUM_PROXIES (or REST_FRAMEWORK['NUM_PROXIES']) must be an integer")
    for name in ("LOGIN_FAILURES_PER_ACCOUNT", "RECOVERY_EMAILS_PER_ACCOUNT", "RECOVERY_EMAILS_PER_ADDRESS"):
        try:
            value = getattr(conf, name)
        except (TypeError, ValueError):
            value = 0
        if value is not None and value < 1:
            problems.append(f"TOTP_{name} must be a positive integer, or None for no limit")
    try:
        device_cookie_max_age = conf.DEVICE_COOKIE_MAX_AGE
    except (TypeError, ValueError):
        device_cookie_max_age = 0
    if device_cookie_max_age is not None and device_cookie_max_age < 1:
        problems.append(
            "TOTP_DEVICE_COOKIE_MAX_AGE must be a number of seconds, at least 1, or None for no device tokens"
        )
    for name in ("LOGIN_FAILURE_WINDOW", "RECOVERY_EMAIL_WINDOW"):
        try:
            value = getattr(conf, name)
        except (TypeError, ValueError):
            value = 0
        if value < 1:
            problems.append(f"TOTP_{name} must be a number of seconds, at least 1")
    return [
        checks.Error(f"{problem}.", hint="See the settings reference in the documentation (docs/settings.md).", id="django_totp_native.E004")
        for problem in problems
    ]


# Backends whose counters are not shared by every worker (or not kept at all, or not
# incremented atomically): the throttles and per-account limits are weaker than documented.
_NON_SHARED_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache": "counts per process",
    "django.core.cache.backends.dummy.DummyCache": "keeps nothing, so nothing is limited",
    "django.core.cache.backends.filebased.FileBasedCache": "does not increment atomically",
    "django.core.cache.backends.db.DatabaseCache": "does not increment atomically",
}


@checks.register(checks.Tags.security, deploy=True)
def check_throttle_cache(app_configs=None, **kwargs):
    from django.conf import settings

    backend = (getattr(settings, "CACHES", None) or {}).get("default", {}).get("BACKEND", "")
    if backend not in _NON_SHARED_CACHES:
        return []
    return [
        checks.Warning(
            f"The default cache ({backend.rsplit('.', 1)[-1]}) {_NON_SHARED_CACHES[backend]}.",
            hint="The throttles, the per-account password limit and the recovery e-mail limits count in "
            "the default cache; use Redis or Memcached shared by every worker.",
            id="django_totp_native.W006",
        )
    ]


# The admin ----------------------------------------------------------------------------------

#: The default admin sites that ask users with 2FA for a code: this app's, and django-otp's.
_OTP_SITE_CLASSES = ("django_totp_native.admin_site.OTPAdminSiteMixin", "django_otp.admin.OTPAdminSite")


def _default_admin_site():
    """The default admin site's class, or None without django.contrib.admin."""
    from django.apps import apps

    if not apps.is_installed("django.contrib.admin"):
        return None
    from django.contrib import admin

    return admin.site.__class__  # the lazy default site's real class


def _default_site_asks_for_a_code(site_class) -> bool:
    # By name: importing django-otp's admin needs django-otp installed.
    return any(f"{cls.__module__}.{cls.__qualname__}" in _OTP_SITE_CLASSES for cls in site_class.__mro__)


_USE_OTP_ADMIN_CONFIG = (
    'Put "django_totp_native.admin_apps.OTPAdminConfig" in INSTALLED_APPS instead of '
    '"django.contrib.admin" (or use django_totp_native.admin.OTPAdminSite as a second site).'
)


@checks.register(checks.Tags.security)
def check_admin_require_otp(app_configs=None, **kwargs):
    """TOTP_ADMIN_REQUIRE_OTP used to give the default admin site the code step on import;
    the app no longer changes any site, so a project that relied on it would lose the code
    step without a word. An error while it asks for what no longer happens, a warning
    while it is merely left over."""
    from django.conf import settings

    if not hasattr(settings, "TOTP_ADMIN_REQUIRE_OTP"):
        return []
    site_class = _default_admin_site()
    if conf.ADMIN_REQUIRE_OTP and site_class is not None and not _default_site_asks_for_a_code(site_class):
        return [
            checks.Error(
                "TOTP_ADMIN_REQUIRE_OTP = True no longer changes the default admin site, and it "
                f"({site_class.__qualname__}) does not ask users with 2FA for a code.",
                hint=_USE_OTP_ADMIN_CONFIG + " Then remove TOTP_ADMIN_REQUIRE_OTP.",
                id="django_totp_native.E005",
            )
        ]
    return [
        checks.Warning(
            "TOTP_ADMIN_REQUIRE_OTP no longer does anything.",
            hint="Remove it: the admin asks for the code when its site is OTPAdminSite "
            "(django_totp_native.admin_apps.OTPAdminConfig).",
            id="django_totp_native.W007",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_admin_site(app_configs=None, **kwargs):
    site_class = _default_admin_site()
    if site_class is None or _default_site_asks_for_a_code(site_class):
        return []
    return [
        checks.Warning(
            f"The default admin site ({site_class.__qualname__}) logs staff with 2FA in with the "
            "password alone and does not limit password guesses per account.",
            hint=_USE_OTP_ADMIN_CONFIG,
            id="django_totp_native.W008",
        )
    ]
