"""Home page showing the visitor's 2FA state, and one page that needs a verified session."""

from django.shortcuts import render

from django_totp_native.session.decorators import otp_required


def home(request):
    context = {}
    if request.user.is_authenticated:
        from django_totp_native.services import management

        context["status"] = management.status_of(request.user)
        context["verified"] = request.user.is_verified()
    return render(request, "demo_site/home.html", context)


@otp_required
def protected(request):
    return render(request, "demo_site/protected.html")
