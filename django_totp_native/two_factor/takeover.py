"""How this app takes over django-two-factor-auth's ``generator`` method and backup tokens.

two-factor-auth has no hook for the backup-token device: its login wizard, backup-tokens
page and profile page reach django-otp's ``StaticDevice`` through ``user.staticdevice_set``.
``install()`` (run once, from ``AppConfig.ready``) therefore

- replaces the registered ``generator`` method, in its place in the registry, with
  ``NativeGeneratorMethod``: setup saves our sealed ``TOTPDevice``, and the method lists a
  user's django-otp TOTP devices too, which keep working until ``import_django_otp``;
- gives ``LoginView`` the backup device and count of ours (then django-otp's, while a user
  still has some), ``ProfileView`` the count, and ``BackupTokensView`` a page that shows
  new tokens once, in the answer to the POST that made them, and afterwards only how many
  are left (the database holds keyed digests; nothing could show them again).

Everything else (the phone, e-mail, YubiKey and WebAuthn methods, remember-device, the
disable page) is two-factor-auth's own and finds our devices through django-otp's
``devices_for_user``.
"""

from __future__ import annotations

import functools

from django.db import router, transaction
from django.views.decorators.debug import sensitive_variables
from two_factor.plugins.registry import GeneratorMethod, registry
from two_factor.views.core import BackupTokensView, LoginView
from two_factor.views.profile import ProfileView

from ..otp.models import StaticDevice, StaticToken, TOTPDevice
from .forms import NativeTOTPDeviceForm

_installed = False


def _django_otp_models():
    """django-otp's own TOTPDevice and StaticDevice, or None where a plugin is not installed."""
    from django.apps import apps

    totp = apps.get_model("otp_totp", "TOTPDevice") if apps.is_installed("django_otp.plugins.otp_totp") else None
    static = apps.get_model("otp_static", "StaticDevice") if apps.is_installed("django_otp.plugins.otp_static") else None
    return totp, static


class NativeGeneratorMethod(GeneratorMethod):
    """two-factor-auth's ``generator`` method on ``django_totp_native.otp.TOTPDevice``."""

    form_path = "django_totp_native.two_factor.forms.NativeTOTPDeviceForm"

    def get_devices(self, user):
        devices = list(TOTPDevice.objects.filter(user=user))
        stock_totp, _static = _django_otp_models()
        if stock_totp is not None:
            devices += list(stock_totp.objects.filter(user=user))
        return devices

    def recognize_device(self, device):
        stock_totp, _static = _django_otp_models()
        return isinstance(device, TOTPDevice) or (stock_totp is not None and isinstance(device, stock_totp))

    def get_setup_forms(self, *args):
        return {"generator": NativeTOTPDeviceForm}


def backup_devices(user) -> list:
    """The user's static devices: ours first, then django-otp's own (not yet imported)."""
    devices = list(StaticDevice.objects.filter(user=user).order_by("pk"))
    _totp, stock_static = _django_otp_models()
    if stock_static is not None:
        devices += list(stock_static.objects.filter(user=user).order_by("pk"))
    return devices


def backup_device(user):
    """The device a backup token is checked on: the first that has tokens left, else the first."""
    devices = backup_devices(user)
    for device in devices:
        if device.token_set.exists():
            return device
    return devices[0] if devices else None


def backup_tokens_left(user) -> int:
    """How many backup tokens the user has left, over all the user's static devices."""
    return sum(device.token_set.count() for device in backup_devices(user))


# LoginView ----------------------------------------------------------------------------


def _login_get_device(original):
    @functools.wraps(original)
    def get_device(self, step=None):
        if not self.device_cache and step == self.BACKUP_STEP:
            self.device_cache = backup_device(self.get_user())
        return original(self, step)

    return get_device


def _login_get_context_data(original):
    @functools.wraps(original)
    def get_context_data(self, form, **kwargs):
        context = original(self, form, **kwargs)
        if self.steps.current == self.TOKEN_STEP:
            context["backup_tokens"] = backup_tokens_left(self.get_user())
        return context

    return get_context_data


# ProfileView --------------------------------------------------------------------------


def _profile_get_context_data(original):
    @functools.wraps(original)
    def get_context_data(self, **kwargs):
        context = original(self, **kwargs)
        context["backup_tokens"] = backup_tokens_left(self.request.user)
        return context

    return get_context_data


# BackupTokensView ---------------------------------------------------------------------


def _backup_get_device(self):
    device = StaticDevice.objects.filter(user=self.request.user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=self.request.user, name="backup")
    return device


def _backup_get_context_data(original):
    @functools.wraps(original)
    def get_context_data(self, **kwargs):
        context = original(self, **kwargs)
        context["tokens_left"] = backup_tokens_left(self.request.user)
        return context

    return get_context_data


@sensitive_variables("tokens", "token")
def _backup_form_valid(self, form):
    """Replace every backup token of the user (ours and any django-otp ones) with new ones
    and show them in this answer only."""
    user = self.request.user
    with transaction.atomic(using=router.db_for_write(StaticToken)):
        device = self.get_device()
        for other in backup_devices(user):
            other.token_set.all().delete()
        tokens = [StaticToken.random_token() for _ in range(self.number_of_tokens)]
        for token in tokens:
            device.token_set.create(token=token)
    return self.render_to_response(self.get_context_data(form=form, new_tokens=tokens))


def install() -> None:
    """Apply the takeover (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True

    methods = registry.get_methods()
    for index, method in enumerate(methods):
        if method.code == NativeGeneratorMethod.code:
            methods[index] = NativeGeneratorMethod()
            break
    else:
        registry.register(NativeGeneratorMethod())

    LoginView.get_device = _login_get_device(LoginView.get_device)
    LoginView.get_context_data = _login_get_context_data(LoginView.get_context_data)
    ProfileView.get_context_data = _profile_get_context_data(ProfileView.get_context_data)
    BackupTokensView.template_name = "django_totp_native/two_factor/backup_tokens.html"
    BackupTokensView.get_device = _backup_get_device
    BackupTokensView.get_context_data = _backup_get_context_data(BackupTokensView.get_context_data)
    BackupTokensView.form_valid = _backup_form_valid
