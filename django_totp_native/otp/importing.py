"""Move a django-otp project's TOTP and static devices into this app's (keys sealed, tokens hashed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional, Sequence

from django.contrib.auth import get_user_model
from django.db import connections, router, transaction
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from ..services.importer import _aware

# django-otp's tables, read with SQL: its apps may already be gone from INSTALLED_APPS.
SOURCE_TOTP = "otp_totp_totpdevice"
SOURCE_STATIC = "otp_static_staticdevice"
SOURCE_TOKENS = "otp_static_statictoken"
# The import map's names for the two kinds of source row.
TOTP_SOURCE = "otp_totp.totpdevice"
STATIC_SOURCE = "otp_static.staticdevice"

# The columns copied as they are. Older django-otp schemas lack the throttling
# (otp_static 0002) or timestamp (0003) columns: whatever is missing keeps our default.
_DEVICE_COLUMNS = (
    "name", "confirmed", "throttling_failure_timestamp", "throttling_failure_count", "created_at", "last_used_at",
)
_TOTP_COLUMNS = ("step", "t0", "digits", "tolerance", "drift", "last_t")
_DATETIME_COLUMNS = {"throttling_failure_timestamp", "created_at", "last_used_at"}

DEFAULT_BATCH_SIZE = 200


class SourceMissing(Exception):
    """Neither of django-otp's device tables is in the given database."""


@dataclass
class ImportReport:
    dry_run: bool = False
    #: Rows found in the source tables.
    totp_devices: int = 0
    static_devices: int = 0
    #: Devices written here (with --dry-run: that would be written), and their tokens.
    imported_totp: int = 0
    imported_static: int = 0
    imported_tokens: int = 0
    #: Source rows an earlier run imported (the import map has them): left as they are.
    skipped_imported: int = 0
    #: Source rows whose user no longer exists.
    skipped_missing_user: int = 0
    #: (source table, source id, reason), never with a key or a token.
    failed: list = field(default_factory=list)


def import_django_otp(
    using: str = "default",
    *,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Optional[Callable[[str, int, int], None]] = None,
) -> ImportReport:
    """Copy every django-otp TOTP and static device (and its tokens) not imported before.

    Reads django-otp's tables in database ``using`` with plain SQL, so its apps may be
    installed or already removed. Each batch of devices is written in one transaction,
    together with the import map rows (``otp_native.DjangoOtpImport``) that make a second
    run skip them, even after a user deleted the imported device. ``dry_run``: reads and
    checks everything and writes nothing. ``progress(table, done, total)``.
    """
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if SOURCE_TOTP not in tables and SOURCE_STATIC not in tables:
        raise SourceMissing(
            _("Neither %(totp)s nor %(static)s is in database %(alias)s.")
            % {"totp": SOURCE_TOTP, "static": SOURCE_STATIC, "alias": repr(using)}
        )
    report = ImportReport(dry_run=dry_run)
    if SOURCE_TOTP in tables:
        _import_table(connection, SOURCE_TOTP, report, dry_run, batch_size, progress)
    if SOURCE_STATIC in tables:
        _import_table(connection, SOURCE_STATIC, report, dry_run, batch_size, progress, tokens=SOURCE_TOKENS in tables)
    return report


def _columns(connection, table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, table)}


@sensitive_variables()
def _import_table(connection, table, report, dry_run, batch_size, progress, tokens=False) -> None:
    from .models import DjangoOtpImport

    is_totp = table == SOURCE_TOTP
    present = _columns(connection, table)
    wanted = [*_DEVICE_COLUMNS, *(_TOTP_COLUMNS + ("key",) if is_totp else ())]
    columns = ["id", "user_id", *[c for c in wanted if c in present]]
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {qn(table)}")
        total = cursor.fetchone()[0]
    if is_totp:
        report.totp_devices = total
    else:
        report.static_devices = total
    source = TOTP_SOURCE if is_totp else STATIC_SOURCE
    done = 0
    for batch in _batches(connection, table, columns, batch_size):
        rows = [dict(zip(columns, row)) for row in batch]
        source_ids = [row["id"] for row in rows]
        imported = set(
            DjangoOtpImport.objects.filter(source=source, source_id__in=source_ids).values_list("source_id", flat=True)
        )
        User = get_user_model()
        users = set(
            User._default_manager.filter(pk__in={row["user_id"] for row in rows}).values_list("pk", flat=True)
        )
        todo = []
        for row in rows:
            if row["id"] in imported:
                report.skipped_imported += 1
            elif row["user_id"] not in users:
                report.skipped_missing_user += 1
            else:
                todo.append(row)
        token_rows = _tokens_of(connection, [row["id"] for row in todo]) if tokens and todo else {}
        _write_batch(connection, table, todo, token_rows, report, dry_run)
        done += len(rows)
        if progress is not None:
            progress(table, done, total)


def _batches(connection, table: str, columns: Sequence[str], batch_size: int) -> Iterator[list]:
    """The rows in id order, ``batch_size`` at a time (keyset pages: no OFFSET scans)."""
    qn = connection.ops.quote_name
    select = ", ".join(qn(c) for c in columns)
    last_id = None
    while True:
        where, params = ("", []) if last_id is None else (f" WHERE {qn('id')} > %s", [last_id])
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {select} FROM {qn(table)}{where} ORDER BY {qn('id')} LIMIT %s", [*params, batch_size])
            batch = cursor.fetchall()
        if not batch:
            return
        yield batch
        last_id = batch[-1][0]


@sensitive_variables("tokens", "token", "cursor")
def _tokens_of(connection, device_ids: Sequence[int]) -> dict[int, list[str]]:
    qn = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(device_ids))
    tokens: dict[int, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {qn('device_id')}, {qn('token')} FROM {qn(SOURCE_TOKENS)} "
            f"WHERE {qn('device_id')} IN ({placeholders}) ORDER BY {qn('id')}",
            list(device_ids),
        )
        for device_id, token in cursor.fetchall():
            tokens.setdefault(device_id, []).append(token)
    return tokens


@sensitive_variables()
def _write_batch(connection, table, rows, token_rows, report, dry_run) -> None:
    """One transaction for the batch's devices, their tokens and their import map rows."""
    from .models import DjangoOtpImport, StaticDevice, TOTPDevice

    is_totp = table == SOURCE_TOTP
    Model = TOTPDevice if is_totp else StaticDevice
    valid = []
    for row in rows:
        if is_totp and not _is_hex_key(row["key"]):
            report.failed.append((table, row["id"], "key is not 1 to 40 bytes of hex (django-otp could not use it either)"))
            continue
        if not is_totp and any(not _is_token(token) for token in token_rows.get(row["id"], ())):
            report.failed.append((table, row["id"], "a static token is empty, longer than 16 characters or holds a NUL"))
            continue
        valid.append(row)
    counted = "imported_totp" if is_totp else "imported_static"
    if dry_run:
        setattr(report, counted, getattr(report, counted) + len(valid))
        report.imported_tokens += sum(len(token_rows.get(row["id"], ())) for row in valid)
        return
    with transaction.atomic(using=router.db_for_write(Model)):
        for row in valid:
            values = {
                name: _aware(connection, value) if name in _DATETIME_COLUMNS else value
                for name, value in row.items()
                if name not in ("id", "key")
            }
            if "confirmed" in values:
                values["confirmed"] = bool(values["confirmed"])
            created_at = values.pop("created_at", None)
            if is_totp:
                device = TOTPDevice(key=row["key"], **values)  # the property seals it
            else:
                device = StaticDevice(**values)
            device.save()
            if created_at is not None:
                # auto_now_add stamped the import's time on insert: keep the original.
                Model.objects.filter(pk=device.pk).update(created_at=created_at)
            for token in token_rows.get(row["id"], ()):
                device.token_set.create(token=token)  # hashed on save
                report.imported_tokens += 1
            DjangoOtpImport.objects.create(
                source=TOTP_SOURCE if is_totp else STATIC_SOURCE, source_id=row["id"], device_id=device.pk
            )
            setattr(report, counted, getattr(report, counted) + 1)


@sensitive_variables("key")
def _is_hex_key(key) -> bool:
    from .models import key_from_hex

    try:
        key_from_hex(key)
    except ValueError:
        return False
    return True


@sensitive_variables("token")
def _is_token(token) -> bool:
    from .adapters import static_token_form

    return static_token_form(token) is not None
