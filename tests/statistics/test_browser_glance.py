"""The statistics overview in a real headless Chromium at 390 and 1280 px: the three numbers
first, and every chart's text at least 11 px as actually shown (screenshots in var/screenshots/)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from referrals.admin import statistics_pages as dashboard
from referrals.statistics import charts
from tests.admin.browser import LiveServer, launch, shot
from tests.statistics.conftest import AsUser
from tests.statistics.test_dashboard import scenario  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]
ADMIN_STATIC = Path(dashboard.__file__).resolve().parents[1] / "admin" / "static"


@pytest.fixture
def server(directory, monkeypatch, clock):
    monkeypatch.setattr(dashboard, "_today", lambda: clock().date())
    app = Starlette(
        routes=[
            Mount("/statistics", routes=dashboard.routes),
            Mount("/static", StaticFiles(directory=str(ADMIN_STATIC))),
        ]
    )
    app.state.sessionmaker = directory
    with LiveServer(AsUser(app, "coordinator")) as live:
        yield live


@pytest.mark.parametrize("width", [390, 1280])
def test_overview_reads_at_a_glance(scenario, server, width: int) -> None:  # noqa: F811
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        page = chromium.new_page(viewport={"width": width, "height": 900}, locale="de-DE")
        for view in ("", "people", "understanding"):
            page.goto(f"{server.url}/statistics/{view}?lang=de")
            if view == "":
                first = page.locator("main > *:not(h1):not(form)").first
                assert "figure-conversations" in first.inner_html()  # the numbers lead
            for image in page.locator("img.chart").all():
                image.scroll_into_view_if_needed()
                shown = image.evaluate("i => i.getBoundingClientRect().width")
                source = image.evaluate("i => i.currentSrc")
                svg = base64.b64decode(source.split("base64,", 1)[1]).decode()
                view_width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
                smallest = min(float(s) for s in re.findall(r"font-size:\s*([\d.]+)px", svg))
                assert smallest * shown / view_width >= charts.MIN_PIXELS, (view, width, shown, view_width)
            shot(page, f"statistics-{view or 'overview'}-{width}", fits_phone=width == 390)
        page.goto(f"{server.url}/statistics/?lang=de&period=&from=2025-01-01&to=2025-03-31")
        assert (
            page.locator(".empty-period").inner_text()
            == "Vom 01.01.2025 bis 31.03.2025 gab es keine Gespräche."
        )
        shot(page, f"statistics-empty-{width}", fits_phone=width == 390)
        chromium.close()
