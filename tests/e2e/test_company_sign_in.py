"""Company sign-in against a real OpenID provider: panva's oidc-provider (OpenID certified, from
npm, pinned in tests/oidc/package-lock.json, run by Node.js), driven in Chromium with Playwright.

The provider's client demands PKCE and signs ID tokens with ES256; PartnerHub knows only its
discovery URL. Nothing of the provider is mocked. Skipped, with the reason, without Node.js or
without tests/oidc/node_modules (tests/oidc/install.sh installs it).
"""

import json
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.contrib.auth.models import User
from django.test import override_settings

from partnerhub.company_sign_in.models import CompanyIdentity, SignInEvent
from partnerhub.company_sign_in.oidc import reset_caches
from tests.factories import UserFactory

OIDC_DIR = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID, CLIENT_SECRET = "partnerhub-e2e", "e2e-client-secret-0123456789"
GROUP_MAP = {
    "partnerhub-managers": "Partner managers",
    "partnerhub-sales": "Sales",  # Keycloak sends "/vshn/partnerhub-sales": its last segment matches
    "3f2a9c1e-entra-group-id": "Marketing",  # Entra ID sends group object ids
    "PartnerHub.Accounting": "Accounting",  # an Entra ID app role
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RealProvider:
    def __init__(self, issuer: str, accounts_file: Path):
        self.issuer = issuer
        self.accounts_file = accounts_file

    def set_accounts(self, accounts: dict) -> None:
        self.accounts_file.write_text(json.dumps(accounts))


@pytest.fixture(scope="session")
def real_provider(live_server, tmp_path_factory):
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the real-provider sign-in tests need it (apt-get install nodejs npm)")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603
    if int(version.lstrip("v").split(".")[0] or 0) < 20:
        pytest.skip(f"Node.js {version} is too old for oidc-provider (20 or later needed)")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("oidc-provider is not installed: run tests/oidc/install.sh (npm ci)")
    port = _free_port()
    accounts_file = tmp_path_factory.mktemp("oidc") / "accounts.json"
    accounts_file.write_text("{}")
    log = (accounts_file.parent / "provider.log").open("w")
    env = {
        "PATH": str(Path(node).parent),
        "PORT": str(port),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URI": f"{live_server.url}/oidc/callback/",
        "POST_LOGOUT_REDIRECT_URI": f"{live_server.url}/accounts/login/",
        "ACCOUNTS_FILE": str(accounts_file),
    }
    process = subprocess.Popen([node, str(OIDC_DIR / "provider.mjs")], env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("oidc-provider did not start:\n" + (accounts_file.parent / "provider.log").read_text())
        time.sleep(0.2)
    yield RealProvider(issuer, accounts_file)
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture
def company_sign_in(real_provider, transactional_db):
    reset_caches()
    with override_settings(
        ROOT_URLCONF="tests.partnerhub.company_sign_in.oidc_urls",
        OIDC_ENABLED=True,
        OIDC_RP_CLIENT_ID=CLIENT_ID,
        OIDC_RP_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_OP_DISCOVERY_URL=f"{real_provider.issuer}/.well-known/openid-configuration",
        OIDC_RP_SCOPES="openid email profile groups roles",
        OIDC_GROUP_MAP=GROUP_MAP,
        AUTHENTICATION_BACKENDS=[
            "axes.backends.AxesStandaloneBackend",
            "partnerhub.company_sign_in.backends.CompanyAccountBackend",
            "partnerhub.auth_backends.PartnerHubBackend",
        ],
    ):
        yield real_provider
    reset_caches()


@pytest.fixture
def watched(page, live_server):
    """No answer of PartnerHub's is a 5xx; the provider's page's web font (no internet) is skipped."""
    failures = []
    page.route("https://fonts.googleapis.com/**", lambda route: route.abort())
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    yield page
    assert failures == []


def company_login(page, live_server, login: str) -> None:
    """From PartnerHub's login page through the provider's login form, back to PartnerHub."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Sign in with your company account").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url(f"{live_server.url}/**")


def alert_text(page) -> str:
    return page.locator(".alert").inner_text()


def roles_of(username: str) -> set[str]:
    return set(User.objects.get(username=username).groups.values_list("name", flat=True))


def test_verified_partner_manager_gets_the_role_and_sign_out_ends_both_sessions(company_sign_in, watched, live_server):
    page = watched
    company_sign_in.set_accounts(
        {
            "petra": {
                "email": "petra@vshn.example",
                "email_verified": True,
                "preferred_username": "petra",
                "given_name": "Petra",
                "family_name": "Partner",
                "groups": ["partnerhub-managers", "unrelated"],
            }
        }
    )
    company_login(page, live_server, "petra")
    assert page.url == f"{live_server.url}/"
    assert roles_of("petra") == {"Partner managers"}
    identity = CompanyIdentity.objects.get(user__username="petra")
    assert (identity.issuer, identity.subject) == (company_sign_in.issuer, "petra")
    assert page.goto(f"{live_server.url}/partners/new/").status == 200  # the role may write
    event = SignInEvent.objects.get(method="company", succeeded=True)
    assert event.username == "petra" and event.ip_address == "127.0.0.1"

    # Sign out: PartnerHub's session ends, then the provider asks and ends its own.
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="petra").click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    # The next company sign-in asks for the provider's login again (not straight in).
    page.get_by_role("link", name="Sign in with your company account").click()
    page.locator("input[name=login]").wait_for()
    assert page.url.startswith(company_sign_in.issuer)
    assert page.goto(f"{live_server.url}/partners/").url.startswith(f"{live_server.url}/accounts/login/")


def test_keycloak_full_path_group_from_userinfo_and_entra_groups_and_roles_from_the_id_token(
    company_sign_in, watched, live_server, browser
):
    company_sign_in.set_accounts(
        {
            # Keycloak: full group paths, groups mapper on userinfo only.
            "kc-user": {
                "email": "kc@vshn.example",
                "email_verified": True,
                "groups": ["/vshn/partnerhub-sales"],
                "groups_in": "userinfo",
            },
            # Entra ID: group object ids and app roles in the ID token only; no email_verified.
            "entra-user": {
                "email": "entra@vshn.example",
                "preferred_username": "entra@vshn.example",
                "name": "Ema Entra",
                "groups": ["3f2a9c1e-entra-group-id"],
                "roles": ["PartnerHub.Accounting"],
                "groups_in": "id_token",
            },
        }
    )
    company_login(watched, live_server, "kc-user")
    assert watched.url == f"{live_server.url}/"
    user = CompanyIdentity.objects.get(subject="kc-user").user
    assert roles_of(user.username) == {"Sales"}

    context = browser.new_context()
    other = context.new_page()
    other.route("https://fonts.googleapis.com/**", lambda route: route.abort())
    company_login(other, live_server, "entra-user")
    assert other.url == f"{live_server.url}/"
    entra = CompanyIdentity.objects.get(subject="entra-user").user
    assert entra.username == "entra@vshn.example" and entra.first_name == "Ema Entra"
    assert roles_of(entra.username) == {"Marketing", "Accounting"}
    context.close()


def test_unverified_email_of_the_superuser_does_not_take_it_over(company_sign_in, watched, live_server):
    root = UserFactory(username="root", email="root@vshn.example", first_name="Real", is_superuser=True, is_staff=True)
    company_sign_in.set_accounts(
        {
            "mallory": {
                "email": "ROOT@VSHN.EXAMPLE",
                "email_verified": False,
                "preferred_username": "root",
                "given_name": "Mallory",
            }
        }
    )
    company_login(watched, live_server, "mallory")
    assert watched.url == f"{live_server.url}/"
    mallory = CompanyIdentity.objects.get(subject="mallory").user
    assert mallory != root and mallory.username == "root-2" and not mallory.is_staff and not mallory.is_superuser
    assert watched.goto(f"{live_server.url}/admin/").url.startswith(f"{live_server.url}/admin/login/")
    root.refresh_from_db()
    assert (root.email, root.first_name) == ("root@vshn.example", "Real")


def test_username_clash_and_a_changed_email(company_sign_in, watched, live_server):
    UserFactory(username="petra", email="petra.local@vshn.example")
    account = {"email": "petra@vshn.example", "email_verified": True, "preferred_username": "petra"}
    company_sign_in.set_accounts({"petra-sub": account})
    company_login(watched, live_server, "petra-sub")
    assert watched.url == f"{live_server.url}/"
    assert CompanyIdentity.objects.get(subject="petra-sub").user.username == "petra-2"

    watched.context.clear_cookies()  # a new browser session at both ends
    company_sign_in.set_accounts({"petra-sub": {**account, "email": "petra.new@vshn.example"}})
    company_login(watched, live_server, "petra-sub")
    assert watched.url == f"{live_server.url}/"
    user = CompanyIdentity.objects.get(subject="petra-sub").user
    assert (user.username, user.email) == ("petra-2", "petra.new@vshn.example")
    assert User.objects.filter(username__startswith="petra").count() == 2


def test_the_provider_demands_pkce(company_sign_in, watched, live_server, settings):
    settings.OIDC_USE_PKCE = False
    company_sign_in.set_accounts({"petra": {"email": "petra@vshn.example"}})
    watched.goto(f"{live_server.url}/accounts/login/")
    watched.get_by_role("link", name="Sign in with your company account").click()
    watched.wait_for_url(f"{live_server.url}/accounts/login/")
    assert "did not sign you in (invalid_request)" in alert_text(watched)
    event = SignInEvent.objects.get(method="company")
    assert event.reason == "provider_error" and "PKCE" in event.detail


def test_tampered_state_replayed_callback_and_replayed_code(company_sign_in, watched, live_server):
    page = watched
    company_sign_in.set_accounts({"petra": {"email": "petra@vshn.example", "email_verified": True}})
    callbacks = []
    page.on("request", lambda r: callbacks.append(r.url) if "/oidc/callback/" in r.url else None)
    company_login(page, live_server, "petra")
    assert page.url == f"{live_server.url}/" and len(callbacks) == 1
    first_callback = callbacks[0]
    old_code = parse_qs(urlparse(first_callback).query)["code"][0]

    # Signed out at PartnerHub only; the provider's session stays.
    page.get_by_role("button", name="petra").click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="No, stay signed in").click()
    page.goto(f"{live_server.url}/accounts/login/")

    # The same callback again: its state was spent.
    page.goto(first_callback)
    assert page.url == f"{live_server.url}/accounts/login/"
    assert "already used" in alert_text(page)

    # A state of our own making.
    page.goto(f"{live_server.url}/oidc/callback/?code={old_code}&state=forged")
    assert "not started in this browser" in alert_text(page)

    # The old code with a fresh, valid state: the provider refuses the code (used once). The fresh
    # state comes from starting a sign-in in this browser (its cookies) without going on to the provider.
    start = page.context.request.get(f"{live_server.url}/oidc/authenticate/", max_redirects=0)
    fresh = parse_qs(urlparse(start.headers["location"]).query)
    page.goto(f"{live_server.url}/oidc/callback/?code={old_code}&state={fresh['state'][0]}")
    assert page.url == f"{live_server.url}/accounts/login/"
    assert "did not accept this sign-in (invalid_grant)" in alert_text(page)
    assert page.goto(f"{live_server.url}/partners/").url.startswith(f"{live_server.url}/accounts/login/")
    reasons = list(SignInEvent.objects.filter(succeeded=False).order_by("id").values_list("reason", flat=True))
    assert reasons == ["state_mismatch", "state_mismatch", "token_refused"]


def test_local_break_glass_login_still_works(company_sign_in, watched, live_server):
    UserFactory(username="breakglass", is_superuser=True, is_staff=True)
    watched.goto(f"{live_server.url}/accounts/login/")
    watched.get_by_label("Username").fill("breakglass")
    watched.get_by_label("Password").fill("pw")
    watched.get_by_role("button", name="Sign in", exact=True).click()
    watched.wait_for_url(f"{live_server.url}/")
    assert watched.goto(f"{live_server.url}/admin/").status == 200
    assert SignInEvent.objects.get().method == "local"
