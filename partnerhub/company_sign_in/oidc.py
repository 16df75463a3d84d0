"""The OpenID Connect relying party: provider configuration (discovery), the code exchange, the ID
token's checks and userinfo. No Django session or user handling here (see views.py, services.py).

Every failure is a `SignInError` with a short reason code (for the sign-in log), a message a
person can act on (shown on the login page) and the technical detail (logged, never shown).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote

import jwt
import requests
from django.conf import settings

logger = logging.getLogger("partnerhub.sign_in")

DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
# Asymmetric algorithms taken from discovery when OIDC_RP_SIGN_ALGO is not set. "none" is never
# accepted, and HS* (signed with the client secret) only when configured explicitly.
ASYMMETRIC_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


class SignInError(Exception):
    def __init__(self, reason: str, message: str, detail: str = "", **context):
        super().__init__(f"{reason}: {detail or message}")
        self.reason = reason
        self.message = message
        self.detail = detail
        self.context = context  # issuer, subject, username, user: whatever is known for the log


UNAVAILABLE = "Company sign-in is unavailable right now: the identity provider could not be reached. Please try again in a moment, or ask an administrator."  # noqa: E501
BAD_ANSWER = "The identity provider's answer could not be trusted, so you were not signed in. Please try again; if it happens again, tell an administrator."  # noqa: E501


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str
    signing_algs: tuple[str, ...]


_lock = threading.Lock()
_discovery_cache: dict[str, tuple[float, dict]] = {}
_jwks_cache: dict[str, tuple[float, dict]] = {}


def _http(method: str, url: str, **kwargs) -> requests.Response:
    """One call to the provider, always with a timeout (OIDC_TIMEOUT) and TLS checked."""
    timeout = float(getattr(settings, "OIDC_TIMEOUT", 10))
    verify = bool(getattr(settings, "OIDC_VERIFY_SSL", True))
    return requests.request(method, url, timeout=timeout, verify=verify, **kwargs)


def _get_json(url: str, what: str) -> dict:
    try:
        response = _http("GET", url)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise SignInError("provider_unreachable", UNAVAILABLE, f"{what} {url}: {exc}") from exc
    if not isinstance(document, dict):
        raise SignInError("provider_unreachable", UNAVAILABLE, f"{what} {url} is not a JSON object")
    return document


def _discovery_document(url: str) -> dict:
    max_age = float(getattr(settings, "OIDC_DISCOVERY_CACHE_SECONDS", 3600))
    with _lock:
        cached = _discovery_cache.get(url)
    if cached and time.monotonic() - cached[0] < max_age:
        return cached[1]
    document = _get_json(url, "discovery document")
    expected_issuer = url.removesuffix(DISCOVERY_SUFFIX).rstrip("/")
    if str(document.get("issuer", "")).rstrip("/") != expected_issuer:
        # OpenID Connect Discovery 1.0 §4.3: the issuer must be the URL the document was found under.
        raise SignInError(
            "discovery_issuer_mismatch",
            "Company sign-in is misconfigured (the provider's discovery document names another issuer). Please tell an administrator.",  # noqa: E501
            f"discovery {url} names issuer {document.get('issuer')!r}, expected {expected_issuer!r}",
        )
    with _lock:
        _discovery_cache[url] = (time.monotonic(), document)
    return document


def _setting_list(name: str) -> list[str]:
    value = getattr(settings, name, None) or []
    if isinstance(value, str):
        value = value.split(",")
    return [item.strip() for item in value if item and item.strip()]


def provider_config() -> ProviderConfig:
    """The provider's endpoints: OIDC_OP_DISCOVERY_URL's document, each overridden by its
    OIDC_OP_* setting when that is set (so configurations without discovery keep working)."""
    discovery_url = getattr(settings, "OIDC_OP_DISCOVERY_URL", "") or ""
    document = _discovery_document(discovery_url) if discovery_url else {}

    def pick(setting: str, key: str) -> str:
        return str(getattr(settings, setting, None) or document.get(key) or "")

    algs = _setting_list("OIDC_RP_SIGN_ALGO")
    if not algs:
        offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
        algs = [alg for alg in offered if alg in ASYMMETRIC_ALGS] or ["RS256"]
    config = ProviderConfig(
        issuer=pick("OIDC_OP_ISSUER", "issuer"),
        authorization_endpoint=pick("OIDC_OP_AUTHORIZATION_ENDPOINT", "authorization_endpoint"),
        token_endpoint=pick("OIDC_OP_TOKEN_ENDPOINT", "token_endpoint"),
        userinfo_endpoint=pick("OIDC_OP_USER_ENDPOINT", "userinfo_endpoint"),
        jwks_uri=pick("OIDC_OP_JWKS_ENDPOINT", "jwks_uri"),
        end_session_endpoint=pick("OIDC_OP_LOGOUT_ENDPOINT", "end_session_endpoint"),
        signing_algs=tuple(alg for alg in algs if alg.lower() != "none"),
    )
    if not config.authorization_endpoint or not config.token_endpoint:
        raise SignInError(
            "misconfigured",
            "Company sign-in is not configured completely. Please tell an administrator.",
            "no authorization or token endpoint: set OIDC_OP_DISCOVERY_URL (or OIDC_OP_AUTHORIZATION_ENDPOINT and OIDC_OP_TOKEN_ENDPOINT)",  # noqa: E501
        )
    return config


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)  # 64 characters of the unreserved set
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")
    return verifier, challenge


def _provider_error(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    return safe_error_code(error) if isinstance(error, str) else ""


def safe_error_code(error: str) -> str:
    """An OAuth error code fit to show (RFC 6749 codes are [a-z_]); anything else is cut out."""
    code = "".join(ch for ch in error[:64] if ch.isascii() and (ch.isalnum() or ch in "_-."))
    return code or "unknown error"


def exchange_code(config: ProviderConfig, *, code: str, redirect_uri: str, code_verifier: str | None) -> dict:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    auth = None
    client_id, secret = settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET
    if getattr(settings, "OIDC_TOKEN_USE_BASIC_AUTH", False):
        # RFC 6749 §2.3.1: client id and secret are form-encoded before Basic encoding.
        auth = (quote(client_id, safe=""), quote(secret, safe=""))
    else:
        data.update(client_id=client_id, client_secret=secret)
    if code_verifier:
        data["code_verifier"] = code_verifier
    try:
        response = _http("POST", config.token_endpoint, data=data, auth=auth)
    except requests.RequestException as exc:
        raise SignInError("provider_unreachable", UNAVAILABLE, f"token endpoint: {exc}") from exc
    if response.status_code != 200:
        error = _provider_error(response) or f"HTTP {response.status_code}"
        raise SignInError(
            "token_refused",
            f"The identity provider did not accept this sign-in ({error}). The sign-in link may have been used "
            "already or have expired. Please sign in again.",
            f"token endpoint answered {response.status_code}: {response.text[:500]}",
        )
    try:
        tokens = response.json()
    except ValueError as exc:
        raise SignInError("bad_token_response", BAD_ANSWER, f"token endpoint answered no JSON: {response.text[:200]}") from exc
    if not isinstance(tokens, dict) or not isinstance(tokens.get("id_token"), str):
        raise SignInError("bad_token_response", BAD_ANSWER, "the token response has no id_token")
    return tokens


def _jwks(uri: str, *, refresh: bool) -> dict:
    with _lock:
        cached = _jwks_cache.get(uri)
    if cached and not refresh and time.monotonic() - cached[0] < 3600:
        return cached[1]
    document = _get_json(uri, "JWKS")
    with _lock:
        _jwks_cache[uri] = (time.monotonic(), document)
    return document


def _matching_key(jwks: dict, header: dict):
    kid, alg = header.get("kid"), header.get("alg")
    keys = [k for k in jwks.get("keys", []) if isinstance(k, dict) and k.get("use", "sig") == "sig"]
    if kid is not None:
        keys = [k for k in keys if k.get("kid") == kid]
    keys = [k for k in keys if k.get("alg") in (None, alg)]
    if len(keys) != 1:
        return None
    try:
        return jwt.PyJWK(keys[0], algorithm=alg).key
    except (jwt.PyJWTError, ValueError, TypeError):
        return None


def _signing_key(config: ProviderConfig, header: dict, alg: str):
    if alg.startswith("HS"):
        return settings.OIDC_RP_CLIENT_SECRET
    signing_key = getattr(settings, "OIDC_RP_IDP_SIGN_KEY", None)
    if signing_key:
        return signing_key
    if not config.jwks_uri:
        raise SignInError(
            "misconfigured", "Company sign-in is not configured completely. Please tell an administrator.", "no JWKS URI"
        )
    key = _matching_key(_jwks(config.jwks_uri, refresh=False), header)
    if key is None:  # the provider may have rotated its keys since we fetched them
        key = _matching_key(_jwks(config.jwks_uri, refresh=True), header)
    if key is None:
        raise SignInError(
            "id_token_unknown_key", BAD_ANSWER, f"no key in the provider's JWKS for kid={header.get('kid')!r} alg={alg!r}"
        )
    return key


def verify_jwt(config: ProviderConfig, token: str, *, what: str, require: tuple[str, ...]) -> dict:
    """A signed JWT from the provider: allowed algorithm, provider's key, our client id as audience,
    the provider as issuer, not expired."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise SignInError("id_token_invalid", BAD_ANSWER, f"{what} is not a JWT: {exc}") from exc
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in config.signing_algs:
        raise SignInError("id_token_algorithm", BAD_ANSWER, f"{what} is signed with {alg!r}; allowed: {config.signing_algs}")
    key = _signing_key(config, header, alg)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[alg],
            audience=settings.OIDC_RP_CLIENT_ID,
            issuer=config.issuer or None,
            leeway=int(getattr(settings, "OIDC_CLOCK_SKEW_SECONDS", 60)),
            options={"require": list(require)},
        )
    except jwt.ExpiredSignatureError as exc:
        raise SignInError(
            "id_token_expired",
            "The identity provider's answer had expired. Please sign in again (and check the server's clock if it keeps happening).",
            f"{what}: {exc}",
        ) from exc  # noqa: E501
    except jwt.InvalidAudienceError as exc:
        raise SignInError(
            "id_token_audience",
            "The identity provider's answer was meant for another application, so you were not signed in.",
            f"{what}: {exc}",
        ) from exc  # noqa: E501
    except jwt.InvalidIssuerError as exc:
        raise SignInError("id_token_issuer", BAD_ANSWER, f"{what}: {exc}") from exc
    except jwt.InvalidSignatureError as exc:
        raise SignInError("id_token_signature", BAD_ANSWER, f"{what}: signature does not verify with the provider's key") from exc
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise SignInError("id_token_invalid", BAD_ANSWER, f"{what}: {exc}") from exc
    aud = claims.get("aud")
    azp = claims.get("azp")
    if (isinstance(aud, list) and len(aud) > 1 and azp is None) or (azp is not None and azp != settings.OIDC_RP_CLIENT_ID):
        raise SignInError(
            "id_token_audience",
            "The identity provider's answer was meant for another application, so you were not signed in.",
            f"{what}: azp {azp!r}",
        )  # noqa: E501
    for name in ("iss", "sub"):
        if name in claims and (not isinstance(claims[name], str) or not claims[name] or len(claims[name]) > 255):
            raise SignInError("id_token_invalid", BAD_ANSWER, f"{what}: unusable {name} {claims[name]!r:.80}")
    return claims


def validate_id_token(config: ProviderConfig, id_token: str, *, nonce: str) -> dict:
    claims = verify_jwt(config, id_token, what="ID token", require=("iss", "sub", "aud", "exp", "iat"))
    token_nonce = claims.get("nonce")
    if not isinstance(token_nonce, str) or not hmac.compare_digest(token_nonce.encode(), nonce.encode()):
        raise SignInError(
            "nonce_mismatch", BAD_ANSWER, f"ID token nonce {str(token_nonce)[:80]!r} is not the one this sign-in sent"
        )
    return claims


def fetch_userinfo(config: ProviderConfig, access_token: object, *, subject: str) -> dict:
    """The userinfo claims (groups often arrive only here, e.g. Keycloak's mapper default), or {}."""
    if not config.userinfo_endpoint or not isinstance(access_token, str) or not access_token:
        return {}
    try:
        response = _http("GET", config.userinfo_endpoint, headers={"Authorization": f"Bearer {access_token}"})
    except requests.RequestException as exc:
        raise SignInError("provider_unreachable", UNAVAILABLE, f"userinfo: {exc}") from exc
    if response.status_code != 200:
        raise SignInError("userinfo_refused", BAD_ANSWER, f"userinfo answered {response.status_code}: {response.text[:300]}")
    if response.headers.get("content-type", "").lower().startswith("application/jwt"):
        claims = verify_jwt(config, response.text.strip(), what="signed userinfo", require=("sub",))
    else:
        try:
            claims = response.json()
        except ValueError as exc:
            raise SignInError("userinfo_invalid", BAD_ANSWER, f"userinfo is not JSON: {response.text[:200]}") from exc
    if not isinstance(claims, dict):
        raise SignInError("userinfo_invalid", BAD_ANSWER, "userinfo is not a JSON object")
    # OpenID Connect Core §5.3.2: a userinfo answer for another subject must not be used.
    if claims.get("sub") != subject:
        raise SignInError(
            "userinfo_subject", BAD_ANSWER, f"userinfo sub {str(claims.get('sub'))[:80]!r} != ID token sub {subject!r}"
        )
    return claims


def reset_caches() -> None:
    """Forget cached discovery documents and keys (tests, or after changing the provider)."""
    with _lock:
        _discovery_cache.clear()
        _jwks_cache.clear()
