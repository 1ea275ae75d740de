"""Proof that a login passed the second factor: the session mark and the JWT claim.

Both are bound to the user's confirmed device (its primary key and confirmation time),
so disabling 2FA, an administrator's reset or an e-mail recovery — each deletes the
device — ends the verified state of every older session and refresh token at once,
also when the user enrolls again later. The session mark is bound to the password too.
"""

from __future__ import annotations

from typing import Optional

from django.utils.crypto import constant_time_compare

from ..models import Totp

#: Session key holding ``"<user pk>:<device proof>:<session auth hash>"`` once the
#: second factor passed.
SESSION_KEY = "_totp_verified"
#: JWT claim holding the device proof in tokens issued after the second factor.
TOKEN_CLAIM = "totp_device"


def device_proof(device: Optional[Totp]) -> Optional[str]:
    """What a credential must carry to count as verified for ``device`` (None: no 2FA)."""
    if device is None or device.confirmed_at is None:
        return None
    return f"{device.pk}.{int(device.confirmed_at.timestamp() * 1_000_000)}"


def current_device_proof(user) -> Optional[str]:
    """``device_proof`` of the user's confirmed device, read fresh; None without 2FA."""
    if user is None or getattr(user, "pk", None) is None:
        return None
    row = (
        Totp.objects.filter(user_id=user.pk, confirmed_at__isnull=False)
        .values_list("pk", "confirmed_at")
        .first()
    )
    if row is None:
        return None
    return f"{row[0]}.{int(row[1].timestamp() * 1_000_000)}"


def _fingerprint(user, proof: str) -> str:
    # The auth hash changes with the password, so a password change (which Django uses to
    # end other sessions) also drops the verified state.
    auth_hash = user.get_session_auth_hash() if hasattr(user, "get_session_auth_hash") else ""
    return f"{user.pk}:{proof}:{auth_hash}"


def mark_session_verified(request, user, device_proof: Optional[str] = None) -> None:
    """Record in ``request.session`` that ``user`` passed the second factor in this session.

    Call it after ``django.contrib.auth.login`` (which cycles the session key), so the
    mark lives in the session the user keeps. Without a confirmed device there is
    nothing to be verified for, and the mark is removed.
    """
    proof = device_proof or current_device_proof(user)
    if proof is None:
        request.session.pop(SESSION_KEY, None)
        return
    request.session[SESSION_KEY] = _fingerprint(user, proof)


def is_session_verified(request, proof: Optional[str] = None) -> bool:
    """True when the logged-in ``request.user`` passed the second factor of the device
    they have now, in this session. ``proof``: the device proof, when already read."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or session is None or not getattr(user, "is_authenticated", False):
        return False
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, str):
        return False
    proof = proof or current_device_proof(user)
    if proof is None:
        return False
    return constant_time_compare(stored, _fingerprint(user, proof))


def clear_session_verified(request) -> None:
    """Forget the verified state (e.g. after the device was reset)."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(SESSION_KEY, None)
