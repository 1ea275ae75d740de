"""One verification attempt as one transaction on the user's state row: reserve, check, consume.

Every attempt, for every kind of device (``adapters``), goes through the same two steps,
on the database the router gives for writing ``SecondFactorState``:

1. **reserve** — one statement counts the attempt on the user's ``SecondFactorState`` row
   before the code is checked, computes the backoff in SQL, refuses when the account is
   locked, backing off or the challenge is spent, and reads the device row (its sealed
   secret, replay floor, confirmation, per-device parameters) and, for a login, the user::

       UPDATE state SET failed_attempts = failed_attempts + 1, next_attempt_at = <backoff>
       FROM device [, user] WHERE state.user_id = … AND device.user_id = state.user_id
         AND <not locked> AND <not backing off> [AND <challenge unspent>] [AND user active]
       RETURNING device.…, [user.…]

   The state row stays locked until the commit, so a user's attempts run one after
   another, and N devices of one user share one counter.
2. after the native check, on success only, **consume** — the device's replay floor
   (``last_used_step < step``) or the static code (unspent), and the state row's reset
   and spent challenge. On PostgreSQL one statement does both (data-modifying CTEs); on
   other backends two. Both writes are conditional: a row read before a concurrent
   success (the device row is read, not locked, by the reserving UPDATE) can never
   consume the same step or code twice.

A wrong code commits statement 1 alone. Backends without ``UPDATE … RETURNING`` (SQLite
before 3.35, MySQL, Oracle) reserve through the ORM: ``select_for_update`` on the state
row, then ``F``/``Case`` for the count and backoff. Column and table names come from each
model's ``_meta``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone as dt_timezone
from typing import Optional, Sequence

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db import connections, router, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from ..conf import conf
from ..models import SecondFactorState
from . import adapters as adapter_registry
from .adapters import DeviceAdapter
from .errors import AlreadyConfirmed, InvalidChallenge, LockedOut, NotEnrolled


class Conflict(Exception):
    """A consuming write found the row changed since it was read (a concurrent success):
    the attempt is rolled back and nothing is consumed."""


@dataclass(frozen=True)
class Reserved:
    """The device row as the reservation read it (the user's state row stays locked)."""

    adapter: DeviceAdapter = field(repr=False)
    pk: object
    user_id: object
    secret: str = field(repr=False)
    digest_key: str = field(repr=False)
    replay_floor: int
    confirmed_at: Optional[datetime]
    parameters: tuple = ()
    #: The user, when the attempt was asked to load it (a login by challenge).
    user: object = field(default=None, repr=False)
    #: The user's credential generation (``credentials``), read by the same statement:
    #: what the credentials a login issues are stamped with, at no extra query.
    credential_generation: int = 0

    @property
    def is_confirmed(self) -> bool:
        return bool(self.confirmed_at)

    # The names of django-totp's device, for code written against the Totp row.
    @property
    def secret_key(self) -> str:
        return self.secret

    @property
    def backup_key(self) -> str:
        return self.digest_key

    @property
    def last_used_step(self) -> int:
        return self.replay_floor


# The database -------------------------------------------------------------------------


def database() -> str:
    """The alias every attempt statement runs on: where the state rows are written."""
    return router.db_for_write(SecondFactorState)


class _Names:
    """Quoted table and column names of the models an attempt touches, on one connection."""

    def __init__(self, alias: str):
        self.alias = alias
        self.connection = connections[alias]
        self.qn = self.connection.ops.quote_name

    def table(self, model) -> str:
        return self.qn(model._meta.db_table)

    def col(self, model, name: str) -> str:
        return self.qn(model._meta.get_field(name).column)

    def pk(self, model) -> str:
        return self.qn(model._meta.pk.column)

    def qualified(self, model, name: str) -> str:
        return f"{self.table(model)}.{self.col(model, name)}"


def _has_update_returning(alias: str) -> bool:
    vendor = connections[alias].vendor
    if vendor == "postgresql":
        return True
    return vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35)


def _same_database(adapter: DeviceAdapter, alias: str) -> None:
    if router.db_for_write(adapter.model) != alias:
        raise ImproperlyConfigured(
            f"{adapter.model._meta.label} and SecondFactorState must be routed to the same database "
            "(an attempt locks one and reads the other in one statement)."
        )


# Backoff -----------------------------------------------------------------------------


def backoff_delay(failures: int) -> Optional[float]:
    """Seconds before the next attempt after ``failures`` failures in a row (None: no wait)."""
    if failures < conf.BACKOFF_AFTER:
        return None
    return min(conf.BACKOFF_BASE * (2 ** min(failures - conf.BACKOFF_AFTER, 30)), conf.BACKOFF_MAX)


def _backoff_steps(now: datetime) -> list[tuple[int, bool, datetime]]:
    """(failure count after this attempt, "and above", next attempt time) until the delay
    reaches TOTP_BACKOFF_MAX: the WHENs of the backoff CASE."""
    steps = []
    count = max(conf.BACKOFF_AFTER, 1)
    while count <= conf.MAX_FAILURES:
        delay = backoff_delay(count)
        if delay is None:
            count += 1
            continue
        if delay >= conf.BACKOFF_MAX:
            steps.append((count, True, now + timedelta(seconds=conf.BACKOFF_MAX)))
            break
        steps.append((count, False, now + timedelta(seconds=delay)))
        count += 1
    return steps


def _backoff_sql(names: _Names, now: datetime) -> tuple[str, list]:
    adapt = names.connection.ops.adapt_datetimefield_value
    failed = names.qualified(SecondFactorState, "failed_attempts")
    whens, params = [], []
    for count, and_above, at in _backoff_steps(now):
        whens.append(f"WHEN {failed} + 1 {'>=' if and_above else '='} %s THEN %s")
        params += [count, adapt(at)]
    if not whens:
        return names.qualified(SecondFactorState, "next_attempt_at"), []
    return f"CASE {' '.join(whens)} ELSE {names.qualified(SecondFactorState, 'next_attempt_at')} END", params


def _backoff_orm(now: datetime):
    whens = [
        When(failed_attempts__gte=count - 1, then=Value(at)) if and_above else When(failed_attempts=count - 1, then=Value(at))
        for count, and_above, at in _backoff_steps(now)
    ]
    return Case(*whens, default=F("next_attempt_at")) if whens else F("next_attempt_at")


def _as_datetime(value) -> Optional[datetime]:
    if value is None or isinstance(value, datetime):
        parsed = value
    else:
        parsed = parse_datetime(str(value))
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=dt_timezone.utc)
    return parsed


# Reserve -------------------------------------------------------------------------------


def _device_columns(adapter: DeviceAdapter) -> list[Optional[str]]:
    """Field names read for a ``Reserved`` (None: the kind has no such column)."""
    return [
        adapter.secret_field,
        adapter.digest_key_field,
        adapter.replay_field,
        adapter.confirmed_field,
        *adapter.parameter_fields,
    ]


@sensitive_variables("values", "secret", "digest_key")
def _reserved(adapter, user_pk, device_pk, values: Sequence, user=None, generation=0) -> Reserved:
    secret, digest_key, replay, confirmed, *parameters = values
    if adapter.confirmed_is_boolean:
        confirmed = bool(confirmed)
    else:
        confirmed = _as_datetime(confirmed)
    return Reserved(
        adapter=adapter,
        pk=device_pk,
        user_id=user_pk,
        secret=secret or "",
        digest_key=digest_key or "",
        replay_floor=-1 if replay is None else int(replay),
        confirmed_at=confirmed,
        parameters=tuple(parameters),
        user=user,
        credential_generation=int(generation or 0),
    )


def _confirmed_sql(names: _Names, adapter: DeviceAdapter, confirmed: bool) -> tuple[str, list]:
    column = names.qualified(adapter.model, adapter.confirmed_field)
    if adapter.confirmed_is_boolean:
        return f"{column} = %s", [bool(confirmed)]
    return f"{column} IS {'NOT ' if confirmed else ''}NULL", []


def _user_model_joinable(alias: str) -> bool:
    return router.db_for_read(get_user_model()) == alias


@sensitive_variables("row", "values")
def reserve(
    user_pk,
    *,
    confirmed: Optional[bool],
    challenge_sequence: Optional[int] = None,
    adapter: Optional[DeviceAdapter] = None,
    device_pk=None,
    load_user: bool = False,
) -> Reserved:
    """Count an attempt on the user's state row and read the device; call inside
    ``transaction.atomic(using=database())``.

    ``confirmed``: True for a confirmed device only (login, step-up), False for a pending
    one only (enrollment), None for either. With ``challenge_sequence`` the challenge must
    be issued and unspent. ``device_pk``: the device must be this one (required for kinds
    that allow several devices per user). ``load_user``: also read the (active) user, for
    a login that knows only the user's id. Raises NotEnrolled, AlreadyConfirmed, LockedOut
    or InvalidChallenge, counting nothing, when the attempt may not be made.
    """
    adapter = adapter or adapter_registry.totp()
    alias = database()
    _same_database(adapter, alias)
    for _try in range(2):
        now = timezone.now()
        if _has_update_returning(alias):
            reserved = _reserve_returning(alias, adapter, user_pk, now, confirmed, challenge_sequence, device_pk, load_user)
        else:
            reserved = _reserve_orm(alias, adapter, user_pk, now, confirmed, challenge_sequence, device_pk, load_user)
        if reserved is not None:
            return reserved
        _refuse(alias, adapter, user_pk, now, confirmed, challenge_sequence, device_pk, load_user)
    raise LockedOut(0)  # the state changed twice under us: let the client try again


@sensitive_variables("row")
def _reserve_returning(alias, adapter, user_pk, now, confirmed, challenge_sequence, device_pk, load_user):
    """The reserving statement on backends with UPDATE … RETURNING.

    PostgreSQL joins the device (and user) tables with ``UPDATE … FROM`` and returns their
    columns. SQLite's RETURNING may name only the updated table, so there the device and
    user must exist (``EXISTS``) and each returned column is a scalar subquery of the same
    conditions: still one statement, and SQLite runs it in-process.
    """
    names = _Names(alias)
    State, Device, User = SecondFactorState, adapter.model, get_user_model()
    state_user = names.qualified(State, "user")
    backoff_sql, backoff_params = _backoff_sql(names, now)

    device_where = [f"{names.qualified(Device, adapter.user_field)} = {state_user}"]
    device_params: list = []
    if confirmed is not None:
        sql, extra = _confirmed_sql(names, adapter, confirmed)
        device_where.append(sql)
        device_params += extra
    if device_pk is not None:
        device_where.append(f"{names.table(Device)}.{names.pk(Device)} = %s")
        device_params.append(device_pk)
    join_user = load_user and _user_model_joinable(alias)
    user_where = [f"{names.table(User)}.{names.pk(User)} = {state_user}"]
    user_params: list = []
    if join_user and _has_active_field(User):
        user_where.append(f"{names.qualified(User, 'is_active')} = %s")
        user_params.append(True)

    state_where = [
        f"{state_user} = %s",
        f"{names.qualified(State, 'failed_attempts')} < %s",
        f"({names.qualified(State, 'next_attempt_at')} IS NULL OR {names.qualified(State, 'next_attempt_at')} <= %s)",
    ]
    state_params: list = [user_pk, conf.MAX_FAILURES, names.connection.ops.adapt_datetimefield_value(now)]
    if challenge_sequence is not None:
        state_where.append(
            f"{names.qualified(State, 'challenge_redeemed')} < %s AND {names.qualified(State, 'challenge_issued')} >= %s"
        )
        state_params += [challenge_sequence, challenge_sequence]

    device_columns = [f"{names.table(Device)}.{names.pk(Device)}"] + [
        names.qualified(Device, f) if f else "NULL" for f in _device_columns(adapter)
    ]
    user_fields = list(User._meta.concrete_fields) if join_user else []
    user_columns = [f"{names.table(User)}.{names.qn(f.column)}" for f in user_fields]
    assignments = (
        f"{names.col(State, 'failed_attempts')} = {names.qualified(State, 'failed_attempts')} + 1, "
        f"{names.col(State, 'next_attempt_at')} = {backoff_sql}"
    )
    if names.connection.vendor == "postgresql":
        tables = [names.table(Device)] + ([names.table(User)] if join_user else [])
        where = state_where + device_where + (user_where if join_user else [])
        generation = names.qualified(State, "credential_generation")
        sql = (
            f"UPDATE {names.table(State)} SET {assignments} FROM {', '.join(tables)} "
            f"WHERE {' AND '.join(where)} RETURNING {', '.join([generation] + device_columns + user_columns)}"
        )
        params = backoff_params + state_params + device_params + (user_params if join_user else [])
    else:
        device_from = f"FROM {names.table(Device)} WHERE {' AND '.join(device_where)}"
        user_from = f"FROM {names.table(User)} WHERE {' AND '.join(user_where)}"
        where = state_where + [f"EXISTS (SELECT 1 {device_from})"]
        params = backoff_params + state_params + device_params
        if join_user:
            where.append(f"EXISTS (SELECT 1 {user_from})")
            params += user_params
        order = f"ORDER BY {names.table(Device)}.{names.pk(Device)} LIMIT 1"
        # RETURNING may name the updated table's own columns only unqualified (SQLite).
        returning = [names.col(State, "credential_generation")]
        returning += [f"(SELECT {c} {device_from} {order})" for c in device_columns]
        returning += [f"(SELECT {c} {user_from})" for c in user_columns]
        params += device_params * len(device_columns) + user_params * len(user_columns)
        sql = (
            f"UPDATE {names.table(State)} SET {assignments} WHERE {' AND '.join(where)} "
            f"RETURNING {', '.join(returning)}"
        )
    with names.connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    generation, row = row[0], row[1:]
    width = len(device_columns)
    user = None
    if user_fields:
        user = User.from_db(alias, [f.attname for f in user_fields], _from_db_values(names, user_fields, row[width:]))
    elif load_user:
        user = _load_user(user_pk)
    return _reserved(adapter, user_pk, row[0], row[1:width], user, generation)


def _from_db_values(names: _Names, fields, values) -> list:
    """Values of a raw row as the ORM would give them (converters: booleans on SQLite,
    time zones, JSON…)."""
    connection = names.connection
    converted = []
    for field_, value in zip(fields, values):
        expression = field_.get_col(field_.model._meta.db_table)
        for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(connection):
            value = converter(value, expression, connection)
        converted.append(value)
    return converted


def _has_active_field(User) -> bool:
    try:
        return User._meta.get_field("is_active").concrete
    except FieldDoesNotExist:
        return False


def _load_user(user_pk):
    User = get_user_model()
    user = User._default_manager.filter(pk=user_pk).first()
    if user is None or not getattr(user, "is_active", True):
        raise InvalidChallenge()
    return user


def _reserve_orm(alias, adapter, user_pk, now, confirmed, challenge_sequence, device_pk, load_user):
    """The reserve for backends without UPDATE … RETURNING: lock the state row, read, count."""
    states = SecondFactorState.objects.using(alias).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        user_id=user_pk,
        failed_attempts__lt=conf.MAX_FAILURES,
    )
    if challenge_sequence is not None:
        states = states.filter(challenge_redeemed__lt=challenge_sequence, challenge_issued__gte=challenge_sequence)
    state = states.select_for_update().values_list("pk", "credential_generation").first()
    if not state:
        return None
    devices = adapter.model._default_manager.using(alias).filter(**{f"{adapter.user_field}_id": user_pk})
    if device_pk is not None:
        devices = devices.filter(pk=device_pk)
    if confirmed is not None:
        if adapter.confirmed_is_boolean:
            devices = devices.filter(**{adapter.confirmed_field: confirmed})
        else:
            devices = devices.filter(**{f"{adapter.confirmed_field}__isnull": not confirmed})
    columns = [c for c in _device_columns(adapter)]
    row = devices.values_list("pk", *[c for c in columns if c]).first()
    if row is None:
        return None
    user = _load_user(user_pk) if load_user else None
    values = iter(row[1:])
    read = [next(values) if c else None for c in columns]
    SecondFactorState.objects.using(alias).filter(pk=user_pk).update(
        failed_attempts=F("failed_attempts") + 1, next_attempt_at=_backoff_orm(now)
    )
    return _reserved(adapter, user_pk, row[0], read, user, state[1])


def _refuse(alias, adapter, user_pk, now, confirmed, challenge_sequence, device_pk, load_user) -> None:
    """Why no attempt could be reserved (this error path only). Returns when the attempt
    should be tried again (the user's state row was missing and is now made)."""
    if load_user:
        _load_user(user_pk)  # gone or inactive: InvalidChallenge
    devices = adapter.model._default_manager.using(alias).filter(**{f"{adapter.user_field}_id": user_pk})
    if device_pk is not None:
        devices = devices.filter(pk=device_pk)
    found = list(devices.values_list(adapter.confirmed_field, flat=True)[:1])
    has_device, is_confirmed = bool(found), bool(found and found[0])
    if not has_device and device_pk is not None and confirmed is False:
        others = adapter.model._default_manager.using(alias).filter(**{f"{adapter.user_field}_id": user_pk})
        if others.exists():
            raise NotEnrolled(_("This enrollment was replaced by a newer one; scan the new QR code."))
    if not has_device and not confirmed:
        raise NotEnrolled()
    if not has_device or (confirmed is True and not is_confirmed):
        raise NotEnrolled(_("TOTP is not enabled for this user."))
    if confirmed is False and is_confirmed:
        raise AlreadyConfirmed()
    row = (
        SecondFactorState.objects.using(alias)
        .filter(pk=user_pk)
        .values("failed_attempts", "next_attempt_at", "challenge_issued", "challenge_redeemed")
        .first()
    )
    if row is None:
        ensure_state(user_pk)  # a device made outside enrollment (import, direct ORM use)
        if challenge_sequence is not None:
            raise InvalidChallenge()  # no challenge was ever issued without a state row
        return
    if challenge_sequence is not None and not (
        row["challenge_redeemed"] < challenge_sequence <= row["challenge_issued"]
    ):
        raise InvalidChallenge()
    if row["failed_attempts"] >= conf.MAX_FAILURES:
        raise LockedOut(None)
    wait = (row["next_attempt_at"] - now).total_seconds() if row["next_attempt_at"] else 0
    if wait > 0:
        raise LockedOut(wait)
    # Nothing stands in the way now: the state changed between the two reads; try again.


def lock_user(user_pk, *, new_generation: bool = False, survivor: str = "") -> int:
    """Hold the user's state row for the rest of the transaction (call inside
    ``transaction.atomic(using=database())``).

    Every change to a user's factors (starting and confirming enrollment, replacing backup
    codes, turning 2FA off) and every attempt takes this lock first, so for one user they
    run one after another, in the order they got it: concurrent rotations leave exactly the
    last set, a rotation racing a disable finds no device instead of writing codes for a
    deleted one, and no two of them can deadlock (the same row, always first). A no-op
    UPDATE rather than SELECT … FOR UPDATE: it also takes SQLite's write lock at once, so
    a deferred SQLite transaction waits for it instead of failing to upgrade later.
    ``new_generation`` raises the user's credential generation in the same statement and
    records ``survivor``, the token family that made the change and keeps working
    (``credentials``); the new generation is returned (without it: 0).
    """
    names = _Names(database())
    State = SecondFactorState
    generation = names.col(State, "credential_generation")
    # ``new_generation``: the change ends every credential issued before it (disable,
    # reset, recovery): the generation they carry no longer matches.
    if new_generation:
        sets = f"{generation} = {generation} + 1, {names.col(State, 'surviving_credential')} = %s"
        params = [survivor, user_pk]
    else:
        sets, params = f"{generation} = {generation}", [user_pk]
    sql = f"UPDATE {names.table(State)} SET {sets} WHERE {names.col(State, 'user')} = %s"
    for _try in range(2):  # the second time after making a missing state row
        with names.connection.cursor() as cursor:
            cursor.execute(sql, params)
            if cursor.rowcount == 1:
                break
        ensure_state(user_pk)
    if not new_generation:
        return 0
    # Read inside the transaction that holds the row: no other change can be between.
    return State.objects.using(names.alias).filter(pk=user_pk).values_list("credential_generation", flat=True).get()


def ensure_state(user_pk) -> None:
    """Make the user's state row if it is missing (one INSERT, a no-op when it exists)."""
    SecondFactorState.objects.using(database()).bulk_create(
        [SecondFactorState(user_id=user_pk)], ignore_conflicts=True
    )


# Consume -------------------------------------------------------------------------------


def _state_reset(names: _Names, user_pk, challenge_sequence) -> tuple[str, list]:
    State = SecondFactorState
    sets = [f"{names.col(State, 'failed_attempts')} = 0", f"{names.col(State, 'next_attempt_at')} = NULL"]
    set_params: list = []
    where = [f"{names.col(State, 'user')} = %s"]
    where_params: list = [user_pk]
    if challenge_sequence is not None:
        sets.append(f"{names.col(State, 'challenge_redeemed')} = %s")
        set_params.append(challenge_sequence)
        where.append(f"{names.col(State, 'challenge_redeemed')} < %s")
        where_params.append(challenge_sequence)
    sql = f"UPDATE {names.table(State)} SET {', '.join(sets)} WHERE {' AND '.join(where)}"
    return sql, set_params + where_params


def _device_consume(names: _Names, row: Reserved, step: Optional[int], confirmed_at,
                    also_sets: Optional[dict] = None) -> tuple[str, list]:
    adapter, Device = row.adapter, row.adapter.model
    sets, set_params, where, where_params = [], [], [f"{names.pk(Device)} = %s"], [row.pk]
    for name, value in (also_sets or {}).items():
        field_ = Device._meta.get_field(name)
        sets.append(f"{names.qn(field_.column)} = %s")
        set_params.append(field_.get_db_prep_save(value, names.connection))
    if step is not None:
        sets.append(f"{names.col(Device, adapter.replay_field)} = %s")
        set_params.append(step)
        where.append(f"{names.col(Device, adapter.replay_field)} < %s")
        where_params.append(step)
    if confirmed_at is not None:
        column = names.col(Device, adapter.confirmed_field)
        if adapter.confirmed_is_boolean:
            sets.append(f"{column} = %s")
            set_params.append(True)
            where.append(f"{column} = %s")
            where_params.append(False)
        else:
            sets.append(f"{column} = %s")
            set_params.append(names.connection.ops.adapt_datetimefield_value(confirmed_at))
            where.append(f"{column} IS NULL")
    return f"UPDATE {names.table(Device)} SET {', '.join(sets)} WHERE {' AND '.join(where)}", set_params + where_params


@sensitive_variables("digests")
def _code_spend(names: _Names, row: Reserved, digests: Sequence[str], now) -> tuple[str, list]:
    adapter = row.adapter
    CodeModel = adapter.code_model
    connection = names.connection
    where = [f"{names.col(CodeModel, adapter.code_device_field)} = %s",
             f"{names.col(CodeModel, adapter.code_digest_field)} IN ({', '.join(['%s'] * len(digests))})"]
    where_params: list = [row.pk, *digests]
    for name, value in adapter.unspent_condition().items():
        field_ = CodeModel._meta.get_field(name)
        where.append(f"{names.qn(field_.column)} = %s")
        where_params.append(field_.get_db_prep_value(value, connection))
    sets = adapter.spend_code_sets(now)
    if sets is None:
        # One row: a device may hold the same code twice (django-otp allows it), and one
        # use spends one of them. Concurrent deletes of that row: only one counts a row.
        table, pk = names.table(CodeModel), names.pk(CodeModel)
        one = f"SELECT {pk} FROM {table} WHERE {' AND '.join(where)} ORDER BY {pk} LIMIT 1"
        return f"DELETE FROM {table} WHERE {pk} IN ({one})", where_params
    assignments, set_params = [], []
    for name, value in sets.items():
        field_ = CodeModel._meta.get_field(name)
        assignments.append(f"{names.qn(field_.column)} = %s")
        set_params.append(field_.get_db_prep_save(value, connection))
    sql = f"UPDATE {names.table(CodeModel)} SET {', '.join(assignments)} WHERE {' AND '.join(where)}"
    return sql, set_params + where_params


def _consume(first: tuple[str, list], row: Reserved, challenge_sequence) -> bool:
    """Run the device's consuming write and the state row's reset as one unit: True when
    both changed their row; False when the first found nothing to consume; Conflict when
    the first consumed and the second did not (only possible without the state lock)."""
    names = _Names(database())
    reset_sql, reset_params = _state_reset(names, row.user_id, challenge_sequence)
    first_sql, first_params = first
    with names.connection.cursor() as cursor:
        if names.connection.vendor == "postgresql":
            # One round trip: both writes as data-modifying CTEs; the reset only when the
            # device's write consumed something.
            cursor.execute(
                f"WITH consumed AS ({first_sql} RETURNING 1), "
                f"reset AS ({reset_sql} AND EXISTS (SELECT 1 FROM consumed) RETURNING 1) "
                "SELECT (SELECT count(*) FROM consumed), (SELECT count(*) FROM reset)",
                first_params + reset_params,
            )
            consumed, reset = cursor.fetchone()
        else:
            cursor.execute(first_sql, first_params)
            consumed = cursor.rowcount
            if consumed < 1:
                return False
            cursor.execute(reset_sql, reset_params)
            reset = cursor.rowcount
    if consumed < 1:
        return False
    if reset != 1:
        raise Conflict()
    return True


def succeed(
    row: Reserved,
    *,
    step: Optional[int] = None,
    challenge_sequence: Optional[int] = None,
    confirmed_at: Optional[datetime] = None,
    also_sets: Optional[dict] = None,
) -> bool:
    """Consume a TOTP success: record the step on the device (replay guard), confirm a
    pending device (``confirmed_at``), and on the state row spend the challenge and reset
    the failure count. ``also_sets``: further device columns (field name: value) the
    same write sets, e.g. django-otp's drift and last use. True when it was consumed (always, under the state row's lock; the
    conditions keep the guarantees should the lock ever be missing:
    tests/app/test_conditions_without_the_lock.py); Conflict when only the device's
    write went through."""
    names = _Names(database())
    if step is None and confirmed_at is None:
        return _reset_only(names, row, challenge_sequence)
    return _consume(_device_consume(names, row, step, confirmed_at, also_sets), row, challenge_sequence)


@sensitive_variables("digests")
def spend_code(row: Reserved, digests: Sequence[str], *, challenge_sequence: Optional[int] = None) -> bool:
    """Consume a static code by its digests (unspent ones only) and reset the state row,
    spending the challenge; False when no unspent code has these digests."""
    if not digests:
        return False
    names = _Names(database())
    return _consume(_code_spend(names, row, digests, timezone.now()), row, challenge_sequence)


def _reset_only(names: _Names, row: Reserved, challenge_sequence) -> bool:
    sql, params = _state_reset(names, row.user_id, challenge_sequence)
    with names.connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


# The rest of the state row -----------------------------------------------------------


def next_challenge(user_pk) -> Optional[int]:
    """Hand out the next login-challenge number when the user has a confirmed device of
    any kind (one statement, which also makes a missing state row); None without one."""
    alias = database()
    names = _Names(alias)
    State = SecondFactorState
    confirmed_exists = []
    exists_params: list = []
    for adapter in adapter_registry.registered():
        if not adapter.signs_in_with_challenge or router.db_for_read(adapter.model) != alias:
            continue
        condition, params = _confirmed_sql(names, adapter, True)
        confirmed_exists.append(
            f"EXISTS (SELECT 1 FROM {names.table(adapter.model)} WHERE "
            f"{names.qualified(adapter.model, adapter.user_field)} = %s AND {condition})"
        )
        exists_params += [user_pk, *params]
    issued = names.col(State, "challenge_issued")
    if _has_update_returning(alias):
        columns = [names.col(State, f) for f in ("user", "failed_attempts", "challenge_issued",
                                                 "challenge_redeemed", "credential_generation",
                                                 "surviving_credential")]
        # Every column: Django gives them no database defaults (before db_default).
        sql = (
            f"INSERT INTO {names.table(State)} ({', '.join(columns)}) SELECT %s, 0, 1, 0, 0, '' "
            f"WHERE {' OR '.join(confirmed_exists)} "
            f"ON CONFLICT ({names.col(State, 'user')}) DO UPDATE SET {issued} = {names.table(State)}.{issued} + 1 "
            f"RETURNING {issued}"
        )
        with names.connection.cursor() as cursor:
            cursor.execute(sql, [user_pk, *exists_params])
            row = cursor.fetchone()
        return None if row is None else int(row[0])
    with transaction.atomic(using=alias):
        with names.connection.cursor() as cursor:
            cursor.execute(f"SELECT {' OR '.join(confirmed_exists)}", exists_params)
            if not cursor.fetchone()[0]:
                return None
        ensure_state(user_pk)
        states = State.objects.using(alias).select_for_update().filter(pk=user_pk)
        states.update(challenge_issued=F("challenge_issued") + 1)
        return int(states.values_list("challenge_issued", flat=True).get())


def challenge_is_spent(user_pk, sequence: int) -> bool:
    """True when the challenge numbered ``sequence`` can no longer complete a login."""
    row = (
        SecondFactorState.objects.using(database())
        .filter(pk=user_pk)
        .values_list("challenge_issued", "challenge_redeemed")
        .first()
    )
    return row is None or not (row[1] < sequence <= row[0])


def clear_lockout(user_pk) -> bool:
    """Forget failed attempts and lift backoff and the hard lock; True when there was a row."""
    return bool(
        SecondFactorState.objects.using(database()).filter(pk=user_pk).update(failed_attempts=0, next_attempt_at=None)
    )


def state_of(user_pk) -> Optional[SecondFactorState]:
    return SecondFactorState.objects.using(database()).filter(pk=user_pk).first()


def pk_of(subject: str):
    """The user's primary key from its text form (a challenge subject); InvalidChallenge
    when it cannot be one."""
    try:
        return get_user_model()._meta.pk.to_python(subject)
    except ValidationError:
        raise InvalidChallenge() from None
