"""Auth and the 2FA models routed to a second database (issue 17 item 3).

The flows run in their own process (tests/routed/routed_flows.py with
tests.routed.settings): a router puts auth, sessions, the admin log and every model of
this app on "accounts", "default" holds none of their tables, and pytest-django refuses
any statement on "default". With DATABASE_URL set, "accounts" is that PostgreSQL server.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_flow_runs_on_the_database_the_router_names():
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         "--ds=tests.routed.settings", "tests/routed/routed_flows.py"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTEST_ADDOPTS")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "5 passed" in run.stdout, run.stdout[-2000:]
