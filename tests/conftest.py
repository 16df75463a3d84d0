"""Personas (as healthchecks' alice/bob/charlie): one user per role, plus an outsider with none.

`client_for(user)` gives a signed-in test client. Integration fixtures for the real PostgreSQL
and Redis live in tests/integration/conftest.py and skip with the reason when not configured.
"""

import shutil

import pytest
from django.conf import settings
from django.test import Client

from partnerhub.roles import Role

from .factories import UserFactory


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
