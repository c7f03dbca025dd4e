"""Browser tests: Playwright for Python driving Debian's Chromium against `live_server`.

Playwright's own browser download does not work on our machines, so the tests launch
/usr/bin/chromium (`apt-get install chromium`; .ci/run installs it on a fresh CI machine).
Without it, or without the playwright package, tests marked `browser` are skipped, and fail
under REQUIRE_SERVICES (tests/conftest.py).

Every browser test uses `live_server`, so its database is transactional: Django empties every
table after the test, migration data included. The `page` fixture therefore requests
`reference_data`, which seeds the taxonomy, role groups, SLA defaults and canned replies again.

Screenshots: `screenshot(page, "queue-en")` writes docs/screenshots/queue-en.png when
SAVE_SCREENSHOTS=1, otherwise a file in pytest's temporary directory.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import CHROMIUM

# Playwright's sync API runs an asyncio event loop in the test's own thread (it switches to
# it with greenlets). Django sees that running loop and refuses every ORM call from the test
# (SynchronousOnlyOperation) although no coroutine touches the database: the test creates
# users and checks rows synchronously, and the live server answers in its own thread, where
# there is no loop. The check is a false alarm here, so it is switched off. This is read on
# every ORM call, and it stays set for the rest of a run that collects this folder.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-dev-shm-usage",  # a small /dev/shm in containers crashes tabs
    # The machine's network is closed: without these Chromium keeps trying to reach Google.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
PHONE_WIDTH = 640  # narrower than this, the context is a phone: touch, mobile viewport rules
LOCALES = {"en": "en-US", "zh-hans": "zh-CN"}


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole run; each test gets its own context (cookies, storage)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def locale() -> str:
    """The browser's language; parametrize a test with `locale` ("en", "zh-hans") to change it."""
    return "en"


@pytest.fixture
def viewport() -> dict:
    """The window's size; parametrize a test with `viewport` (a dict like VIEWPORT) to change
    it. Narrower than PHONE_WIDTH the page is a phone's: it has touch and honours
    `<meta name=viewport>` as a phone's browser does."""
    return VIEWPORT


@pytest.fixture
def page(browser, live_server, reference_data, locale, viewport) -> Iterator:
    """A fresh page at `viewport` (1280×800) in `locale`, time zone Asia/Shanghai, that may
    only load from the live server: a request anywhere else (a CDN, say) is blocked and fails
    the test."""
    phone = viewport["width"] < PHONE_WIDTH
    context = browser.new_context(
        viewport=viewport,
        is_mobile=phone,
        has_touch=phone,
        locale=LOCALES.get(locale, locale),
        timezone_id="Asia/Shanghai",
        base_url=live_server.url,
    )
    context.set_default_timeout(10_000)
    ours = urlparse(live_server.url).netloc
    blocked: list[str] = []

    def only_our_server(route):
        url = urlparse(route.request.url)
        if url.scheme in {"data", "blob"} or url.netloc == ours:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_our_server)
    page = context.new_page()
    yield page
    context.close()
    assert not blocked, f"the page tried to load from elsewhere than our server: {blocked}"


@pytest.fixture
def screenshot(tmp_path_factory) -> Callable:
    """`screenshot(page, name)`: a PNG of the whole page (`full_page=False`: only the
    viewport); returns its path."""
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        folder = SCREENSHOT_DIR
        folder.mkdir(parents=True, exist_ok=True)
    else:
        folder = tmp_path_factory.getbasetemp() / "screenshots"
        folder.mkdir(exist_ok=True)

    def take(page, name: str, *, full_page: bool = True) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
