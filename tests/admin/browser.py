"""Headless Chromium (Debian's package, driven by Playwright) at phone size, and a live admin server.

Never downloads a browser: without /usr/bin/chromium the browser tests are skipped, with the reason.
Screenshots go to var/screenshots/ (ignored by git).
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    return None


def launch(playwright):  # type: ignore[no-untyped-def]
    path = chromium_path()
    if path is None:
        print("\nbrowser tests skipped: chromium is not installed (Debian package `chromium`)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return playwright.chromium.launch(
        executable_path=path, args=["--no-sandbox", "--disable-dev-shm-usage", "--lang=de-DE"]
    )


def shot(page, name: str, fits_phone: bool = True, full: bool = True) -> Path:  # type: ignore[no-untyped-def]
    """Save a screenshot (full page, or the first screen); also check nothing is wider than the phone."""
    if fits_phone:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{name}: the page is {width} px wide"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    return path


class LiveServer:
    """The admin app served by uvicorn in a thread, on a free port of 127.0.0.1."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("admin server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
