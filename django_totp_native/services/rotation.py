"""Encryption-key rotation: re-seal every stored secret under the first TOTP_ENCRYPTION_KEY.

What is re-sealed is a registry of (model, sealed fields) that device adapters fill
(``adapters.register``): django-totp's device (its secret and backup-code key) and every
further kind of device an integration registers, so one command rotates them all.

How a project retires a key: put the new key first in ``TOTP_ENCRYPTION_KEY`` (the old
one after it, so everything still decrypts), deploy, run ``manage.py rotate_totp_keys``,
then remove the old key once the report says nothing still depends on it.

Each device's secret and backup-code key are re-encrypted natively (``MultiFernet.rotate``:
the plaintext never becomes a Python object) and written back by one conditional UPDATE
that matches the ciphertexts it read, so a user who re-enrolls or regenerates codes at the
same moment is never overwritten with stale data: that row is simply read again. Rows
already sealed under the first key are left alone, so the command can be re-run.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable, Optional

from django.db import router, transaction
from django.db.models import Exists, OuterRef
from django.views.decorators.debug import sensitive_variables

from .. import core
from ..models import BackupCode, Totp
from . import adapters, keys

#: Times one device is read again when it changed between the read and the write.
MAX_RETRIES = 3


@dataclass
class RotationReport:
    total: int = 0
    resealed: int = 0
    already_current: int = 0
    #: (device id, reason) of rows that could not be re-sealed; never a secret.
    failed: list = field(default_factory=list)
    #: Devices whose unused backup codes predate per-device keys: they are digested under
    #: a key derived from a TOTP_ENCRYPTION_KEY and stop working when that key is removed
    #: (the users keep their TOTP device; they should generate new backup codes).
    legacy_backup_codes: int = 0

    @property
    def complete(self) -> bool:
        """True when no stored secret depends on any key but the first."""
        return not self.failed


def sealed_models() -> list[tuple[type, tuple[str, ...]]]:
    """(model, its sealed fields) for every column in the rotation registry: what device
    adapters registered (``adapters.register``), django-totp's device first."""
    return [(model, tuple(c.field for c in columns)) for model, columns in _sealed_columns()]


def _sealed_columns() -> list[tuple[type, list]]:
    grouped: dict = {}
    for column in adapters.sealed_fields():
        grouped.setdefault(column.model, []).append(column)
    return list(grouped.items())


@sensitive_variables("value", "item", "items", "token")
def _tokens(column, value) -> list[tuple[tuple, str]]:
    """(where, Fernet token) of each token a stored value holds: the value itself or, in a
    JSON column, each string (or list item) at its keys. Values without the column's
    prefix are not sealed and are not returned."""
    if not column.json_members:
        items = [((), value)]
    else:
        items = []
        for member in column.json_members if isinstance(value, dict) else ():
            item = value.get(member)
            if isinstance(item, str):
                items.append(((member,), item))
            elif isinstance(item, list):
                items += [((member, i), v) for i, v in enumerate(item) if isinstance(v, str)]
    return [
        (where, token[len(column.prefix) :])
        for where, token in items
        if isinstance(token, str) and token and token.startswith(column.prefix)
    ]


@sensitive_variables("value", "tokens", "fresh", "token")
def _replaced(column, value, tokens: dict):
    """The stored value with the tokens at their places (``_tokens``) replaced."""
    if not column.json_members:
        return column.prefix + tokens[()]
    fresh = copy.deepcopy(value)
    for where, token in tokens.items():
        if len(where) == 1:
            fresh[where[0]] = column.prefix + token
        else:
            fresh[where[0]][where[1]] = column.prefix + token
    return fresh


def reseal_all(batch_size: int = 500, progress: Optional[Callable[[int, int], None]] = None) -> RotationReport:
    """Re-seal every registered sealed column under the first configured key; see the
    module docstring. ``progress(done, total)`` is called after each batch."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    primary = core.Fernet(keys.encryption_keys()[0])
    fernet = keys.fernet()
    work = [
        (model, columns, list(model._default_manager.order_by("pk").values_list("pk", flat=True)))
        for model, columns in _sealed_columns()
    ]
    total = sum(len(ids) for _model, _fields, ids in work)
    report = RotationReport(total=total)
    done = 0
    for model, columns, ids in work:
        fields = [c.field for c in columns]
        for start in range(0, len(ids), batch_size):
            batch = ids[start : start + batch_size]
            # One transaction per batch: a batch is written whole or not at all, and a long
            # run never holds one transaction open over the whole table.
            with transaction.atomic(using=router.db_for_write(model)):
                # One read for the batch (at 10⁵ devices the round trips are the cost);
                # a row that changed before its write is read again on its own.
                rows = {row.pop("pk"): row for row in model._default_manager.filter(pk__in=batch).values("pk", *fields)}
                for pk in batch:
                    _reseal_one(model, columns, pk, primary, fernet, report, rows.get(pk))
            done += len(batch)
            if progress is not None:
                progress(done, total)
    report.legacy_backup_codes = (
        Totp.objects.filter(backup_key="")
        .filter(Exists(BackupCode.objects.filter(totp=OuterRef("pk"), is_used=False)))
        .count()
    )
    return report


@sensitive_variables("token", "row")
def unopenable(batch_size: int = 1000) -> list[tuple[object, str]]:
    """(row, field) of every registered sealed value that none of the configured keys
    opens: devices whose users would meet "verification unavailable". Checked natively
    (``MultiFernet.rotate``), so no plaintext becomes a Python object."""
    fernet = keys.fernet()
    found = []
    for model, columns in _sealed_columns():
        rows = model._default_manager.order_by("pk").values_list("pk", *(c.field for c in columns))
        for row in rows.iterator(chunk_size=batch_size):
            for column, value in zip(columns, row[1:]):
                for _where, token in _tokens(column, value):
                    try:
                        fernet.rotate(token.encode("ascii"))
                    except core.InvalidToken:
                        found.append((_row_name(model, row[0]), column.field))
                        break
    return found


def _row_name(model, pk):
    # django-totp's device keeps its bare id (what the command has always printed).
    return pk if model is Totp else f"{model._meta.label_lower}:{pk}"


@sensitive_variables()
def _reseal_one(model, columns, pk, primary, fernet, report: RotationReport, row=None) -> None:
    rows = model._default_manager
    fields = [c.field for c in columns]
    for attempt in range(MAX_RETRIES):
        if attempt or row is None:
            row = rows.filter(pk=pk).values(*fields).first()
        if row is None:  # deleted meanwhile (2FA turned off): nothing left to re-seal
            report.total -= 1
            return
        tokens = {
            (column.field, where): token for column in columns for where, token in _tokens(column, row[column.field])
        }
        if not tokens and any(column.json_members for column in columns):
            # A JSON column holds tokens in some rows only (allauth's WebAuthn rows, rows
            # still in plaintext): such a row is not one this pass is about.
            report.total -= 1
            return
        current = {place for place, token in tokens.items() if _sealed_by(primary, token)}
        if len(current) == len(tokens):
            report.already_current += 1
            return
        try:
            fresh = {
                place: token if place in current else keys.as_text(fernet.rotate(token.encode("ascii")))
                for place, token in tokens.items()
            }
        except core.InvalidToken:
            report.failed.append((_row_name(model, pk), "sealed under a key that is not in TOTP_ENCRYPTION_KEY"))
            return
        updates = {}
        for column in columns:
            mine = {where: token for (name, where), token in fresh.items() if name == column.field}
            if mine:
                updates[column.field] = _replaced(column, row[column.field], mine)
        # Conditional on every value read (a JSON column whole: a recovery code spent
        # meanwhile changes it, and must not be written back unspent).
        if rows.filter(pk=pk, **row).update(**updates) == 1:
            report.resealed += 1
            return
    report.failed.append((_row_name(model, pk), "changed during every attempt; run the command again"))


@sensitive_variables("token")
def _sealed_by(fernet, token: str) -> bool:
    try:
        fernet.extract_timestamp(token)
    except core.InvalidToken:
        return False
    return True
