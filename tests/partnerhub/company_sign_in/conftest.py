"""A small OpenID provider of the tests' own (HTTP on localhost, tokens signed with the tests' own
keys), for the checks a real provider never fails: tokens signed with another key or alg "none",
for another client, expired, with the wrong nonce. The whole sign-in also runs against a real
provider (panva's oidc-provider) in tests/e2e/test_company_sign_in.py.
"""

import base64
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.test import override_settings

from partnerhub.company_sign_in.oidc import reset_caches

CLIENT_ID, CLIENT_SECRET = "partnerhub", "test-client-secret"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(key, kid: str, alg: str) -> dict:
    public = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(key.public_key()))
    return {**public, "kid": kid, "alg": alg, "use": "sig"}


class Provider:
    """What the provider answers; each test sets what it needs."""

    def __init__(self, base: str):
        self.base = base
        self.issuer = base
        self.codes: dict[str, dict] = {}  # code -> {"nonce", "challenge", "claims"}
        self.used_codes: set[str] = set()
        self.token_requests: list[dict] = []
        self.userinfo_status = 200
        self.id_token_overrides: dict = {}
        self.sign_with = (RSA_KEY, "RS256", "rsa-1")
        self.token_error: tuple[int, dict] | None = None
        self.discovery_status = 200

    def id_token(self, code: dict) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": code["nonce"], **code["claims"]}
        claims.update(self.id_token_overrides)
        key, alg, kid = self.sign_with
        return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid} if kid else None)


class Handler(BaseHTTPRequestHandler):
    provider: Provider

    def log_message(self, *args):  # keep test output clean
        pass

    def _json(self, body: dict, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        provider, path = self.provider, urlparse(self.path).path
        if path == "/.well-known/openid-configuration":
            if provider.discovery_status != 200:
                return self._json({"error": "down"}, provider.discovery_status)
            return self._json(
                {
                    "issuer": provider.base,
                    "authorization_endpoint": f"{provider.base}/authorize",
                    "token_endpoint": f"{provider.base}/token",
                    "userinfo_endpoint": f"{provider.base}/userinfo",
                    "jwks_uri": f"{provider.base}/jwks",
                    "end_session_endpoint": f"{provider.base}/logout",
                    "id_token_signing_alg_values_supported": ["RS256", "ES256", "none"],
                }
            )
        if path == "/jwks":
            return self._json({"keys": [_jwk(RSA_KEY, "rsa-1", "RS256"), _jwk(EC_KEY, "ec-1", "ES256")]})
        if path == "/userinfo":
            code = provider.codes.get(self.headers.get("Authorization", "").removeprefix("Bearer access-"))
            if code is None or provider.userinfo_status != 200:
                return self._json({"error": "invalid_token"}, provider.userinfo_status if code else 401)
            return self._json(code["userinfo"])
        return self._json({"error": "not_found"}, 404)

    def do_POST(self):
        provider = self.provider
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()).items()}
        provider.token_requests.append(form)
        if provider.token_error:
            return self._json(provider.token_error[1], provider.token_error[0])
        code = provider.codes.get(form.get("code", ""))
        if code is None or form["code"] in provider.used_codes or form.get("client_secret") != CLIENT_SECRET:
            return self._json({"error": "invalid_grant", "error_description": "grant request is invalid"}, 400)
        if code["challenge"]:
            verifier = form.get("code_verifier", "")
            computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if computed != code["challenge"]:
                return self._json({"error": "invalid_grant", "error_description": "PKCE verification failed"}, 400)
        provider.used_codes.add(form["code"])
        return self._json({"access_token": "access-" + form["code"], "token_type": "Bearer", "id_token": provider.id_token(code)})


@pytest.fixture
def provider(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("BoundHandler", (Handler,), {}))
    base = f"http://127.0.0.1:{server.server_port}"
    server.RequestHandlerClass.provider = state = Provider(base)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    reset_caches()
    with override_settings(
        ROOT_URLCONF="tests.partnerhub.company_sign_in.oidc_urls",
        OIDC_ENABLED=True,
        OIDC_RP_CLIENT_ID=CLIENT_ID,
        OIDC_RP_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_OP_DISCOVERY_URL=f"{base}/.well-known/openid-configuration",
        OIDC_RP_SCOPES="openid email profile groups",
        OIDC_GROUP_MAP={
            "ph-managers": "Partner managers",
            "ph-sales": "Sales",
            "/vshn/partnerhub/marketing": "Marketing",
            "ph-accounting": "Accounting",
        },
        AUTHENTICATION_BACKENDS=[
            "axes.backends.AxesStandaloneBackend",
            "partnerhub.company_sign_in.backends.CompanyAccountBackend",
            "partnerhub.auth_backends.PartnerHubBackend",
        ],
    ):
        yield state
    server.shutdown()
    server.server_close()
    reset_caches()


def start(client, **query) -> dict:
    """Press "Sign in with your company account": the authorization request's parameters."""
    response = client.get("/oidc/authenticate/", query)
    assert response.status_code == 302, response
    return {k: v[0] for k, v in parse_qs(urlparse(response["Location"]).query).items()}


def sign_in(client, provider: Provider, claims: dict, *, userinfo: dict | None = None, code: str = "", **callback_query):
    """The whole code flow: start, the provider "signs the person in" (ID token `claims`; userinfo
    the same without groups and roles unless given), callback."""
    params = start(client)
    code = code or f"code-{len(provider.codes) + 1}"
    if userinfo is None:
        userinfo = {k: v for k, v in claims.items() if k not in ("groups", "roles")}
    provider.codes[code] = {
        "nonce": params["nonce"],
        "challenge": params.get("code_challenge"),
        "claims": claims,
        "userinfo": userinfo,
    }
    query = {"code": code, "state": params["state"], **callback_query}
    return client.get("/oidc/callback/", query)
