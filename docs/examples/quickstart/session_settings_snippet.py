# The session pages: added after the Quick start's settings.
MIDDLEWARE.insert(
    # after AuthenticationMiddleware: it adds request.user.is_verified()
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_totp_native.session.middleware.OTPMiddleware",
)
LOGIN_URL = "django_totp_native:login"  # or the name of your own login URL
