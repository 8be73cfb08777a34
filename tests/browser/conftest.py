"""Browser tests: Playwright driving the system Chromium against Django's live server.

Skipped (with a reason) where /usr/bin/chromium is missing, unless PRM_REQUIRE_BROWSER is set,
as in CI, where a missing browser is a failure.
"""

import os
import shutil

import pytest
from django.db import connections

CHROMIUM = os.environ.get("PRM_CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM) or shutil.which(CHROMIUM):
        return
    if os.environ.get("PRM_REQUIRE_BROWSER"):
        raise pytest.UsageError(f"PRM_REQUIRE_BROWSER is set but {CHROMIUM} does not exist.")
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def _playwright():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are still synchronous, so Django's async-safety check does not apply.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw
        # While Playwright's event loop runs in this thread, Django keeps the thread's database
        # connections per context, apart from those opened before it started: every test after
        # the first browser test uses connections of its own. Closed while the loop still runs,
        # or they would outlive the session, idle, on the test database.
        connections.close_all()


@pytest.fixture(scope="session")
def _browser(_playwright):
    browser = _playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )
    yield browser
    browser.close()


@pytest.fixture
def page(_browser, live_server):
    context = _browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page, password):
    def _login(user):
        page.goto("/accounts/logout/")
        if page.locator("form button[type=submit]").count():
            page.locator("main form button[type=submit]").first.click()
        page.goto("/accounts/login/")
        page.fill("input[name=login]", user.email)
        page.fill("input[name=password]", password)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state("networkidle")
        return page

    return _login
