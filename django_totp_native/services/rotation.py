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
    grouped: dict = {}
    for column in adapters.sealed_fields():
        grouped.setdefault(column.model, []).append(column.field)
    return [(model, tuple(fields)) for model, fields in grouped.items()]


def reseal_all(batch_size: int = 500, progress: Optional[Callable[[int, int], None]] = None) -> RotationReport:
    """Re-seal every registered sealed column under the first configured key; see the
    module docstring. ``progress(done, total)`` is called after each batch."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    primary = core.Fernet(keys.encryption_keys()[0])
    fernet = keys.fernet()
    work = [
        (model, fields, list(model._default_manager.order_by("pk").values_list("pk", flat=True)))
        for model, fields in sealed_models()
    ]
    total = sum(len(ids) for _model, _fields, ids in work)
    report = RotationReport(total=total)
    done = 0
    for model, fields, ids in work:
        for start in range(0, len(ids), batch_size):
            batch = ids[start : start + batch_size]
            # One transaction per batch: a batch is written whole or not at all, and a long
            # run never holds one transaction open over the whole table.
            with transaction.atomic(using=router.db_for_write(model)):
                # One read for the batch (at 10⁵ devices the round trips are the cost);
                # a row that changed before its write is read again on its own.
                rows = {row.pop("pk"): row for row in model._default_manager.filter(pk__in=batch).values("pk", *fields)}
                for pk in batch:
                    _reseal_one(model, fields, pk, primary, fernet, report, rows.get(pk))
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
    for model, fields in sealed_models():
        rows = model._default_manager.order_by("pk").values_list("pk", *fields)
        for row in rows.iterator(chunk_size=batch_size):
            for name, token in zip(fields, row[1:]):
                if not token:
                    continue
                try:
                    fernet.rotate(token.encode("ascii"))
                except core.InvalidToken:
                    found.append((_row_name(model, row[0]), name))
    return found


def _row_name(model, pk):
    # django-totp's device keeps its bare id (what the command has always printed).
    return pk if model is Totp else f"{model._meta.label_lower}:{pk}"


@sensitive_variables()
def _reseal_one(model, fields, pk, primary, fernet, report: RotationReport, row=None) -> None:
    rows = model._default_manager
    for attempt in range(MAX_RETRIES):
        if attempt or row is None:
            row = rows.filter(pk=pk).values(*fields).first()
        if row is None:  # deleted meanwhile (2FA turned off): nothing left to re-seal
            report.total -= 1
            return
        current = {name: token for name, token in row.items() if token and _sealed_by(primary, token)}
        if len(current) == sum(1 for token in row.values() if token):
            report.already_current += 1
            return
        try:
            fresh = {
                name: token if name in current else keys.as_text(fernet.rotate(token.encode("ascii")))
                for name, token in row.items()
                if token
            }
        except core.InvalidToken:
            report.failed.append((_row_name(model, pk), "sealed under a key that is not in TOTP_ENCRYPTION_KEY"))
            return
        if rows.filter(pk=pk, **row).update(**fresh) == 1:
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
