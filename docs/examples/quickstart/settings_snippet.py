# django-totp-native: added to the settings.py that `django-admin startproject` wrote.
import os

INSTALLED_APPS += [
    "rest_framework",
    "django_totp_native",
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # SimpleJWT's Bearer tokens, refused once a disable, reset or recovery ended them.
        "django_totp_native.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}

# Made once, then kept with the site's other secrets: what is sealed with a lost key
# cannot be opened again.
TOTP_ENCRYPTION_KEY = os.environ["TOTP_ENCRYPTION_KEY"]
TOTP_TOKEN_SALT = os.environ["TOTP_TOKEN_SALT"]  # any stable, project-specific string
TOTP_ISSUER = "Example Site"  # the name authenticator apps show next to the code
