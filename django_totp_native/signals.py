"""Signals sent (with send_robust) at the same moments as django-totp's, plus an audit signal.

Every signal is sent with ``sender`` (the view class or service), ``request`` (may be None
outside a request) and ``user``.
"""

from django.dispatch import Signal

#: Enrollment confirmed with a first valid code.
totp_created = Signal()
#: TOTP removed from an account (by the user or through recovery).
totp_disabled = Signal()
#: A fresh backup-code set replaced the previous one.
backup_codes_rotated = Signal()
#: Login completed with a TOTP code or a backup code.
totp_login_succeeded = Signal()
#: Login completed by a user without TOTP.
non_totp_login_succeeded = Signal()
#: TOTP disabled through the e-mailed recovery link.
totp_recovery_succeeded = Signal()
#: A code or backup code was rejected; also receives ``reason`` (never the code).
totp_verification_failed = Signal()
#: An administrator required 2FA for ``user`` (the admin is ``request.user``).
totp_required = Signal()
#: An administrator stopped requiring 2FA for ``user``.
totp_requirement_removed = Signal()
#: An administrator cleared the failed attempts and lock of ``user``'s device.
totp_unlocked = Signal()
