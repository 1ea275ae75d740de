"""The test settings with auth and every 2FA model routed to a second database, "accounts",
while "default" holds none of their tables (issue 17 item 3).

SQLite files for both by default; with DATABASE_URL, "accounts" is that PostgreSQL server
(a test database of this process's own) and "default" stays an SQLite file.
"""

import os

from tests.settings import *  # noqa: F401,F403
from tests.settings import _ARTIFACTS, _SQLITE_ENGINE, _SQLITE_IMMEDIATE, _WORKER

ROOT_URLCONF = "tests.routed.urls"
DATABASE_ROUTERS = ["tests.routed.router.AccountsRouter"]

_ARTIFACTS.mkdir(exist_ok=True)


def _sqlite(name: str) -> dict:
    return {
        "ENGINE": _SQLITE_ENGINE,
        "NAME": str(_ARTIFACTS / f"routed-{name}-{_WORKER}.sqlite3"),
        "OPTIONS": {"timeout": 30, **_SQLITE_IMMEDIATE},
        "TEST": {"NAME": str(_ARTIFACTS / f"test-routed-{name}-{_WORKER}.sqlite3")},
    }


if os.environ.get("DATABASE_URL"):
    import dj_database_url

    _accounts = dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=0)
    _accounts["TEST"] = {"NAME": f"test_routed_{os.getpid()}"}
else:
    _accounts = _sqlite("accounts")

# Only "accounts" is set up for the tests: it must not wait for "default" (Django's default
# TEST dependency of every other alias).
_accounts.setdefault("TEST", {})["DEPENDENCIES"] = []
DATABASES = {"default": _sqlite("default"), "accounts": _accounts}
