"""Proof that a login passed the second factor (the session mark and the JWT claim), and the
session's record of a login waiting for its code.

Both proofs are bound to the user's confirmed device (its primary key and confirmation time),
so disabling 2FA, an administrator's reset or an e-mail recovery — each deletes the
device — ends the verified state of every older session and refresh token at once,
also when the user enrolls again later. The session mark is bound to the password too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from django.contrib import auth
from django.utils.crypto import constant_time_compare
from django.views.decorators.debug import sensitive_variables

from ..models import Totp

#: Session key holding ``"<user pk>:<device proof>:<session auth hash>"`` once the
#: second factor passed.
SESSION_KEY = "_totp_verified"
#: JWT claim holding the device proof in tokens issued after the second factor.
TOKEN_CLAIM = "totp_device"
#: Session key of a login that passed the password and waits for the second factor, the
#: same for the session pages and every OTP admin site (see ``start_pending_login``).
PENDING_LOGIN_KEY = "_totp_pending_login"
#: Session key of the login name of a pending login whose challenge expired: the password
#: page of the same session offers it again (``expire_pending_login``).
EXPIRED_LOGIN_USERNAME_KEY = "_totp_expired_login_username"


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


# A login between the password and the code -------------------------------------------


@dataclass(frozen=True)
class PendingLogin:
    """What the session keeps of a login that passed the password and waits for the code."""

    #: The challenge token (``challenges.issue``): kept in the session, never shown to the
    #: browser; it names the user and is spent by the login it completes.
    token: str
    #: The authentication backend that accepted the password (``login()`` needs it).
    backend: Optional[str]
    #: The login name, to show on the code page.
    username: str
    #: Where to go once signed in; the front end checked it and checks it again when used.
    next: str


@sensitive_variables()
def start_pending_login(request, user, *, backend: Optional[str], next_url: str = "") -> None:
    """Record in the session that ``user`` passed the password and must give a code next.

    The session is not signed in: ``sign_in`` does that once the code passed. A new
    password step replaces a pending login of this session.
    """
    from . import challenges  # challenges imports this module (device_proof)

    request.session[PENDING_LOGIN_KEY] = {
        "token": challenges.issue(user),
        "backend": backend,
        "username": user.get_username(),
        "next": next_url or "",
    }


@sensitive_variables()
def pending_login(request) -> Optional[PendingLogin]:
    """The session's pending login, or None (also for a value this module did not write)."""
    stored = request.session.get(PENDING_LOGIN_KEY)
    if not isinstance(stored, dict) or not isinstance(stored.get("token"), str):
        return None

    def text(name) -> str:
        value = stored.get(name)
        return value if isinstance(value, str) else ""

    return PendingLogin(token=stored["token"], backend=text("backend") or None, username=text("username"),
                        next=text("next"))


def end_pending_login(request) -> None:
    """Forget the session's pending login (completed, cancelled, expired or recovered)."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(PENDING_LOGIN_KEY, None)


def expire_pending_login(request, pending: Optional[PendingLogin]) -> None:
    """End a pending login whose challenge expired, keeping its login name for the password
    page this session is sent back to (``expired_login_username``): the user who typed it
    types only the password again."""
    end_pending_login(request)
    session = getattr(request, "session", None)
    if session is not None and pending is not None and pending.username:
        session[EXPIRED_LOGIN_USERNAME_KEY] = pending.username


def expired_login_username(request) -> str:
    """The login name ``expire_pending_login`` kept, once (it is forgotten when read)."""
    session = getattr(request, "session", None)
    value = session.pop(EXPIRED_LOGIN_USERNAME_KEY, "") if session is not None else ""
    return value if isinstance(value, str) else ""


def sign_in(request, login, *, backend: Optional[str]) -> None:
    """Sign ``login.user`` (a ``challenges.Login``) in to this session as verified: the
    pending login ends, ``login()`` cycles the session key (session fixation) and the
    verified mark goes into the session the user keeps."""
    end_pending_login(request)
    auth.login(request, login.user, backend=backend)
    mark_session_verified(request, login.user, login.device_proof)
