"""The schema and Swagger UI of a project built from the Quick start plus the OpenAPI
snippets (run by test_quickstart.py inside that project)."""

import os
import re
import sys

import django

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
django.setup()

from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()
client = Client()

schema = client.get("/api/schema/")
assert schema.status_code == 200, schema.content
assert b"jwt_totp_verify" in schema.content and b"totpEnrollmentToken" in schema.content

page = client.get("/api/schema/docs/")
assert page.status_code == 200, page.content
html = page.content.decode()
assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html, html
assert "cdn" not in html.lower() and "//unpkg" not in html, html
assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline <script> needs a CSP exception"
script = client.get("/api/schema/docs/?script=")
assert script.status_code == 200 and b"SwaggerUIBundle" in script.content, script.content[:200]
print("openapi with sidecar: ok")
