"""The HTML report in a real browser: Debian's headless Chromium, driven by Selenium.

The page is opened from a file:// URL, as a person opens a CI artefact. .ci/run
installs chromium and chromium-driver; these tests skip only where Chromium is
not installed.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from pathlib import Path

import pytest

from .conftest import run_cli
from .golden import AS_OF, EXAMPLES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="Chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")

# Nothing in the browser may reach out: no network, no updates, no sync, no GPU, no sandbox (containers).
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1400,1800")


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="imscheck-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The HTML and JSON reports of the bundled example, from one run of the CLI."""
    folder = tmp_path_factory.mktemp("reports")
    page, data = folder / "report.html", folder / "report.json"
    result = run_cli("check", str(EXAMPLES / "northwind-services"), "--as-of", AS_OF.isoformat(),
                     "--html", str(page), "--json", str(data))
    assert result.exit_code == 1
    return page, json.loads(data.read_text(encoding="utf-8"))


def open_page(browser, page: Path) -> None:
    browser.get(page.resolve().as_uri())
    browser.get_log("browser")  # drop what an earlier page left


def visible(browser, selector: str) -> list:
    return [row for row in browser.find_elements("css selector", selector) if row.is_displayed()]


def click(browser, facet: str, value: str) -> None:
    browser.find_element("css selector", f'button[data-filter="{facet}"][data-value="{value}"]').click()


def test_the_page_loads_from_a_file_without_errors(browser, reports):
    page, _ = reports
    browser.get(page.resolve().as_uri())
    assert browser.execute_script("return window.imscheckErrors") == []  # the script ran, and nothing failed or was blocked
    assert [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"] == []
    # The style was admitted by the policy too.
    header = browser.find_element("css selector", "header")
    assert header.value_of_css_property("background-color") in ("rgba(31, 58, 95, 1)", "rgb(31, 58, 95)")


def test_the_counts_shown_equal_the_json_reports(browser, reports):
    page, data = reports
    open_page(browser, page)
    shown = {}
    for card in browser.find_elements("css selector", ".card[data-standard]"):
        shown[card.get_attribute("data-standard")] = {
            cell.get_attribute("data-count"): int(cell.text) for cell in card.find_elements("css selector", "[data-count]")}
    assert shown == data["summary"]
    rows = browser.find_elements("css selector", "#requirement-table tbody tr")
    assert [(r.get_attribute("data-requirement"), r.get_attribute("data-status")) for r in rows] == \
        [(r["requirement"], r["status"]) for r in data["results"]]
    summary = browser.find_element("id", "findings-summary").text
    affected = {r for f in data["findings"] for r in f["requirements"]}
    assert summary.startswith(f"{len(data['findings'])} findings affecting {len(affected)} requirements in 3 standards")


def test_filtering_by_standard_and_status(browser, reports):
    page, data = reports
    open_page(browser, page)
    results = data["results"]
    rows = "#requirement-table tbody tr"
    assert len(visible(browser, rows)) == len(results)

    click(browser, "standard", "ISO27001:2022")
    shown = visible(browser, rows)
    assert {r.get_attribute("data-standard") for r in shown} == {"ISO27001:2022"}
    assert len(shown) == sum(1 for r in results if r["standard"] == "ISO27001:2022")
    assert browser.find_element("id", "shown-count").text == str(len(shown))
    # Findings follow the standard filter: those that touch no ISO/IEC 27001 requirement are hidden.
    findings = visible(browser, "#findings tbody tr")
    assert len(findings) == sum(1 for f in data["findings"] if "ISO27001:2022" in f["standards"])

    click(browser, "status", "unmet")
    shown = visible(browser, rows)
    assert [r.get_attribute("data-requirement") for r in shown] == \
        [r["requirement"] for r in results if r["standard"] == "ISO27001:2022" and r["status"] == "unmet"]

    click(browser, "status", "shared")
    assert len(visible(browser, rows)) == data["summary"]["ISO27001:2022"]["shared"]

    click(browser, "standard", "all")
    click(browser, "status", "not_applicable")
    assert [r.get_attribute("data-requirement") for r in visible(browser, rows)] == \
        [r["requirement"] for r in results if r["status"] == "not_applicable"]
    pressed = [b.get_attribute("data-value") for b in browser.find_elements("css selector", 'button[aria-pressed="true"]')]
    assert pressed == ["all", "not_applicable"]

    click(browser, "status", "all")
    assert len(visible(browser, rows)) == len(results)


def test_a_screenshot_shows_a_drawn_page(browser, reports):
    from PIL import Image

    page, _ = reports
    open_page(browser, page)
    image = Image.open(io.BytesIO(browser.get_screenshot_as_png())).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None
    # An empty or unstyled page is one or two colours; this one has text, a header band and charts.
    assert len(colours) > 200
    commonest = max(count for count, _ in colours)
    assert commonest < 0.8 * image.width * image.height
    present = {colour for _, colour in colours}
    assert {(31, 58, 95), (46, 125, 50), (198, 40, 40)} <= present  # header, met and unmet bars


def test_hostile_strings_stay_text_in_the_browser(browser, tmp_path):
    from .test_html import HOSTILE, HOSTILE_IMS
    from .conftest import write

    folder = tmp_path / "ims"
    write(folder, "ims.yaml", HOSTILE_IMS)
    page = tmp_path / "report.html"
    run_cli("check", str(folder), "--as-of", "2025-06-30", "--html", str(page))
    open_page(browser, page)  # an alert would fail here: Selenium refuses to go on with one open
    assert browser.execute_script("return window.imscheckErrors") == []
    assert browser.execute_script("return document.scripts.length") == 1
    assert browser.execute_script("return document.images.length") == 0
    assert HOSTILE in browser.find_element("css selector", "h1").text
