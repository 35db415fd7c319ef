"""GraphiQL in a real browser: headless Chromium opens /graphql on a server with demo data,
runs the README's canvas query without anyone typing a token, and shows numbers.

Chromium and its driver are Debian's (`chromium`, `chromium-driver`; .ci/run installs them
where it can); selenium drives them. Without them the test is skipped and says so.
A screenshot is saved to test-output/graphiql.png.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from journeygraph import demo
from journeygraph.app import create_app
from journeygraph.core.settings import Settings
from journeygraph.db.engine import create_engine, create_sessionmaker
from journeygraph.demo_events import load_demo_events
from tests.conftest import serving

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "test-output" / "graphiql.png"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


def _demo_workspace(database_url: str) -> demo.Demo:
    """A demo workspace with simulated events, and what GraphiQL pre-fills for it."""

    async def make() -> demo.Demo:
        engine = create_engine(database_url, pool_size=2)
        sessions = create_sessionmaker(engine)
        try:
            async with sessions.begin() as session:
                workspace_id, key, journeys = await demo.create_demo_workspace(session)
            await load_demo_events(sessions, workspace_id, [j.id for j in journeys], 2000, seed=11)
        finally:
            await engine.dispose()
        today = datetime.now(UTC).date()
        return demo.Demo(key, demo.CANVAS_QUERY, demo.canvas_variables(str(journeys[0].id), today))

    return asyncio.run(make())


def _browser() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(str(DRIVER)), options=options)


@pytest.mark.skipif(CHROMIUM is None or DRIVER is None, reason="Chromium and chromedriver are not installed")
def test_graphiql_runs_the_readme_canvas_query_with_the_demo_key(settings: Settings, database_url: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    shown = _demo_workspace(database_url)
    app = create_app(settings, database_url, demo=shown)
    with serving(app) as base:
        # what the API itself answers for the same query, variables and key
        expected = httpx.post(
            f"{base}/graphql",
            json={"query": shown.query, "variables": shown.variables},
            headers={"Authorization": f"Bearer {shown.key}"},
        ).json()["data"]["journey"]["performance"]["enteredCount"]
        assert expected > 0

        browser = _browser()
        try:
            browser.get(f"{base}/graphql")
            run = WebDriverWait(browser, 30).until(
                ready.element_to_be_clickable((By.CSS_SELECTOR, ".graphiql-execute-button"))
            )
            run.click()  # no token typed: the page came with the demo key in its headers

            def answered(driver: Any) -> str | bool:
                text = driver.execute_script(
                    "const pane = document.querySelector('.graphiql-response');"
                    "return pane ? pane.innerText : '';"
                )
                return text if '"enteredCount"' in text else False

            result = str(WebDriverWait(browser, 30).until(answered))
            SCREENSHOT.parent.mkdir(exist_ok=True)
            browser.save_screenshot(str(SCREENSHOT))
            loaded = browser.execute_script(
                "return performance.getEntriesByType('resource').map(entry => entry.name);"
            )
        finally:
            browser.quit()

    shown_count = re.search(r'"enteredCount":\s*(\d+)', result)
    assert shown_count is not None, result
    assert int(shown_count.group(1)) == expected
    assert '"trafficCount"' in result and "errors" not in result
    # everything the page loaded came from this server (GraphiQL's assets too)
    assert loaded and all(name.startswith(base) for name in loaded), json.dumps(loaded)
    assert SCREENSHOT.stat().st_size > 10_000
