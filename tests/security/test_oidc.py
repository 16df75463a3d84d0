"""Company sign-in against a fake OpenID Connect provider: a real HTTP server on localhost that
answers the token and userinfo endpoints, so the whole code flow runs as in production."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from ..factories import UserFactory

CLIENT_ID, CLIENT_SECRET = "partnerhub", "fake-provider-secret-that-is-long-enough-for-hs256"


class FakeProvider(BaseHTTPRequestHandler):
    claims: dict = {}
    nonce: str = ""

    def log_message(self, *args):  # keep test output clean
        pass

    def _json(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):  # token endpoint
        length = int(self.headers.get("Content-Length", 0))
        form = parse_qs(self.rfile.read(length).decode())
        assert form["client_secret"] == [CLIENT_SECRET] and form["code"] == ["good-code"]
        now = int(time.time())
        id_token = jwt.encode(
            {"iss": "fake", "sub": "u-1", "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": FakeProvider.nonce},
            CLIENT_SECRET,
            algorithm="HS256",
        )
        self._json({"access_token": "access-1", "id_token": id_token, "token_type": "Bearer"})

    def do_GET(self):  # userinfo endpoint
        self._json(FakeProvider.claims)


@pytest.fixture
def provider():
    server = HTTPServer(("127.0.0.1", 0), FakeProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    with override_settings(
        ROOT_URLCONF="tests.security.oidc_urls",
        OIDC_ENABLED=True,
        OIDC_RP_CLIENT_ID=CLIENT_ID,
        OIDC_RP_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_RP_SIGN_ALGO="HS256",
        OIDC_OP_AUTHORIZATION_ENDPOINT=f"{base}/authorize",
        OIDC_OP_TOKEN_ENDPOINT=f"{base}/token",
        OIDC_OP_USER_ENDPOINT=f"{base}/userinfo",
        OIDC_RP_SCOPES="openid email profile",
        OIDC_GROUP_MAP={"ph-managers": "Partner managers", "ph-sales": "Sales"},
        AUTHENTICATION_BACKENDS=[
            "axes.backends.AxesStandaloneBackend",
            "partnerhub.oidc.PartnerHubOIDCBackend",
            "partnerhub.auth_backends.PartnerHubBackend",
        ],
    ):
        yield base
    server.shutdown()


def sign_in_through_provider(client) -> object:
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302
    params = parse_qs(urlparse(start["Location"]).query)
    assert "nonce" in params, start["Location"]
    FakeProvider.nonce = params["nonce"][0]
    return client.get("/oidc/callback/", {"code": "good-code", "state": params["state"][0]})


@pytest.mark.django_db
def test_company_sign_in_creates_the_user_with_mapped_roles(client, provider):
    FakeProvider.claims = {
        "sub": "u-1",
        "email": "petra@vshn.example",
        "preferred_username": "petra",
        "given_name": "Petra",
        "family_name": "Partner",
        "groups": ["ph-managers", "unrelated-group"],
    }
    response = sign_in_through_provider(client)
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email="petra@vshn.example")
    assert set(user.groups.values_list("name", flat=True)) == {"Partner managers"}
    assert client.get("/partners/new/").status_code == 200  # the mapped role may write


@pytest.mark.django_db
def test_roles_follow_the_provider_on_next_sign_in(client, provider):
    UserFactory(username="sam", email="sam@vshn.example", roles=["Partner managers"])
    FakeProvider.claims = {"sub": "u-2", "email": "sam@vshn.example", "groups": ["ph-sales"]}
    sign_in_through_provider(client)
    user = User.objects.get(email="sam@vshn.example")
    assert set(user.groups.values_list("name", flat=True)) == {"Sales"}
    assert client.get("/partners/new/").status_code == 403


@pytest.mark.django_db
def test_local_break_glass_login_still_works_with_sso_on(client, provider):
    UserFactory(username="breakglass", is_superuser=True, is_staff=True)
    response = client.post("/accounts/login/", {"username": "breakglass", "password": "pw"})
    assert response.status_code == 302
    assert client.get("/partners/").status_code == 200
