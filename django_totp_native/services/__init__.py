"""Flows of django_totp_native: the only layer that calls the native core and owns transactions."""
