"""Who is asking, and how often: the client address of every throttle, per-account limits on
the password step (with the device tokens that exempt a known browser or client from the
account's shared count), and limits on recovery e-mails.

Every limit counts in Django's default cache with atomic ``add`` + ``incr`` (Redis and
Memcached are shared by all workers; LocMemCache counts per process). A counter is
reserved *before* the guarded work runs, so concurrent requests cannot all slip under
the limit, and handed back when the work turns out not to count (a correct password).

A limit of N per window W is enforced over two adjacent fixed windows: a request is
allowed only while the current and the previous window together hold fewer than N, so
any W seconds contain at most N counted events.
"""

from __future__ import annotations

import ipaddress
import math
import time
import unicodedata
from typing import Optional

from django.core.cache import cache
from django.utils.crypto import constant_time_compare, salted_hmac
from django.views.decorators.debug import sensitive_variables

from .. import core
from ..conf import conf
from . import keys
from .errors import LockedOut

_KEY_PREFIX = "totp_native:limit"
_now = time.time  # tests move the clock here
_HASH_SALT = "django_totp_native.services.throttling"


class TooManyAttempts(LockedOut):
    """The password step for this login name is refused for ``retry_after`` seconds.

    A LockedOut, so API views answer 429 with Retry-After; the message names no account.
    """

    code = "too_many_attempts"


# Client address -------------------------------------------------------------------------


def _parse_address(text: str):
    """An ip_address from a REMOTE_ADDR or X-Forwarded-For entry (port allowed), else None."""
    text = text.strip()
    if text.startswith("["):  # "[2001:db8::1]:443"
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # "203.0.113.7:5678"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_address(request) -> str:
    """The address of the client that sent ``request``: REMOTE_ADDR, unless
    ``TOTP_NUM_PROXIES`` names N trusted proxies; then the N-th entry of X-Forwarded-For
    counted from the right (the address the outermost trusted proxy saw).

    Entries left of that one are written by the client and never used. When the header
    is missing, has fewer than N entries or the entry is not an address, REMOTE_ADDR is
    used: a request that did not pass every proxy gets no say in who it is.
    """
    meta = request.META
    remote = meta.get("REMOTE_ADDR") or ""
    proxies = conf.NUM_PROXIES
    if proxies > 0:
        hops = [hop.strip() for hop in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= proxies:
            address = _parse_address(hops[-proxies])
            if address is not None:
                return str(address)
    address = _parse_address(remote)
    return str(address) if address is not None else remote


def client_ident(request) -> str:
    """The key of per-address limits: the client address, with IPv6 clients grouped by
    their /64 (one subscriber's network), so that rotating addresses inside it gains
    nothing."""
    address = client_address(request)
    parsed = _parse_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address


# Counters -------------------------------------------------------------------------------


def _digest(kind: str, subject: str) -> str:
    """Keyed hash of a subject, so no login name or e-mail address lands in a cache key."""
    return salted_hmac(f"{_HASH_SALT}.{kind}", subject, algorithm="sha256").hexdigest()[:40]


def normalize_login_name(name) -> str:
    """The login name as the per-account limit sees it: Unicode-compatibility folded,
    case-folded, surrounding whitespace removed, so spelling variants share one limit."""
    return unicodedata.normalize("NFKC", str(name or "")).casefold().strip()


class _Reservation:
    """One counted event in one window; ``release`` takes it back (at most once)."""

    def __init__(self, key: Optional[str]):
        self._key = key

    def release(self) -> None:
        key, self._key = self._key, None
        if key is None:
            return
        try:
            cache.decr(key)
        except ValueError:  # the window's counter has expired: nothing to give back
            pass


def _incr(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr (or a cache that stores nothing)
        cache.add(key, 1, timeout=timeout)
        return 1


def _reserve(kind: str, digest: str, limit: Optional[int], window: int, now: float):
    """(reservation, 0) when one more event is allowed, else (None, seconds to wait)."""
    if limit is None:
        return _Reservation(None), 0
    window = max(int(window), 1)
    bucket = int(now // window)
    key = f"{_KEY_PREFIX}:{kind}:{digest}:{bucket}"
    count = _incr(key, timeout=2 * window + 60)
    previous = cache.get(f"{_KEY_PREFIX}:{kind}:{digest}:{bucket - 1}") or 0
    if previous + count <= limit:
        return _Reservation(key), 0
    _Reservation(key).release()
    wait = (bucket + 1) * window - now  # the previous window drops out
    if count - 1 >= limit:
        wait += window  # this window alone is full: it has to drop out too
    return None, max(int(math.ceil(wait)), 1)


# Device tokens ----------------------------------------------------------------------------
#
# OWASP's "device cookies" (Slow Down Online Guessing Attacks with Device Cookies): a login
# that succeeds hands its browser or client a token for the account; a later password step
# that presents it is counted against the token's own limit, not the account's shared one,
# so someone guessing at the login name from elsewhere cannot lock a known device out.
# A token's failures are counted over its whole life, not per window: after
# TOTP_LOGIN_FAILURES_PER_ACCOUNT of them it is spent (OWASP's lockout list), and its holder
# meets the account's limit like any unknown client until a login succeeds and hands out a
# new token. Someone who steals a token thus gains that many guesses once, not per window.

DEVICE_TOKEN_PURPOSE = "totp_device"
#: Device cookies are named this plus a keyed hash of the login name: one per account
#: signed in from the browser. "token" in the name: Django's error reports hide its value.
DEVICE_COOKIE_PREFIX = "totp_device_token_"
#: Longest device token looked at; real ones are about 120 characters.
MAX_DEVICE_TOKEN_LENGTH = 1024


def _device_subject(login_name) -> str:
    # A keyed hash, so the token (readable by whoever holds it) does not carry the name.
    return _digest("device", normalize_login_name(login_name))


def device_cookie_name(login_name) -> str:
    """The name of the cookie that holds the device token of ``login_name`` (as typed:
    the normalised name decides), the same for the session pages and the admin login."""
    return DEVICE_COOKIE_PREFIX + _digest("device-cookie", normalize_login_name(login_name))[:16]


@sensitive_variables()
def issue_device_token(user) -> Optional[str]:
    """A new device token for ``user``'s login name (``USERNAME_FIELD``), to hand out after
    a successful login; None while TOTP_DEVICE_COOKIE_MAX_AGE is None (device tokens off)."""
    if conf.DEVICE_COOKIE_MAX_AGE is None:
        return None
    subject = _device_subject(user.get_username())
    return core.sign_challenge(keys.challenge_key(), subject, DEVICE_TOKEN_PURPOSE, int(_now()))


@sensitive_variables("device_token", "subject")
def _device_token_ident(device_token, login_name) -> Optional[str]:
    """The identity of ``device_token`` (a keyed hash of its nonce: the key of its own
    counter) when it is genuine (signature and purpose), younger than
    TOTP_DEVICE_COOKIE_MAX_AGE and issued for ``login_name`` (normalised); else None: the
    login is then an unknown client's."""
    max_age = conf.DEVICE_COOKIE_MAX_AGE
    if max_age is None or not isinstance(device_token, str) or not device_token:
        return None
    if len(device_token) > MAX_DEVICE_TOKEN_LENGTH or "\x00" in device_token:
        return None
    try:
        subject, _issued_at, nonce = core.verify_challenge(
            keys.challenge_key(), device_token, DEVICE_TOKEN_PURPOSE, max_age, int(_now())
        )
    except core.InvalidToken:  # forged, altered, another purpose or key, or expired
        return None
    if not constant_time_compare(subject, _device_subject(login_name)):
        return None  # another account's token: it buys nothing here
    return _digest("device-nonce", nonce)


def _reserve_device_failure(device_ident: str, limit: Optional[int]) -> Optional[_Reservation]:
    """A reservation when the token has had fewer than ``limit`` failures in its life, else
    None (the token is spent). The counter lives as long as the token can be presented."""
    if limit is None:
        return _Reservation(None)
    key = f"{_KEY_PREFIX}:device:{device_ident}"
    if _incr(key, timeout=conf.DEVICE_COOKIE_MAX_AGE) <= limit:
        return _Reservation(key)
    _Reservation(key).release()
    return None


# Password step ----------------------------------------------------------------------------


class PasswordAttempt:
    """One password check for one login name, counted as a failure until ``succeeded``."""

    def __init__(self, reservation: Optional[_Reservation], retry_after: int):
        self._reservation = reservation
        self.retry_after = retry_after

    @property
    def refused(self) -> bool:
        """True when the password must not be checked at all."""
        return self._reservation is None

    def error(self) -> TooManyAttempts:
        return TooManyAttempts(retry_after=self.retry_after)

    def succeeded(self) -> None:
        """The password was right: this attempt does not count against the account."""
        if self._reservation is not None:
            self._reservation.release()


@sensitive_variables("device_token")
def begin_password_attempt(request, login_name, device_token=None) -> PasswordAttempt:
    """Count one password check for ``login_name`` (whatever was typed; the account need
    not exist, so a refusal reveals nothing) before it is made. Check ``refused`` first:
    a refused attempt must not check the password.

    With a valid ``device_token`` for that login name (``issue_device_token``) the check
    counts against the token's own TOTP_LOGIN_FAILURES_PER_ACCOUNT failures (over its
    life), not the account's, so the account's limit being reached elsewhere does not
    refuse it. A token that has had that many failures is spent: this and every later
    check with it meet the account's limit.
    """
    limit = conf.LOGIN_FAILURES_PER_ACCOUNT
    device_ident = _device_token_ident(device_token, login_name)
    if device_ident is not None:
        reservation = _reserve_device_failure(device_ident, limit)
        if reservation is not None:
            return PasswordAttempt(reservation, 0)
    digest = _digest("password", normalize_login_name(login_name))
    reservation, wait = _reserve("password", digest, limit, conf.LOGIN_FAILURE_WINDOW, _now())
    return PasswordAttempt(reservation, wait)


@sensitive_variables("device_token")
def password_attempt(request, login_name, device_token=None) -> PasswordAttempt:
    """``begin_password_attempt`` for API views: raises TooManyAttempts (429) when refused."""
    attempt = begin_password_attempt(request, login_name, device_token)
    if attempt.refused:
        raise attempt.error()
    return attempt


# Recovery e-mails -------------------------------------------------------------------------


def allow_recovery_email(request, user) -> bool:
    """Whether a recovery e-mail may go to ``user`` now, counting it when it may: at most
    ``TOTP_RECOVERY_EMAILS_PER_ACCOUNT`` per account and ``TOTP_RECOVERY_EMAILS_PER_ADDRESS``
    per client address in ``TOTP_RECOVERY_EMAIL_WINDOW`` seconds. Callers answer "sent"
    either way."""
    now, window = _now(), conf.RECOVERY_EMAIL_WINDOW
    account, _ = _reserve(
        "recovery-account", _digest("recovery-account", str(user.pk)), conf.RECOVERY_EMAILS_PER_ACCOUNT, window, now
    )
    if account is None:
        return False
    address, _ = _reserve(
        "recovery-address", _digest("recovery-address", client_ident(request)),
        conf.RECOVERY_EMAILS_PER_ADDRESS, window, now,
    )
    if address is None:
        account.release()
        return False
    return True
