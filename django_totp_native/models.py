"""Database models: one TOTP device per user (with its login-challenge sequence), its backup codes, and the "require 2FA" orders."""

from django.conf import settings
from django.db import models


class Totp(models.Model):
    """A user's TOTP device: the sealed secret, the replay guard and the failure counter."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="totp",
        help_text="Owner of this TOTP device.",
    )
    secret_key = models.CharField(
        max_length=255,
        help_text="Fernet token of the base32 secret (same format as django-totp). Never shown.",
    )
    backup_key = models.CharField(
        max_length=255,
        blank=True,
        default="",
        help_text=(
            "Fernet token of this device's backup-code digest key, re-sealed with the secret "
            "when TOTP_ENCRYPTION_KEY rotates. Empty: the codes predate per-device keys and "
            "are digested under a key derived from TOTP_ENCRYPTION_KEY. Never shown."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="When enrollment started.")
    confirmed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the first valid code confirmed the enrollment; empty while pending.",
    )
    last_used_step = models.BigIntegerField(
        default=-1,
        help_text="Time step of the last accepted code; only later steps are accepted (replay guard).",
    )
    failed_attempts = models.PositiveIntegerField(
        default=0,
        help_text="Code attempts since the last success; at TOTP_MAX_FAILURES the device is locked.",
    )
    next_attempt_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Backoff: no code is checked before this time.",
    )
    challenge_issued = models.BigIntegerField(
        default=0,
        help_text="Sequence number of the last login challenge issued to this user (in the token).",
    )
    challenge_redeemed = models.BigIntegerField(
        default=0,
        help_text=(
            "Sequence number of the last login challenge that completed a login: it and every "
            "older challenge are spent (single-use challenge tokens)."
        ),
    )

    class Meta:
        verbose_name = "TOTP device"
        verbose_name_plural = "TOTP devices"

    def __str__(self) -> str:
        return f"TOTP for {self.user.get_username()}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class BackupCode(models.Model):
    """One single-use backup code, stored only as a keyed digest."""

    totp = models.ForeignKey(
        Totp,
        on_delete=models.CASCADE,
        related_name="backup_codes",
        help_text="Device this code belongs to.",
    )
    digest = models.CharField(
        max_length=64,
        help_text="Hex HMAC-SHA256 of the normalised code; the code itself is never stored.",
    )
    is_used = models.BooleanField(default=False, help_text="Set once, when the code is consumed.")
    used_at = models.DateTimeField(null=True, blank=True, help_text="When the code was consumed.")
    created_at = models.DateTimeField(auto_now_add=True, help_text="When the code set was generated.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["totp", "digest"], name="dtn_backupcode_unique_digest"),
        ]

    def __str__(self) -> str:
        return f"Backup code ({'used' if self.is_used else 'unused'})"


class TotpRequirement(models.Model):
    """An administrator's order that a user must have two-factor authentication.

    While the user has no confirmed device, the session pages and the OTP admin login send
    them to enrollment before anything else. The row stays after enrollment, so a user who
    later loses or removes the device is sent back to enrollment.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="totp_requirement",
        help_text="User who must enroll in two-factor authentication.",
    )
    required_at = models.DateTimeField(auto_now_add=True, help_text="When two-factor authentication was required.")
    required_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Staff member who required it; empty when set by code or when that account is gone.",
    )

    class Meta:
        verbose_name = "two-factor requirement"
        verbose_name_plural = "two-factor requirements"
        permissions = [
            ("manage_user_totp", "Can require, reset and unlock two-factor authentication of users"),
        ]

    def __str__(self) -> str:
        return "Two-factor authentication required"


def __getattr__(name):
    # django-totp's module constant, read from the settings on every access so that
    # override_settings applies (PEP 562) instead of being frozen at import.
    if name == "MAX_BACKUP_CODES":
        from .conf import conf

        return conf.MAX_BACKUP_CODES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
