"""The web desk in a real browser for the tests: a real `xltemplates serve` and Debian's headless chromium
driven by Selenium (chromium-driver). Not a test module: test_web_browser.py and test_web_journey.py use it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from returned import DEPT
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from web_kit import ME, OTHER, PASSWORD, USER

from xltemplates.round.db import open_db
from xltemplates.round.links import issue_links
from xltemplates.round.store import save_roster
from xltemplates.web.users import add_user

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
WAIT_SECONDS = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(what: str, ok: object) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if callable(ok) and ok():
            return
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(base URL, ME's link token) of a real `xltemplates serve` on a round of two units."""
    db = tmp_path / "round.sqlite"
    engine = open_db(db)
    save_roster(engine, [ME, OTHER])
    token = issue_links(engine, [ME], DEPT, 2025)[ME.code]
    add_user(engine, USER, PASSWORD)
    engine.dispose()
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", "from xltemplates.cli import main; main()", "serve", "--db",
                                 str(db), "--port", str(port), "--jobs", "1"], stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            with urllib.request.urlopen(f"{base}/login", timeout=2) as r:
                return bool(r.status == 200)
        except OSError:
            assert proc.poll() is None, log.read_text(errors="replace")
            return False

    try:
        wait_until("the server", up)
        yield base, token
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    if "browser" in os.environ.get("XLT_TEST_LEFT_OUT", "").split(","):  # set by conftest.py
        pytest.fail("this run leaves the browser out (-m 'not browser'): mark the test @pytest.mark.browser")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,2400",
                "--lang=zh-CN"):
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def hand_in_file(driver: WebDriver, path: Path, button: str) -> None:
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(path))
    driver.find_element(By.XPATH, f"//button[text()='{button}']").click()
    # the page before may show a verdict too: wait for the new page, then for its verdict
    wait_until("the new page", lambda: _gone(page))
    wait_until("the verdict", lambda: "检查结果" in driver.page_source)


def _gone(element: WebElement) -> bool:
    """Whether the element's page has been replaced (Chrome says so in more than one way)."""
    try:
        element.tag_name  # noqa: B018 - asks the browser about the element
    except WebDriverException:
        return True
    return False
