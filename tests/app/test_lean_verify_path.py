"""The lean verify path: what one login request costs the database, pinned.

Counted through the HTTP endpoints, as a user's request runs: SQL statements (transaction
control — BEGIN, SAVEPOINT, RELEASE — is not a statement of ours and is left out) and
commits. Runs on SQLite and on PostgreSQL (the second pass of ``make test``, with
DATABASE_URL), so the counts hold on both.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from django_totp_native.models import SecondFactorState, Totp

from .conftest import code_at, enroll

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery"


def consuming_statements() -> int:
    """Statements of a successful attempt after the reserving one: PostgreSQL writes the
    device (or code) and the user's state row in one statement (data-modifying CTEs);
    other backends take two (issue 17 item 11)."""
    return 1 if connection.vendor == "postgresql" else 2
TRANSACTION_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT", "COMMIT", "ROLLBACK")


class Cost:
    def __init__(self, monkeypatch):
        self.commits = 0
        real_commit = connection.commit

        def counting_commit():
            self.commits += 1
            return real_commit()

        monkeypatch.setattr(connection, "commit", counting_commit)
        self.capture = CaptureQueriesContext(connection)

    def __enter__(self):
        self.capture.__enter__()
        return self

    def __exit__(self, *exc):
        self.capture.__exit__(*exc)

    @property
    def statements(self) -> list[str]:
        return [q["sql"] for q in self.capture.captured_queries if not q["sql"].lstrip().upper().startswith(TRANSACTION_CONTROL)]


@pytest.fixture
def alice(make_user):
    return enroll(make_user("alice"))


def challenge(api):
    body = api.post("/api/jwt/create/", {"username": "alice", "password": PASSWORD}, format="json").json()
    return body["totp_challenge_token"]


def test_successful_second_step_with_a_totp_code(alice, monkeypatch):
    api = APIClient()
    token = challenge(api)
    with Cost(monkeypatch) as cost:
        response = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": token, "otp_code": alice.code()}, format="json")
    assert response.status_code == 200 and response.json()["access"]
    # One statement reserves the attempt on the user's state row and reads the device and
    # the (active) user; then the consumption. No SELECT of the user before.
    assert len(cost.statements) == 1 + consuming_statements(), cost.statements
    assert cost.commits == 1


def test_failed_second_step(alice, monkeypatch):
    api = APIClient()
    token = challenge(api)
    wrong = next(c for c in ("000000", "111111", "222222") if c not in {alice.code(d) for d in (-1, 0, 1)})
    with Cost(monkeypatch) as cost:
        response = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": token, "otp_code": wrong}, format="json")
    assert response.status_code == 400
    assert len(cost.statements) == 1, cost.statements  # the reserving UPDATE alone
    assert cost.commits == 1  # the counted attempt
    assert SecondFactorState.objects.get(user=alice.user).failed_attempts == 1


def test_successful_second_step_with_a_backup_code(alice, monkeypatch):
    api = APIClient()
    token = challenge(api)
    with Cost(monkeypatch) as cost:
        response = api.post(
            "/api/jwt/totp/verify/", {"totp_challenge_token": token, "backup_code": alice.backup_codes[0]}, format="json"
        )
    assert response.status_code == 200
    # The attempt (with the user), then the code spent with the state row's reset.
    assert len(cost.statements) == 1 + consuming_statements(), cost.statements
    assert cost.commits == 1


def test_password_step_of_a_user_with_2fa(alice, monkeypatch):
    api = APIClient()
    with Cost(monkeypatch) as cost:
        response = api.post("/api/jwt/create/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.json()["is_totp_enabled"] is True
    # The user, and one UPDATE that both says 2FA is on and hands out the challenge number.
    assert len(cost.statements) <= 2, cost.statements


def test_confirming_an_enrollment(make_user, monkeypatch):
    make_user("bob")
    api = APIClient()
    tokens = api.post("/api/jwt/create/", {"username": "bob", "password": PASSWORD}, format="json").json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    secret = api.post("/api/totp/create/").json()["secret"]
    with Cost(monkeypatch) as cost:
        response = api.post("/api/totp/confirm/", {"input_code": code_at(secret)}, format="json")
    assert response.status_code == 200 and len(response.json()["backup_codes"]) == 10
    # The user (JWT), 2FA state and credential generation (permission), the attempt, the
    # consumption that also confirms, the backup codes (one INSERT), and the proof for the
    # new tokens (their generation comes with the attempt).
    assert len(cost.statements) <= 7, cost.statements
    assert cost.commits == 1


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite has no SELECT ... FOR UPDATE; the fallback runs in the PostgreSQL pass of make test (make pytest-pg)",
)
def test_the_fallback_without_update_returning_keeps_the_guarantees(alice, monkeypatch, settings):
    """Backends without UPDATE ... RETURNING lock and read with SELECT ... FOR UPDATE first."""
    from django_totp_native.services import attempts, challenges, devices

    monkeypatch.setattr(attempts, "_has_update_returning", lambda alias: False)
    settings.TOTP_BACKOFF_AFTER = 1
    wrong = next(c for c in ("000000", "111111", "222222") if c not in {alice.code(d) for d in (-1, 0, 1)})
    assert not devices.verify_totp(alice.user, wrong)
    state = SecondFactorState.objects.get(user=alice.user)
    assert state.failed_attempts == 1 and state.next_attempt_at is not None
    SecondFactorState.objects.filter(user=alice.user).update(next_attempt_at=None)
    token = challenges.issue(alice.user)
    assert challenges.complete_login(token, otp_code=alice.code()) == alice.user
    with pytest.raises(challenges.InvalidChallenge):  # spent
        challenges.complete_login(token, otp_code=alice.code(1))
    assert not devices.verify_totp(alice.user, alice.code())  # replay
    state = SecondFactorState.objects.get(user=alice.user)
    assert state.challenge_redeemed == state.challenge_issued
