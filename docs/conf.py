"""Sphinx configuration of the django-totp-native documentation (`make docs`)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "django-totp-native"
author = "django-totp-native contributors"
copyright = "django-totp-native contributors"
release = version = "0.1.0"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "openapi_reference",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "examples", "requirements.txt"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 4

html_theme = "furo"
html_title = "django-totp-native"
html_static_path = []

# The native core's docstrings start with their signature line (as the .pyi stub does).
autodoc_docstring_signature = True
autodoc_member_order = "bysource"
autodoc_typehints = "signature"

# autodoc imports django_totp_native.core (the built extension in .venv); nothing of it
# needs Django settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
nitpicky = False
