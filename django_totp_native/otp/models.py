"""django-otp's TOTP and static devices, storing only sealed keys and keyed digests.

Fields, defaults, settings and methods are django-otp 1.7's (``otp_totp`` and
``otp_static``), so code written for those runs unchanged. What differs is what the
database holds and where a token is checked:

- ``TOTPDevice.key`` is a property: reading it opens ``sealed_key`` (a Fernet token of the
  key's base32 form, under TOTP_ENCRYPTION_KEY), setting it seals. ``verify_token`` never
  opens it in Python: the native matcher does, inside one attempt of the verification
  service (``services.verification.verify_otp``).
- ``StaticToken`` keeps a keyed digest (HMAC-SHA256 under the device's own sealed key);
  its ``token`` is readable only on the instance that set it.
- A step is accepted once per device and a token spent once, also when several instances
  of one device, none of them locked, verify at the same moment: the replay floor moves by
  ``UPDATE … WHERE last_t < t`` and a token is spent by a ``DELETE`` that must remove a
  row. Failures are counted by the user's state row (shared with every other device of
  the user) and by the device's own throttling fields, both in SQL.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connections, models, router
from django.db.models import F
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

from .. import core
from ..services import adapters as adapter_registry
from ..services import attempts, keys, verification
from ..services.adapters import OtpParameters
from ..services.errors import LockedOut, NotEnrolled
from .adapters import static_token_form

#: Bytes of a new TOTP key (django-otp's default: 20 random bytes).
DEFAULT_KEY_BYTES = 20
#: Longest key django-otp accepts: 40 bytes, 80 hex digits.
MAX_KEY_BYTES = 40


@sensitive_variables("key")
def seal_key(key: bytes) -> str:
    """The stored form of a TOTP key: its base32 text sealed with the first Fernet key."""
    return keys.as_text(keys.fernet().encrypt(core.b32encode(key).encode("ascii")))


@sensitive_variables("hexkey", "key")
def key_from_hex(hexkey) -> bytes:
    """The key bytes of django-otp's hex form; ValueError when it is not 1 to 40 bytes of
    hex (the message never repeats the value)."""
    if isinstance(hexkey, bytes):
        hexkey = hexkey.decode("ascii", "replace")
    try:
        key = bytes.fromhex(hexkey) if isinstance(hexkey, str) and len(hexkey) % 2 == 0 else None
    except ValueError:
        key = None
    if not key or len(key) > MAX_KEY_BYTES:
        raise ValueError("A TOTP key must be 1 to 40 bytes, hex-encoded (an even number of hex digits).")
    return key


@sensitive_variables()
def default_sealed_key() -> str:
    """A fresh random key, sealed (the default of ``TOTPDevice.sealed_key``)."""
    return seal_key(core.random_bytes(DEFAULT_KEY_BYTES))


@sensitive_variables()
def default_sealed_token_key() -> str:
    """A fresh random digest key for a static device's tokens, sealed."""
    return keys.new_backup_key()[1]


def _owner(device) -> SimpleNamespace:
    # The service takes a signed-in user; a device knows its owner's id, and loading the
    # user for it would cost a query per verification.
    return SimpleNamespace(pk=device.user_id, is_authenticated=True)


def _count_failure(device) -> None:
    """Count a failed verification on the device's throttling fields in one statement
    (concurrent failures all count) and show the stored values on ``device``."""
    model = type(device)
    alias = router.db_for_write(model)
    now = timezone.now()
    connection = connections[alias]
    qn = connection.ops.quote_name
    count = qn(model._meta.get_field("throttling_failure_count").column)
    stamp = qn(model._meta.get_field("throttling_failure_timestamp").column)
    table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
    if attempts._has_update_returning(alias):
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {count} = {count} + 1, {stamp} = %s WHERE {pk} = %s RETURNING {count}",
                [connection.ops.adapt_datetimefield_value(now), device.pk],
            )
            row = cursor.fetchone()
        stored = None if row is None else row[0]
    else:
        updated = model._default_manager.using(alias).filter(pk=device.pk)
        updated.update(throttling_failure_count=F("throttling_failure_count") + 1, throttling_failure_timestamp=now)
        stored = updated.values_list("throttling_failure_count", flat=True).first()
    device.throttling_failure_count = device.throttling_failure_count + 1 if stored is None else stored
    device.throttling_failure_timestamp = now


#: What a success writes on the device besides the token's consumption (django-otp's
#: ``throttle_reset`` and ``set_last_used_timestamp``).
SUCCESS_RESET = {"throttling_failure_count": 0, "throttling_failure_timestamp": None}


def _record_success(device) -> None:
    """After a spent static token: reset throttling and stamp last use."""
    values = dict(SUCCESS_RESET, last_used_at=timezone.now())
    type(device)._default_manager.using(router.db_for_write(type(device))).filter(pk=device.pk).update(**values)
    for name, value in values.items():
        setattr(device, name, value)


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """django-otp's TOTP device (RFC 6238, SHA-1), with its key sealed.

    ``key`` (hex, as in django-otp) and ``bin_key`` open the sealed key: for enrollment
    and the QR code, never for verification.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="native_totpdevice_set",
        on_delete=models.CASCADE,
        help_text="The user that this device belongs to.",
    )
    sealed_key = models.TextField(
        default=default_sealed_key,
        editable=False,
        help_text="The secret key's base32 text sealed with TOTP_ENCRYPTION_KEY (a Fernet token); "
        "never stored in plaintext.",
    )
    step = models.PositiveSmallIntegerField(default=30, help_text="The time step in seconds.")
    t0 = models.BigIntegerField(default=0, help_text="The Unix time at which to begin counting steps.")
    digits = models.PositiveSmallIntegerField(
        choices=[(6, 6), (8, 8)], default=6, help_text="The number of digits to expect in a token."
    )
    tolerance = models.PositiveSmallIntegerField(
        default=1, help_text="The number of time steps in the past or future to allow."
    )
    drift = models.SmallIntegerField(
        default=0, help_text="The number of time steps the prover is known to deviate from our clock."
    )
    last_t = models.BigIntegerField(
        default=-1,
        help_text="The t value of the latest verified token. The next token must be at a higher time step.",
    )

    class Meta(Device.Meta):
        verbose_name = "TOTP device"

    # The key -------------------------------------------------------------------------

    @property
    @sensitive_variables()
    def bin_key(self) -> bytes:
        """The secret key as bytes (opened from the sealed column)."""
        return core.b32decode(keys.fernet().decrypt(self.sealed_key.encode("ascii")))

    @property
    @sensitive_variables()
    def key(self) -> str:
        """The secret key, hex-encoded (django-otp's form); setting it seals the new key."""
        return self.bin_key.hex()

    @key.setter
    @sensitive_variables("value")
    def key(self, value) -> None:
        self.sealed_key = seal_key(key_from_hex(value))

    # Verification --------------------------------------------------------------------

    def get_throttle_factor(self):
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    @sensitive_variables("token", "code")
    def token_text(self, token):
        """``token`` as this device's code text, or None: like django-otp, anything
        ``int()`` reads is a token (an int loses its leading zeros, which are put back)."""
        try:
            number = int(token)
        except (TypeError, ValueError, OverflowError):
            return None
        if number < 0 or number >= 10 ** self.digits:
            return None
        return str(number).zfill(self.digits)

    @sensitive_variables("token", "code")
    def verify_token(self, token) -> bool:
        """True once for a token of a time step later than ``last_t`` (the step is then
        recorded and, with OTP_TOTP_SYNC, the drift adjusted); django-otp's throttling
        applies, and the attempt counts on the user's shared counter."""
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        code = self.token_text(token)
        verified = None
        if code is not None and self.pk is not None:
            now = time.time()
            base_t = (int(now) - self.t0) // self.step
            sync = getattr(settings, "OTP_TOTP_SYNC", True)

            parameters = OtpParameters(
                period=self.step, digits=self.digits, algorithm="SHA1", t0=self.t0, drift=self.drift,
                tolerance=self.tolerance,
            )
            used_at = timezone.now()

            def success_sets(step: int) -> dict:
                # Written by the write that moves last_t (conditionally: a later step
                # recorded by a concurrent success is never written back).
                columns = dict(SUCCESS_RESET, last_used_at=used_at)
                if sync:
                    columns["drift"] = step - base_t
                return columns

            try:
                verified = verification.verify_otp(
                    _owner(self), code, adapter=adapter_registry.get(OTP_TOTP_LABEL), device_pk=self.pk,
                    parameters=parameters, for_time=now, success_sets=success_sets,
                )
            except (LockedOut, NotEnrolled):
                return False
            if verified is not None:
                for name, value in success_sets(verified.step).items():
                    setattr(self, name, value)
                self.last_t = verified.step
                return True
        _count_failure(self)
        return False

    # Provisioning --------------------------------------------------------------------

    @property
    @sensitive_variables()
    def config_url(self) -> str:
        """The otpauth:// URI for authenticator apps (Google's Key Uri Format); issuer from
        OTP_TOTP_ISSUER, image from OTP_TOTP_IMAGE (a string, or a callable of the device)."""
        label = str(self.user.get_username())
        query = urlencode(
            {"secret": core.b32encode(self.bin_key), "algorithm": "SHA1", "digits": self.digits, "period": self.step}
        )
        issuer = self._setting_text("OTP_TOTP_ISSUER")
        if issuer:
            issuer = issuer.replace(":", "")
            label = f"{issuer}:{label}"
            # RFC 3986 escaping (%20), as authenticator apps read it, not form escaping (+).
            query += f"&issuer={quote(issuer)}"
        image = self._setting_text("OTP_TOTP_IMAGE")
        if image:
            query += f"&image={quote(image, safe=':/')}"
        return f"otpauth://totp/{quote(label)}?{query}"

    def _setting_text(self, name):
        value = getattr(settings, name, None)
        if callable(value):
            value = value(self)
        return value if isinstance(value, str) and value else None


OTP_TOTP_LABEL = "otp_native.totpdevice"
OTP_STATIC_LABEL = "otp_native.staticdevice"


class StaticDevice(TimestampMixin, ThrottlingMixin, Device):
    """django-otp's static device: single-use tokens (backup codes), stored as keyed
    digests under the device's own sealed key."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="native_staticdevice_set",
        on_delete=models.CASCADE,
        help_text="The user that this device belongs to.",
    )
    token_key = models.TextField(
        default=default_sealed_token_key,
        editable=False,
        help_text="The key of the tokens' digests, sealed with TOTP_ENCRYPTION_KEY (a Fernet token).",
    )

    class Meta(Device.Meta):
        verbose_name = "static device"

    def get_throttle_factor(self):
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    @sensitive_variables("token")
    def verify_token(self, token) -> bool:
        """True once per stored token (it is then deleted); django-otp's throttling
        applies, and the attempt counts on the user's shared counter."""
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        verified = None
        if self.pk is not None:
            try:
                verified = verification.verify_static(
                    _owner(self), token, adapter=adapter_registry.get(OTP_STATIC_LABEL), device_pk=self.pk
                )
            except (LockedOut, NotEnrolled):
                return False
        if verified is not None:
            _record_success(self)
            return True
        _count_failure(self)
        return False


class StaticToken(models.Model):
    """One static token of a ``StaticDevice``, kept as its keyed digest.

    ``token`` may be given when the token is made (``device.token_set.create(token=…)``);
    it is digested on save and readable only on that instance, never from the database.
    """

    device = models.ForeignKey(
        StaticDevice, related_name="token_set", on_delete=models.CASCADE, help_text="The device this token belongs to."
    )
    digest = models.CharField(
        max_length=64,
        db_index=True,
        editable=False,
        help_text="HMAC-SHA256 of the token under the device's sealed key (hex); the token itself is not stored.",
    )

    @property
    @sensitive_variables()
    def token(self):
        """The plaintext token on the instance that set it; None on one read from the
        database (only its digest is stored)."""
        return self.__dict__.get("_plain_token")

    @token.setter
    @sensitive_variables("value")
    def token(self, value) -> None:
        self.__dict__["_plain_token"] = value
        self.digest = ""

    @staticmethod
    def random_token() -> str:
        """A new random token: 8 lower-case base32 characters (40 random bits)."""
        return core.b32encode(core.random_bytes(5)).lower()

    @sensitive_variables("form", "plain")
    def save(self, *args, **kwargs):
        plain = self.__dict__.get("_plain_token")
        if plain is not None and not self.digest:
            form = static_token_form(plain)
            if form is None:
                raise ValueError("A static token must be 1 to 16 characters (no NUL).")
            self.digest = core.backup_code_digest_sealed(keys.fernet(), self.device.token_key, form)
        if not self.digest:
            raise ValueError("A static token needs its token to be stored.")
        super().save(*args, **kwargs)



class DjangoOtpImport(models.Model):
    """One django-otp device that ``manage.py import_django_otp`` copied here: the map that
    makes a second run skip it. Kept apart from the device row on purpose: a device its
    user deletes later must not come back with the next run."""

    source = models.CharField(
        max_length=32,
        help_text="The django-otp model of the source row: otp_totp.totpdevice or otp_static.staticdevice.",
    )
    source_id = models.BigIntegerField(help_text="The source row's id in django-otp's table.")
    device_id = models.BigIntegerField(
        help_text="The id of the device made from it (TOTPDevice or StaticDevice, after source); "
        "it may have been deleted since."
    )
    imported_at = models.DateTimeField(auto_now_add=True, help_text="When the device was imported.")

    class Meta:
        verbose_name = "imported django-otp device"
        constraints = [models.UniqueConstraint(fields=["source", "source_id"], name="otp_native_import_once")]
