"""Example project of django-totp-native: API, JWT, recovery, OTP admin and session pages."""
