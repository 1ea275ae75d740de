"""Every statement of the login, backup-code and enrollment paths can use an index.

At 10⁵–10⁷ users a statement that scans the device or code table costs what a login must
not (issue 22 item 2). PostgreSQL's planner scans small tables sequentially whatever the
indexes, so each statement the paths run is captured through the HTTP endpoints and
EXPLAINed with ``enable_seqscan = off``: a sequential scan that remains has no index to
use instead. PostgreSQL only (the ``make pytest-pg`` pass); SQLite plans differently.
"""

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from .conftest import code_at, enroll

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery"
SKIP = ("BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT", "COMMIT", "ROLLBACK", "SET ")


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("plans are checked on PostgreSQL: set DATABASE_URL (make pytest-pg runs it)")


def statements_of(action) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        action()
    return [q["sql"] for q in captured.captured_queries if not q["sql"].lstrip().upper().startswith(SKIP)]


def sequential_scans(sql: str) -> list[str]:
    """Tables the plan of ``sql`` still reads sequentially when it could use an index."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return re.findall(r"Seq Scan on (\w+)", plan)


def assert_indexed(statements: list[str]) -> None:
    assert statements, "the path ran no statement: the capture is broken"
    scans = {sql: sequential_scans(sql) for sql in statements}
    assert {sql: tables for sql, tables in scans.items() if tables} == {}


def jwt(api, username, **second):
    first = api.post("/api/jwt/create/", {"username": username, "password": PASSWORD}, format="json").json()
    if not second:
        return first
    body = {"totp_challenge_token": first["totp_challenge_token"], **second}
    return api.post("/api/jwt/totp/verify/", body, format="json")


@pytest.fixture
def population(make_user):
    """A few users with devices and codes besides the one signing in, so a plan cannot
    satisfy a predicate by reading the only row there is."""
    for i in range(5):
        enroll(make_user(f"other{i}"))
    return enroll(make_user("alice"))


def test_the_login_with_a_code_and_with_a_backup_code(population):
    api = APIClient()
    assert_indexed(statements_of(lambda: jwt(api, "alice")))
    challenge = jwt(api, "alice")["totp_challenge_token"]
    statements = statements_of(lambda: api.post(
        "/api/jwt/totp/verify/", {"totp_challenge_token": challenge, "otp_code": population.code()}, format="json"
    ))
    assert_indexed(statements)
    challenge = jwt(api, "alice")["totp_challenge_token"]
    statements = statements_of(lambda: api.post(
        "/api/jwt/totp/verify/", {"totp_challenge_token": challenge, "backup_code": population.backup_codes[0]},
        format="json",
    ))
    assert_indexed(statements)


def test_enrollment_rotation_and_disable(population, make_user):
    make_user("bob")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt(api, 'bob')['access']}")
    created = {}
    assert_indexed(statements_of(lambda: created.update(api.post("/api/totp/create/").json())))
    confirmed = {}
    assert_indexed(statements_of(lambda: confirmed.update(
        api.post("/api/totp/confirm/", {"input_code": code_at(created["secret"])}, format="json").json()
    )))
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {confirmed['access']}")
    assert_indexed(statements_of(lambda: api.post("/api/totp/rotate_backup_codes/")))
    assert_indexed(statements_of(lambda: api.post("/api/totp/disable/")))
