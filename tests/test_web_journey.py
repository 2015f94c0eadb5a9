"""The round as people run it, in a real browser (headless Chromium, Selenium) on a real `xltemplates serve`:
a clerk hands in, makes mistakes and recovers; the bureau returns the file with a reason and approves the fix.

Each step is photographed at an office PC's width (1366 px) and a phone's (390 px), into the test's temporary
directory and, when $XLTEMPLATES_SCREENSHOTS is set, there too (that is how docs/img/ got its pictures).
"""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from browser_kit import browser, hand_in_file, served, wait_until  # noqa: F401 - the fixtures
from returned import DEPT, context, returned
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from web_kit import ME, PASSWORD, USER, clean, wrong_dropdown

pytestmark = pytest.mark.browser

WIDTHS = (1366, 390)
MAX_HEIGHT = 2400  # px: a page's top, where what happened is said


def _shoot(driver: WebDriver, tmp_path: Path, name: str) -> None:
    """The whole page at each width, as a phone (390 px) or an office PC (1366 px) lays it out."""
    for width in WIDTHS:
        metrics = {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": width < 600}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)  # type: ignore[attr-defined]
        height = int(driver.execute_script("return document.documentElement.scrollHeight"))
        metrics["height"] = min(max(height, 600), MAX_HEIGHT)
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)  # type: ignore[attr-defined]
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})  # type: ignore[attr-defined]
        path = tmp_path / f"{name}-{width}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        if os.environ.get("XLTEMPLATES_SCREENSHOTS"):
            shutil.copy(path, Path(os.environ["XLTEMPLATES_SCREENSHOTS"]) / path.name)
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})  # type: ignore[attr-defined]


def _state(driver: WebDriver) -> str:
    return str(driver.find_element(By.CSS_SELECTOR, "p.status strong").text)


def _notice(driver: WebDriver) -> tuple[str, str]:
    n = driver.find_element(By.CSS_SELECTOR, "section.verdict p.notice")
    return str(n.get_attribute("class")), str(n.text)


def _stored(db: Path) -> list[tuple[object, ...]]:
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text("SELECT id, file_name, verdict, is_current FROM submissions "
                                                           "ORDER BY id"))]
    finally:
        engine.dispose()


def _login(driver: WebDriver, base: str) -> None:
    driver.get(f"{base}/login")
    driver.find_element(By.NAME, "name").send_keys(USER)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.XPATH, "//button[text()='登录']").click()
    wait_until("the status page", lambda: "各单位状态" in driver.title)


def _review(driver: WebDriver, base: str, button: str, reason: str) -> None:
    driver.get(f"{base}/bureau/units/{ME.code}")
    driver.find_element(By.NAME, "reason").send_keys(reason)
    driver.find_element(By.XPATH, f"//button[text()='{button}']").click()
    wait_until("the unit's page again", lambda: reason in driver.page_source)


def test_journey__mistakes_recovered__returned_with_a_reason__fixed__approved(
        served: tuple[str, str], browser: WebDriver, tmp_path: Path) -> None:  # noqa: F811 - pytest fixtures
    base, token = served
    db = tmp_path / "round.sqlite"
    files = {"申报表.xlsx": clean(), "去年的表.xlsx": returned(DEPT, None, ctx=context(year=2024)),
             "填错了.xlsx": wrong_dropdown("大约"), "改好了.xlsx": wrong_dropdown("≤")}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    browser.set_window_size(1366, 1600)
    browser.get(f"{base}/u/{token}")
    assert browser.find_element(By.TAG_NAME, "h1").text == "部门（单位）整体绩效目标申报表（2025 年度）"
    assert len(browser.find_elements(By.CSS_SELECTOR, "ol.steps li")) == 4
    _shoot(browser, tmp_path, "journey-01-unit-page")

    # 1. a passing file, handed in
    hand_in_file(browser, tmp_path / "申报表.xlsx", "正式报送")
    assert _notice(browser) == ("notice ok", "已正式报送（记录编号 1），检查结果：通过。本单位报送完成，可打印回执。")
    assert _state(browser) == "通过"
    _shoot(browser, tmp_path, "journey-02-passed")

    # 2. last year's workbook by mistake: refused, the unit stays 通过, nothing stored
    hand_in_file(browser, tmp_path / "去年的表.xlsx", "正式报送")
    kind, text = _notice(browser)
    assert kind == "notice bad" and text.startswith("未报送：") and "年度" in text and "状态没有改变" in text
    assert _state(browser) == "通过" and len(_stored(db)) == 1
    _shoot(browser, tmp_path, "journey-03-wrong-year-refused")

    # 3. the passing file again: current (it never stopped being), one record
    hand_in_file(browser, tmp_path / "申报表.xlsx", "正式报送")
    assert "已正式报送（记录编号 1）" in _notice(browser)[1] and _state(browser) == "通过"

    # 4. F5 and Back send nothing again
    before = _stored(db)
    browser.refresh()
    assert "已正式报送（记录编号 1）" in _notice(browser)[1]
    browser.back()
    browser.forward()
    assert "已正式报送（记录编号 1）" in _notice(browser)[1] and _stored(db) == before == [
        (1, "申报表.xlsx", "accepted", 1)]

    # 5. 仅检查 a file with an error, then hand that file in without choosing it again
    hand_in_file(browser, tmp_path / "填错了.xlsx", "仅检查")
    assert _notice(browser)[0] == "notice warn" and len(_stored(db)) == 1
    _shoot(browser, tmp_path, "journey-04-checked")
    browser.find_element(By.XPATH, "//button[text()='报送刚才检查的文件']").click()
    wait_until("the hand-in", lambda: "记录编号 2" in browser.page_source)
    kind, text = _notice(browser)
    assert kind == "notice bad" and text.startswith("已记录（记录编号 2），但检查结果为「不通过（1 个错误）」")
    assert _state(browser) == "不通过（1 个错误）"
    _shoot(browser, tmp_path, "journey-05-handed-in-not-passed")

    # 6. the next day, another browser: the stored file's findings
    browser.delete_all_cookies()
    browser.get(f"{base}/u/{token}")
    stored = browser.find_element(By.CSS_SELECTOR, "section.stored")
    assert "填错了.xlsx" in stored.text and "大约" in stored.text and "E-LIST-VALUE" not in stored.text
    _shoot(browser, tmp_path, "journey-06-next-day")

    # 7. the bureau returns it with a reason; the unit sees it
    _login(browser, base)
    _review(browser, base, "退回修改", "指标值类型请从下拉列表选择")
    assert browser.find_element(By.CSS_SELECTOR, "p.status strong").text == "退回修改"
    _shoot(browser, tmp_path, "journey-07-bureau-returns")
    browser.get(f"{base}/u/{token}")
    assert _state(browser) == "退回修改" and "指标值类型请从下拉列表选择" in browser.page_source
    _shoot(browser, tmp_path, "journey-08-unit-sees-return")

    # 8. the fixed file, handed in; the bureau approves it
    hand_in_file(browser, tmp_path / "改好了.xlsx", "正式报送")
    assert _state(browser) == "通过" and "记录编号 3" in _notice(browser)[1]
    _review(browser, base, "审核通过", "已核对，同意")
    browser.get(f"{base}/bureau")
    row = browser.find_element(By.XPATH, f"//table[@class='status-table']//tr[td[1]='{ME.code}']")
    assert row.find_elements(By.TAG_NAME, "td")[2].text == "审核通过"
    _shoot(browser, tmp_path, "journey-09-bureau-status")
    browser.get(f"{base}/u/{token}")
    assert _state(browser) == "审核通过"
    _shoot(browser, tmp_path, "journey-10-unit-approved")
