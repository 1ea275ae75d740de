"""The django-otp devices (``django_totp_native.otp``): django-otp's behaviour with sealed
keys, hashed tokens, single use and the shared attempt counter (SQLite or DATABASE_URL).

Tokens come from django-otp's own ``oath.TOTP`` (an implementation nobody here wrote).
The races (N instances of one device verifying at once) are in
test_otp_devices_concurrency.py.
"""

import base64
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_otp import devices_for_user, match_token
from django_otp import verify_token as otp_verify_token
from django_otp.oath import TOTP

from django_totp_native.models import SecondFactorState
from django_totp_native.otp.lib import add_static_token
from django_totp_native.otp.models import StaticDevice, StaticToken, TOTPDevice
from django_totp_native.services import attempts, rotation

pytest.importorskip("django_otp")

HEX_KEY = "2a2bbba1092ffdd25a328ad1a0a5f5d61d7aacc4"
B32_KEY = base64.b32encode(bytes.fromhex(HEX_KEY)).decode()  # the oracle: the standard library


def token_at(device_key: str, *, t0: int, offset: int, step: int = 30, digits: int = 6) -> int:
    """django-otp's token ``offset`` steps from now, as django-otp's tests give it (an int)."""
    oracle = TOTP(bytes.fromhex(device_key), step=step, t0=t0, digits=digits)
    oracle.time = time.time() + offset * step
    return oracle.token()


@pytest.fixture
def roomy_counter(settings):
    # django-otp's tests make several failures in a row; the shared counter's backoff is
    # tested on its own below.
    settings.TOTP_BACKOFF_AFTER = 100
    settings.TOTP_MAX_FAILURES = 100


@pytest.fixture
def no_throttle(settings):
    settings.OTP_TOTP_SYNC = False
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def device(alice):
    """django-otp's test device: the current step is the fourth (t = 3)."""
    return alice.native_totpdevice_set.create(
        key=HEX_KEY, step=30, t0=int(time.time() - 30 * 3), digits=6, tolerance=0, drift=0
    )


def tokens(device, count=10):
    return [token_at(HEX_KEY, t0=device.t0, offset=i - 3) for i in range(count)]


def stored_row(model, pk) -> str:
    """Every column of the row as the database holds it, as one text."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {model._meta.db_table} WHERE id = %s", [pk])
        return " ".join(str(v) for v in cursor.fetchone())


# TOTP: the key ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_key_is_sealed_in_the_database_and_reads_back_as_hex(device):
    stored = stored_row(TOTPDevice, device.pk)
    assert HEX_KEY not in stored.lower()
    assert B32_KEY not in stored.upper()  # nor its base32
    fresh = TOTPDevice.objects.get(pk=device.pk)
    assert fresh.key == HEX_KEY
    assert fresh.bin_key == bytes.fromhex(HEX_KEY)


@pytest.mark.django_db
def test_a_new_device_gets_a_random_20_byte_key(alice):
    first, second = (alice.native_totpdevice_set.create(name=str(i)) for i in range(2))
    assert len(first.bin_key) == 20 and first.key != second.key


@pytest.mark.parametrize("bad", ["", "abc", "zz" * 10, "00" * 41])
def test_a_key_that_is_not_1_to_40_bytes_of_hex_is_refused_without_echoing_it(bad):
    with pytest.raises(ValueError) as raised:
        TOTPDevice(key=bad)
    assert not bad or bad not in str(raised.value)


@pytest.mark.django_db
def test_setting_the_key_reseals(device):
    device.key = "00" * 10 + "ff" * 10
    device.save()
    assert TOTPDevice.objects.get(pk=device.pk).key == "00" * 10 + "ff" * 10


@pytest.mark.django_db
def test_config_url_as_django_otp(device, settings):
    from urllib.parse import parse_qs, urlsplit

    settings.OTP_TOTP_ISSUER = "Very Trustworthy: Source"
    settings.OTP_TOTP_IMAGE = lambda d: f"https://img.invalid/{d.user.get_username()}.png"
    url = urlsplit(device.config_url)
    params = parse_qs(url.query)
    assert (url.scheme, url.netloc, url.path) == ("otpauth", "totp", "/Very%20Trustworthy%20Source%3Aalice")
    assert params["secret"] == [B32_KEY]
    assert params["issuer"] == ["Very Trustworthy Source"]
    assert params["image"] == ["https://img.invalid/alice.png"]
    assert (params["digits"], params["period"], params["algorithm"]) == (["6"], ["30"], ["SHA1"])


@pytest.mark.django_db
def test_persistent_id_and_reverse_names(device, alice):
    assert device.persistent_id == f"otp_native.totpdevice/{device.pk}"
    assert list(alice.native_totpdevice_set.all()) == [device]
    assert list(devices_for_user(alice)) == [device]


# TOTP: verification ---------------------------------------------------------------------


@pytest.mark.django_db
def test_only_the_current_step_with_no_tolerance(device, roomy_counter, no_throttle):
    assert [device.verify_token(t) for t in tokens(device)] == [False] * 3 + [True] + [False] * 6


@pytest.mark.django_db
def test_tolerance_and_drift_of_the_instance_apply(device, roomy_counter, no_throttle):
    device.tolerance = 1
    assert [device.verify_token(t) for t in tokens(device)] == [False] * 2 + [True] * 3 + [False] * 5


@pytest.mark.django_db
def test_known_drift_moves_the_window(device, roomy_counter, no_throttle):
    device.tolerance, device.drift = 1, -1
    assert [device.verify_token(t) for t in tokens(device)] == [False] + [True] * 3 + [False] * 6


@pytest.mark.django_db
def test_sync_records_the_drift(device, roomy_counter, no_throttle, settings):
    settings.OTP_TOTP_SYNC = True
    device.tolerance = 2
    assert device.verify_token(tokens(device)[5])
    assert device.drift == 2 and TOTPDevice.objects.get(pk=device.pk).drift == 2


@pytest.mark.django_db
def test_a_step_is_accepted_once_and_last_t_is_stored(device, no_throttle):
    token = tokens(device)[3]
    assert device.verify_token(token) and not device.verify_token(token)
    assert device.last_t == 3 and TOTPDevice.objects.get(pk=device.pk).last_t == 3
    # Another instance loaded before the success knows nothing of it, and is refused too.
    assert not TOTPDevice.objects.get(pk=device.pk).verify_token(token)


@pytest.mark.django_db
def test_a_stale_instance_cannot_replay(device, no_throttle):
    stale = TOTPDevice.objects.get(pk=device.pk)
    token = tokens(device)[3]
    assert device.verify_token(token)
    assert stale.last_t == -1 and not stale.verify_token(token)


@pytest.mark.django_db
def test_tokens_as_django_otp_reads_them(alice, no_throttle):
    # An int loses its leading zeros; a string with spaces around is int()-able; 8 digits.
    for digits in (6, 8):
        made = alice.native_totpdevice_set.create(key=HEX_KEY, digits=digits, tolerance=0)
        oracle = TOTP(bytes.fromhex(HEX_KEY), digits=digits)
        assert made.verify_token(f" {oracle.token():0{digits}d} ")
    assert not made.verify_token("not a number") and not made.verify_token(-1)
    assert not made.verify_token(None) and not made.verify_token(10**8)


@pytest.mark.django_db
def test_an_unconfirmed_device_verifies_as_in_django_otp(alice, no_throttle):
    made = alice.native_totpdevice_set.create(key=HEX_KEY, confirmed=False, tolerance=0)
    assert made.verify_token(TOTP(bytes.fromhex(HEX_KEY)).token())
    assert list(devices_for_user(alice)) == []


@pytest.mark.django_db
def test_success_stamps_last_used_and_resets_throttling(device, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=3)
    device.throttling_failure_count = 3  # the throttle's window has passed: no timestamp
    assert device.verify_token(tokens(device)[3])
    fresh = TOTPDevice.objects.get(pk=device.pk)
    assert fresh.last_used_at is not None and fresh.throttling_failure_count == 0


# Throttling and the shared counter ------------------------------------------------------


@pytest.mark.django_db
def test_django_otp_throttling_counts_in_the_database(device, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    stale = TOTPDevice.objects.get(pk=device.pk)
    assert not device.verify_token(-1)
    assert device.throttling_failure_count == 1
    allowed, details = device.verify_is_allowed()
    assert not allowed and details["failure_count"] == 1
    assert not device.verify_token(tokens(device)[3])  # inside the delay: not even checked
    # A second instance, loaded before the failure, counts on top of it (F() + 1).
    assert not stale.verify_token(-1)
    assert stale.throttling_failure_count == 2
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 2


@pytest.mark.django_db
def test_failures_on_every_device_of_a_user_share_one_counter(device, alice, settings, no_throttle):
    settings.TOTP_BACKOFF_AFTER = 100
    settings.TOTP_MAX_FAILURES = 4
    static = alice.native_staticdevice_set.create(name="codes")
    static.token_set.create(token="valid-token")
    assert not device.verify_token(tokens(device)[0])
    assert not static.verify_token("wrong-token")
    assert not device.verify_token(tokens(device)[1])
    assert not static.verify_token("other-wrong")
    assert SecondFactorState.objects.get(user=alice).failed_attempts == 4
    # Locked: the right token and the right code are refused, and nothing is spent.
    assert not device.verify_token(tokens(device)[3])
    assert not static.verify_token("valid-token")
    assert static.token_set.count() == 1
    attempts.clear_lockout(alice.pk)
    assert static.verify_token("valid-token") and device.verify_token(tokens(device)[3])


@pytest.mark.django_db
def test_junk_costs_no_attempt_on_the_shared_counter(device, alice, no_throttle):
    for junk in ("", "x" * 100, "1234567", None, "12 34 56 78 90"):
        assert not device.verify_token(junk)
    assert SecondFactorState.objects.filter(user=alice, failed_attempts__gt=0).count() == 0


# Static tokens ----------------------------------------------------------------------------


@pytest.fixture
def static(alice):
    made = alice.native_staticdevice_set.create(name="Backup Code")
    for token in ("alice1", "alice1", "alice2"):
        made.token_set.create(token=token)
    return made


@pytest.mark.django_db
def test_tokens_are_stored_as_keyed_digests(static):
    created = static.token_set.create(token="shown-once")
    assert created.token == "shown-once"
    for row in StaticToken.objects.filter(device=static):
        stored = stored_row(StaticToken, row.pk)
        assert row.token is None and "alice" not in stored and "shown-once" not in stored
        assert len(row.digest) == 64
    # Per-device keys: the same token has another digest on another device.
    other = StaticDevice.objects.create(user=static.user)
    assert other.token_set.create(token="alice2").digest not in set(static.token_set.values_list("digest", flat=True))


@pytest.mark.django_db
def test_a_token_is_spent_once_and_a_duplicate_once_more(static, no_throttle, roomy_counter):
    assert static.verify_token("alice2") and not static.verify_token("alice2")
    assert static.verify_token("alice1") and static.verify_token("alice1") and not static.verify_token("alice1")
    assert static.token_set.count() == 0
    assert static.last_used_at is not None


@pytest.mark.django_db
def test_tokens_match_exactly(static, no_throttle, roomy_counter):
    for near in ("ALICE2", " alice2", "alice2 ", "alice", "alice22"):
        assert not static.verify_token(near)
    assert static.verify_token("alice2")


@pytest.mark.django_db
def test_add_static_token_as_django_otp(alice):
    added = add_static_token("alice")
    assert added.device.user == alice and len(added.token) == 8
    assert add_static_token("alice", "token").token == "token"
    assert alice.native_staticdevice_set.count() == 1
    assert added.device.name == "Backup Code"
    with pytest.raises(type(alice).DoesNotExist):
        add_static_token("bogus")
    assert added.device.verify_token("token")


@pytest.mark.django_db
def test_add_static_token_uses_the_first_existing_device(alice):
    alice.native_staticdevice_set.create(name="Test")
    assert add_static_token("alice").device.name == "Test"


@pytest.mark.django_db
def test_the_command_prints_the_new_token_once(alice, capsys):
    call_command("addnativestatictoken", "alice", "--token", "from-the-cli")
    assert capsys.readouterr().out.strip() == "from-the-cli"
    call_command("addnativestatictoken", "alice")
    printed = capsys.readouterr().out.strip()
    assert len(printed) == 8
    device = alice.native_staticdevice_set.get()
    assert device.verify_token(printed) and device.verify_token("from-the-cli")
    with pytest.raises(CommandError, match="does not exist"):
        call_command("addnativestatictoken", "bogus")


# Through django-otp's own entry points --------------------------------------------------


@pytest.mark.django_db
def test_match_token_and_verify_token_of_django_otp(device, static, alice, no_throttle, roomy_counter):
    token = tokens(device)[3]
    assert match_token(alice, token) == device
    assert match_token(alice, token) is None  # replayed
    assert otp_verify_token(alice, static.persistent_id, "alice2") == static
    assert otp_verify_token(alice, static.persistent_id, "alice2") is None


@pytest.mark.django_db
def test_the_apps_own_login_asks_no_code_of_a_user_with_only_django_otp_devices(device, alice):
    # The app's login flows verify django-totp's device only: no challenge nobody can answer.
    assert attempts.next_challenge(alice.pk) is None


# Key rotation ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rotation_reseals_both_devices_and_they_still_verify(device, static, settings, no_throttle):
    from cryptography.fernet import Fernet

    old = settings.TOTP_ENCRYPTION_KEY
    new = Fernet.generate_key().decode()
    settings.TOTP_ENCRYPTION_KEY = [new, old]
    report = rotation.reseal_all()
    assert report.complete and report.resealed >= 2
    settings.TOTP_ENCRYPTION_KEY = new
    assert rotation.unopenable() == []
    fresh = TOTPDevice.objects.get(pk=device.pk)
    assert fresh.key == HEX_KEY and fresh.verify_token(tokens(device)[3])
    assert StaticDevice.objects.get(pk=static.pk).verify_token("alice2")
    assert rotation.reseal_all().resealed == 0  # idempotent


@pytest.mark.django_db
def test_django_otp_login_and_middleware_know_the_device(device, alice, rf, no_throttle):
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import login as otp_login
    from django_otp.middleware import OTPMiddleware

    request = rf.get("/")
    request.user, request.session = alice, SessionStore()
    assert device.verify_token(tokens(device)[3])
    otp_login(request, device)
    assert request.session["otp_device_id"] == f"otp_native.totpdevice/{device.pk}"
    later = rf.get("/")
    later.user, later.session = type(alice).objects.get(pk=alice.pk), request.session
    OTPMiddleware(lambda r: None)(later)
    assert later.user.is_verified() and later.user.otp_device == device


@pytest.mark.django_db
def test_a_key_no_configured_key_opens_is_an_error_not_a_wrong_code(device, static, settings, no_throttle):
    from cryptography.fernet import Fernet

    from django_totp_native.services.errors import SecretUnavailable

    settings.TOTP_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(SecretUnavailable):
        device.verify_token(tokens(device)[3])
    with pytest.raises(SecretUnavailable):
        static.verify_token("alice2")
    assert static.token_set.count() == 3
