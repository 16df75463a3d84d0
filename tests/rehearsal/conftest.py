"""The rehearsal's checks run against the deployed stack that tests/rehearsal/run.py starts.

Without PARTNERHUB_LIVE_URL (any ordinary `make test`) they are skipped, saying where they run.
With it, the test process reads the rehearsal's own database (no test database, no flush) to
check what the requests through the proxy did.
"""

import json
import os
from pathlib import Path

import pytest

LIVE_URL = os.environ.get("PARTNERHUB_LIVE_URL", "").rstrip("/")
SKIP_REASON = "runs in the production rehearsal against the deployed stack: make rehearsal (CI: .ci/rehearsal)"


def pytest_collection_modifyitems(config, items):
    if LIVE_URL:
        return
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


if LIVE_URL:

    @pytest.fixture(scope="session")
    def django_db_setup():
        """The rehearsal's database as it is."""


@pytest.fixture
def rehearsal_db(django_db_blocker):
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="session")
def summary():
    """Figures for the rehearsal's closing summary (written where run.py reads them)."""
    figures: dict[str, object] = {}
    yield figures
    target = os.environ.get("REHEARSAL_SUMMARY")
    if target and figures:
        Path(target).write_text(json.dumps(figures))


@pytest.fixture(scope="session")
def instance_urls() -> list[str]:
    """One proxy address per gunicorn instance (nginx pins each to one backend)."""
    return os.environ["REHEARSAL_INSTANCE_URLS"].split(",")


@pytest.fixture(scope="session")
def probe_urls() -> list[str]:
    """Each gunicorn's own plain-HTTP address, as a kubelet or container probe calls it."""
    return os.environ["REHEARSAL_PROBE_URLS"].split(",")
