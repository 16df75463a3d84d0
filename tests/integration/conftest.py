"""Real PostgreSQL and Redis for integration tests. No mocks: when a service is not there,
the test is skipped and says which one and how to provide it."""

import os

import pytest
from django.db import connection

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_available() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except Exception as error:
        return f"Redis not reachable at {REDIS_URL} ({type(error).__name__}); start redis-server or set TEST_REDIS_URL"
    return None


@pytest.fixture
def redis_url():
    reason = redis_available()
    if reason:
        pytest.skip(reason)
    return REDIS_URL


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres (as .ci/run does)")
