"""The portal in a real browser (Debian's headless Chromium driven by Selenium through Debian's chromedriver): a clerk
logs in, uploads a bad return, reads the red cell named on the page and downloads the 回执; the office's board shows
it. Each page is saved as a picture: to docs/img/ for the README and docs/portal.md with ``make pictures``."""
from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path

import openpyxl
import pytest

from tests.test_web_support import ORG, ORG_NAME, cli, january, running_portal

CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium 未安装（pip install -e '.[test]'）")
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER.exists()),
    reason="没有 Debian 的 chromium 和 chromium-driver（apt-get install chromium chromium-driver；.ci/run 会安装）")

# where the pages' pictures go: docs/img for the README and docs/portal.md when `make pictures` asks for them
PICTURES = os.environ.get("STATRETURNS_PICTURES")
PASSWORDS = {"统计局": "office-password-1", "shili": "reporter-password-1"}


@pytest.fixture
def portal(tmp_path):
    root = tmp_path / "office"
    root.mkdir()
    paths = ["--warehouse", str(root / "var" / "statreturns.duckdb")]
    assert cli(["users", "add", "统计局", "--role", "office", *paths], root, PASSWORDS["统计局"] + "\n").returncode == 0
    assert cli(["users", "add", "shili", "--role", "reporter", "--org", ORG, *paths], root,
               PASSWORDS["shili"] + "\n").returncode == 0
    with running_portal(root) as running:
        yield running


@pytest.fixture
def browser(tmp_path):
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000",
                "--lang=zh-CN", "--no-first-run", "--disable-extensions", "--disable-background-networking"):
        options.add_argument(arg)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(10)
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


def shoot(driver, name: str, folder: Path) -> None:
    """The whole page, as a person scrolling it would see it, as ``portal-<name>.png``."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, min(max(height + 40, 700), 4000))
    folder.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(folder / f"portal-{name}.png"))
    driver.set_window_size(1400, 1000)


def log_in(driver, url: str, name: str) -> None:
    """Sign in as ``name`` and wait for the page after the sign-in, so that the next page asked for carries the
    session (a page asked for while the sign-in is still on its way would be sent to the sign-in page)."""
    driver.get(f"{url}/login")
    driver.find_element("id", "name").send_keys(name)
    driver.find_element("id", "password").send_keys(PASSWORDS[name])
    driver.find_element("id", "login").click()
    WebDriverWait(driver, 30, poll_frequency=0.1).until(lambda d: "/login" not in d.current_url)


def log_out(driver) -> None:
    """Sign out and wait for the sign-in page it leads to: the sign-out's answer clears the session cookie, and must
    not arrive after the next sign-in's."""
    driver.find_element("css selector", "form.logout button").click()
    WebDriverWait(driver, 30, poll_frequency=0.1).until(lambda d: "/login" in d.current_url)


def downloaded(folder: Path, timeout: float = 60) -> Path:
    """The file the browser finished downloading into ``folder`` (waited for, within a bound)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if not p.name.endswith(".crdownload") and not p.name.startswith(".")]
        if done:
            return done[0]
        time.sleep(0.2)
    pytest.fail("the receipt was not downloaded")


def test_a_clerk_uploads_a_bad_return_and_the_office_sees_it(portal, browser, cat, tmp_path):
    url = portal.url
    pictures = Path(PICTURES) if PICTURES else tmp_path / "pictures"
    browser.get(f"{url}/")
    assert browser.current_url.startswith(f"{url}/login")
    shoot(browser, "login", pictures)

    log_in(browser, url, "shili")
    browser.get(f"{url}/tasks?period=2026-01")
    states = [e.text for e in browser.find_elements("css selector", "table.tasks span.state")]
    assert states == ["未报"] * len(cat.forms)
    shoot(browser, "tasks", pictures)

    returns = tmp_path / "returns"
    returns.mkdir()
    bad = returns / "示例街道热线1月.xlsx"
    bad.write_bytes(january(cat, year=2026, negative="ZB05")["ZB05"])
    good = returns / "示例街道财政1月.xlsx"
    good.write_bytes(january(cat, year=2026)["ZB01"])
    browser.find_element("id", "file").send_keys(f"{bad}\n{good}")
    browser.find_element("id", "send").click()

    red = browser.find_element("css selector", "#results td.cell.error")
    assert red.text == "D5"
    assert red.value_of_css_property("background-color") in ("rgba(255, 0, 0, 1)", "rgb(255, 0, 0)")
    row = red.find_element("xpath", "./..").text
    assert "数字为负" in row and "-300" in row and "不能填负数" in row
    verdicts = [e.text for e in browser.find_elements("css selector", "#results span.verdict")]
    assert verdicts == ["退回", "已受理"]
    shoot(browser, "result", pictures)

    browser.find_element("css selector", "#results a.receipt").click()
    receipt = downloaded(browser.downloads)
    assert receipt.name.endswith("_审核结果.xlsx") and "热线1月" in receipt.name
    book = openpyxl.load_workbook(io.BytesIO(receipt.read_bytes()))
    assert any("D5" in [str(v) for v in row] for row in book["审核结果"].iter_rows(values_only=True))

    log_out(browser)
    log_in(browser, url, "统计局")
    browser.get(f"{url}/office?period=2026-01")
    cell = browser.find_element("css selector", f"td.state[title^='{ORG_NAME} ZB05表']")
    assert "rejected" in cell.get_attribute("class") and cell.text == "退回"
    finance = browser.find_element("css selector", f"td.state[title^='{ORG_NAME} ZB01表']")
    assert finance.text in ("已受理", "迟报")
    shoot(browser, "board", pictures)

    cell.find_element("tag name", "a").click()
    assert browser.find_element("css selector", "td.cell.error").text == "D5"
    shoot(browser, "findings", pictures)

    # a regeneration started from the office's page, followed there until it ends
    browser.get(f"{url}/office/runs")
    Select(browser.find_element("css selector", "form:has(#start-report) select[name=period]")).select_by_value("2026-01")
    Select(browser.find_element("css selector", "form:has(#start-report) select[name=org]")).select_by_value("all")
    browser.find_element("id", "start-report").click()
    WebDriverWait(browser, 300, poll_frequency=0.5).until(
        lambda d: d.find_element("id", "job-state").text in ("已完成", "失败"))
    assert browser.find_element("id", "job-state").text == "已完成"
    assert "汇总表" in browser.find_element("id", "job-output").text
    shoot(browser, "run", pictures)
    assert sorted(p.name for p in pictures.glob("portal-*.png")) == [
        f"portal-{n}.png" for n in ("board", "findings", "login", "result", "run", "tasks")]
