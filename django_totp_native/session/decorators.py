"""``otp_required``: the view needs a session verified with the second factor."""

from __future__ import annotations

import functools
from typing import Optional

from . import access


def otp_required(
    view=None,
    *,
    redirect_field_name: str = "next",
    login_url: Optional[str] = None,
    if_configured: bool = False,
):
    """Decorate a view that only users who passed 2FA in this session may see.

    Anonymous users go to the login page, users with 2FA who have not entered a code in
    this session go to the code page, and users without 2FA go to enrollment; each comes
    back to the view afterwards (``next``). With ``if_configured=True`` users without 2FA
    are let through, unless an administrator required 2FA for them.

    Usable bare (``@otp_required``) or with arguments (``@otp_required(if_configured=True)``).
    """

    def decorator(view_func):
        @functools.wraps(view_func)
        def wrapper(request, *args, **kwargs):
            redirect = access.second_factor_redirect(
                request,
                if_configured=if_configured,
                login_url=login_url,
                redirect_field_name=redirect_field_name,
            )
            if redirect is not None:
                return redirect
            return view_func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


def second_factor_if_enabled(view_func):
    """For the 2FA pages themselves (overview, enrollment, backup codes): the user must be
    signed in, and a user whose 2FA is on must have passed it in this session — a
    password-only session (Django's own LoginView, the stock admin login) is sent to the
    code page, so it can neither see nor change the factor. Users without 2FA pass.
    """

    @functools.wraps(view_func)
    def wrapper(request, *args, **kwargs):
        redirect = access.unverified_second_factor_redirect(request)
        if redirect is not None:
            return redirect
        return view_func(request, *args, **kwargs)

    return wrapper
