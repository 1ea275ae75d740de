"""django-otp's own plugin tests (its 1.7.5 source release) run against django_totp_native.otp.

Not a test module: `make compat-django-otp` (run.py) downloads the release, applies the
rewrites of rewrite.py to a copy of its otp_totp and otp_static tests and runs them through
alias packages whose models, admin and lib are ours.
"""
