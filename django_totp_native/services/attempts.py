"""One verification attempt as one transaction: reserve, check natively, consume, commit.

The lean verify path. A TOTP attempt is two statements in one transaction:

1. ``UPDATE totp SET failed_attempts = failed_attempts + 1, next_attempt_at = <backoff>
   WHERE user_id = … AND <not locked> AND <not backing off> [AND <challenge unspent>]
   RETURNING <the sealed secret, the replay guard, …>`` — it counts the attempt before
   the check (so concurrent guesses never exceed TOTP_MAX_FAILURES), computes the backoff
   in SQL, reads everything the check needs, and locks the row until the commit;
2. after the native check, on success only: ``UPDATE totp SET last_used_step = s,
   failed_attempts = 0, next_attempt_at = NULL [, challenge_redeemed = n]
   WHERE pk = … AND last_used_step < s [AND challenge_redeemed < n]``.

A wrong code commits statement 1 alone. Because the row stays locked between the two,
concurrent attempts for one user run one after another, and each reads the replay guard
and the challenge sequence as the previous one left them. PostgreSQL and SQLite ≥ 3.35
have ``UPDATE … RETURNING``; other backends take ``SELECT … FOR UPDATE`` first.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone as dt_timezone
from typing import Optional

from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from ..conf import conf
from ..models import Totp
from .errors import AlreadyConfirmed, InvalidChallenge, LockedOut, NotEnrolled

#: Columns an attempt reads (the order of ``Reserved``'s fields).
_COLUMNS = ("id", "user_id", "secret_key", "backup_key", "last_used_step", "confirmed_at")


@dataclass(frozen=True)
class Reserved:
    """The device row as the reservation left it (locked until the attempt commits)."""

    pk: int
    user_id: object
    secret_key: str
    backup_key: str
    last_used_step: int
    confirmed_at: Optional[datetime]

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


def _table() -> str:
    return connection.ops.quote_name(Totp._meta.db_table)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _has_update_returning() -> bool:
    if connection.vendor == "postgresql":
        return True
    return connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35)


def backoff_delay(failures: int) -> Optional[float]:
    """Seconds before the next attempt after ``failures`` failures in a row (None: no wait)."""
    if failures < conf.BACKOFF_AFTER:
        return None
    return min(conf.BACKOFF_BASE * (2 ** min(failures - conf.BACKOFF_AFTER, 30)), conf.BACKOFF_MAX)


def _backoff_case(now: datetime) -> tuple[str, list]:
    """SQL for the new ``next_attempt_at`` given the old ``failed_attempts`` (counted
    before this attempt): one WHEN per count until the delay reaches TOTP_BACKOFF_MAX."""
    adapt = connection.ops.adapt_datetimefield_value
    column = _q("failed_attempts")
    whens, params = [], []
    count = max(conf.BACKOFF_AFTER, 1)
    while count <= conf.MAX_FAILURES:
        delay = backoff_delay(count)
        if delay is None:
            count += 1
            continue
        if delay >= conf.BACKOFF_MAX:
            whens.append(f"WHEN {column} + 1 >= %s THEN %s")
            params += [count, adapt(now + timedelta(seconds=conf.BACKOFF_MAX))]
            break
        whens.append(f"WHEN {column} + 1 = %s THEN %s")
        params += [count, adapt(now + timedelta(seconds=delay))]
        count += 1
    if not whens:
        return _q("next_attempt_at"), []
    return f"CASE {' '.join(whens)} ELSE {_q('next_attempt_at')} END", params


def _as_datetime(value) -> Optional[datetime]:
    if value is None or isinstance(value, datetime):
        parsed = value
    else:
        parsed = parse_datetime(str(value))
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=dt_timezone.utc)
    return parsed


@sensitive_variables("secret_key", "backup_key", "row")
def reserve(user_pk, *, confirmed: Optional[bool], challenge_sequence: Optional[int] = None) -> Reserved:
    """Count an attempt for the user's device and read it; call inside ``transaction.atomic``.

    ``confirmed``: True for a confirmed device only (login, step-up), False for a pending
    one only (enrollment), None for either. With ``challenge_sequence`` the challenge must
    be issued and unspent. Raises NotEnrolled, LockedOut or InvalidChallenge, counting
    nothing, when the attempt may not be made.
    """
    now = timezone.now()
    backoff_sql, backoff_params = _backoff_case(now)
    where = [
        f"{_q('user_id')} = %s",
        f"{_q('failed_attempts')} < %s",
        f"({_q('next_attempt_at')} IS NULL OR {_q('next_attempt_at')} <= %s)",
    ]
    where_params = [user_pk, conf.MAX_FAILURES, connection.ops.adapt_datetimefield_value(now)]
    if confirmed is True:
        where.append(f"{_q('confirmed_at')} IS NOT NULL")
    elif confirmed is False:
        where.append(f"{_q('confirmed_at')} IS NULL")
    if challenge_sequence is not None:
        where.append(f"{_q('challenge_redeemed')} < %s AND {_q('challenge_issued')} >= %s")
        where_params += [challenge_sequence, challenge_sequence]
    assignments = (
        f"{_q('failed_attempts')} = {_q('failed_attempts')} + 1, {_q('next_attempt_at')} = {backoff_sql}"
    )
    columns = ", ".join(_q(c) for c in _COLUMNS)
    with connection.cursor() as cursor:
        if _has_update_returning():
            cursor.execute(
                f"UPDATE {_table()} SET {assignments} WHERE {' AND '.join(where)} RETURNING {columns}",
                backoff_params + where_params,
            )
            row = cursor.fetchone()
        else:  # no UPDATE … RETURNING: lock and read first, then count
            cursor.execute(
                f"SELECT {columns} FROM {_table()} WHERE {' AND '.join(where)} FOR UPDATE", where_params
            )
            row = cursor.fetchone()
            if row is not None:
                cursor.execute(
                    f"UPDATE {_table()} SET {assignments} WHERE {_q('id')} = %s", backoff_params + [row[0]]
                )
    if row is None:
        _refuse(user_pk, confirmed, challenge_sequence, now)
    pk, user_id, secret_key, backup_key, last_used_step, confirmed_at = row
    return Reserved(pk, user_id, secret_key, backup_key or "", int(last_used_step), _as_datetime(confirmed_at))


def _refuse(user_pk, confirmed, challenge_sequence, now) -> None:
    """Why no attempt could be reserved (one SELECT, on this error path only)."""
    row = (
        Totp.objects.filter(user_id=user_pk)
        .values("failed_attempts", "next_attempt_at", "confirmed_at", "challenge_issued", "challenge_redeemed")
        .first()
    )
    if row is None and not confirmed:
        raise NotEnrolled()
    if row is None or (confirmed is True and row["confirmed_at"] is None):
        raise NotEnrolled(_("TOTP is not enabled for this user."))
    if confirmed is False and row["confirmed_at"] is not None:
        raise AlreadyConfirmed()
    if challenge_sequence is not None and not (
        row["challenge_redeemed"] < challenge_sequence <= row["challenge_issued"]
    ):
        raise InvalidChallenge()
    if row["failed_attempts"] >= conf.MAX_FAILURES:
        raise LockedOut(None)
    wait = (row["next_attempt_at"] - now).total_seconds() if row["next_attempt_at"] else 0
    raise LockedOut(max(wait, 0))


def next_challenge(user_pk) -> Optional[int]:
    """Hand out the next login-challenge number of the user's confirmed device (one
    statement); None when the user has no confirmed device."""
    issued = _q("challenge_issued")
    where, params = f"{_q('user_id')} = %s AND {_q('confirmed_at')} IS NOT NULL", [user_pk]
    with connection.cursor() as cursor:
        if _has_update_returning():
            cursor.execute(f"UPDATE {_table()} SET {issued} = {issued} + 1 WHERE {where} RETURNING {issued}", params)
            row = cursor.fetchone()
            return None if row is None else int(row[0])
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {issued} FROM {_table()} WHERE {where} FOR UPDATE", params)
            row = cursor.fetchone()
            if row is None:
                return None
            cursor.execute(f"UPDATE {_table()} SET {issued} = {issued} + 1 WHERE {where}", params)
            return int(row[0]) + 1


def succeed(
    device: Reserved,
    *,
    step: Optional[int] = None,
    challenge_sequence: Optional[int] = None,
    confirmed_at: Optional[datetime] = None,
) -> bool:
    """Consume on success: record the step (replay guard), spend the challenge, confirm a
    pending device (``confirmed_at``), reset the failure count — one UPDATE. True when the
    row changed (it always does under the row lock; the conditions keep the guarantees
    should the lock ever be missing: tests/app/test_conditions_without_the_lock.py)."""
    adapt = connection.ops.adapt_datetimefield_value
    sets = [f"{_q('failed_attempts')} = 0", f"{_q('next_attempt_at')} = NULL"]
    set_params: list = []
    where = [f"{_q('id')} = %s"]
    where_params: list = [device.pk]
    if step is not None:
        sets.append(f"{_q('last_used_step')} = %s")
        set_params.append(step)
        where.append(f"{_q('last_used_step')} < %s")
        where_params.append(step)
    if challenge_sequence is not None:
        sets.append(f"{_q('challenge_redeemed')} = %s")
        set_params.append(challenge_sequence)
        where.append(f"{_q('challenge_redeemed')} < %s")
        where_params.append(challenge_sequence)
    if confirmed_at is not None:
        sets.append(f"{_q('confirmed_at')} = %s")
        set_params.append(adapt(confirmed_at))
        where.append(f"{_q('confirmed_at')} IS NULL")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET {', '.join(sets)} WHERE {' AND '.join(where)}", set_params + where_params
        )
        return cursor.rowcount == 1


def count_failure(user_pk) -> None:
    """Count a failed attempt outside any check (the check itself raised): its own commit."""
    try:
        with transaction.atomic():
            reserve(user_pk, confirmed=None)
    except (NotEnrolled, LockedOut, InvalidChallenge):
        pass
