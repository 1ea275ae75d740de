"""Sealing allauth's MFA secrets: the stored form, and sealing the rows a site stored in plaintext."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable, Optional

from django.db import router, transaction
from django.views.decorators.debug import sensitive_variables

from ..services import keys

#: Marks a sealed value in ``Authenticator.data``. allauth's plaintext values are a base32
#: TOTP secret or a hex recovery seed (and digits for migrated codes): none holds a ``$``,
#: so a plaintext value can never be taken for a sealed one, nor the other way round.
PREFIX = "totp_native$"

#: The members of ``Authenticator.data`` that allauth passes through ``encrypt``: the TOTP
#: secret, the recovery-code seed, and recovery codes migrated from older allauth versions.
SEALED_MEMBERS = ("secret", "seed", "migrated_codes")

#: Times one row is read again when it changed between the read and the write.
MAX_RETRIES = 3


@sensitive_variables("text")
def seal(text: str) -> str:
    """``text`` sealed with the first ``TOTP_ENCRYPTION_KEY``, behind ``PREFIX``."""
    return PREFIX + keys.as_text(keys.fernet().encrypt(text.encode("utf-8")))


@sensitive_variables("stored")
def unseal(stored: str) -> str:
    """The text of a sealed value; a value without ``PREFIX`` (stored before the adapter was
    installed) is returned as it is. Raises core.InvalidToken when no configured key opens it."""
    if not is_sealed(stored):
        return stored
    return keys.fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")


@sensitive_variables("stored")
def is_sealed(stored) -> bool:
    return isinstance(stored, str) and stored.startswith(PREFIX)


@sensitive_variables("data", "sealed", "item")
def sealed_data(data) -> Optional[dict]:
    """``data`` with every plaintext member sealed, or None when nothing is left to seal."""
    if not isinstance(data, dict):
        return None
    sealed = copy.deepcopy(data)
    changed = False
    for member in SEALED_MEMBERS:
        item = sealed.get(member)
        if isinstance(item, str) and item and not is_sealed(item):
            sealed[member] = seal(item)
            changed = True
        elif isinstance(item, list):
            for i, value in enumerate(item):
                if isinstance(value, str) and value and not is_sealed(value):
                    item[i] = seal(value)
                    changed = True
    return sealed if changed else None


@dataclass
class SealReport:
    total: int = 0
    sealed: int = 0
    already_sealed: int = 0
    #: (authenticator id, reason); never a secret.
    failed: list = None

    def __post_init__(self):
        self.failed = [] if self.failed is None else self.failed


@sensitive_variables()
def seal_plaintext(
    batch_size: int = 500, dry_run: bool = False, progress: Optional[Callable[[int, int], None]] = None
) -> SealReport:
    """Seal the TOTP secrets and recovery seeds of allauth's ``Authenticator`` rows that are
    still plaintext. One transaction per batch; each row is written by an UPDATE conditional
    on the data it read (a code spent meanwhile is read again, never written back unspent);
    sealed rows are left alone, so the command can be re-run. ``dry_run``: count only."""
    from allauth.mfa.models import Authenticator

    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    manager = Authenticator.objects
    types = (Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES)
    ids = list(manager.filter(type__in=types).order_by("pk").values_list("pk", flat=True))
    report = SealReport(total=len(ids))
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        with transaction.atomic(using=router.db_for_write(Authenticator)):
            rows = dict(manager.filter(pk__in=batch).values_list("pk", "data"))
            for pk in batch:
                _seal_one(manager, pk, rows.get(pk), dry_run, report)
        if progress is not None:
            progress(min(start + batch_size, len(ids)), len(ids))
    return report


@sensitive_variables()
def _seal_one(manager, pk, data, dry_run: bool, report: SealReport) -> None:
    for attempt in range(MAX_RETRIES):
        if attempt:
            data = manager.filter(pk=pk).values_list("data", flat=True).first()
        if data is None and not manager.filter(pk=pk).exists():
            report.total -= 1  # deleted meanwhile
            return
        sealed = sealed_data(data)
        if sealed is None:
            report.already_sealed += 1
            return
        if dry_run or manager.filter(pk=pk, data=data).update(data=sealed) == 1:
            report.sealed += 1
            return
    report.failed.append((pk, "changed during every attempt; run the command again"))
