#!/usr/bin/python3
"""Drives periscope-portal in one headless Chromium (Debian's chromium and
chromium-driver through python3-selenium) as a customer would, through the
forms only (the portal has no JavaScript; WebDriver clicks and types).

usage: portal_browser.py --url URL --user ID --password PW --screenshots DIR
                         --contact JSON --account JSON [--timeout S]

Steps: sign in; the products page (device sections with SVG charts, the
proposals and the offers, each with a contact link); an offer's contact link,
the contact form filled with --contact and sent; the request listed; the
registered information updated with --account; Japanese chosen with the
language switch; signed out, and the old page needing a sign-in again.
After each page: no console message of level SEVERE (CSP violations and
failed loads land there) and no <script> element; a screenshot
DIR/NN-STEP.png is saved.

Prints "portal_browser: ok STEP: ..." or "portal_browser: FAIL STEP: why" per
step, "portal_browser: cookie NAME secure=.. httpOnly=.. sameSite=.." for the
session cookie, "portal_browser: sent REQUEST_ID" for the contact request.
Exits 0 when every step passed, 1 otherwise, 2 on usage errors. The browser
is always stopped (driver.quit in finally); every wait is bounded and a
watchdog (4 x timeout) ends a hang.
"""
import argparse
import base64
import json
import os
import re
import shutil
import signal
import sys
import tempfile
from urllib.parse import parse_qs, urlparse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

JAPANESE = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")


class StepFailed(Exception):
    pass


class Run:
    def __init__(self, driver, base, shots, timeout):
        self.driver = driver
        self.base = base.rstrip("/")
        self.shots = shots
        self.timeout = timeout
        self.failures = 0
        self.n = 0

    def wait(self, what, condition):
        try:
            WebDriverWait(self.driver, self.timeout).until(lambda d: condition())
        except Exception:
            raise StepFailed(f"timed out waiting for {what}; at {self.driver.current_url}")

    def path(self):
        return urlparse(self.driver.current_url).path

    def one(self, css):
        found = self.driver.find_elements(By.CSS_SELECTOR, css)
        if not found:
            raise StepFailed(f"no {css} on {self.driver.current_url}")
        return found[0]

    def submit(self, form_css):
        form = self.one(form_css)
        buttons = form.find_elements(By.CSS_SELECTOR, "button[type=submit], input[type=submit]")
        if not buttons:
            buttons = form.find_elements(By.CSS_SELECTOR, "button")
        if not buttons:
            raise StepFailed(f"{form_css} has no submit button")
        buttons[0].click()

    def fill(self, form_css, values):
        form = self.one(form_css)
        for name, value in values.items():
            fields = form.find_elements(By.NAME, name)
            if not fields:
                raise StepFailed(f"{form_css} has no field {name}")
            fields[0].clear()
            fields[0].send_keys(value)

    def shot(self, label):
        """A full-page screenshot DIR/NN-LABEL.png (through the DevTools
        protocol, beyond the window's height); its path."""
        self.n += 1
        path = os.path.join(self.shots, f"{self.n:02d}-{label}.png")
        try:
            metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            clip = {"x": 0, "y": 0, "width": max(1, int(size["width"])),
                    "height": min(12000, max(1, int(size["height"]))), "scale": 1}
            data = self.driver.execute_cdp_cmd(
                "Page.captureScreenshot",
                {"format": "png", "captureBeyondViewport": True, "clip": clip})["data"]
            with open(path, "wb") as f:
                f.write(base64.b64decode(data))
        except Exception:
            if not self.driver.save_screenshot(path):
                raise StepFailed(f"could not save {path}")
        return path

    def page_checks(self, step):
        """Console errors and scripts of the current page; a screenshot."""
        problems = []
        for entry in self.driver.get_log("browser"):
            if entry.get("level") == "SEVERE":
                problems.append(f"console error: {entry.get('message')}")
        if self.driver.find_elements(By.TAG_NAME, "script"):
            problems.append("page has a <script> element")
        shot = self.shot(step)
        if problems:
            raise StepFailed("; ".join(problems))
        return shot

    def step(self, name, fn):
        """Runs one step, then the page checks; False when the step itself
        failed (the flow cannot go on), True otherwise (a failed page check
        is counted and printed, and the flow goes on)."""
        try:
            detail = fn()
        except Exception as e:
            self.failures += 1
            why = str(e) if isinstance(e, StepFailed) else f"{type(e).__name__}: {e}"
            print(f"portal_browser: FAIL {name}: {why}", flush=True)
            try:
                self.shot(f"{name}-failed")
            except Exception:
                pass
            return False
        try:
            shot = self.page_checks(name)
            print(f"portal_browser: ok {name}: {detail or ''} (screenshot {shot})", flush=True)
        except Exception as e:
            self.failures += 1
            print(f"portal_browser: FAIL {name}: {e}", flush=True)
        return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--screenshots", required=True)
    parser.add_argument("--contact", required=True, help="JSON: the contact form's fields")
    parser.add_argument("--account", required=True, help="JSON: the account form's fields")
    parser.add_argument("--timeout", type=float, default=15.0)
    args = parser.parse_args()
    try:
        contact_fields = json.loads(args.contact)
        account_fields = json.loads(args.account)
    except ValueError as e:
        print(f"portal_browser: bad JSON: {e}")
        return 2
    os.makedirs(args.screenshots, exist_ok=True)

    def stop(signum, frame):
        raise TimeoutError(f"stopped by signal {signum}")

    signal.signal(signal.SIGALRM, stop)
    signal.signal(signal.SIGTERM, stop)
    signal.alarm(int(args.timeout * 4))

    profile = tempfile.mkdtemp(prefix="periscope-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--lang=en-US", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = None
    ok = True
    try:
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        driver.set_page_load_timeout(args.timeout)
        driver.set_window_size(1280, 1000)
        run = Run(driver, args.url, args.screenshots, args.timeout)
        base = run.base
        state = {}

        def signin():
            driver.get(base + "/products")
            run.wait("the sign-in page", lambda: run.path() == "/signin")
            run.fill("#signin-form", {"user_id": args.user, "password": args.password})
            run.shot("signin-form")
            run.submit("#signin-form")
            run.wait("/products after sign-in", lambda: run.path() == "/products")
            cookies = {c["name"]: c for c in driver.get_cookies()}
            session = cookies.get("periscope_session")
            if session is None:
                raise StepFailed("the browser kept no periscope_session cookie "
                                 f"(Secure cookie on {base}?): {sorted(cookies)}")
            print(f"portal_browser: cookie periscope_session secure={session.get('secure')} "
                  f"httpOnly={session.get('httpOnly')} sameSite={session.get('sameSite')}",
                  flush=True)
            if not session.get("secure") or not session.get("httpOnly") or \
                    session.get("sameSite") != "Strict":
                raise StepFailed(f"session cookie attributes: {session}")
            return "signed in through the form"

        def products():
            devices = run.one("#devices")
            charts = [c for c in devices.find_elements(By.CSS_SELECTOR, "svg")
                      if c.is_displayed() and c.size["width"] > 0 and c.size["height"] > 0]
            if not charts:
                raise StepFailed("no visible SVG chart in #devices")
            proposals = driver.find_elements(By.CSS_SELECTOR, "#proposals a.contact-link")
            offers = driver.find_elements(By.CSS_SELECTOR, "#offers a.contact-link")
            if not proposals:
                raise StepFailed("no proposal with a contact link")
            if not offers:
                raise StepFailed("no offer with a contact link")
            return f"{len(charts)} charts, {len(proposals)} proposals, {len(offers)} offers"

        def contact():
            link = run.one("#offers a.contact-link")
            href = link.get_attribute("href")
            link.click()
            run.wait("the contact form", lambda: run.path() == "/contact")
            product = parse_qs(urlparse(driver.current_url).query).get("product", [""])[0]
            if not product:
                raise StepFailed(f"contact page without a product: {driver.current_url} ({href})")
            state["product"] = product
            run.fill("#contact-form", contact_fields)
            run.shot("contact-form")
            run.submit("#contact-form")
            run.wait("/requests after sending", lambda: run.path() == "/requests")
            sent = parse_qs(urlparse(driver.current_url).query).get("sent", [""])[0]
            if not sent:
                raise StepFailed(f"no request id in {driver.current_url}")
            print(f"portal_browser: sent {sent} product {product}", flush=True)
            run.one("#notice")
            rows = driver.find_elements(By.CSS_SELECTOR, f"#requests tr[data-id='{sent}']")
            if not rows:
                raise StepFailed(f"request {sent} is not listed in #requests")
            if product not in rows[0].text:
                raise StepFailed(f"request row does not name {product}: {rows[0].text!r}")
            return f"request {sent} about {product} listed: {rows[0].text!r}"

        def update_account():
            driver.get(base + "/account")
            run.wait("the account page", lambda: run.path() == "/account")
            run.fill("#account-form", account_fields)
            run.submit("#account-form")
            run.wait("the saved notice",
                     lambda: run.path() == "/account" and "saved=1" in driver.current_url)
            run.one("#notice")
            registered = run.one("#registered").text
            for value in account_fields.values():
                if value not in registered:
                    raise StepFailed(f"#registered does not show {value!r}: {registered!r}")
            return "registered information updated"

        def japanese():
            run.one("a#lang-ja").click()
            run.wait("Japanese", lambda: driver.find_element(By.TAG_NAME, "html")
                     .get_attribute("lang") == "ja")
            if run.path() != "/account":
                raise StepFailed(f"the switch did not come back to /account: {driver.current_url}")
            text = driver.find_element(By.TAG_NAME, "body").text
            found = JAPANESE.findall(text)
            if len(found) < 10:
                raise StepFailed(f"little Japanese text on the page: {text[:200]!r}")
            return f"{len(found)} Japanese characters"

        def signout():
            run.submit("#signout-form")
            run.wait("/signin after signing out", lambda: run.path() == "/signin")
            if any(c["name"] == "periscope_session" for c in driver.get_cookies()):
                raise StepFailed("the session cookie is still there")
            driver.get(base + "/products")
            run.wait("a sign-in again", lambda: run.path() == "/signin")
            return "signed out; /products asks for a sign-in again"

        for name, fn in (("signin", signin), ("products", products), ("contact", contact),
                         ("account", update_account), ("japanese", japanese),
                         ("signout", signout)):
            if not run.step(name, fn) and name == "signin":
                break
        ok = run.failures == 0
    except Exception as e:
        ok = False
        print(f"portal_browser: FAIL browser: {type(e).__name__}: {e}", flush=True)
    finally:
        if driver is not None:
            try:
                driver.quit()
            except Exception as e:
                ok = False
                print(f"portal_browser: FAIL quit: {e}", flush=True)
        shutil.rmtree(profile, ignore_errors=True)
        signal.alarm(0)
    print(f"portal_browser: {'passed' if ok else 'failed'}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
