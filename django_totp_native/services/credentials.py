"""Credential generations: turning 2FA off, an administrator's reset and an e-mail recovery
end every session and JWT of the user issued before, except the one that made the change.

The user's ``SecondFactorState`` row holds a credential generation, raised by each of those
changes in the statement that locks the row (``attempts.lock_user``). Every credential
records the generation it was issued under:

- a session, at ``django.contrib.auth.login`` (the ``user_logged_in`` signal), under
  ``SESSION_KEY``; a session older than this mechanism counts as generation 0;
- a JWT from this app (``jwt_tokens.tokens_for``), in the ``totp_gen`` claim, with a
  ``totp_cid`` claim naming its family: the refresh token and every access token made
  from it share both (SimpleJWT copies claims into access tokens and keeps them when
  refresh tokens rotate). A JWT without the claim counts as generation 0.

A credential is current when its generation is the user's, or when it belongs to the
token family that made the last change (``surviving_credential``): the client that turned
2FA off is not signed out by its own request; a session that made the change is
re-stamped with the new generation instead. Other kinds of credential are not stamped:
HTTP Basic checks the password on each request, an enrollment token is bound to the
generation itself (``enrollment_tokens``), and DRF's ``authtoken`` tokens of the user are
deleted by the change (``revoke_other_credentials``).

Where it is checked: this app's API (``permissions.HasSecondFactor``), ``/api/jwt/refresh/``
and ``/api/jwt/verify/``, ``authentication.JWTAuthentication`` for a project's own views,
``OTPMiddleware`` (a stale session is signed out) and the OTP admin sites.
"""

from __future__ import annotations

import secrets
from typing import Optional

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.utils.crypto import constant_time_compare
from django.views.decorators.debug import sensitive_variables

from ..models import SecondFactorState
from . import attempts

#: Session key holding the credential generation the session was signed in under.
SESSION_KEY = "_totp_generation"
#: JWT claim: the credential generation the token was issued under.
GENERATION_CLAIM = "totp_gen"
#: JWT claim: the id of the token family (one login's refresh token and what came of it).
FAMILY_CLAIM = "totp_cid"


def generation_of(user_pk) -> tuple[int, str]:
    """(credential generation, surviving token family) of the user; (0, "") without a row."""
    row = (
        SecondFactorState.objects.using(attempts.database())
        .filter(pk=user_pk)
        .values_list("credential_generation", "surviving_credential")
        .first()
    )
    return (0, "") if row is None else (int(row[0]), row[1] or "")


# Stamping -------------------------------------------------------------------------------


@sensitive_variables("token")
def stamp_token(token, user_pk, generation: Optional[int] = None) -> None:
    """Record the user's generation (``generation``: already read) and a new family id in a
    SimpleJWT refresh token."""
    token[GENERATION_CLAIM] = generation_of(user_pk)[0] if generation is None else generation
    token[FAMILY_CLAIM] = secrets.token_hex(16)


def stamp_session(session, user_pk, generation: Optional[int] = None) -> None:
    """Record in ``session`` the generation it is signed in under (now: the user's)."""
    session[SESSION_KEY] = generation_of(user_pk)[0] if generation is None else generation


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: a new session carries the user's generation."""
    session = getattr(request, "session", None)
    if session is not None and getattr(user, "pk", None) is not None:
        stamp_session(session, user.pk)


# Checking -------------------------------------------------------------------------------


@sensitive_variables("payload", "family")
def token_is_current(payload, user_pk) -> bool:
    """Is a JWT with these claims still valid for the user (not ended by a change since)?"""
    if not isinstance(payload, dict):
        return False
    generation, survivor = generation_of(user_pk)
    claimed = payload.get(GENERATION_CLAIM, 0)
    if type(claimed) is int and claimed == generation:
        return True
    family = payload.get(FAMILY_CLAIM)
    return bool(survivor) and isinstance(family, str) and constant_time_compare(family, survivor)


def session_is_current(request, user=None) -> bool:
    """Is the signed-in session of ``request.user`` (or ``user``, when the caller is
    resolving it) still valid: no change since its login?"""
    user = getattr(request, "user", None) if user is None else user
    session = getattr(request, "session", None)
    if session is None or user is None or not getattr(user, "is_authenticated", False):
        return True  # nothing signed in: nothing to end
    stored = session.get(SESSION_KEY, 0)
    return type(stored) is int and stored == generation_of(user.pk)[0]


def end_stale_session(request) -> bool:
    """Sign a session out when a change since its login ended it; True when it did.

    ``request.user`` becomes anonymous. The session is flushed rather than passed through
    ``auth.logout`` (which resolves ``request.user``, possibly the caller's lazy object).
    """
    if session_is_current(request):
        return False
    request.session.flush()
    request.user = AnonymousUser()
    return True


def _token_payload(request) -> Optional[dict]:
    # SimpleJWT's tokens keep their claims in ``payload``; other credentials have none.
    payload = getattr(getattr(request, "auth", None), "payload", None)
    return payload if isinstance(payload, dict) else None


def _is_session_credential(request) -> bool:
    # A DRF request: its credential is the session only when SessionAuthentication
    # accepted it. A plain Django request (the session pages, the admin): the session.
    if hasattr(request, "successful_authenticator"):
        from rest_framework.authentication import SessionAuthentication

        return isinstance(request.successful_authenticator, SessionAuthentication)
    return getattr(request, "session", None) is not None


@sensitive_variables("payload")
def request_is_current(request) -> bool:
    """Is the credential of a DRF or Django request still valid? Credentials that carry no
    generation (Basic, enrollment tokens, ``force_authenticate``) are left to their own rules."""
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return True
    payload = _token_payload(request)
    if payload is not None:
        return token_is_current(payload, user.pk)
    if _is_session_credential(request):
        return session_is_current(request)
    return True


# Changing -------------------------------------------------------------------------------


@sensitive_variables("payload")
def surviving_family(request, user) -> str:
    """The token family of the request's JWT when it is the user's own, else "": the one
    credential a change made with it does not end."""
    if request is None or getattr(getattr(request, "user", None), "pk", None) != user.pk:
        return ""
    family = (_token_payload(request) or {}).get(FAMILY_CLAIM)
    return family if isinstance(family, str) and len(family) <= 32 else ""


def keep_changing_session(request, user, generation: int) -> None:
    """After a change of generation: the session that made it (the user's own) keeps going."""
    if request is None or getattr(getattr(request, "user", None), "pk", None) != user.pk:
        return
    if _is_session_credential(request):
        stamp_session(request.session, user.pk, generation)


@sensitive_variables("keep", "tokens")
def revoke_other_credentials(request, user) -> None:
    """Delete the user's DRF ``authtoken`` tokens (when that app is installed), except the
    one the request authenticated with: they carry no generation to check."""
    if not apps.is_installed("rest_framework.authtoken"):
        return
    from rest_framework.authtoken.models import Token

    tokens = Token.objects.filter(user_id=user.pk)
    keep = getattr(getattr(request, "auth", None), "key", None) if request is not None else None
    if isinstance(keep, str) and getattr(getattr(request, "user", None), "pk", None) == user.pk:
        tokens = tokens.exclude(key=keep)
    tokens.delete()
