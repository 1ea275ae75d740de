"""Database models: the per-user second-factor state, one TOTP device per user, its backup codes, and the "require 2FA" orders."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_lazy as _

from .compat import face


class SecondFactorState(models.Model):
    """What a user's second factor knows across all of their devices, whatever their kind.

    Every verification attempt locks this row first (the attempt counts against it before
    the code is checked), so a user's attempts run one after another and N devices never
    mean N times the guesses. It holds the failure count and backoff, the login-challenge
    sequence that makes challenge tokens single-use, and the credential generation.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="second_factor_state",
        help_text=_("Whose second factor this is."),
    )
    failed_attempts = models.PositiveIntegerField(
        verbose_name=_("failed attempts"),
        default=0,
        help_text=_("Code attempts since the last success; at TOTP_MAX_FAILURES the account is locked."),
    )
    next_attempt_at = models.DateTimeField(
        verbose_name=_("next attempt at"),
        null=True,
        blank=True,
        help_text=_("Backoff: no code is checked before this time."),
    )
    challenge_issued = models.BigIntegerField(
        verbose_name=_("challenge issued"),
        default=0,
        help_text=_("Sequence number of the last login challenge issued to this user (in the token)."),
    )
    challenge_redeemed = models.BigIntegerField(
        verbose_name=_("challenge redeemed"),
        default=0,
        help_text=_(
            "Sequence number of the last login challenge that completed a login: it and every "
            "older challenge are spent (single-use challenge tokens)."
        ),
    )
    credential_generation = models.PositiveBigIntegerField(
        verbose_name=_("credential generation"),
        default=0,
        help_text=_("Raised to end every session and token issued before (disable, reset, recovery)."),
    )
    surviving_credential = models.CharField(
        verbose_name=_("surviving credential"),
        max_length=32,
        blank=True,
        default="",
        help_text=_(
            "Id of the token family that made the last change of generation, which it "
            "survives (the caller of a disable is not signed out by it); empty: none."
        ),
    )

    class Meta:
        verbose_name = _("second-factor state")
        verbose_name_plural = _("second-factor states")

    def __str__(self) -> str:
        return gettext("Second factor of %(user)s") % {"user": self.user.get_username()}

    @property
    def is_locked(self) -> bool:
        from .conf import conf

        return self.failed_attempts >= conf.MAX_FAILURES


class Totp(models.Model):
    """A user's TOTP device: the sealed secret, the backup-code key and the replay guard."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="totp",
        help_text=_("Owner of this TOTP device."),
    )
    secret_key = models.CharField(
        verbose_name=_("secret key"),
        max_length=255,
        help_text=_("Fernet token of the base32 secret (same format as django-totp). Never shown."),
    )
    backup_key = models.CharField(
        verbose_name=_("backup key"),
        max_length=255,
        blank=True,
        default="",
        help_text=_(
            "Fernet token of this device's backup-code digest key, re-sealed with the secret "
            "when TOTP_ENCRYPTION_KEY rotates. Empty: the codes predate per-device keys and "
            "are digested under a key derived from TOTP_ENCRYPTION_KEY. Never shown."
        ),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True, help_text=_("When enrollment started."))
    confirmed_at = models.DateTimeField(
        verbose_name=_("confirmed at"),
        null=True,
        blank=True,
        help_text=_("When the first valid code confirmed the enrollment; empty while pending."),
    )
    last_used_step = models.BigIntegerField(
        verbose_name=_("last used step"),
        default=-1,
        help_text=_("Time step of the last accepted code; only later steps are accepted (replay guard)."),
    )
    class Meta:
        verbose_name = _("TOTP device")
        verbose_name_plural = _("TOTP devices")

    def __str__(self) -> str:
        return gettext("TOTP for %(user)s") % {"user": self.user.get_username()}

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class BackupCode(models.Model):
    """One single-use backup code, stored only as a keyed digest."""

    totp = models.ForeignKey(
        Totp,
        verbose_name=_("TOTP device"),
        on_delete=models.CASCADE,
        related_name="backup_codes",
        help_text=_("Device this code belongs to."),
    )
    digest = models.CharField(
        verbose_name=_("digest"),
        max_length=64,
        help_text=_("Hex HMAC-SHA256 of the normalised code; the code itself is never stored."),
    )
    is_used = models.BooleanField(verbose_name=_("is used"), default=False, help_text=_("Set once, when the code is consumed."))
    used_at = models.DateTimeField(verbose_name=_("used at"), null=True, blank=True, help_text=_("When the code was consumed."))
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True, help_text=_("When the code set was generated."))

    class Meta:
        verbose_name = _("backup code")
        verbose_name_plural = _("backup codes")
        constraints = [
            models.UniqueConstraint(fields=["totp", "digest"], name="dtn_backupcode_unique_digest"),
        ]

    def __str__(self) -> str:
        return gettext("Backup code (used)") if self.is_used else gettext("Backup code (unused)")


class TotpRequirement(models.Model):
    """An administrator's order that a user must have two-factor authentication.

    While the user has no confirmed device, the session pages and the OTP admin login send
    them to enrollment before anything else. The row stays after enrollment, so a user who
    later loses or removes the device is sent back to enrollment.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="totp_requirement",
        help_text=_("User who must enroll in two-factor authentication."),
    )
    required_at = models.DateTimeField(verbose_name=_("required at"), auto_now_add=True, help_text=_("When two-factor authentication was required."))
    required_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("required by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Staff member who required it; empty when set by code or when that account is gone."),
    )

    class Meta:
        verbose_name = _("two-factor requirement")
        verbose_name_plural = _("two-factor requirements")
        permissions = [
            ("manage_user_totp", "Can require, reset and unlock two-factor authentication of users"),
        ]

    def __str__(self) -> str:
        return gettext("Two-factor authentication required")


# django-totp's MAX_BACKUP_CODES stays reachable here, its path; compat.models serves it.
__getattr__ = face(__name__)
