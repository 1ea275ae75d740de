"""django-two-factor-auth's own test suite (its 1.18.1 release) run with our app installed.

Not a test module: `make compat-two-factor` (run.py) downloads the release, puts its
tests/test_*.py beside the helpers of the repository's 1.18.1 tag (upstream/, MIT, with
its LICENSE) and runs them with django_totp_native.two_factor taking over `generator`.
"""
