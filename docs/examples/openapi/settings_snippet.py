# The OpenAPI schema and its Swagger UI, added to the Quick start's settings.py
# (pip install "django-totp-native[openapi]" drf-spectacular-sidecar).
INSTALLED_APPS += [
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc from this site, not from a CDN
]
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "drf_spectacular.openapi.AutoSchema"
SPECTACULAR_SETTINGS = {
    "TITLE": "Example Site API",
    "COMPONENT_SPLIT_REQUEST": True,  # separate request and response components
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "django_totp_native.openapi.add_links",  # optional: the login flow's OpenAPI links
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
