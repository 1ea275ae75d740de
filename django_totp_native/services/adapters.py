"""Device adapters: how the one verification service reaches each kind of device.

The verification service (``services.verification``) counts, checks and consumes every
attempt the same way, whatever stores the device: it locks the user's
``SecondFactorState`` row, reads the device row, matches the code natively against the
sealed secret, and records the step or spends the static code. What differs between
kinds of device is only *where* things are, and an adapter says so:

- the device model and its columns: owner, sealed secret, sealed digest key for static
  codes, replay floor (the last accepted time step), confirmation;
- its OTP parameters: period, digits, algorithm, t0, drift and tolerance, either fixed by
  the settings (django-totp's device) or stored per device (django-otp's);
- how a static (backup) code is spent: the table of digests and the statement that
  consumes one.

An adapter holds no logic of its own beyond these answers; sealing, verifying, counting
and rotating stay in the services. ``register`` adds an adapter and the sealed fields of
its models to the rotation registry, so ``rotate_totp_keys`` re-seals them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from django.db import models
from django.views.decorators.debug import sensitive_variables

from ..conf import conf


@dataclass(frozen=True)
class OtpParameters:
    """How a device's codes are made (RFC 6238) and how far from now a code may be."""

    period: int = 30
    digits: int = 6
    algorithm: str = "SHA1"
    t0: int = 0
    #: Steps the device's clock is known to be off (django-otp's ``drift``).
    drift: int = 0
    #: Steps either side of now that are accepted.
    tolerance: int = 1

    @property
    def effective_t0(self) -> int:
        # A drift of d steps is the same as a clock origin d periods earlier.
        return self.t0 - self.drift * self.period


@dataclass(frozen=True)
class SealedField:
    """A column holding a Fernet token that key rotation re-seals (``rotation``).

    ``json_members``: the column is JSON and the tokens are the values (strings, or lists of
    strings) at these keys of it (allauth's ``Authenticator.data``). ``prefix``: the marker
    stored before each token; a value without it is not sealed (plaintext that an
    integration still reads until it is sealed) and rotation leaves it alone.
    """

    model: type
    field: str
    json_members: tuple[str, ...] = ()
    prefix: str = ""


class DeviceAdapter:
    """The answers one kind of device gives the verification service (see the module).

    Column names are field names; the services take the database columns from ``_meta``.
    """

    #: Short stable name; part of the device proof of every other adapter than the first.
    label: str = ""
    model: type[models.Model]
    user_field: str = "user"
    #: Sealed base32 TOTP secret (None: the kind has no TOTP codes).
    secret_field: Optional[str] = None
    #: Sealed key of the static codes' keyed digests ("": a key derived from the settings).
    digest_key_field: Optional[str] = None
    #: The last accepted time step: only later steps are accepted (replay guard).
    replay_field: Optional[str] = None
    #: A nullable datetime (None while pending) or a boolean.
    confirmed_field: str = "confirmed_at"
    confirmed_is_boolean: bool = False
    #: Further columns the attempt reads for ``otp_parameters`` (per-device parameters).
    parameter_fields: Sequence[str] = ()
    #: Whether a confirmed device of this kind makes the app's own login flows (API, JWT,
    #: session pages) ask for a second step. Those flows complete a login only with
    #: django-totp's device, so a kind they cannot verify must not make them issue a
    #: challenge nobody could answer (django-otp's devices are verified by django-otp's
    #: own login views, through this service).
    signs_in_with_challenge: bool = True

    # Static codes: the table holding their digests and how one is spent.
    code_model: Optional[type[models.Model]] = None
    code_device_field: str = ""
    code_digest_field: str = ""

    def otp_parameters(self, values: Sequence) -> OtpParameters:
        """The OTP parameters, given the ``parameter_fields`` values of the device row."""
        raise NotImplementedError

    def digits_hint(self) -> Optional[int]:
        """The code length every device of this kind has, when it is known before the row
        is read (input of another length is refused without counting); None: per device."""
        return None

    def spend_code_sets(self, now) -> Optional[dict]:
        """Columns a spent static code gets (an UPDATE), or None: the row is deleted (one
        row, should two codes of a device share a digest)."""
        return None

    @sensitive_variables("code")
    def code_forms(self, code) -> list[str]:
        """The digest inputs a typed static code could stand for (empty: it cannot be one of
        this kind's codes, and is refused before it is counted)."""
        from .backup_codes import code_forms

        return code_forms(code)

    def unspent_condition(self) -> dict:
        """Field lookups an unspent static code matches."""
        return {}

    def sealed_fields(self) -> list[SealedField]:
        fields = [SealedField(self.model, f) for f in (self.secret_field, self.digest_key_field) if f]
        return fields


class TotpAdapter(DeviceAdapter):
    """django-totp's device (``models.Totp``): one per user, parameters from the settings,
    backup codes as keyed digests in ``models.BackupCode``."""

    label = "totp"
    secret_field = "secret_key"
    digest_key_field = "backup_key"
    replay_field = "last_used_step"
    confirmed_field = "confirmed_at"
    code_device_field = "totp"
    code_digest_field = "digest"

    def __init__(self):
        from ..models import BackupCode, Totp

        self.model = Totp
        self.code_model = BackupCode

    def otp_parameters(self, values: Sequence) -> OtpParameters:
        return OtpParameters(
            period=conf.PERIOD, digits=conf.DIGITS, algorithm=conf.ALGORITHM, tolerance=conf.TOLERANCE
        )

    def digits_hint(self) -> Optional[int]:
        return conf.DIGITS

    def spend_code_sets(self, now) -> Optional[dict]:
        return {"is_used": True, "used_at": now}

    def unspent_condition(self) -> dict:
        return {"is_used": False}


_adapters: dict[str, DeviceAdapter] = {}
_sealed: list[SealedField] = []


def register(adapter: DeviceAdapter) -> DeviceAdapter:
    """Make ``adapter`` known to verification, ``is_enabled`` and key rotation (idempotent)."""
    if adapter.label != "totp":
        _ensure_builtin()  # django-totp's device stays the first (rotation reports it first)
    if adapter.label in _adapters:
        return _adapters[adapter.label]
    _adapters[adapter.label] = adapter
    for column in adapter.sealed_fields():
        register_sealed_field(column.model, column.field)
    return adapter


def register_sealed_field(model: type, field: str, json_members: Sequence[str] = (), prefix: str = "") -> None:
    """Add a column of Fernet tokens to what ``rotate_totp_keys`` re-seals (a JSON column:
    the tokens at ``json_members`` of it; see ``SealedField``)."""
    if not any(s.model is model and s.field == field for s in _sealed):
        _sealed.append(SealedField(model, field, tuple(json_members), prefix))


def registered() -> list[DeviceAdapter]:
    _ensure_builtin()
    return list(_adapters.values())


def sealed_fields() -> list[SealedField]:
    _ensure_builtin()
    return list(_sealed)


def get(label: str) -> DeviceAdapter:
    _ensure_builtin()
    return _adapters[label]


def totp() -> TotpAdapter:
    """The adapter of the app's own device (django-totp's)."""
    return get("totp")  # type: ignore[return-value]


def _ensure_builtin() -> None:
    if "totp" not in _adapters:
        register(TotpAdapter())
