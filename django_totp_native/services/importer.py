"""Copy a django-totp database's rows into this app (secrets re-sealed, codes as digests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from datetime import datetime
from datetime import timezone as dt_timezone

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from .. import core
from ..models import BackupCode, Totp
from . import devices, keys

SOURCE_DEVICES = "django_totp_totp"
SOURCE_CODES = "django_totp_backupcode"


class SourceMissing(Exception):
    """The django-totp tables are not in the given database."""


@dataclass
class ImportReport:
    total: int = 0
    imported: int = 0
    skipped_existing: int = 0
    skipped_missing_user: int = 0
    #: Backup codes that fit no format a device can hold (not django-totp's own codes):
    #: left out, their devices imported all the same.
    skipped_codes: int = 0
    failed: list = field(default_factory=list)  # (source id, reason) without any secret


@sensitive_variables("codes", "sealed", "row", "rows")
def import_django_totp(using: str = "default", progress: Optional[Callable[[int, int], None]] = None) -> ImportReport:
    """Idempotent: users who already have a device here are skipped, so re-running is safe.

    Each user's device and codes are written in one transaction: all or nothing. Backup
    codes are kept as django-totp checked them: exactly as written (case-sensitive). A
    device that had backup codes was enabled in django-totp and is confirmed here.
    """
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if SOURCE_DEVICES not in tables:
        raise SourceMissing(_("Table %(table)s not found in database %(alias)s.") % {"table": SOURCE_DEVICES, "alias": repr(using)})
    columns = {c.name for c in connection.introspection.get_table_description(connection.cursor(), SOURCE_DEVICES)}
    secret_column = "secret_key" if "secret_key" in columns else "secret"
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {qn('id')}, {qn('user_id')}, {qn(secret_column)}, {qn('created_at')} "
            f"FROM {qn(SOURCE_DEVICES)} ORDER BY {qn('id')}"
        )
        devices = cursor.fetchall()
    has_codes = SOURCE_CODES in tables
    fernet = keys.fernet()
    User = get_user_model()
    report = ImportReport(total=len(devices))
    for index, (source_id, user_id, sealed, created_at) in enumerate(devices, start=1):
        if Totp.objects.filter(user_id=user_id).exists():
            report.skipped_existing += 1
        elif not User._default_manager.filter(pk=user_id).exists():
            report.skipped_missing_user += 1
        else:
            codes = []
            if has_codes:
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT {qn('code')}, {qn('is_used')} FROM {qn(SOURCE_CODES)} "
                        f"WHERE {qn('totp_id')} = %s ORDER BY {qn('id')}",
                        [source_id],
                    )
                    codes = cursor.fetchall()
            try:
                report.skipped_codes += _import_one(
                    fernet, user_id, sealed, _aware(connection, created_at), codes
                )
                report.imported += 1
            except core.InvalidToken:
                report.failed.append((source_id, "cannot be decrypted with TOTP_ENCRYPTION_KEY"))
            except ValueError:
                report.failed.append((source_id, "malformed backup code"))
        if progress is not None:
            progress(index, report.total)
    return report


def _aware(connection, value) -> Optional[datetime]:
    """A datetime read by the raw cursor, as the ORM would give it (aware when USE_TZ).

    Databases without time-zone support (SQLite, MySQL) return naive values in the
    connection's time zone (UTC unless DATABASES[...]["TIME_ZONE"] says otherwise); some
    drivers return text.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value.strip())
        if value is None:
            return None
    if not isinstance(value, datetime):
        return None
    if settings.USE_TZ and timezone.is_naive(value):
        value = timezone.make_aware(value, connection.timezone or dt_timezone.utc)
    elif not settings.USE_TZ and timezone.is_aware(value):
        value = timezone.make_naive(value, timezone.get_default_timezone())
    return value


@sensitive_variables()
def _import_one(fernet, user_id, sealed, created_at, codes) -> int:
    """Import one device; returns how many of its codes were left out (unusable format)."""
    resealed = fernet.rotate(keys.as_text(sealed).encode("ascii"))  # natively, keeps the timestamp
    digest_key, backup_key = keys.new_backup_key()
    rows = []
    seen = set()
    skipped = 0
    for code_token, is_used in codes:
        plain = fernet.decrypt(code_token.encode("ascii") if isinstance(code_token, str) else code_token)
        try:
            text = plain.decode("utf-8")
        except UnicodeDecodeError:
            skipped += 1
            continue
        # django-totp compared codes exactly; one that is no exact code (e.g. with spaces)
        # may still be one of this app's forgiving codes.
        form = devices.exact_code_form(text) or devices.crockford_code_form(text)
        if form is None:
            skipped += 1
            continue
        digest = core.backup_code_digest(digest_key, form)
        if digest not in seen:
            seen.add(digest)
            rows.append(BackupCode(digest=digest, is_used=bool(is_used)))
    with transaction.atomic(using=router.db_for_write(Totp)):
        device = Totp.objects.create(
            user_id=user_id,
            secret_key=keys.as_text(resealed),
            backup_key=backup_key,
            # django-totp treats a device with backup codes (used or not) as enabled.
            confirmed_at=(created_at or timezone.now()) if codes else None,
        )
        if created_at is not None:
            Totp.objects.filter(pk=device.pk).update(created_at=created_at)
        for row in rows:
            row.totp = device
        BackupCode.objects.bulk_create(rows)
    return skipped
