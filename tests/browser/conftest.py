"""Real headless Chromium (Debian's, through its chromedriver) against real `mhkg serve`
processes: one over the real built graph, one over a store with a hostile label."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from server.config import Settings
from tests.http.site_support import build_script_store
from tests.live_server import LiveServer, running_server

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
START_WAIT_S = 60
STOP_WAIT_S = 15
WINDOW = (1280, 900)
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def _serve(store: Path, log: Path) -> Iterator[LiveServer]:
    """Run `mhkg serve` on a free loopback port until the test session ends."""
    with running_server(store, log, workers=1, query_processes=2) as server:
        yield server


@pytest.fixture(scope="session")
def site(
    built_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """`mhkg serve` over the real graph."""
    yield from _serve(built_settings.store_dir, tmp_path_factory.mktemp("site") / "server.log")


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`mhkg serve` over a store whose only organisation is labelled with a script."""
    root = tmp_path_factory.mktemp("hostile")
    yield from _serve(build_script_store(root / "store"), root / "server.log")


@pytest.fixture(scope="session")
def browser() -> Iterator[WebDriver]:
    """One headless Chromium for the session, with a fresh profile, logging its console."""
    for program in (CHROMIUM, CHROMEDRIVER):
        if shutil.which(program) is None:
            pytest.fail(f"{program} is missing: apt-get install chromium chromium-driver")
    profile = tempfile.mkdtemp(prefix="mhkg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.add_argument(f"--window-size={WINDOW[0]},{WINDOW[1]}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser: WebDriver) -> Iterator[WebDriver]:
    """The browser at its normal size, with no cookies left from an earlier test."""
    browser.set_window_size(*WINDOW)
    browser.delete_all_cookies()
    browser.get_log("browser")  # drop what earlier tests logged
    yield browser


def screenshot_viewport(driver: WebDriver, name: str) -> Path:
    """Save what the viewport shows as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def screenshot(driver: WebDriver, name: str) -> Path:
    """Save the whole page as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = driver.get_window_size()["width"]
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(height + 120, 600), 4000))
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path
