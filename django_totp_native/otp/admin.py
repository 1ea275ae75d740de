"""Admin of the django-otp devices: django-otp's ``TOTPDeviceAdmin`` (with the QR code
page), ``StaticDeviceAdmin`` and ``StaticTokenInline``, hiding what is sealed.

The key and the tokens are write-only here: a key or token can be typed in (it is sealed
or digested on save), never read back; the QR code page shows the device's address to
whoever may view the device, unless OTP_ADMIN_HIDE_SENSITIVE_DATA. As in every admin of
this app, only a superuser changes a superuser's devices (``SuperuserRuleMixin``).
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.sites import AlreadyRegistered
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django_otp.admin import user_model_search_fields
from django_otp.conf import settings as otp_settings

from .. import core
from ..admin.actions import SuperuserRuleMixin
from ..services import management
from .adapters import static_token_form
from .models import StaticDevice, StaticToken, TOTPDevice, key_from_hex


def _refuse_protected_owner(request, user) -> None:
    """Adding or moving a device to a user is a change of that user's 2FA too."""
    if user is not None and not management.may_manage_user(request.user, user, request):
        raise PermissionDenied


class TOTPDeviceForm(forms.ModelForm):
    """The device form with ``key`` as a write-only field: empty keeps the current key (a
    new device: a random one)."""

    key = forms.CharField(
        label=_("Key"),
        required=False,
        strip=True,
        max_length=80,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("A new hex-encoded secret key of up to 40 bytes. Leave empty to keep the current key "
                    "(a new device gets a random one). The stored key is never shown."),
    )

    class Meta:
        model = TOTPDevice
        fields = ["user", "name", "confirmed", "step", "t0", "digits", "tolerance", "drift",
                  "throttling_failure_timestamp", "throttling_failure_count"]

    @sensitive_variables("value")
    def clean_key(self):
        value = self.cleaned_data.get("key") or ""
        if value:
            try:
                key_from_hex(value)
            except ValueError:
                raise forms.ValidationError(
                    _("Enter 1 to 40 bytes as hex: an even number of the digits 0-9 and a-f."), code="invalid"
                ) from None
        return value

    @sensitive_variables("value")
    def save(self, commit=True):
        value = self.cleaned_data.get("key")
        if value:
            self.instance.key = value
        return super().save(commit)


class TOTPDeviceAdmin(SuperuserRuleMixin, admin.ModelAdmin):
    """Admin of ``TOTPDevice``, as django-otp's, with a write-only key."""

    form = TOTPDeviceForm
    candidate_search_field = [get_user_model().USERNAME_FIELD, "email"]
    list_display = ["user", "name", "created_at", "last_used_at", "confirmed"]
    list_filter = ["created_at", "last_used_at", "confirmed"]
    search_fields, search_help_text = user_model_search_fields(candidate_search_field)
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "last_used_at", "qrcode_link"]
    radio_fields = {"digits": admin.HORIZONTAL}
    list_select_related = ["user"]

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if not otp_settings.OTP_ADMIN_HIDE_SENSITIVE_DATA:
            shown = [*shown, "qrcode_link"]
        return shown

    def get_fieldsets(self, request, obj=None):
        configuration = ["step", "t0", "digits", "tolerance"]
        # The key field is write-only; with sensitive data hidden, a device's key can be
        # set only when it is made.
        if obj is None or not otp_settings.OTP_ADMIN_HIDE_SENSITIVE_DATA:
            configuration = ["key", *configuration]
        fieldsets = [
            (_("Identity"), {"fields": ["user", "name", "confirmed"]}),
            (_("Timestamps"), {"fields": ["created_at", "last_used_at"]}),
            (_("Configuration"), {"fields": configuration}),
            (_("State"), {"fields": ["drift"]}),
            (_("Throttling"), {"fields": ["throttling_failure_timestamp", "throttling_failure_count"]}),
        ]
        if obj is not None and not otp_settings.OTP_ADMIN_HIDE_SENSITIVE_DATA:
            fieldsets.append((None, {"fields": ["qrcode_link"]}))
        return fieldsets

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def save_model(self, request, obj, form, change):
        _refuse_protected_owner(request, obj.user)
        super().save_model(request, obj, form, change)

    @method_decorator(sensitive_post_parameters("key"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("QR Code"))
    def qrcode_link(self, device):
        if device is None or device.pk is None:
            return ""
        href = reverse(f"{self.admin_site.name}:otp_native_totpdevice_config", kwargs={"pk": device.pk})
        return format_html('<a href="{}">{}</a>', href, _("QR code"))

    def get_urls(self):
        return [
            path("<int:pk>/config/", self.admin_site.admin_view(self.config_view), name="otp_native_totpdevice_config"),
            path("<int:pk>/qrcode/", self.admin_site.admin_view(self.qrcode_view), name="otp_native_totpdevice_qrcode"),
        ] + super().get_urls()

    def _device_for_config(self, request, pk) -> TOTPDevice:
        if otp_settings.OTP_ADMIN_HIDE_SENSITIVE_DATA:
            raise PermissionDenied
        device = get_object_or_404(TOTPDevice.objects.select_related("user"), pk=pk)
        if not self.has_view_or_change_permission(request, device):
            raise PermissionDenied
        # The key opens the account: whoever may not change the owner's 2FA may not read it.
        if not management.may_manage_user(request.user, device.user, request):
            raise PermissionDenied
        return device

    def config_view(self, request, pk):
        device = self._device_for_config(request, pk)
        context = dict(self.admin_site.each_context(request), device=device, title=_("Configure the device"))
        response = TemplateResponse(request, "otp_native/admin/config.html", context)
        add_never_cache_headers(response)
        return response

    @sensitive_variables("uri")
    def qrcode_view(self, request, pk):
        device = self._device_for_config(request, pk)
        uri = device.config_url
        response = HttpResponse(core.qr_svg(uri), content_type="image/svg+xml")
        add_never_cache_headers(response)
        return response


class StaticTokenForm(forms.ModelForm):
    """A token row: a new one takes the token (stored as its digest); a stored one shows
    nothing of it."""

    token = forms.CharField(label=_("Token"), max_length=16, strip=False, required=False,
                            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}))

    class Meta:
        model = StaticToken
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            field = self.fields["token"]
            field.disabled = True
            field.widget = forms.TextInput(attrs={"placeholder": _("stored as a keyed hash")})

    def has_changed(self):
        return self.instance.pk is None and bool(self.data.get(self.add_prefix("token")))

    @sensitive_variables("value")
    def clean_token(self):
        value = self.cleaned_data.get("token") or ""
        if self.instance.pk is None:
            if not value:
                raise forms.ValidationError(_("Enter the token."), code="required")
            if static_token_form(value) is None:
                raise forms.ValidationError(_("A token is 1 to 16 characters."), code="invalid")
        return value

    @sensitive_variables("value")
    def save(self, commit=True):
        value = self.cleaned_data.get("token")
        if self.instance.pk is None and value:
            self.instance.token = value
        return super().save(commit)


class StaticTokenInline(admin.TabularInline):
    model = StaticToken
    form = StaticTokenForm
    fields = ["token"]
    extra = 0


class StaticDeviceAdmin(SuperuserRuleMixin, admin.ModelAdmin):
    """Admin of ``StaticDevice``, as django-otp's; tokens can be added, never read."""

    candidate_search_field = [get_user_model().USERNAME_FIELD, "email"]
    list_display = ["user", "name", "created_at", "last_used_at", "confirmed"]
    list_filter = ["created_at", "last_used_at", "confirmed"]
    search_fields, search_help_text = user_model_search_fields(candidate_search_field)
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "last_used_at"]
    list_select_related = ["user"]
    fieldsets = [
        (_("Identity"), {"fields": ["user", "name", "confirmed"]}),
        (_("Timestamps"), {"fields": ["created_at", "last_used_at"]}),
    ]
    inlines = [StaticTokenInline]

    def get_inline_instances(self, request, obj=None):
        if otp_settings.OTP_ADMIN_HIDE_SENSITIVE_DATA and obj:
            return []
        return super().get_inline_instances(request, obj)

    def save_model(self, request, obj, form, change):
        _refuse_protected_owner(request, obj.user)
        super().save_model(request, obj, form, change)

    @method_decorator(sensitive_post_parameters())
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)


for _model, _admin in ((TOTPDevice, TOTPDeviceAdmin), (StaticDevice, StaticDeviceAdmin)):
    try:
        admin.site.register(_model, _admin)
    except AlreadyRegistered:  # a second import of this module
        pass
