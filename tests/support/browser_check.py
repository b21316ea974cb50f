#!/usr/bin/python3
"""Opens local HTML files in one headless Chromium (Debian's chromium and
chromium-driver, driven by python3-selenium) and checks each as a person would
see it.

usage: browser_check.py [--timeout S] --page PAGE.html SCREENSHOT.png ROWS CHARTS ...

For each page: no console message of level SEVERE (CSP violations and load
errors land there), exactly CHARTS svg.chart elements, each displayed with a
non-zero size, exactly ROWS <tr> elements, no <script> element; a full-page
screenshot is saved. Prints "browser_check: ok PAGE ..." or
"browser_check: FAIL PAGE: why" per page; exits 0 when every page passed, 1
otherwise, 2 on usage errors. The browser is always stopped (driver.quit in
finally); every wait is bounded and a watchdog (2 x timeout) ends a hang.
"""
import argparse
import os
import shutil
import signal
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By


def check_page(driver, page, screenshot, rows_expected, charts_expected):
    failures = []
    driver.get_log("browser")  # drop what an earlier page left
    driver.set_window_size(1280, 1000)
    driver.get("file://" + os.path.abspath(page))
    charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart")
    if len(charts) != charts_expected:
        failures.append(f"expected {charts_expected} charts, found {len(charts)}")
    for i, chart in enumerate(charts):
        size = chart.size
        if not chart.is_displayed() or size["width"] <= 0 or size["height"] <= 0:
            failures.append(f"chart {i} ({chart.get_attribute('class')}) not visible: {size}")
    rows = driver.find_elements(By.TAG_NAME, "tr")
    if len(rows) != rows_expected:
        failures.append(f"expected {rows_expected} table rows, found {len(rows)}")
    if driver.find_elements(By.TAG_NAME, "script"):
        failures.append("page has a <script> element")
    height = driver.execute_script(
        "return Math.min(document.documentElement.scrollHeight, 12000)")
    driver.set_window_size(1280, max(800, int(height) + 40))
    if not driver.save_screenshot(screenshot):
        failures.append(f"could not save screenshot {screenshot}")
    for entry in driver.get_log("browser"):
        if entry.get("level") == "SEVERE":
            failures.append(f"console error: {entry.get('message')}")
    return failures, len(charts), len(rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--page", nargs=4, action="append", required=True,
                        metavar=("PAGE", "SCREENSHOT", "ROWS", "CHARTS"))
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()
    for page in args.page:
        if not os.path.isfile(page[0]):
            print(f"browser_check: no such page {page[0]}")
            return 2

    # A watchdog and SIGTERM both raise, so the finally below stops the browser.
    def stop(signum, frame):
        raise TimeoutError(f"stopped by signal {signum}")

    signal.signal(signal.SIGALRM, stop)
    signal.signal(signal.SIGTERM, stop)
    signal.alarm(int(args.timeout * 2))

    profile = tempfile.mkdtemp(prefix="periscope-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = None
    all_ok = True
    try:
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        driver.set_page_load_timeout(args.timeout)
        driver.set_script_timeout(args.timeout)
        for page, screenshot, rows, charts in args.page:
            try:
                failures, n_charts, n_rows = check_page(driver, page, screenshot, int(rows),
                                                        int(charts))
            except Exception as e:  # a broken page is a failed check
                failures, n_charts, n_rows = [f"{type(e).__name__}: {e}"], 0, 0
            if failures:
                all_ok = False
                for f in failures:
                    print(f"browser_check: FAIL {page}: {f}")
            else:
                print(f"browser_check: ok {page}: {n_charts} charts, {n_rows} rows; "
                      f"screenshot {screenshot}")
    except Exception as e:
        all_ok = False
        print(f"browser_check: FAIL browser: {type(e).__name__}: {e}")
    finally:
        if driver is not None:
            try:
                driver.quit()
            except Exception as e:
                all_ok = False
                print(f"browser_check: FAIL quit: {e}")
        shutil.rmtree(profile, ignore_errors=True)
        signal.alarm(0)
    sys.stdout.flush()
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
