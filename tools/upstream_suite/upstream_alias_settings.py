"""django-totp's test settings (django_totp_project.settings, unchanged), pointed at this app.

Only what the issue allows is changed: INSTALLED_APPS names django_totp_native instead of
django_totp, and ROOT_URLCONF serves this app's URL modules where django-totp's project
included its own. djoser and drf-spectacular (API docs; no test uses them) are left out.
"""

from django_totp_project.settings import *  # noqa: F401,F403

INSTALLED_APPS = [  # noqa: F405
    "django_totp_native" if app == "django_totp" else app
    for app in INSTALLED_APPS  # noqa: F405
    if app not in ("djoser", "drf_spectacular")
]
ROOT_URLCONF = "upstream_alias_urls"
REST_FRAMEWORK = {  # noqa: F405
    key: value for key, value in REST_FRAMEWORK.items() if key != "DEFAULT_SCHEMA_CLASS"  # noqa: F405
}
