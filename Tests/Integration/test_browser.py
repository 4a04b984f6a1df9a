"""The demo's browser page, driven by a real headless Chromium (Debian's chromium + chromium-driver,
Selenium from pip): create a payment and watch its statuses arrive over the WebSocket.

`darwaza demo --listen 127.0.0.1:0 --admin 127.0.0.1:0` serves the page at `/`. Missing
Chromium is a failure, never a skip (scripts/install-test-deps.sh installs it). On failure a
screenshot, the page's #log and the browser console are written next to the report
($DARWAZA_BROWSER_ARTIFACTS, default the system temp directory).
"""

import os
import shutil
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from conftest import darwaza_bin  # noqa: E402
from streaming_support import DarwazaProcess  # noqa: E402

WAIT = 15.0  # seconds for any one thing to appear on the page
ARTIFACTS = os.environ.get("DARWAZA_BROWSER_ARTIFACTS", tempfile.gettempdir())


def _which(*names):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    for path in ("/usr/bin/chromium", "/usr/lib/chromium/chromium"):
        if os.path.basename(path) in names and os.path.exists(path):
            return path
    return None


@pytest.fixture(scope="module")
def chromium():
    browser = _which("chromium", "chromium-browser")
    driver = _which("chromedriver")
    if browser is None or driver is None:
        pytest.fail("Chromium not installed (browser=%r, chromedriver=%r): run scripts/install-test-deps.sh"
                    % (browser, driver), pytrace=False)
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.fail("selenium not installed: python3 -m pip install -r Tests/requirements.txt", pytrace=False)
    return browser, driver


@pytest.fixture(scope="module")
def demo():
    binary = darwaza_bin()
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        pytest.fail("gateway binary not found at %s (build it or set DARWAZA_BIN)" % binary, pytrace=False)
    proc = DarwazaProcess(binary, "demo", ["--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"], need_admin=False)
    proc.start()
    yield proc
    try:
        rc = proc.stop()
        assert rc == 0, "demo exit status after SIGTERM: %r\n%s" % (rc, proc.stderr()[-2000:])
    finally:
        proc.cleanup()


@pytest.fixture
def browser(chromium):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = chromium
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=driver_path)
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


def _statuses(driver):
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('ol#statuses li')).map(li => li.dataset.status);")


def _diagnostics(driver, name):
    parts = []
    try:
        path = os.path.join(ARTIFACTS, "darwaza-browser-%s.png" % name)
        driver.save_screenshot(path)
        parts.append("screenshot: %s" % path)
    except Exception as e:  # pragma: no cover - diagnostics only
        parts.append("screenshot failed: %s" % e)
    try:
        parts.append("#log: %r" % driver.execute_script(
            "const l = document.querySelector('#log'); return l ? l.innerText : null;"))
        parts.append("statuses: %r" % _statuses(driver))
        parts.append("#payment: %r" % driver.execute_script(
            "const p = document.querySelector('#payment'); return p ? p.innerText : null;"))
    except Exception as e:  # pragma: no cover
        parts.append("page state unavailable: %s" % e)
    try:
        logs = driver.get_log("browser")
        parts.append("console: %r" % [(x.get("level"), x.get("message")) for x in logs][-20:])
    except Exception:
        pass
    return "\n".join(parts)


def _wait_for(driver, what, predicate, timeout=WAIT, name="wait"):
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out after %.0fs waiting for %s (last value %r)\n%s"
                         % (timeout, what, value, _diagnostics(driver, name)))


def _enabled(driver, selector):
    from selenium.webdriver.common.by import By

    elements = driver.find_elements(By.CSS_SELECTOR, selector)
    return bool(elements) and elements[0].is_displayed() and elements[0].is_enabled()


def _fill(driver, selector, value):
    from selenium.webdriver.common.by import By

    el = driver.find_element(By.CSS_SELECTOR, selector)
    if el.tag_name.lower() == "select":
        from selenium.webdriver.support.ui import Select

        Select(el).select_by_visible_text(value)
        return
    el.clear()
    el.send_keys(value)


def _is_prefix(prefix, seq):
    return list(seq[:len(prefix)]) == list(prefix)


def test_demo_page_payment_lifecycle(demo, browser):
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(demo.url + "/")
    _wait_for(driver, "form#create with its inputs", lambda: all(
        driver.find_elements(By.CSS_SELECTOR, s) for s in ("#create", "#units", "#currency", "#customer", "#create-button")),
        name="load")
    assert _statuses(driver) == [], "no status before a payment exists: %r" % _statuses(driver)

    _fill(driver, "#units", "1250")
    _fill(driver, "#currency", "EUR")
    _fill(driver, "#customer", "Ada Lovelace")
    before = driver.find_element(By.CSS_SELECTOR, "#payment").text.strip()
    driver.find_element(By.CSS_SELECTOR, "#create-button").click()

    _wait_for(driver, "#payment to show the new payment", lambda: (
        driver.find_element(By.CSS_SELECTOR, "#payment").text.strip() not in ("", before)), name="payment")

    # CREATED, then AUTHORIZED (~0.8 s later), in this order, over the WebSocket.
    _wait_for(driver, "CREATED then AUTHORIZED in ol#statuses",
              lambda: len(_statuses(driver)) >= 2, name="authorized")
    seen = _statuses(driver)
    assert seen == ["CREATED", "AUTHORIZED"], "statuses in order: %r\n%s" % (seen, _diagnostics(driver, "order1"))

    _wait_for(driver, "#capture to be enabled", lambda: _enabled(driver, "#capture"), name="capture-enabled")
    driver.find_element(By.CSS_SELECTOR, "#capture").click()

    _wait_for(driver, "CAPTURED then SETTLED", lambda: len(_statuses(driver)) >= 4, timeout=WAIT, name="settled")
    seen = _statuses(driver)
    assert seen == ["CREATED", "AUTHORIZED", "CAPTURED", "SETTLED"], "statuses in order: %r\n%s" % (
        seen, _diagnostics(driver, "order2"))

    # Refund is allowed from SETTLED.
    _wait_for(driver, "#refund to be enabled", lambda: _enabled(driver, "#refund"), name="refund-enabled")
    driver.find_element(By.CSS_SELECTOR, "#refund").click()
    _wait_for(driver, "REFUNDED", lambda: len(_statuses(driver)) >= 5, name="refunded")
    seen = _statuses(driver)
    assert seen == ["CREATED", "AUTHORIZED", "CAPTURED", "SETTLED", "REFUNDED"], "%r\n%s" % (
        seen, _diagnostics(driver, "order3"))
    log = driver.execute_script("const l = document.querySelector('#log'); return l ? l.innerText : '';") or ""
    assert "error" not in log.lower(), "the page logged an error: %r" % log


def test_demo_page_capture_disabled_before_authorization(demo, browser):
    """Capture is not offered before the payment is AUTHORIZED."""
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(demo.url + "/")
    _wait_for(driver, "#create-button", lambda: driver.find_elements(By.CSS_SELECTOR, "#create-button"), name="load2")
    assert not _enabled(driver, "#capture"), "capture enabled with no payment"
    assert not _enabled(driver, "#refund"), "refund enabled with no payment"
    _fill(driver, "#units", "10")
    _fill(driver, "#currency", "USD")
    _fill(driver, "#customer", "Grace Hopper")
    driver.find_element(By.CSS_SELECTOR, "#create-button").click()
    _wait_for(driver, "AUTHORIZED", lambda: "AUTHORIZED" in _statuses(driver), name="auth2")
    assert _statuses(driver) == ["CREATED", "AUTHORIZED"]
    assert not _enabled(driver, "#refund"), "refund must not be enabled for an AUTHORIZED payment"
    _wait_for(driver, "#capture enabled once AUTHORIZED", lambda: _enabled(driver, "#capture"), name="cap2")
