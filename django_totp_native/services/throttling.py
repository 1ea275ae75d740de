"""Who is asking, and how often: the client address of every throttle, per-account limits on
the password step, and limits on recovery e-mails.

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
from django.utils.crypto import salted_hmac

from ..conf import conf
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


def begin_password_attempt(request, login_name) -> PasswordAttempt:
    """Count one password check for ``login_name`` (whatever was typed; the account need
    not exist, so a refusal reveals nothing) before it is made. Check ``refused`` first:
    a refused attempt must not check the password."""
    digest = _digest("password", normalize_login_name(login_name))
    reservation, wait = _reserve(
        "password", digest, conf.LOGIN_FAILURES_PER_ACCOUNT, conf.LOGIN_FAILURE_WINDOW, _now()
    )
    return PasswordAttempt(reservation, wait)


def password_attempt(request, login_name) -> PasswordAttempt:
    """``begin_password_attempt`` for API views: raises TooManyAttempts (429) when refused."""
    attempt = begin_password_attempt(request, login_name)
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
