# The session pages and a protected view: added to the end of the Quick start's urls.py.
from django.http import HttpResponse

from django_totp_native.session.decorators import otp_required
from django_totp_native.session.views import LoginView


@otp_required  # signed in, and 2FA passed in this session (users without 2FA: enrollment)
def billing(request):
    return HttpResponse("billing")


urlpatterns += [
    path("accounts/login/", LoginView.as_view(), name="login"),  # password, then the code page
    path("account/2fa/", include("django_totp_native.urls.session")),  # namespace "django_totp_native"
    path("billing/", billing),
]
