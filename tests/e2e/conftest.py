"""Browser journeys: Playwright driving Debian's Chromium (/usr/bin/chromium) against a live server.

A browser download does not work on this network, so the journeys use the system Chromium and
are skipped, saying so, when it is not installed (`.ci/run` installs it). Failures leave a
screenshot in test-results/ (pytest-playwright's --screenshot=only-on-failure).
"""

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone

# Playwright's sync API runs an event loop in this thread; the ORM calls in these tests are
# plain synchronous setup, not concurrent with it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium; .ci/run does it)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-gpu",
        ],
    }


@pytest.fixture(autouse=True)
def _zeal_n_plus_one():
    """Overrides tests/conftest.py's N+1 detection for the journeys: zeal's context is per thread
    (a ContextVar), and the pages here are served by the live server's own thread, so it could only
    watch the demo seeding, which is set-up, not what the journeys test. The page tests in
    tests/<app>/ run the same views inside zeal."""
    yield


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The README screenshots are 1280 px wide; the journeys run at the same size. The production
    # rehearsal's proxy has a certificate made at run time, which no browser trusts.
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "ignore_https_errors": bool(LIVE_URL)}


# The production rehearsal (tests/rehearsal/run.py) runs these journeys against the deployed stack:
# nginx over https in front of two gunicorns, on the rehearsal's database, already seeded with
# `seed_demo --force`. The journeys' own ORM checks then read that database directly.
LIVE_URL = os.environ.get("PARTNERHUB_LIVE_URL", "").rstrip("/")

if LIVE_URL:

    @pytest.fixture(scope="session")
    def django_db_setup():
        """The rehearsal's database as it is: no test database, no flush."""

    # Not named live_server: pytest-django gives any test using that name a transactional
    # database, which it flushes afterwards (the rehearsal's data with it).
    @pytest.fixture
    def site(django_db_blocker):
        with django_db_blocker.unblock():
            yield SimpleNamespace(url=LIVE_URL)

    @pytest.fixture
    def demo(site):
        """Seeded once by the rehearsal (seed_demo --force), as an operator would."""

else:

    @pytest.fixture
    def site(live_server):
        """Where the journeys browse: Django's live test server here."""
        return live_server

    @pytest.fixture
    def demo(live_server, transactional_db):
        """The demo data set (users with password 'demo'), seeded fresh for each journey."""
        from partnerhub import demo as demo_data

        return demo_data.run_all(timezone.localdate())


@pytest.fixture
def sign_in(page, site):
    def _sign_in(username: str, password: str = "demo"):
        page.goto(f"{site.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{site.url}/")
        return page

    return _sign_in


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot to docs/screenshots/<name>.png, only with SAVE_SCREENSHOTS=1
    (so CI runs do not rewrite the committed images). Failure screenshots go to test-results/."""

    def _screenshot(name: str, *, full_page: bool = True) -> None:
        if os.environ.get("SAVE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)

    return _screenshot
