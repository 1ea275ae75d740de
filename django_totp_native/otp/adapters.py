"""The device adapters of django-otp's devices: where the verification service finds
their sealed key, replay floor, confirmation, per-device parameters and static tokens."""

from __future__ import annotations

from typing import Optional, Sequence

from django.views.decorators.debug import sensitive_variables

from ..services.adapters import DeviceAdapter, OtpParameters

#: Longest token input looked at (django-otp's StaticToken holds at most 16 characters).
MAX_STATIC_TOKEN_INPUT = 16
# A static token is digested exactly as typed (django-otp compares them exactly): the hex
# of its UTF-8 behind the prefix that the core's normalisation leaves as it is.
_EXACT_PREFIX = "EXACT"


@sensitive_variables("token", "raw")
def static_token_form(token) -> Optional[str]:
    """The digest input of a django-otp static token, or None when ``token`` cannot be one
    (not text, empty, longer than StaticToken holds, or with a NUL)."""
    if isinstance(token, int) and not isinstance(token, bool):
        token = str(token)
    if not isinstance(token, str) or not token or len(token) > MAX_STATIC_TOKEN_INPUT or "\x00" in token:
        return None
    try:
        raw = token.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no token was ever stored as one
        return None
    if len(raw) > 60:  # the core digests at most 128 characters
        return None
    return _EXACT_PREFIX + raw.hex().upper()


class OtpTotpAdapter(DeviceAdapter):
    """``otp_native.TOTPDevice``: several per user, django-otp's per-device parameters,
    a boolean confirmation and ``last_t`` as the replay floor."""

    label = "otp_native.totpdevice"
    secret_field = "sealed_key"
    replay_field = "last_t"
    confirmed_field = "confirmed"
    confirmed_is_boolean = True
    parameter_fields = ("step", "digits", "t0", "drift", "tolerance")
    signs_in_with_challenge = False

    def __init__(self):
        from .models import TOTPDevice

        self.model = TOTPDevice

    def otp_parameters(self, values: Sequence) -> OtpParameters:
        step, digits, t0, drift, tolerance = values
        return OtpParameters(period=step, digits=digits, algorithm="SHA1", t0=t0, drift=drift, tolerance=tolerance)


class OtpStaticAdapter(DeviceAdapter):
    """``otp_native.StaticDevice``: static tokens as keyed digests under the device's sealed
    key, spent by deleting the row (django-otp deletes a used token)."""

    label = "otp_native.staticdevice"
    digest_key_field = "token_key"
    confirmed_field = "confirmed"
    confirmed_is_boolean = True
    code_device_field = "device"
    code_digest_field = "digest"
    signs_in_with_challenge = False

    def __init__(self):
        from .models import StaticDevice, StaticToken

        self.model = StaticDevice
        self.code_model = StaticToken

    def spend_code_sets(self, now) -> Optional[dict]:
        return None

    @sensitive_variables("code", "form")
    def code_forms(self, code) -> list[str]:
        form = static_token_form(code)
        return [form] if form else []
