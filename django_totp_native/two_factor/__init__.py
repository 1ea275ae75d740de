"""django-two-factor-auth on our devices: its ``generator`` method sets up and verifies
``django_totp_native.otp.TOTPDevice`` (sealed key, native verify) and its backup tokens are
our hashed ``StaticDevice`` tokens, shown once.

Install with the ``[two-factor]`` extra and list ``django_totp_native.two_factor`` after
``two_factor`` in INSTALLED_APPS (README, "Using with django-two-factor-auth"). Nothing here
is imported by the rest of the package, which works without django-two-factor-auth.
"""
