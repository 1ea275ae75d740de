"""``OTPRequiredMixin``: the class-based-view form of ``otp_required``."""

from __future__ import annotations

from typing import Optional

from . import access


class OTPRequiredMixin:
    """Put it first in the bases of a class-based view that needs a verified session.

    Same behaviour and options as ``otp_required``: set ``otp_if_configured = True`` to
    let users without 2FA through (unless an administrator required it), and
    ``login_url`` / ``redirect_field_name`` as with Django's ``LoginRequiredMixin``.
    """

    otp_if_configured: bool = False
    login_url: Optional[str] = None
    redirect_field_name: str = "next"

    def dispatch(self, request, *args, **kwargs):
        redirect = access.second_factor_redirect(
            request,
            if_configured=self.otp_if_configured,
            login_url=self.login_url,
            redirect_field_name=self.redirect_field_name,
        )
        if redirect is not None:
            return redirect
        return super().dispatch(request, *args, **kwargs)
