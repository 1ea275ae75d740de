"""Session pages: login with a code step, enrollment, backup codes, regenerate, disable, recovery.

Thin: every flow is a service call (``services.devices``, ``challenges``, ``provisioning``,
``sessions``, ``recovery``); views only move data between the request, the session and the
templates. Every page is ``never_cache``; every page with a form and every POST is
``csrf_protect``-ed, so they work and are protected even when the project has no
``CsrfViewMiddleware``.
"""

from __future__ import annotations

import logging
from typing import Optional
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from ..services import challenges, devices, management, provisioning, recovery, sessions, verification
from ..services.errors import (
    AlreadyConfirmed,
    AlreadyEnrolled,
    InvalidChallenge,
    InvalidCode,
    LockedOut,
    NotEnrolled,
    ReplayedCode,
    SecretUnavailable,
)
from ..throttle import PasswordStepLimitMixin, remember_device
from . import access
from .decorators import second_factor_if_enabled
from .forms import CodeForm, ConfirmChangeForm, RecoveryConfirmForm, RecoveryRequestForm, SecondFactorForm

logger = logging.getLogger("django_totp_native")

#: Session key of the pending device this session's enrollment page shows (its pk only):
#: a pending key is shown to the one session that started it.
PENDING_DEVICE_KEY = "_totp_pending_device"

def _invalid_code_message() -> str:
    return _("That code is not valid. Enter the current code from your authenticator app, or an unused backup code.")


def _replayed_code_message() -> str:
    return _("That code was just used; wait for the next one.")


def _notify(request, level, text) -> None:
    messages.add_message(request, level, text, fail_silently=True)


# Redirect targets -------------------------------------------------------------------


def safe_next(request, url: Optional[str]) -> str:
    """``url`` when it points to this site (same host, no scheme change to http), else ''."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _next_from(request) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"))


def _default_next() -> str:
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _url(name: str, next_url: str = "") -> str:
    return access.with_next(reverse(f"{access.NAMESPACE}:{name}"), next_url)


# Fresh backup codes ------------------------------------------------------------------


@sensitive_variables("codes", "text", "context")
def _show_new_codes(request, codes: list[str], next_url: str):
    """The page with freshly issued backup codes, as the answer of the POST that made them.

    The codes are never written to the session or any other store: this response is the
    only place they exist (``never_cache``: not kept by browsers or proxies either), and
    the download link carries them in the page itself.
    """
    from django.template.loader import render_to_string

    text = render_to_string(
        "django_totp_native/backup_codes.txt", {"codes": codes, "user": request.user}, request=request
    )
    context = {
        "codes": codes,
        "download_href": "data:text/plain;charset=utf-8," + quote(text),
        "next": next_url,
        "status": _status(request.user),
    }
    return render(request, "django_totp_native/backup_codes.html", context)


def _status(user) -> dict:
    status = management.status_of(user)
    return {
        "state": status.state,
        "enabled": status.state == management.ENABLED,
        "pending": status.state == management.PENDING,
        "backup_codes_left": status.backup_codes_left,
        "locked": status.locked,
        "required": status.required,
    }


# Login --------------------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class LoginView(PasswordStepLimitMixin, auth_views.LoginView):
    """Django's LoginView with a second step: users with 2FA go on to the code page.

    The password step does not log the user in; it keeps a signed, single-use challenge
    (and the validated ``next``) in the session. The code page completes the login.
    """

    template_name = "django_totp_native/login.html"

    def get_initial(self):
        initial = super().get_initial()
        if self.request.method == "GET":
            # Sent back here because the code step expired: the login name is offered again.
            username = sessions.expired_login_username(self.request)
            if username:
                initial["username"] = username
        return initial

    @sensitive_variables()
    def form_valid(self, form):
        user = form.get_user()
        state = management.enforcement_of(user)
        if state.enabled:
            sessions.start_pending_login(
                self.request, user, backend=getattr(user, "backend", None), next_url=self.get_redirect_url()
            )
            return HttpResponseRedirect(_url("verify"))
        response = super().form_valid(form)
        challenges.signed_in_without_second_factor(user, request=self.request, sender=self.__class__)
        if state.must_enroll:
            response = HttpResponseRedirect(access.enroll_url(self.get_success_url()))
        return remember_device(self.request, response, user)


@method_decorator([sensitive_post_parameters("code"), csrf_protect, never_cache], name="dispatch")
class VerifyView(View):
    """The code page: second step of the login, or verifying an already signed-in session."""

    template_name = "django_totp_native/verify.html"

    def dispatch(self, request, *args, **kwargs):
        self.pending = sessions.pending_login(request)
        if self.pending is None:
            if not request.user.is_authenticated:
                return redirect(access.with_next(resolve_url(settings.LOGIN_URL), _next_from(request)))
            if access.is_verified(request):
                return redirect(_next_from(request) or _default_next())
            if not devices.is_enabled(request.user):
                return redirect(access.enroll_url(_next_from(request)))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.render(SecondFactorForm())

    @sensitive_variables("form", "otp_code", "backup_code", "codes")
    def post(self, request):
        form = SecondFactorForm(request.POST)
        if not form.is_valid():
            return self.render(form)
        otp_code, backup_code = form.codes()
        codes = {"otp_code": otp_code, "backup_code": backup_code, "request": request, "sender": self.__class__}
        try:
            if self.pending is not None:
                login = challenges.complete(self.pending.token, **codes)
            else:
                login = challenges.complete_signed_in(request.user, **codes)
        except ReplayedCode:
            form.add_error("code", _replayed_code_message())
            return self.render(form)
        except InvalidCode:
            form.add_error("code", _invalid_code_message())
            return self.render(form)
        except (LockedOut, SecretUnavailable) as exc:
            form.add_error(None, str(exc))
            return self.render(form)
        except (InvalidChallenge, NotEnrolled):
            sessions.expire_pending_login(request, self.pending)
            _notify(request, messages.WARNING, _("Your sign-in expired. Please enter your password again."))
            next_url = safe_next(request, self.pending.next if self.pending is not None else "")
            return redirect(access.with_next(resolve_url(settings.LOGIN_URL), next_url))
        return self.finish(login, used_backup_code=backup_code is not None)

    def finish(self, login, *, used_backup_code: bool):
        request = self.request
        signed_in = self.pending is not None
        if signed_in:
            next_url = safe_next(request, self.pending.next)
            sessions.sign_in(request, login, backend=self.pending.backend)
        else:
            next_url = _next_from(request)
            request.session.cycle_key()
            sessions.mark_session_verified(request, login.user, login.device_proof)
        if used_backup_code:
            _notify(request, messages.WARNING, management.backup_code_used_message(login.user))
        response = redirect(next_url or _default_next())
        # The whole login passed (password and code): this browser is now a known device.
        return remember_device(request, response, login.user) if signed_in else response

    def render(self, form):
        context = {
            "form": form,
            "next": _next_from(self.request),
            "pending_login": self.pending is not None,
            "email_recovery": recovery.is_enabled(),
        }
        return render(self.request, self.template_name, context)


@require_POST
@csrf_protect
@never_cache
def cancel_login(request):
    """Abandon a login waiting for its code."""
    sessions.end_pending_login(request)
    return redirect(resolve_url(settings.LOGIN_URL))


# Overview -----------------------------------------------------------------------------


@never_cache
@second_factor_if_enabled
def manage(request):
    """The signed-in user's 2FA state and links to every flow."""
    context = {
        "status": _status(request.user),
        "verified": access.is_verified(request),
        "email_recovery": recovery.is_enabled(),
    }
    return render(request, "django_totp_native/manage.html", context)


# Enrollment ---------------------------------------------------------------------------


@sensitive_variables("enrollment", "secret", "context")
def _render_enroll(request, form, next_url: str, status: int = 200):
    try:
        enrollment = provisioning.pending_enrollment(request.user, request.session.get(PENDING_DEVICE_KEY))
    except AlreadyEnrolled:
        _notify(request, messages.INFO, _("Two-factor authentication is already turned on for your account."))
        return redirect(next_url or _url("manage"))
    request.session[PENDING_DEVICE_KEY] = enrollment.device_pk
    secret = enrollment.secret
    context = {
        "form": form,
        "next": next_url,
        # Rendered by the native core from the key URI: a fixed-shape SVG, no user markup.
        "qr_svg": mark_safe(enrollment.svg),
        "otpauth_uri": enrollment.otpauth_uri,
        "secret": secret,
        "secret_grouped": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "must_enroll": management.enforcement_of(request.user).must_enroll,
    }
    return render(request, "django_totp_native/enroll.html", context, status=status)


# csrf_protect on pages that only render forms too: it is what sets the CSRF cookie their
# POST needs when the project has no CsrfViewMiddleware.
@method_decorator([csrf_protect, never_cache, second_factor_if_enabled], name="dispatch")
class EnrollView(View):
    """QR code (inline SVG, PNG link), the secret for manual entry, and the code form."""

    def get(self, request):
        return _render_enroll(request, CodeForm(), _next_from(request))


@never_cache
@second_factor_if_enabled
@sensitive_variables("png")
def enroll_qr_png(request):
    """The pending enrollment's QR code as a PNG image (for browsers or apps without SVG)."""
    try:
        png = provisioning.pending_qr_png(request.user, request.session.get(PENDING_DEVICE_KEY))
    except (NotEnrolled, AlreadyEnrolled):
        return HttpResponse(status=404)
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = 'inline; filename="two-factor-qr.png"'
    return response


@require_POST
@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@second_factor_if_enabled
def enroll_restart(request):
    """Throw the unconfirmed key away; the enrollment page shows a new one."""
    provisioning.restart_enrollment(request.user)
    request.session.pop(PENDING_DEVICE_KEY, None)
    return redirect(access.enroll_url(_next_from(request)))


@sensitive_variables("form", "confirmed")
@require_POST
@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@second_factor_if_enabled
def confirm(request):
    """First valid code: the device is confirmed, this session verified, backup codes issued."""
    next_url = _next_from(request)
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _render_enroll(request, form, next_url)
    try:
        # Only the pending device this session showed may be confirmed here (-1: none shown).
        confirmed = devices.confirm(
            request.user, form.cleaned_data["code"], device_pk=request.session.get(PENDING_DEVICE_KEY, -1),
            request=request, sender=confirm,
        )
    except InvalidCode:
        form.add_error(
            "code",
            _("That code is not valid. Check that your device's clock is right and enter the code shown now."),
        )
        return _render_enroll(request, form, next_url)
    except (LockedOut, SecretUnavailable) as exc:
        form.add_error(None, str(exc))
        return _render_enroll(request, form, next_url)
    except AlreadyConfirmed:
        return redirect(_url("manage"))
    except NotEnrolled:
        _notify(request, messages.WARNING, _("Your enrollment was restarted. Scan the new QR code."))
        return redirect(access.enroll_url(next_url))
    request.session.pop(PENDING_DEVICE_KEY, None)
    request.session.cycle_key()
    sessions.mark_session_verified(request, request.user, confirmed.device_proof)
    _notify(request, messages.SUCCESS, _("Two-factor authentication is now turned on."))
    return _show_new_codes(request, confirmed.backup_codes, next_url)


# Backup codes -------------------------------------------------------------------------


@never_cache
@second_factor_if_enabled
def backup_codes(request):
    """How many backup codes are left, and where to make a new set. The codes themselves
    are shown only in the answer that made them (see ``_show_new_codes``)."""
    context = {"codes": None, "next": _next_from(request), "status": _status(request.user)}
    return render(request, "django_totp_native/backup_codes.html", context)


@require_POST
@csrf_protect
@never_cache
@login_required
def backup_codes_done(request):
    """The user saved the codes: go on."""
    return redirect(_next_from(request) or _url("manage"))


# Changes that need a verified session -------------------------------------------------


class _ChangeView(View):
    """GET: a confirmation page; POST (CSRF): the change. Needs a verified session."""

    template_name = ""

    def dispatch(self, request, *args, **kwargs):
        redirect_response = access.second_factor_redirect(request, if_configured=True)
        if redirect_response is not None:
            return redirect_response
        if not devices.is_enabled(request.user):
            _notify(request, messages.INFO, _("Two-factor authentication is not turned on for your account."))
            return redirect(_url("manage"))
        return super().dispatch(request, *args, **kwargs)

    def require_code(self) -> bool:
        from ..conf import conf

        return conf.REQUIRE_CODE_FOR_CHANGES

    def get(self, request):
        return self.render(ConfirmChangeForm(require_code=self.require_code()))

    @sensitive_variables("form", "otp_code", "backup_code")
    def post(self, request):
        form = ConfirmChangeForm(request.POST, require_code=self.require_code())
        if not form.is_valid():
            return self.render(form)
        otp_code, backup_code = form.codes()
        if form.require_code:
            try:
                ok = verification.verify_either(
                    request.user, otp_code=otp_code, backup_code=backup_code, reason="step_up",
                    request=request, sender=self.__class__, detect_replay=True,
                )
            except ReplayedCode:
                form.add_error("code", _replayed_code_message())
                return self.render(form)
            except (LockedOut, SecretUnavailable) as exc:
                form.add_error(None, str(exc))
                return self.render(form)
            if not ok:
                form.add_error("code", _invalid_code_message())
                return self.render(form)
        return self.change(request)

    def render(self, form):
        return render(self.request, self.template_name, {"form": form, "status": _status(self.request.user)})


@method_decorator([sensitive_post_parameters("code"), csrf_protect, never_cache, login_required], name="dispatch")
class RegenerateView(_ChangeView):
    """Replace every backup code with a fresh set (the old ones stop working at once)."""

    template_name = "django_totp_native/regenerate.html"

    @sensitive_variables("codes")
    def change(self, request):
        codes = devices.rotate_codes(request.user, request=request, sender=self.__class__)
        return _show_new_codes(request, codes, _next_from(request))


@method_decorator([sensitive_post_parameters("code"), csrf_protect, never_cache, login_required], name="dispatch")
class DisableView(_ChangeView):
    """Turn 2FA off: the device and its backup codes are deleted."""

    template_name = "django_totp_native/disable.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and _status(request.user)["required"]:
            # The overview says why (no message: it would repeat the page's sentence).
            return redirect(_url("manage"))
        return super().dispatch(request, *args, **kwargs)

    @sensitive_variables("codes")
    def change(self, request):
        try:
            devices.disable(request.user, request=request, sender=self.__class__)
        except NotEnrolled:
            pass
        sessions.clear_session_verified(request)
        _notify(request, messages.SUCCESS, _("Two-factor authentication is now turned off."))
        return redirect(_url("manage"))


# Recovery by e-mail (lost device and backup codes) -------------------------------------


class EmailRecoveryMixin:
    """Recovery pages exist only while TOTP_EMAIL_RECOVERY is on: 404 otherwise."""

    def dispatch(self, request, *args, **kwargs):
        if not recovery.is_enabled():
            raise Http404(recovery.RECOVERY_DISABLED)
        return super().dispatch(request, *args, **kwargs)


@method_decorator([csrf_protect, never_cache], name="dispatch")
class RecoveryView(EmailRecoveryMixin, View):
    """Ask for a recovery link; the same answer whether or not the account exists."""

    template_name = "django_totp_native/recovery.html"

    def get(self, request):
        return render(request, self.template_name, {"form": RecoveryRequestForm()})

    @sensitive_variables("form", "otp_code", "backup_code")
    def post(self, request):
        form = RecoveryRequestForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        recovery.request_link(request, form.cleaned_data["email"])  # the same "sent" page either way
        return render(request, self.template_name, {"sent": True})


@method_decorator([sensitive_post_parameters("password"), csrf_protect, never_cache], name="dispatch")
class RecoveryConfirmView(EmailRecoveryMixin, View):
    """The e-mailed link: the current password turns 2FA off."""

    template_name = "django_totp_native/recovery_confirm.html"

    @sensitive_variables("token", "uid")
    def get(self, request, uid, token):
        # A used or expired link says so at once, not after the password was typed; it
        # tells no more than the POST would (the same answer for every link not valid).
        if not recovery.link_is_valid(uid, token):
            return render(request, self.template_name, {"expired": True})
        return render(request, self.template_name, {"form": RecoveryConfirmForm()})

    @sensitive_variables("form", "token", "uid")
    def post(self, request, uid, token):
        form = RecoveryConfirmForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        try:
            user = recovery.recover(uid, token, form.cleaned_data["password"], request=request, sender=self.__class__)
        except recovery.WrongPassword as exc:
            form.add_error(None, exc.page_message)
            return render(request, self.template_name, {"form": form})
        except recovery.RecoveryError as exc:
            form.add_error(None, str(exc))
            return render(request, self.template_name, {"form": form})
        if user is None:  # 2FA was off already
            return render(request, self.template_name, {"done": True})
        sessions.end_pending_login(request)
        return render(request, self.template_name, {"done": True})
