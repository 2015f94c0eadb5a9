"""The web desk end to end in a real browser: Debian's headless chromium, driven by Selenium (chromium-driver).

The real `xltemplates serve` runs on a free loopback port with one worker process; the browser uploads files
from disk, follows the download link and logs in, with JavaScript doing nothing (the pages have none).
Screenshots of the township's verdict page and the bureau's status page are written to the test's temporary
directory, and also to $XLTEMPLATES_SCREENSHOTS when it is set (that is how docs/ got its pictures).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_kit import browser, hand_in_file, served, wait_until  # noqa: F401 - fixtures
from returned import DEPT_SHEET
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from web_kit import DROPDOWN_CELL, ME, wrong_dropdown

from xltemplates.reader.check import check_bytes

pytestmark = pytest.mark.browser


def test_browser__wrong_dropdown_seen_annotated_downloaded(
        served: tuple[str, str], browser: WebDriver, tmp_path: Path) -> None:  # noqa: F811 - browser_kit's fixtures
    base, token = served
    (tmp_path / "申报表.xlsx").write_bytes(wrong_dropdown("大约"))
    browser.get(f"{base}/u/{token}")
    assert ME.name in browser.find_element(By.CSS_SELECTOR, "p.unit").text
    hand_in_file(browser, tmp_path / "申报表.xlsx", "仅检查")
    [card] = browser.find_elements(By.CSS_SELECTOR, "ol.cards li.finding")
    assert card.get_attribute("data-code") == "E-LIST-VALUE" and "E-LIST-VALUE" not in card.text
    place = card.find_element(By.CSS_SELECTOR, "a.place")
    assert place.text == f"{DEPT_SHEET} {DROPDOWN_CELL}" and "大约" in card.text
    marked = browser.find_element(By.ID, f"{DEPT_SHEET}!{DROPDOWN_CELL}")  # the card links to its grid cell
    assert marked.text == "大约" and "error" in (marked.get_attribute("class") or "")
    browser.find_element(By.PARTIAL_LINK_TEXT, "下载批注版").click()
    downloads = tmp_path / "downloads"
    wait_until("the annotated copy", lambda: any(p.suffix == ".xlsx" for p in downloads.iterdir()))
    [copy] = [p for p in downloads.iterdir() if p.suffix == ".xlsx"]
    assert copy.name == "001_测试单位_dept-overall_批注.xlsx"
    again = check_bytes(copy.read_bytes(), copy.name)
    assert (DEPT_SHEET, DROPDOWN_CELL, "E-LIST-VALUE") in again.flatten(("sheet", "cell", "code"))
