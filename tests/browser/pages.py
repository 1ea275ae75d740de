"""What a user does in the browser (open, type, press Enter, click), and reading pages back.

Elements are found the way a user finds them where the pages give nothing better: by
field name, by button text, by text patterns. Every action that leaves the page waits
until the next page has replaced it, so a test never reads the page it just left.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

#: Seconds to wait for a page to replace the current one.
NAVIGATION_TIMEOUT = 15


def _is_gone(element) -> bool:
    """True once ``element``'s page was replaced. ChromeDriver sometimes reports a replaced
    node as "does not belong to the document" (an unknown error) instead of as stale."""
    try:
        return expected_conditions.staleness_of(element)(None)
    except WebDriverException as exc:
        if "does not belong to the document" in str(exc):
            return True
        raise


class Browser:
    def __init__(self, driver, base_url: str):
        self.driver = driver
        self.base_url = base_url.rstrip("/")

    # Where we are ----------------------------------------------------------------

    @property
    def path(self) -> str:
        return urlsplit(self.driver.current_url).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.driver.current_url).query)

    @property
    def text(self) -> str:
        """The visible text of the page."""
        return self.driver.find_element(By.TAG_NAME, "body").text

    @property
    def heading(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "h1").text

    # Doing things ----------------------------------------------------------------

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    def fill(self, name: str, value: str, *, submit: bool = False) -> None:
        """Type into the field named ``name``; with ``submit``, press Enter and wait for the next page."""
        field = self.driver.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)
        if submit:
            self._navigating(lambda: field.send_keys(Keys.ENTER))

    def click(self, label: str) -> None:
        """Click the button (or submit input) labelled ``label`` and wait for the next page."""
        literal = _xpath_literal(label)
        button = self.driver.find_element(
            By.XPATH,
            f"//button[normalize-space()={literal}] | //input[@type='submit' and @value={literal}]",
        )
        self._navigating(button.click)

    def click_link(self, text: str) -> None:
        """Follow the link (or link styled as a button) whose text is ``text``."""
        link = self.driver.find_element(By.XPATH, f"//a[normalize-space()={_xpath_literal(text)}]")
        self._navigating(link.click)

    def choose(self, select_name: str, value: str) -> None:
        Select(self.driver.find_element(By.NAME, select_name)).select_by_value(value)

    def clear_cookies(self) -> None:
        self.driver.execute_cdp_cmd("Network.clearBrowserCookies", {})

    def screenshot(self, path) -> None:
        assert self.driver.save_screenshot(str(path)), f"could not save a screenshot to {path}"

    def _navigating(self, action) -> None:
        page = self.driver.find_element(By.TAG_NAME, "html")
        action()
        WebDriverWait(self.driver, NAVIGATION_TIMEOUT).until(lambda driver: _is_gone(page))
        WebDriverWait(self.driver, NAVIGATION_TIMEOUT).until(
            lambda driver: driver.execute_script("return document.readyState") == "complete"
        )
        self._fail_on_error_page()

    def _fail_on_error_page(self) -> None:
        """A 403 from the CSRF check or a 500 would otherwise surface later as a confusing
        "text not found"; say what the server answered instead."""
        text = self.text
        for sign in ("CSRF verification failed", "Server Error (500)"):
            assert sign not in text, f"{self.path} answered an error page: {text[:300]!r}"

    # Reading -----------------------------------------------------------------------

    def find(self, css: str):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def field_errors(self) -> str:
        """Error texts shown on the page (field and form errors of the session and admin pages)."""
        return " ".join(e.text for e in self.find_all(".errors, .errorlist, .errornote, [role=alert]"))


def _xpath_literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat('" + "', \"'\", '".join(text.split("'")) + "')"
