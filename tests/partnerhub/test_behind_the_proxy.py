"""What changes behind the TLS proxy and in front of probes: /healthz, and the client's address.

The production rehearsal (.ci/rehearsal) checks the same through a real nginx and two gunicorns;
these tests pin the rules in the suite that runs on every change.
"""

import pytest
from axes.models import AccessAttempt
from django.db import OperationalError, connection
from django.urls import reverse

from partnerhub.middleware import client_address

PRODUCTION_LIKE = {"SECURE_SSL_REDIRECT": True, "ALLOWED_HOSTS": ["partnerhub.vshn.example"]}


@pytest.fixture
def production_like(settings):
    for name, value in PRODUCTION_LIKE.items():
        setattr(settings, name, value)
    return settings


def test_a_probe_gets_healthz_over_plain_http_by_pod_address(production_like, client, db):
    response = client.get("/healthz", HTTP_HOST="10.128.4.17:8000")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_other_pages_keep_the_https_redirect_and_the_host_check(production_like, client, db):
    assert client.get("/accounts/login/", HTTP_HOST="partnerhub.vshn.example").status_code == 301
    assert client.get("/accounts/login/", HTTP_HOST="10.128.4.17:8000").status_code == 400


def test_healthz_is_503_when_the_database_is_down(production_like, client, db, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patched:  # undone before the test database is torn down
        patched.setattr(connection, "cursor", refuse)
        response = client.get("/healthz", HTTP_HOST="10.128.4.17:8000")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable: OperationalError"


@pytest.mark.parametrize(
    ("remote", "forwarded_for", "proxies", "expected"),
    [
        ("10.0.0.2", "", 1, "10.0.0.2"),  # straight to the app server (a probe): the connection's address
        ("10.0.0.2", "203.0.113.5", 1, "203.0.113.5"),  # one proxy: the address it received from
        ("10.0.0.2", "1.2.3.4, 203.0.113.5", 1, "203.0.113.5"),  # a client's own header is not believed
        ("10.0.0.2", "203.0.113.5, 10.0.0.9", 2, "203.0.113.5"),  # ingress + TLS proxy
        ("10.0.0.2", "203.0.113.5", 2, "10.0.0.2"),  # fewer hops than proxies: not through our chain
        ("10.0.0.2", "not-an-address", 1, "10.0.0.2"),
        ("10.0.0.2", "203.0.113.5", 0, "10.0.0.2"),  # no trusted proxy: the header is ignored
        ("10.0.0.2", "2001:db8::1", 1, "2001:db8::1"),
    ],
)
def test_client_address(remote, forwarded_for, proxies, expected):
    assert client_address(remote, forwarded_for, proxies) == expected


def _sign_in(client, password: str, address: str):
    return client.post(
        reverse("login"), {"username": "manager", "password": password}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address
    )


def test_five_failures_lock_out_that_address_only(settings, client, manager):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        _sign_in(client, "wrong", "203.0.113.5")
    assert _sign_in(client, "pw", "203.0.113.5").status_code == 429
    # Everyone comes through the same proxy (127.0.0.1); only the attacker's own address is locked.
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"
    assert _sign_in(client, "pw", "198.51.100.7").status_code == 302


def test_without_a_trusted_proxy_everyone_behind_it_shares_one_address(settings, client, manager):
    """Why the setting matters: with 0, the proxy's address is everyone's (and locking it locks all)."""
    settings.TRUSTED_PROXY_COUNT = 0
    for _ in range(5):
        _sign_in(client, "wrong", "203.0.113.5")
    assert _sign_in(client, "pw", "198.51.100.7").status_code == 429
