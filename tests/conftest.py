"""Shared by the core tests (no database) and the Django app tests (tests/app/).

Oracles (programs nobody here wrote) are declared with ``@pytest.mark.oracle("name")``:
a test whose oracle is missing is skipped on a developer's machine, and fails with the
oracle's name under CI (``CI`` set to anything but ``false``/``0``), so CI never passes
by quietly skipping the checks it exists for.
"""

import os
import shutil

import pytest

#: Oracle programs and the Debian package that provides each.
ORACLE_PACKAGES = {
    "oathtool": "oathtool",
    "zbarimg": "zbar-tools",
    "rsvg-convert": "librsvg2-bin",
    "chromium": "chromium",
    "chromedriver": "chromium-driver",
    "xgettext": "gettext",  # makemessages, for the translation catalogs' freshness
    "msgfmt": "gettext",
}

#: Lines printed at the end of the run (e.g. which database the concurrency tests used).
RUN_NOTES: list[str] = []


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_oracle(reason: str) -> None:
    """Skip the current test, or fail it under CI: a missing oracle is never silent there."""
    if under_ci():
        pytest.fail(f"missing oracle under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_configure(config):
    config.addinivalue_line("markers", "oracle(name): needs the named external program (see tests/conftest.py)")
    config.addinivalue_line(
        "markers", "concurrency: racing threads on the database (also run on PostgreSQL, see test_concurrency.py)"
    )


def pytest_runtest_setup(item):
    for marker in item.iter_markers(name="oracle"):
        for name in marker.args:
            if shutil.which(name) is None:
                missing_oracle(f"{name} is not installed (Debian package {ORACLE_PACKAGES.get(name, name)})")


def pytest_terminal_summary(terminalreporter):
    for line in RUN_NOTES:
        terminalreporter.write_line(line, bold=True)
