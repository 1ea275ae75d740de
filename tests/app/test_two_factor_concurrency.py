"""Single use on two-factor-auth's login wizard under a real multi-process server (issue 21
item 3): 20 half-finished logins (password step done, each its own session) post the token
step with one valid TOTP code at once, and then the same with one backup token; exactly one
session may end signed in.

The server is gunicorn, 4 workers x 4 threads, on 127.0.0.1 and a free port, over the test
run's PostgreSQL database; 20 threads with `requests` drive it, released together by a
barrier. The control is stock two-factor-auth (without django_totp_native.two_factor) on
django-otp's own devices, in a server of its own, over three rounds: its counts are
reported at the end of the run (RUN_NOTES), not asserted, as they vary from round to round
(1 to 13 of 20 for one code here; the issue measured 2 to 8). Needs PostgreSQL (DATABASE_URL; `make pytest-pg` runs it), skipped otherwise.
"""

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

pytest.importorskip("two_factor", reason="django-two-factor-auth is not installed (the [two-factor] extra)")
pytest.importorskip("gunicorn", reason="gunicorn is not installed (requirements-dev.txt)")
requests = pytest.importorskip("requests", reason="requests is not installed (requirements-dev.txt)")

import pyotp  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django_otp.plugins.otp_static.models import StaticDevice as StockStaticDevice  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice as StockTOTPDevice  # noqa: E402

from django_totp_native import core  # noqa: E402
from django_totp_native.otp.models import StaticDevice, TOTPDevice  # noqa: E402

from ..conftest import RUN_NOTES  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
N = 20
PASSWORD = "correct horse battery"
BACKUP_TOKEN = "abcdef123"
CONTROL_ROUNDS = 3

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="needs PostgreSQL (DATABASE_URL): gunicorn's workers share the test database; make pytest-pg runs it",
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, stock: bool, database: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.app.two_factor_server_settings",
            "TWO_FACTOR_SERVER_DB": database,
            "TWO_FACTOR_SERVER_STOCK": "1" if stock else "0",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "4", "--threads", "4", "--bind",
             f"127.0.0.1:{self.port}", "--log-level", "warning", "django.core.wsgi:get_wsgi_application()"],
            cwd=REPO, env=env,
        )
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(f"{self.base}/account/login/", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail("gunicorn did not start serving two-factor-auth's login page")
            time.sleep(0.3)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker):
    """One gunicorn with our takeover, one with stock two-factor-auth; stopped before the
    test database is dropped."""
    with django_db_blocker.unblock():
        database = connection.settings_dict["NAME"]
    started = {}
    try:
        started["native"] = Server(stock=False, database=database)
        started["stock"] = Server(stock=True, database=database)
        yield started
    finally:
        for server in started.values():
            server.stop()


def half_finished_logins(server, user) -> list:
    """N sessions, each past the password step of its own login."""
    sessions = []
    for _ in range(N):
        browser = requests.Session()
        url = f"{server.base}/account/login/"
        browser.get(url, timeout=30)
        response = browser.post(
            url,
            data={"csrfmiddlewaretoken": browser.cookies["csrftoken"], "login_view-current_step": "auth",
                  "auth-username": user.get_username(), "auth-password": PASSWORD},
            timeout=30, allow_redirects=False,
        )
        assert response.status_code == 200 and "token" in response.text.lower()
        sessions.append(browser)
    return sessions


def all_at_once(server, sessions, data) -> list:
    """Posts `data` from every session at the same moment; returns the status codes."""
    barrier = threading.Barrier(len(sessions))
    statuses = [None] * len(sessions)

    def submit(index, browser):
        payload = {"csrfmiddlewaretoken": browser.cookies["csrftoken"], **data}
        barrier.wait()
        statuses[index] = browser.post(
            f"{server.base}/account/login/", data=payload, timeout=60, allow_redirects=False
        ).status_code

    threads = [threading.Thread(target=submit, args=(i, s)) for i, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def signed_in_sessions(user) -> int:
    return sum(1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk))


def a_fresh_step():
    # The 20 logins take a few seconds; the code must still be current when they post.
    if time.time() % 30 > 20:
        time.sleep(31 - time.time() % 30)


def race_totp(server, user, device) -> tuple:
    sessions = half_finished_logins(server, user)
    code = pyotp.TOTP(core.b32encode(device.bin_key)).now()
    statuses = all_at_once(server, sessions, {"login_view-current_step": "token", "token-otp_token": code})
    return statuses.count(302), signed_in_sessions(user)


def race_backup(server, user) -> tuple:
    sessions = half_finished_logins(server, user)
    for browser in sessions:
        browser.post(
            f"{server.base}/account/login/",
            data={"csrfmiddlewaretoken": browser.cookies["csrftoken"], "wizard_goto_step": "backup"},
            timeout=30, allow_redirects=False,
        )
    statuses = all_at_once(server, sessions, {"login_view-current_step": "backup", "backup-otp_token": BACKUP_TOKEN})
    return statuses.count(302), signed_in_sessions(user)


def test_one_totp_code_signs_in_one_of_20_concurrent_logins(servers, make_user):
    a_fresh_step()
    user = make_user("racer", password=PASSWORD)
    device = TOTPDevice.objects.create(user=user, name="default")

    redirected, signed_in = race_totp(servers["native"], user, device)

    assert (redirected, signed_in) == (1, 1)


def test_one_backup_token_signs_in_one_of_20_concurrent_logins(servers, make_user):
    user = make_user("racer", password=PASSWORD)
    TOTPDevice.objects.create(user=user, name="default")
    StaticDevice.objects.create(user=user, name="backup").token_set.create(token=BACKUP_TOKEN)

    redirected, signed_in = race_backup(servers["native"], user)

    assert (redirected, signed_in) == (1, 1)
    assert not StaticDevice.objects.get(user=user).token_set.exists()


def test_control_stock_two_factor_auth_on_django_otp_devices(servers, make_user):
    """Reports what stock two-factor-auth allows over CONTROL_ROUNDS rounds; asserts only
    that the valid code and token work there at all (the count varies with the
    interleaving, from 1 to most of the 20)."""
    totp_counts, backup_counts = [], []
    for round_number in range(CONTROL_ROUNDS):
        a_fresh_step()
        user = make_user(f"control{round_number}", password=PASSWORD)
        device = StockTOTPDevice.objects.create(user=user, name="default")
        totp_counts.append(race_totp(servers["stock"], user, device)[1])
        Session.objects.all().delete()
        StockStaticDevice.objects.create(user=user, name="backup").token_set.create(token=BACKUP_TOKEN)
        backup_counts.append(race_backup(servers["stock"], user)[1])
        Session.objects.all().delete()

    RUN_NOTES.append(
        f"two-factor-auth control (stock 1.18.1 + django-otp devices, gunicorn 4x4), {CONTROL_ROUNDS} rounds: "
        f"one TOTP code signed in {totp_counts} of {N} concurrent logins, one backup token {backup_counts}"
    )
    assert min(totp_counts) >= 1 and min(backup_counts) >= 1
