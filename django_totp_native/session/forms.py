"""Forms of the session pages: they check the shape of the input; views call the services."""

from __future__ import annotations

from typing import Optional

from django import forms
from django.utils.translation import gettext_lazy as _

from ..conf import conf
from ..services.verification import split_code
from ..widgets import CodeInput

#: Longest input accepted; a code or backup code is far shorter.
MAX_INPUT = 128


class AccessibleForm(forms.Form):
    """Ties help texts and errors to their inputs (aria-describedby, aria-invalid) on every Django version."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._describe()

    def _describe(self):
        for name, field in self.fields.items():
            bound = self[name]
            # The bound field copied the help text when it was first made (by the first
            # _describe, before a subclass set the text): without this it never renders,
            # while aria-describedby points at its id.
            bound.help_text = field.help_text or ""
            ids = []
            if field.help_text:
                ids.append(f"{bound.auto_id}_helptext")
            if self._errors and self._errors.get(name):
                ids.append(f"{bound.auto_id}_errors")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    def full_clean(self):
        super().full_clean()
        self._describe()

    def add_error(self, field, error):
        super().add_error(field, error)
        self._describe()


def _not_a_code_message() -> str:
    return _(
        "That is not a code. Enter the %(digits)s-digit code from your authenticator app, "
        "or one of your backup codes as it was given to you."
    ) % {"digits": conf.DIGITS}


class CodeForm(AccessibleForm):
    """A code from the authenticator app only (enrollment confirmation)."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=MAX_INPUT,
        strip=True,
        error_messages={"required": _("Enter the code your authenticator app shows.")},
        widget=CodeInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read per form, not at import time: TOTP_DIGITS may change (override_settings).
        self.fields["code"].widget.attrs.update({"pattern": r"[0-9 ]*", "size": conf.DIGITS + 4})
        self.fields["code"].help_text = _("The %(digits)s-digit code shown for this account.") % {
            "digits": conf.DIGITS
        }
        self._describe()


class SecondFactorForm(AccessibleForm):
    """A code from the authenticator app or one unused backup code."""

    code = forms.CharField(
        label=_("Authentication code"),
        max_length=MAX_INPUT,
        strip=True,
        error_messages={"required": _("Enter the code from your authenticator app or a backup code.")},
        widget=CodeInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _(
            "The %(digits)s-digit code from your authenticator app, or one of your backup codes."
        ) % {"digits": conf.DIGITS}
        self._describe()

    def clean_code(self):
        value = self.cleaned_data["code"]
        if split_code(value) == (None, None):
            raise forms.ValidationError(_not_a_code_message(), code="not_a_code")
        return value

    def codes(self) -> tuple[Optional[str], Optional[str]]:
        return split_code(self.cleaned_data["code"])


class ConfirmChangeForm(SecondFactorForm):
    """Regenerate / disable: a POST button, plus a fresh code when TOTP_REQUIRE_CODE_FOR_CHANGES is on."""

    def __init__(self, *args, require_code: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.require_code = require_code
        if not require_code:
            del self.fields["code"]
        else:
            self.fields["code"].widget.attrs.pop("autofocus", None)

    def codes(self) -> tuple[Optional[str], Optional[str]]:
        if not self.require_code:
            return None, None
        return super().codes()


class RecoveryRequestForm(AccessibleForm):
    email = forms.EmailField(
        label=_("E-mail address of your account"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class RecoveryConfirmForm(AccessibleForm):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
