"""OTP-protected admin login: the password, then a TOTP or backup code for users with 2FA.

Opt-in, as django-otp's ``OTPAdminSite``: a project uses ``OTPAdminSite`` as its default
site (``admin_apps.OTPAdminConfig`` in INSTALLED_APPS instead of "django.contrib.admin")
or as a second site, or mixes ``OTPAdminSiteMixin`` into its own site class. Importing
this app changes no site.

The second step uses the API's services (challenge token, replay guard, database lockout)
and its throttles, so the admin is no easier to brute-force than the API.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import BACKEND_SESSION_KEY, REDIRECT_FIELD_NAME
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import LoginView
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

try:
    from django.contrib.auth.decorators import login_not_required
except ImportError:  # Django < 5.1: no LoginRequiredMiddleware, so nothing to opt out of.

    def login_not_required(view_func):
        return view_func

from .services import challenges, credentials, management, sessions, verification
from .services.errors import InvalidChallenge, InvalidCode, LockedOut, NotEnrolled, ReplayedCode, SecretUnavailable
from .throttle import PasswordStepLimitMixin, remember_device, throttle_wait
from .widgets import CodeInput


class OTPCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=128,
        strip=True,
        help_text=_("The code shown by your authenticator app, or one of your backup codes."),
        widget=CodeInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "off"}),
    )


class OTPAdminLoginView(PasswordStepLimitMixin, LoginView):
    """The admin's password form; users with 2FA continue to the code step instead of
    being logged in."""

    admin_site = None
    address_throttled = False  # post() answers the API's throttles with the admin's page

    def get_initial(self):
        initial = super().get_initial()
        if self.request.method == "GET":
            # Sent back here because the code step expired: the login name is offered again.
            username = sessions.expired_login_username(self.request)
            if username:
                initial["username"] = username
        return initial

    def post(self, request, *args, **kwargs):
        wait = throttle_wait(request)
        if wait is not None:
            return self.admin_site.throttled_response(request, wait)
        return super().post(request, *args, **kwargs)

    @sensitive_variables()
    def form_valid(self, form):
        request, user = self.request, form.get_user()
        state = management.enforcement_of(user)
        if state.enabled:
            # Only a safe target (else the admin index, not LOGIN_REDIRECT_URL) is kept.
            sessions.start_pending_login(request, user, backend=user.backend, next_url=self.get_redirect_url())
            return HttpResponseRedirect(reverse("admin:totp_login", current_app=self.admin_site.name))
        response = super().form_valid(form)
        challenges.signed_in_without_second_factor(user, request=request, sender=type(self.admin_site))
        if state.must_enroll:
            response = self.admin_site.enrollment_response(request)
        return remember_device(request, response, user)


class OTPAdminSiteMixin:
    """Adds the code step to an AdminSite (put it before AdminSite in the bases); see OTPAdminSite."""

    otp_login_template = "admin/django_totp_native/login_otp.html"
    enrollment_unavailable_template = "admin/django_totp_native/enrollment_unavailable.html"
    throttled_template = "admin/django_totp_native/throttled.html"

    def has_permission(self, request):
        # A session that a disable, reset or recovery since its login ended is signed out.
        if credentials.end_stale_session(request) or not super().has_permission(request):
            return False
        if sessions.is_session_verified(request):
            return True
        state = management.enforcement_of(request.user)
        return not state.enabled and not state.must_enroll

    def get_urls(self):
        return [path("login/two-factor/", self.login_two_factor, name="totp_login"), *super().get_urls()]

    # Password step -------------------------------------------------------------------

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        if request.method == "GET":
            if self.has_permission(request):
                return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
            user = request.user
            if user.is_authenticated and user.is_active and user.is_staff:
                # Logged in elsewhere (password only): finish the second factor here.
                state = management.enforcement_of(user)
                if state.must_enroll:
                    return self.enrollment_response(request)
                if state.enabled:
                    target = request.GET.get(REDIRECT_FIELD_NAME, "")
                    sessions.start_pending_login(
                        request, user, backend=request.session.get(BACKEND_SESSION_KEY), next_url=target
                    )
                    return HttpResponseRedirect(reverse("admin:totp_login", current_app=self.name))

        from django.contrib.admin.forms import AdminAuthenticationForm

        context = {
            **self.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        return OTPAdminLoginView.as_view(
            admin_site=self,
            extra_context=context,
            authentication_form=self.login_form or AdminAuthenticationForm,
            template_name=self.login_template or "admin/login.html",
        )(request)

    # Code step -----------------------------------------------------------------------

    @sensitive_variables()
    @method_decorator(sensitive_post_parameters("code"))
    @method_decorator(csrf_protect)
    @method_decorator(never_cache)
    @login_not_required
    def login_two_factor(self, request):
        login_url = reverse("admin:login", current_app=self.name)
        pending = sessions.pending_login(request)
        if pending is None:
            return HttpResponseRedirect(login_url)
        if request.method == "POST" and "cancel" in request.POST:
            sessions.end_pending_login(request)
            if request.user.is_authenticated:
                auth_logout(request)
            return HttpResponseRedirect(login_url)

        form = OTPCodeForm(request.POST if request.method == "POST" else None)
        status = 200
        if request.method == "POST":
            wait = throttle_wait(request)
            if wait is not None:
                return self.throttled_response(request, wait)
            if form.is_valid():
                otp_code, backup_code = verification.split_code(form.cleaned_data["code"])
                if otp_code is None and backup_code is None:
                    backup_code = form.cleaned_data["code"]  # no code of any kind: refused as wrong, uncounted
                try:
                    login = challenges.complete(
                        pending.token, otp_code=otp_code, backup_code=backup_code,
                        request=request, sender=type(self),
                    )
                except (InvalidChallenge, NotEnrolled):
                    sessions.expire_pending_login(request, pending)
                    messages.error(request, gettext("Your sign-in has expired. Please log in again."))
                    return HttpResponseRedirect(login_url)
                except LockedOut as exc:
                    form.add_error(None, str(exc))
                    status = 429
                except SecretUnavailable as exc:
                    form.add_error(None, str(exc))
                    status = 503
                except ReplayedCode:
                    form.add_error("code", gettext("That code was just used; wait for the next one."))
                except InvalidCode:
                    # The session pages' wording: one message for a wrong code everywhere.
                    form.add_error("code", gettext(
                        "That code is not valid. Enter the current code from your authenticator app, "
                        "or an unused backup code."
                    ))
                else:
                    return self._finish_login(request, login, pending, used_backup_code=backup_code is not None)

        context = {
            **self.each_context(request),
            "title": _("Two-factor authentication"),
            "subtitle": None,
            "form": form,
            "pending_username": pending.username,
            "app_path": request.get_full_path(),
            "has_permission": False,
        }
        request.current_app = self.name
        return TemplateResponse(request, self.otp_login_template, context, status=status)

    def _finish_login(self, request, login, pending, *, used_backup_code=False):
        sessions.sign_in(request, login, backend=pending.backend)
        if used_backup_code:
            messages.warning(request, management.backup_code_used_message(login.user), fail_silently=True)
        target = pending.next
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("admin:index", current_app=self.name)
        # The whole login passed (password and code): this browser is now a known device.
        return remember_device(request, HttpResponseRedirect(target), login.user)

    # Other answers -------------------------------------------------------------------

    def enrollment_response(self, request):
        """Send a user who must enroll to the enrollment page, or explain why we cannot."""
        index = reverse("admin:index", current_app=self.name)
        try:
            enroll_url = reverse("django_totp_native:enroll")
        except NoReverseMatch:
            context = {
                **self.each_context(request),
                "title": _("Two-factor authentication required"),
                "subtitle": None,
                "has_permission": False,
            }
            request.current_app = self.name
            return TemplateResponse(request, self.enrollment_unavailable_template, context, status=403)
        return HttpResponseRedirect(f"{enroll_url}?{urlencode({REDIRECT_FIELD_NAME: index})}")

    def throttled_response(self, request, wait):
        context = {
            **self.each_context(request),
            "title": _("Too many attempts"),
            "subtitle": None,
            "wait": int(wait) + 1,
            "has_permission": False,
        }
        request.current_app = self.name
        response = TemplateResponse(request, self.throttled_template, context, status=429)
        response["Retry-After"] = str(int(wait) + 1)
        return response


class OTPAdminSite(OTPAdminSiteMixin, admin.AdminSite):
    """An AdminSite that asks users with 2FA for a code after the password.

    As the default site: ``"django_totp_native.admin_apps.OTPAdminConfig"`` in
    INSTALLED_APPS instead of ``"django.contrib.admin"``. As a second site:
    ``OTPAdminSite(name="secure_admin")`` and its ``urls`` in the URLconf.
    """
