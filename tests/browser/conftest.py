"""Browser fixtures: Debian's Chromium, driven by Selenium through Debian's chromedriver,
against pytest-django's live server.

Selenium is pointed at /usr/bin/chromium and /usr/bin/chromedriver explicitly (and
SE_OFFLINE is set), so Selenium Manager never tries to download a browser or a driver:
the network here is loopback only. One Chromium serves the whole session; each test
starts with no cookies. When the browser or the driver is missing the tests are skipped
with the reason, except under CI (``CI`` set), where that is a failure: ``make test``
installs both.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.conftest import missing_oracle

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
#: The flags Chromium needs as root on a machine without a screen or outside network;
#: without the background-networking ones it keeps trying to reach Google's hosts.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
    "--lang=en-US",
)


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


def _missing_browser_reason() -> str | None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        return (
            f"{' and '.join(missing)} not found: install Debian's chromium and chromium-driver "
            "(apt-get install chromium chromium-driver; `make test` does it)"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: pip install -r requirements-dev.txt"
    return None


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium (a WebDriver) for the session, with a fresh profile."""
    reason = _missing_browser_reason()
    if reason:
        missing_oracle(f"browser tests: {reason}")

    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="totp-browser-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser(chromium, live_server, request):
    """A page helper on the live server; the browser starts without cookies.

    When the test fails, the page it ended on is kept as
    tests/artifacts/browser-failure-<test>.png and .html.
    """
    from .pages import Browser

    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    page = Browser(chromium, live_server.url)
    yield page
    if request.node.stash.get(_CALL_FAILED, False):
        ARTIFACTS.mkdir(exist_ok=True)
        stem = ARTIFACTS / f"browser-failure-{request.node.name}"
        chromium.save_screenshot(str(stem.with_suffix(".png")))
        stem.with_suffix(".html").write_text(chromium.page_source, encoding="utf-8")
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    # The admin keeps UI state (the collapsed navigation sidebar) in localStorage.
    chromium.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": live_server.url, "storageTypes": "all"})


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
