"""django-two-factor-auth's own pages on our devices (issue 21 item 1): its setup wizard
saves our sealed TOTPDevice, its login wizard signs in with it or with one of our hashed
backup tokens, its backup-tokens page shows new tokens once and then only how many are
left, remember-device skips the token step, and a user's django-otp devices keep working
beside ours until import_django_otp moves them."""

import pyotp
import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

pytest.importorskip("two_factor", reason="django-two-factor-auth is not installed (the [two-factor] extra)")

from django_otp.plugins.otp_static.models import StaticDevice as StockStaticDevice  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice as StockTOTPDevice  # noqa: E402

from django_totp_native import core  # noqa: E402
from django_totp_native.otp.models import StaticDevice, StaticToken, TOTPDevice  # noqa: E402

PASSWORD = "correct horse battery"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def two_factor_pages(settings):
    settings.ROOT_URLCONF = "tests.app.two_factor_urls"
    settings.LOGIN_URL = "two_factor:login"
    settings.LOGIN_REDIRECT_URL = "two_factor:profile"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django_otp.middleware.OTPMiddleware"]
    # The user-level backoff of our service starts after the failures these tests make.
    settings.TOTP_BACKOFF_AFTER = 10


@pytest.fixture
def alice(make_user):
    return make_user("alice", password=PASSWORD)


def code_of(device) -> str:
    return pyotp.TOTP(core.b32encode(device.bin_key)).now()


def post_login(client, **data):
    return client.post(reverse("two_factor:login"), data=data)


def sign_in_with_password(client, user):
    response = post_login(
        client, **{"auth-username": user.get_username(), "auth-password": PASSWORD, "login_view-current_step": "auth"}
    )
    assert response.status_code == 200
    return response


def signed_in_with(client):
    """The persistent id of the device the session was verified with, or None."""
    return client.session.get(DEVICE_ID_SESSION_KEY) if "_auth_user_id" in client.session else None


def test_setup_saves_our_sealed_device_and_not_django_otps(client, alice):
    client.force_login(alice)
    setup = reverse("two_factor:setup")
    response = client.post(setup, data={"setup_view-current_step": "welcome"})
    hex_key = response.context_data["keys"]["generator"]
    b32_key = core.b32encode(bytes.fromhex(hex_key))
    wrong = client.post(setup, data={"setup_view-current_step": "generator", "generator-token": "123456"})
    assert wrong.context_data["wizard"]["form"].errors == {"token": ["Entered token is not valid."]}

    response = client.post(
        setup, data={"setup_view-current_step": "generator", "generator-token": pyotp.TOTP(b32_key).now()}
    )

    assert response.status_code == 302 and response.url == reverse("two_factor:setup_complete")
    device = TOTPDevice.objects.get(user=alice)
    assert (device.name, device.confirmed, device.key) == ("default", True, hex_key)
    assert hex_key not in device.sealed_key and b32_key not in device.sealed_key
    assert not StockTOTPDevice.objects.filter(user=alice).exists()
    assert signed_in_with(client) == device.persistent_id


def test_login_with_our_totp_device_then_the_same_code_is_refused(client, alice):
    device = TOTPDevice.objects.create(user=alice, name="default")
    code = code_of(device)
    sign_in_with_password(client, alice)

    response = post_login(client, **{"token-otp_token": code, "login_view-current_step": "token"})

    assert response.status_code == 302 and response.url == reverse("two_factor:profile")
    assert signed_in_with(client) == device.persistent_id
    device.refresh_from_db()
    assert device.last_t >= 0

    client.logout()
    sign_in_with_password(client, alice)
    replay = post_login(client, **{"token-otp_token": code, "login_view-current_step": "token"})
    assert replay.status_code == 200 and signed_in_with(client) is None


def test_login_with_one_of_our_backup_tokens_spends_it(client, alice):
    TOTPDevice.objects.create(user=alice, name="default")
    backup = StaticDevice.objects.create(user=alice, name="backup")
    backup.token_set.create(token="abcdef123")
    backup.token_set.create(token="ghijkl456")
    response = sign_in_with_password(client, alice)
    assert response.context_data["backup_tokens"] == 2

    assert post_login(client, wizard_goto_step="backup").status_code == 200
    wrong = post_login(client, **{"backup-otp_token": "WRONG", "login_view-current_step": "backup"})
    assert wrong.status_code == 200 and signed_in_with(client) is None
    StaticDevice.objects.filter(pk=backup.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)

    response = post_login(client, **{"backup-otp_token": "abcdef123", "login_view-current_step": "backup"})

    assert response.status_code == 302
    assert signed_in_with(client) == backup.persistent_id
    assert StaticToken.objects.filter(device=backup).count() == 1


def test_backup_tokens_are_shown_once_then_only_counted(client, alice):
    device = TOTPDevice.objects.create(user=alice, name="default")
    # An unimported django-otp backup device: a new set replaces its tokens too.
    stock = StockStaticDevice.objects.create(user=alice, name="backup")
    stock.token_set.create(token="oldtoken1")
    client.force_login(alice)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    url = reverse("two_factor:backup_tokens")
    assert "You have 1 backup token left." in client.get(url).content.decode()

    first = client.post(url)
    second = client.post(url)

    first_tokens, second_tokens = first.context_data["new_tokens"], second.context_data["new_tokens"]
    assert len(set(first_tokens)) == len(set(second_tokens)) == 10 and not set(first_tokens) & set(second_tokens)
    assert all(token in second.content.decode() for token in second_tokens)
    assert not stock.token_set.exists()
    stored = list(StaticToken.objects.filter(device__user=alice).values_list("digest", flat=True))
    assert len(stored) == 10 and not set(stored) & set(second_tokens)
    page = client.get(url).content.decode()
    assert "You have 10 backup tokens left." in page
    assert not any(token in page for token in first_tokens + second_tokens)
    profile = client.get(reverse("two_factor:profile"))
    assert profile.context_data["backup_tokens"] == 10

    # Only the newest set signs in.
    client.logout()
    sign_in_with_password(client, alice)
    post_login(client, wizard_goto_step="backup")
    post_login(client, **{"backup-otp_token": first_tokens[0], "login_view-current_step": "backup"})
    assert signed_in_with(client) is None
    StaticDevice.objects.filter(user=alice).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    post_login(client, **{"backup-otp_token": second_tokens[0], "login_view-current_step": "backup"})
    assert signed_in_with(client) == StaticDevice.objects.get(user=alice).persistent_id


def test_remember_device_skips_the_token_step_next_time(client, alice, settings):
    settings.TWO_FACTOR_REMEMBER_COOKIE_AGE = 3600
    device = TOTPDevice.objects.create(user=alice, name="default")
    sign_in_with_password(client, alice)
    response = post_login(
        client, **{"token-otp_token": code_of(device), "login_view-current_step": "token", "token-remember": "on"}
    )
    remembered = {name: morsel.value for name, morsel in response.cookies.items() if name.startswith("remember-cookie_")}
    assert remembered
    client.logout()  # which forgets every cookie: the browser keeps the remember cookie
    for name, value in remembered.items():
        client.cookies[name] = value

    response = post_login(
        client, **{"auth-username": "alice", "auth-password": PASSWORD, "login_view-current_step": "auth"}
    )

    assert response.status_code == 302
    assert signed_in_with(client) == device.persistent_id


def test_a_django_otp_device_not_yet_imported_still_signs_in(client, alice):
    stock = StockTOTPDevice.objects.create(user=alice, name="default")
    sign_in_with_password(client, alice)
    code = pyotp.TOTP(core.b32encode(stock.bin_key)).now()

    response = post_login(client, **{"token-otp_token": code, "login_view-current_step": "token"})

    assert response.status_code == 302
    assert signed_in_with(client) == stock.persistent_id
