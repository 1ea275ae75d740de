"""This app's OTP admin site and django-otp's ``OTPAdminSite`` in one project (issue 17 item 7).

The app changes no site on import, so a project may run both: here the default site is
this app's (tests/settings.py opts in with OTPAdminConfig) and django-otp's is mounted
beside it, with django-otp's middleware, as its documentation says. Each site asks for its
own second factor, and passing one does not open the other.

This module is also the URLconf of its tests.
"""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.test import Client
from django.urls import path
from django_otp.admin import OTPAdminSite as DjangoOTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice

from django_totp_native.admin_site import OTPAdminSite

from .conftest import enroll

django_otp_site = DjangoOTPAdminSite(name="otpadmin")
django_otp_site.register(get_user_model(), UserAdmin)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("otpadmin/", django_otp_site.urls),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

PASSWORD = "correct horse battery"  # make_user's default
STATIC_TOKEN = "otp7x2k9"


@pytest.fixture(autouse=True)
def _django_otp_middleware(settings):
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        # After AuthenticationMiddleware, as django-otp requires: request.user.is_verified().
        "django_otp.middleware.OTPMiddleware",
    ]


@pytest.fixture
def staff(make_user):
    return make_user("staffer", is_staff=True, is_superuser=True)


def with_django_otp_device(user) -> str:
    """Give ``user`` a django-otp static device; its id for django-otp's login form."""
    device = StaticDevice.objects.create(user=user, name="paper codes", confirmed=True)
    device.token_set.create(token=STATIC_TOKEN)
    return device.persistent_id


def django_otp_login(client, device_id, token):
    return client.post(
        "/otpadmin/login/",
        {"username": "staffer", "password": PASSWORD, "otp_device": device_id, "otp_token": token,
         "next": "/otpadmin/"},
    )


def opens(client, index) -> bool:
    return client.get(index).status_code == 200


def test_both_sites_are_installed_without_one_replacing_the_other():
    assert admin.site.__class__ is OTPAdminSite
    assert type(django_otp_site) is DjangoOTPAdminSite and not isinstance(django_otp_site, OTPAdminSite)


def test_logging_in_through_this_apps_site_asks_for_its_code_and_opens_only_it(staff):
    enrolled = enroll(staff)
    client = Client()
    response = client.post("/admin/login/", {"username": "staffer", "password": PASSWORD, "next": "/admin/"})
    assert response["Location"] == "/admin/login/two-factor/"
    assert not opens(client, "/admin/")
    assert client.post("/admin/login/two-factor/", {"code": enrolled.code()})["Location"] == "/admin/"
    assert opens(client, "/admin/") and opens(client, "/admin/auth/user/")
    # django-otp's site wants a django-otp device's token: this login is not one.
    assert client.get("/otpadmin/")["Location"].startswith("/otpadmin/login/")


def test_django_otps_site_still_logs_in_with_its_own_token(staff):
    device_id = with_django_otp_device(staff)
    client = Client()
    response = django_otp_login(client, device_id, STATIC_TOKEN)
    assert response.status_code == 302 and response["Location"] == "/otpadmin/"
    assert opens(client, "/otpadmin/") and opens(client, "/otpadmin/auth/user/")
    # (After the success: a failure makes django-otp's device wait before the next try.)
    refused = Client()
    assert django_otp_login(refused, device_id, "wrong123").status_code == 200
    assert not opens(refused, "/otpadmin/")


def test_a_user_with_both_factors_passes_each_site_with_its_own(staff):
    device_id = with_django_otp_device(staff)
    enrolled = enroll(staff)
    client = Client()
    assert django_otp_login(client, device_id, STATIC_TOKEN)["Location"] == "/otpadmin/"
    assert opens(client, "/otpadmin/")
    # django-otp's verification is not this app's: its site still asks for the TOTP code.
    assert not opens(client, "/admin/")
    assert client.get("/admin/login/")["Location"] == "/admin/login/two-factor/"
    assert client.post("/admin/login/two-factor/", {"code": enrolled.code()})["Location"] == "/admin/"
    assert opens(client, "/admin/") and opens(client, "/otpadmin/")
