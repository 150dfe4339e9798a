"""Debian's Chromium, headless, driven by its own chromedriver through Selenium: for the reading room's
browser test and its screenshots (the dev extra; the server never imports this).

Nothing is downloaded: the driver is given by path (so Selenium Manager has nothing to find) and the
browser by its binary; a fresh profile directory every time, no background networking or updates.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WIDTH, HEIGHT = 1280, 800
PAGE_LOAD_SECONDS = 100  # below Selenium's own 120 s command timeout, so a slow page fails clearly
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
    f"--window-size={WIDTH},{HEIGHT}",
)


def missing() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} is not installed (apt-get install -y chromium chromium-driver)"
    return None


@contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    """A headless Chromium at 1280×800 on a fresh profile; quit (and the profile removed) after."""
    problem = missing()
    if problem:
        raise RuntimeError(problem)
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager, were it ever asked, must not download
    profile = tempfile.mkdtemp(prefix="precis-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        # The viewport itself at 1280×800 (a window of that size keeps some of it for its frame).
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
        )
        driver.set_page_load_timeout(PAGE_LOAD_SECONDS)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(driver: webdriver.Chrome, path: Path) -> None:
    """The visible 1280×800 viewport as PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
