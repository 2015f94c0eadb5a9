"""The web desk end to end in a real browser: Debian's headless chromium, driven by Selenium (chromium-driver).

The real `xltemplates serve` runs on a free loopback port with one worker process; the browser uploads files
from disk, follows the download link and logs in, with JavaScript doing nothing (the pages have none).
Screenshots of the township's verdict page and the bureau's status page are written to the test's temporary
directory, and also to $XLTEMPLATES_SCREENSHOTS when it is set (that is how docs/ got its pictures).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from returned import DEPT, DEPT_SHEET
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from web_kit import DROPDOWN_CELL, ME, OTHER, PASSWORD, USER, clean, wrong_dropdown

from xltemplates.reader.check import check_bytes
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


def _wait_until(what: str, ok: object) -> None:
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
        _wait_until("the server", up)
        yield base, token
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
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


def _upload(driver: WebDriver, path: Path, button: str) -> None:
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(path))
    driver.find_element(By.XPATH, f"//button[text()='{button}']").click()
    # the page before may show a verdict too: wait for the new page, then for its verdict
    _wait_until("the new page", lambda: _gone(page))
    _wait_until("the verdict", lambda: "检查结果" in driver.page_source)


def _gone(element: WebElement) -> bool:
    """Whether the element's page has been replaced (Chrome says so in more than one way)."""
    try:
        element.tag_name  # noqa: B018 - asks the browser about the element
    except WebDriverException:
        return True
    return False


def _screenshot(driver: WebDriver, tmp_path: Path, name: str) -> None:
    driver.save_screenshot(str(tmp_path / name))
    assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("XLTEMPLATES_SCREENSHOTS"):
        shutil.copy(tmp_path / name, Path(os.environ["XLTEMPLATES_SCREENSHOTS"]) / name)


def test_browser__wrong_dropdown_seen_annotated_downloaded_fixed_handed_in_bureau_sees_passed(
        served: tuple[str, str], browser: WebDriver, tmp_path: Path) -> None:
    base, token = served
    (tmp_path / "申报表.xlsx").write_bytes(wrong_dropdown("大约"))
    (tmp_path / "申报表（改）.xlsx").write_bytes(clean())

    browser.get(f"{base}/u/{token}")
    assert ME.name in browser.find_element(By.TAG_NAME, "h1").text
    _upload(browser, tmp_path / "申报表.xlsx", "仅检查")
    [row] = browser.find_elements(By.CSS_SELECTOR, "table.findings tbody tr")
    cells = [td.text for td in row.find_elements(By.TAG_NAME, "td")]
    assert cells[1:4] == ["E-LIST-VALUE", DEPT_SHEET, DROPDOWN_CELL] and "大约" in cells[4]
    marked = browser.find_element(By.CSS_SELECTOR, "table.grid td.error")
    assert marked.text == "大约" and marked.get_attribute("title").startswith(DROPDOWN_CELL)
    _screenshot(browser, tmp_path, "web-desk-township.png")

    browser.find_element(By.PARTIAL_LINK_TEXT, "下载批注版").click()
    downloads = tmp_path / "downloads"
    _wait_until("the annotated copy", lambda: any(p.suffix == ".xlsx" for p in downloads.iterdir()))
    [copy] = [p for p in downloads.iterdir() if p.suffix == ".xlsx"]
    assert copy.name == "001_测试单位_dept-overall_批注.xlsx"
    again = check_bytes(copy.read_bytes(), copy.name)
    assert (DEPT_SHEET, DROPDOWN_CELL, "E-LIST-VALUE") in again.flatten(("sheet", "cell", "code"))

    _upload(browser, tmp_path / "申报表（改）.xlsx", "正式报送")
    assert "已正式报送" in browser.page_source
    assert browser.find_elements(By.CSS_SELECTOR, "table.findings") == []

    browser.get(f"{base}/login")
    browser.find_element(By.NAME, "name").send_keys(USER)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.XPATH, "//button[text()='登录']").click()
    _wait_until("the status page", lambda: "各单位状态" in browser.title)
    status = {tr.find_elements(By.TAG_NAME, "td")[0].text: tr.find_elements(By.TAG_NAME, "td")[2].text
              for tr in browser.find_elements(By.CSS_SELECTOR, "table.status-table tbody tr")}
    assert status == {ME.code: "通过", OTHER.code: "未返回"}
    _screenshot(browser, tmp_path, "web-desk-bureau.png")
