"""URLconf of the browser tests: the example project's layout on the test settings.

Login with the 2FA step at /accounts/login/, the session pages at /account/2fa/, the
admin at /admin/, and a signed-in landing page (Django's default LOGIN_REDIRECT_URL)
with a logout button, so a test can log out the way a user does.
"""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LogoutView
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import include, path
from django.utils.html import format_html
from django.views.decorators.csrf import ensure_csrf_cookie

from django_totp_native.session.views import LoginView


@ensure_csrf_cookie
@login_required
def profile(request):
    return HttpResponse(
        format_html(
            '<!doctype html><title>Profile</title><p id="signed-in-as">Signed in as {}</p>'
            '<form method="post" action="/accounts/logout/">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<button type="submit" id="logout">Log out</button></form>',
            request.user.get_username(),
            get_token(request),
        )
    )


def logged_out(request):
    return HttpResponse('<!doctype html><title>Logged out</title><p id="logged-out">You are logged out.</p>')


urlpatterns = [
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(next_page="/accounts/logged-out/"), name="logout"),
    path("accounts/logged-out/", logged_out),
    path("accounts/profile/", profile),
    path("account/2fa/", include("django_totp_native.urls.session")),
    path("admin/", admin.site.urls),
]
