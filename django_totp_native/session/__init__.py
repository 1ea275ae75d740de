"""Session-based 2FA for server-rendered sites: middleware, decorator, mixin, pages and login.

"Verified" has django-otp's meaning: the user passed a second factor (a TOTP code or a
backup code) in this session. A user without 2FA is authenticated but never verified.
"""
