"""The dashboard in a real headless browser (Debian's chromium, driven by Selenium through
Debian's chromium-driver): the page loads, its figures are the book's, the equity chart is drawn
from the book's readings, and a control is refused without the token and works with it.

`.ci/run` installs the browser; outside CI a machine without one skips this module saying so,
in CI (CI=true) it fails.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from domain.money import usd
from services.status_data import read_current_status
from tests.shared_book import TradedBook
from tests.web.dashboard_helpers import TOKEN, serving, settings_for

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
DRIVER = "chromedriver"
WAIT_SECONDS = 20


def _browser() -> tuple[str, str] | None:
    browser = next((found for name in BROWSERS if (found := shutil.which(name))), None)
    driver = shutil.which(DRIVER) or next(
        (p for p in ("/usr/lib/chromium/chromedriver",) if Path(p).exists()), None
    )
    return None if browser is None or driver is None else (browser, driver)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    found = _browser()
    if found is None:
        reason = "no chromium and chromedriver here (apt-get install chromium chromium-driver)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser test: {reason}")
        pytest.skip(reason)
    from selenium import webdriver  # noqa: PLC0415 - only where a browser exists
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for flag in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,2400",
        "--no-first-run",
        "--disable-background-networking",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=found[1]))
    yield driver
    driver.quit()


def _wait(driver: object, condition: object) -> object:
    from selenium.webdriver.support.ui import WebDriverWait  # noqa: PLC0415

    return WebDriverWait(driver, WAIT_SECONDS).until(condition)  # type: ignore[arg-type]


def _text(driver: object, element_id: str) -> str:
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    return str(driver.find_element(By.ID, element_id).text)  # type: ignore[attr-defined]


def test_the_page_shows_the_books_figures_draws_equity_and_pauses_with_the_token(
    browser: object, traded_book_copy: TradedBook, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By  # noqa: PLC0415

    driver = browser
    book = traded_book_copy.path
    data = read_current_status(book)
    with serving(settings_for(book, token=TOKEN)) as url:
        driver.get(url + "/")  # type: ignore[attr-defined]
        _wait(driver, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-loaded"))

        assert _text(driver, "equity") == usd(data.equity)
        assert _text(driver, "cash") == usd(data.bankroll)
        assert _text(driver, "exposure") == usd(data.exposure)
        assert _text(driver, "realized") == usd(data.stats.realized_pnl)
        assert _text(driver, "running") == "no bot running"
        rows = driver.find_elements(By.CSS_SELECTOR, "#positions tr")  # type: ignore[attr-defined]
        assert len(rows) == len(data.held) > 0
        tickers = {r.find_elements(By.TAG_NAME, "td")[0].text for r in rows}
        assert tickers == {t.position.ticker for t in data.held}

        curve = driver.find_element(By.CSS_SELECTOR, "#equity-chart path.equity")  # type: ignore[attr-defined]
        with closing(sqlite3.connect(book)) as connection:
            ((readings,),) = connection.execute("SELECT COUNT(*) FROM equity_history").fetchall()
        assert int(curve.get_attribute("data-points")) == readings > 0
        assert curve.get_attribute("d").startswith("M")
        assert curve.size["width"] > 0

        driver.find_element(By.ID, "pause").click()  # type: ignore[attr-defined]
        _wait(driver, lambda d: d.find_element(By.ID, "control-result").text)
        assert _text(driver, "control-result") == "refused: a valid token is needed"

        driver.find_element(By.ID, "token").send_keys(TOKEN)  # type: ignore[attr-defined]
        driver.find_element(By.ID, "pause").click()  # type: ignore[attr-defined]
        _wait(driver, lambda d: d.find_element(By.ID, "control-result").text.startswith("request"))
        _wait(driver, lambda d: "pause PAUSED" in d.find_element(By.ID, "requests").text)
        driver.save_screenshot(str(tmp_path / "dashboard.png"))  # type: ignore[attr-defined]
    with closing(sqlite3.connect(book)) as connection:
        made = connection.execute("SELECT action, code FROM operator_commands").fetchall()
    assert made == [("pause", "PAUSED")]
