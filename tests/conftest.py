"""Personas (as healthchecks' alice/bob/charlie): one user per role, plus an outsider with none.

`client_for(user)` gives a signed-in test client. Integration fixtures for the real PostgreSQL
and Redis live in tests/integration/conftest.py and skip with the reason when not configured.
"""

import shutil

import pytest
from django.conf import settings
from django.test import Client

# Imported now, with the test settings (OIDC_ENABLED off): a test that enables company sign-in and
# imported the project's URLs first would leave /oidc/ in them for every later test (see
# tests/partnerhub/company_sign_in/oidc_urls.py).
import partnerhub.urls  # noqa: E402, F401, I001
from partnerhub.roles import Role

from . import helpers
from .factories import UserFactory

# django-zeal: an N+1 (the same relation loaded lazily for several rows of one queryset, or get()
# repeated, at one place in the code) raises NPlusOneError and fails the test. It watches what
# production runs: every request through the test client (zeal's middleware, outermost) and every
# reminder/housekeeping sweep run through the registry. Test set-up (factories) is not watched.
# Each allow-list entry is a known, accepted case with its reason; add to it only with a reason.
ZEAL_ALLOWLIST: list[dict[str, str]] = [
    # Signing in cycles the session key: the session store then loads the new session once more in
    # the same request (zeal counts two Session get()s at one place). One row each, not per item.
    {"model": "sessions.Session", "field": "get()"},
    # The program-status form has two level pickers (held, target); each ModelChoiceField validates
    # its value with one get(), which zeal sees as two get()s from form.is_valid(). Fixed at two.
    {"model": "certifications.ProgramLevel", "field": "get()"},
]


def pytest_configure(config):
    config.addinivalue_line("markers", "no_zeal: run without N+1 detection (give the reason in the test)")
    # SQLite (the everyday run) builds the test tables straight from the models: migrating from
    # zero cost about 10 s per run and per xdist worker. The PostgreSQL run (CI) keeps migrating
    # from zero, so every migration, data migration and PostgreSQL-only index is exercised there;
    # tests/partnerhub/test_migrations.py also migrates a fresh SQLite file from zero.
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        config.option.nomigrations = True


def pytest_collection_modifyitems(config, items):
    """With pytest-xdist (`make test` runs `-n auto --dist loadgroup`), tests that share one outside
    resource run in one worker: the browser journeys (one Chromium at a time on two cores) and the
    real Celery worker tests (one Redis database, purged at start)."""
    for item in items:
        path = str(item.fspath)
        if "/tests/e2e/" in path:
            item.add_marker(pytest.mark.xdist_group("browser"))
        elif "celery_on_redis" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("celery-worker"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """Without migrations, the rows the data migrations add (role groups, partner types) are
    added by the migrations' own functions, so tests see what a migrated database holds."""
    if not request.config.option.nomigrations:
        return
    import importlib

    from django.apps import apps

    with django_db_blocker.unblock():
        importlib.import_module("partnerhub.migrations.0002_role_groups").create_groups(apps, None)
        importlib.import_module("partners.migrations.0002_partner_types").create_types(apps, None)


@pytest.fixture(scope="session", autouse=True)
def _zeal_patched():
    """Patch the ORM once (what "zeal" in INSTALLED_APPS would do), for the test run only."""
    from zeal.constants import initialize_app_registry
    from zeal.patch import patch

    initialize_app_registry()
    if not getattr(patch, "_partnerhub_done", False):
        patch()
        patch._partnerhub_done = True


@pytest.fixture(autouse=True)
def _zeal_n_plus_one(_zeal_patched, request, settings, monkeypatch):
    """Requests and sweeps run inside a zeal context; `@pytest.mark.no_zeal` opts a test out."""
    if request.node.get_closest_marker("no_zeal"):
        yield
        return
    from zeal import zeal_context, zeal_ignore

    from partnerhub import reminders

    settings.MIDDLEWARE = ["zeal.middleware.zeal_middleware", *settings.MIDDLEWARE]
    settings.ZEAL_ALLOWLIST = ZEAL_ALLOWLIST
    for name in ("run_reminder", "run_housekeeping", "collect_due", "deliver_digest"):
        original = getattr(reminders, name)

        def watched(*args, _original=original, **kwargs):
            with zeal_context(), zeal_ignore(ZEAL_ALLOWLIST):
                return _original(*args, **kwargs)

        monkeypatch.setattr(reminders, name, watched)
    yield


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", roles=[Role.PARTNER_MANAGER])


@pytest.fixture
def sales(db):
    return UserFactory(username="sales", roles=[Role.SALES])


@pytest.fixture
def marketing(db):
    return UserFactory(username="marketing", roles=[Role.MARKETING])


@pytest.fixture
def accounting(db):
    return UserFactory(username="accounting", roles=[Role.ACCOUNTING])


@pytest.fixture
def outsider(db):
    """A signed-in VSHNeer with no role: may read, may not write (except their own certifications)."""
    return UserFactory(username="outsider")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


def _client(user) -> Client:
    client = Client()
    client.force_login(user, backend=settings.AUTHENTICATION_BACKENDS[-1])
    return client


@pytest.fixture
def client_for():
    return _client


@pytest.fixture
def manager_client(manager):
    return _client(manager)


@pytest.fixture
def sales_client(sales):
    return _client(sales)


@pytest.fixture
def marketing_client(marketing):
    return _client(marketing)


@pytest.fixture
def accounting_client(accounting):
    return _client(accounting)


@pytest.fixture
def outsider_client(outsider):
    return _client(outsider)


@pytest.fixture
def admin_client_(admin_user):
    return _client(admin_user)


@pytest.fixture
def celery_on_redis():
    """The Celery app pointed at the real Redis (broker and result backend) for a real worker.

    One Redis URL for every worker test in the run: Celery caches the broker connection pool and,
    per thread, the result backend from the first configuration it sees, so a second test on another
    Redis database published to one database while its worker answered on the other (and timed out).
    Set TEST_REDIS_URL to give a parallel checkout its own database."""
    from partnerhub.celery import app as celery_app

    from .integration.conftest import REDIS_URL, redis_available

    reason = redis_available()
    if reason:
        pytest.skip(reason)
    keys = ["broker_url", "result_backend", "task_ignore_result", "task_always_eager", "worker_prefetch_multiplier"]
    previous = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(
        broker_url=REDIS_URL,
        result_backend=REDIS_URL,
        task_ignore_result=False,
        task_always_eager=False,
        worker_prefetch_multiplier=1,
    )
    helpers.forget_broker_connections(celery_app)
    celery_app.control.purge()  # nothing left over from an earlier, interrupted run
    yield celery_app
    celery_app.conf.update(previous)
    helpers.forget_broker_connections(celery_app)
