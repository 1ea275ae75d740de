"""pytest plugin for allauth's own tests (run.py loads it as ``compat_allauth_seal_check``):
after each test, while its database transaction is still open, every allauth
``Authenticator`` row is read and each TOTP secret, recovery seed and migrated recovery
code must be sealed (django_totp_native.allauth.sealing.PREFIX). What it found is written
to COMPAT_ALLAUTH_SEAL_REPORT (JSON) for run.py's verdict: the rows and values checked, and
the tests that left a plaintext value (never the value itself)."""

import json
import os

import pytest

_found = {"tests": 0, "rows": 0, "values": 0, "plaintext": []}


def _unsealed_members(data) -> int:
    from django_totp_native.allauth.sealing import SEALED_MEMBERS, is_sealed

    unsealed = checked = 0
    for member in SEALED_MEMBERS if isinstance(data, dict) else ():
        item = data.get(member)
        values = item if isinstance(item, list) else [item] if isinstance(item, str) else []
        for value in values:
            checked += 1
            unsealed += not is_sealed(value)
    _found["values"] += checked
    return unsealed


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    yield
    try:
        from allauth.mfa.models import Authenticator

        rows = list(Authenticator.objects.values_list("data", flat=True))
    except RuntimeError:  # database access not allowed: the test used none
        return
    _found["tests"] += 1
    _found["rows"] += len(rows)
    if sum(_unsealed_members(data) for data in rows):
        _found["plaintext"].append(item.nodeid)


def pytest_sessionfinish(session):
    path = os.environ.get("COMPAT_ALLAUTH_SEAL_REPORT")
    if path:
        with open(path, "w") as report:
            json.dump(_found, report, indent=1)
