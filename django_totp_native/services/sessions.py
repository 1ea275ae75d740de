"""Session state "this login passed the second factor", shared by the admin and session views."""

from __future__ import annotations

from django.utils.crypto import constant_time_compare

#: Session key holding ``"<user pk>:<session auth hash>"`` once the second factor passed.
SESSION_KEY = "_totp_verified"


def _fingerprint(user) -> str:
    # The auth hash changes with the password, so a password change (which Django uses to
    # end other sessions) also drops the verified state.
    auth_hash = user.get_session_auth_hash() if hasattr(user, "get_session_auth_hash") else ""
    return f"{user.pk}:{auth_hash}"


def mark_session_verified(request, user) -> None:
    """Record in ``request.session`` that ``user`` passed the second factor in this session.

    Call it after ``django.contrib.auth.login`` (which cycles the session key), so the
    mark lives in the session the user keeps.
    """
    request.session[SESSION_KEY] = _fingerprint(user)


def is_session_verified(request) -> bool:
    """True when the logged-in ``request.user`` passed the second factor in this session."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or session is None or not getattr(user, "is_authenticated", False):
        return False
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, str):
        return False
    return constant_time_compare(stored, _fingerprint(user))


def clear_session_verified(request) -> None:
    """Forget the verified state (e.g. after the device was reset)."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(SESSION_KEY, None)
