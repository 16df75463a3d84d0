"""Company sign-in: who a sign-in is (issuer + subject), what it may link to, the roles it brings,
and every bad answer refused with a message, a log line and a sign-in log row, never a 500 or a
session. The provider here is the tests' own (tests/partnerhub/company_sign_in/conftest.py)."""

import time
from io import StringIO

import jwt
import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from partnerhub.company_sign_in.models import CompanyIdentity, SignInEvent

from ...factories import UserFactory
from .conftest import CLIENT_ID, EC_KEY, OTHER_RSA_KEY, RSA_KEY, sign_in, start

pytestmark = pytest.mark.django_db

PETRA = {
    "sub": "u-petra",
    "email": "petra@vshn.example",
    "email_verified": True,
    "preferred_username": "petra",
    "given_name": "Petra",
    "family_name": "Partner",
}


def roles_of(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def signed_in_as(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def assert_refused(client, response, reason: str, words: str, caplog) -> SignInEvent:
    assert response.status_code == 302 and response["Location"] == "/accounts/login/", response
    assert signed_in_as(client) is None
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert words in page.content.decode(), page.content.decode()[-3000:]
    event = SignInEvent.objects.filter(method="company", succeeded=False).latest("id")
    assert event.reason == reason, (event.reason, event.detail)
    assert any(reason in record.getMessage() for record in caplog.records if record.name == "partnerhub.sign_in")
    return event


# --- The authorization request ----------------------------------------------------------------


def test_start_sends_state_nonce_and_a_pkce_s256_challenge_from_discovery(client, provider):
    params = start(client, next="/partners/")
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert params["client_id"] == CLIENT_ID and params["response_type"] == "code"
    assert params["redirect_uri"] == "http://testserver/oidc/callback/"
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert client.get("/oidc/authenticate/")["Location"].startswith(f"{provider.base}/authorize?")


def test_pkce_can_be_turned_off(client, provider, settings):
    settings.OIDC_USE_PKCE = False
    params = start(client)
    assert "code_challenge" not in params
    assert sign_in(client, provider, PETRA).status_code == 302
    assert "code_verifier" not in provider.token_requests[-1]
    assert signed_in_as(client).username == "petra"


def test_the_pkce_verifier_goes_to_the_token_endpoint(client, provider):
    sign_in(client, provider, PETRA)
    assert len(provider.token_requests[-1]["code_verifier"]) >= 43  # the provider checked it against the challenge
    assert signed_in_as(client).username == "petra"


def test_unreachable_provider_gives_a_message_not_a_500(client, provider, caplog):
    provider.discovery_status = 503
    response = client.get("/oidc/authenticate/")
    assert_refused(client, response, "provider_unreachable", "could not be reached", caplog)


def test_explicit_endpoints_override_discovery(client, provider, settings):
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://sso.example/custom-authorize?kc_idp_hint=vshn"
    location = client.get("/oidc/authenticate/")["Location"]
    assert location.startswith("https://sso.example/custom-authorize?kc_idp_hint=vshn&response_type=code")


# --- Identity ---------------------------------------------------------------------------------


def test_first_sign_in_creates_the_user_with_the_mapped_roles_and_stores_issuer_and_subject(client, provider):
    response = sign_in(client, provider, {**PETRA, "groups": ["ph-managers", "unrelated"]})
    assert response.status_code == 302 and response["Location"] == "/"
    user = signed_in_as(client)
    assert (user.username, user.email, user.first_name, user.last_name) == ("petra", "petra@vshn.example", "Petra", "Partner")
    assert not user.has_usable_password() and not user.is_staff and not user.is_superuser
    assert roles_of(user) == {"Partner managers"}
    identity = CompanyIdentity.objects.get(user=user)
    assert (identity.issuer, identity.subject) == (provider.base, "u-petra")
    assert client.get("/partners/new/").status_code == 200  # the mapped role may write
    event = SignInEvent.objects.get(method="company", succeeded=True)
    assert (event.user, event.subject, event.ip_address) == (user, "u-petra", "127.0.0.1")


def test_next_sign_in_finds_the_user_by_subject_even_after_an_email_change(client, provider):
    sign_in(client, provider, PETRA)
    petra = signed_in_as(client)
    client.logout()
    response = sign_in(client, provider, {**PETRA, "email": "petra.new@vshn.example", "preferred_username": "pp"})
    assert response.status_code == 302
    assert signed_in_as(client) == petra
    petra.refresh_from_db()
    assert petra.email == "petra.new@vshn.example" and petra.username == "petra"
    assert User.objects.count() == 1


def test_same_email_other_subject_is_another_person(client, provider):
    sign_in(client, provider, PETRA)
    petra = signed_in_as(client)
    client.logout()
    sign_in(client, provider, {**PETRA, "sub": "u-impostor", "email_verified": False})
    assert signed_in_as(client) != petra


def test_unverified_email_of_the_superuser_does_not_take_it_over(client, provider, caplog):
    """The attack from the issue: an upper-cased copy of the superuser's email, not verified."""
    admin = UserFactory(username="root", email="root@vshn.example", first_name="Real", is_superuser=True, is_staff=True)
    claims = {
        "sub": "u-evil",
        "email": "ROOT@VSHN.EXAMPLE",
        "email_verified": False,
        "preferred_username": "root",
        "given_name": "Evil",
    }
    response = sign_in(client, provider, claims)
    assert response.status_code == 302
    user = signed_in_as(client)
    assert user != admin and not user.is_superuser and not user.is_staff
    assert user.username == "root-2"  # the clash with the local username gets a suffix, not a 500
    admin.refresh_from_db()
    assert (admin.email, admin.first_name, admin.is_superuser) == ("root@vshn.example", "Real", True)
    assert not CompanyIdentity.objects.filter(user=admin).exists()


def test_verified_email_of_an_admin_does_not_link_either(client, provider):
    admin = UserFactory(username="root", email="root@vshn.example", is_superuser=True, is_staff=True)
    staff = UserFactory(username="helpdesk", email="help@vshn.example", is_staff=True)
    for sub, email in (("u-1", "root@vshn.example"), ("u-2", "help@vshn.example")):
        sign_in(client, provider, {"sub": sub, "email": email, "email_verified": True})
        assert signed_in_as(client) not in (admin, staff)
        client.logout()
    assert not CompanyIdentity.objects.filter(user__in=[admin, staff]).exists()


def test_verified_email_links_the_one_matching_local_account(client, provider):
    sam = UserFactory(username="sam", email="Sam@vshn.example", roles=["Partner managers"])
    sign_in(client, provider, {"sub": "u-sam", "email": "sam@vshn.example", "email_verified": True, "groups": ["ph-sales"]})
    assert signed_in_as(client) == sam
    assert CompanyIdentity.objects.get(user=sam).subject == "u-sam"
    assert roles_of(sam) == {"Sales"}  # the provider is the source of truth for the role groups
    assert client.get("/partners/new/").status_code == 403
    assert "linked by verified email" in SignInEvent.objects.get(method="company").detail


@pytest.mark.parametrize("verified", [False, "false", None])
def test_unverified_email_never_links(client, provider, verified):
    sam = UserFactory(username="sam", email="sam@vshn.example")
    claims = {"sub": "u-sam", "email": "sam@vshn.example", "preferred_username": "sam"}
    if verified is not None:
        claims["email_verified"] = verified
    sign_in(client, provider, claims)
    assert signed_in_as(client) not in (None, sam)


def test_email_shared_by_two_active_accounts_links_neither(client, provider):
    first, second = UserFactory(email="team@vshn.example"), UserFactory(email="team@vshn.example")
    sign_in(client, provider, {"sub": "u-t", "email": "team@vshn.example", "email_verified": True})
    assert signed_in_as(client) not in (None, first, second)


def test_an_account_already_linked_to_this_provider_is_not_linked_again(client, provider):
    sam = UserFactory(username="sam", email="sam@vshn.example")
    CompanyIdentity.objects.create(user=sam, issuer=provider.base, subject="u-sam-old")
    sign_in(client, provider, {"sub": "u-sam-new", "email": "sam@vshn.example", "email_verified": True})
    assert signed_in_as(client) not in (None, sam)


def test_a_deactivated_user_cannot_sign_in_by_subject(client, provider, caplog):
    sign_in(client, provider, PETRA)
    petra = signed_in_as(client)
    client.logout()
    User.objects.filter(pk=petra.pk).update(is_active=False)
    event = assert_refused(client, sign_in(client, provider, PETRA), "account_inactive", "deactivated", caplog)
    assert event.user == petra and event.subject == "u-petra"


def test_a_deactivated_user_cannot_come_back_by_verified_email(client, provider, caplog):
    UserFactory(username="gone", email="gone@vshn.example", is_active=False)
    claims = {"sub": "u-gone", "email": "gone@vshn.example", "email_verified": True}
    assert_refused(client, sign_in(client, provider, claims), "account_inactive", "deactivated", caplog)
    assert User.objects.filter(email="gone@vshn.example").count() == 1


def test_a_signed_in_user_deactivated_later_loses_the_session(client, provider):
    sign_in(client, provider, PETRA)
    User.objects.filter(username="petra").update(is_active=False)
    assert client.get("/partners/")["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "hint, expected",
    [("petra", "petra-2"), ("Petra", "Petra-2"), ("p e/t<r>a", "petra-2"), ("", "user"), ("x" * 300, "x" * 140)],
)
def test_new_usernames_are_valid_and_unique(client, provider, hint, expected):
    UserFactory(username="petra")
    sign_in(client, provider, {"sub": "u-new", "preferred_username": hint, "email": "not an email"})
    user = signed_in_as(client)
    assert user.username == expected and user.email == ""


def test_admins_link_an_admin_account_with_the_command_then_it_signs_in_by_subject(client, provider):
    admin = UserFactory(username="root", email="root@vshn.example", is_superuser=True, is_staff=True)
    out = StringIO()
    call_command("link_company_account", "root", "--subject", "u-root", stdout=out)
    assert f"Linked u-root @ {provider.base} to root" in out.getvalue()
    sign_in(client, provider, {"sub": "u-root", "email": "root@vshn.example", "email_verified": False, "groups": ["ph-sales"]})
    user = signed_in_as(client)
    assert user == admin and user.is_superuser  # staff and superuser are kept, never granted
    assert roles_of(user) == {"Sales"}
    call_command("link_company_account", "root", "--subject", "u-root", "--unlink", stdout=out)
    assert not CompanyIdentity.objects.exists()


def test_the_link_command_refuses_a_subject_linked_to_someone_else(provider):
    UserFactory(username="a"), UserFactory(username="b")
    call_command("link_company_account", "a", "--subject", "s", stdout=StringIO())
    with pytest.raises(Exception, match="already linked"):
        call_command("link_company_account", "b", "--subject", "s", stdout=StringIO())


# --- Roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "id_token_claims, userinfo_claims, expected",
    [
        ({"groups": ["ph-managers"]}, {}, {"Partner managers"}),  # only in the ID token (Entra ID)
        ({}, {"groups": ["ph-sales"]}, {"Sales"}),  # only in userinfo
        ({"groups": ["/ph-managers"]}, {}, {"Partner managers"}),  # Keycloak full path, top level
        ({"groups": ["/vshn/partnerhub/marketing"]}, {}, {"Marketing"}),  # full path in the map
        ({"groups": ["/vshn/ph-accounting"]}, {}, {"Accounting"}),  # last segment
        ({"groups": "ph-sales"}, {}, {"Sales"}),  # a string, not a list
        ({"roles": ["ph-accounting"]}, {}, {"Accounting"}),  # Entra ID app roles
        ({"groups": ["ph-managers"]}, {"groups": ["ph-sales"]}, {"Partner managers", "Sales"}),
        ({"groups": [{"name": "ph-sales"}, 7, None]}, {"groups": 42}, set()),  # junk is ignored
        ({"groups": ["superuser", "staff", "admin"]}, {}, set()),
    ],
)
def test_roles_from_id_token_and_userinfo(client, provider, id_token_claims, userinfo_claims, expected):
    claims = {"sub": "u-r", "preferred_username": "r"}
    sign_in(client, provider, {**claims, **id_token_claims}, userinfo={**claims, **userinfo_claims})
    user = signed_in_as(client)
    assert roles_of(user) == expected and not user.is_staff and not user.is_superuser


def test_role_claim_names_are_configurable_and_may_be_nested(client, provider, settings):
    settings.OIDC_GROUP_CLAIM = "realm_access.roles"
    settings.OIDC_ROLE_CLAIM = ""
    sign_in(client, provider, {"sub": "u-r", "realm_access": {"roles": ["ph-sales"]}, "roles": ["ph-managers"]})
    assert roles_of(signed_in_as(client)) == {"Sales"}


def test_roles_follow_the_provider_and_other_groups_stay(client, provider):
    sign_in(client, provider, {**PETRA, "groups": ["ph-managers"]})
    petra = signed_in_as(client)
    petra.groups.add(Group.objects.create(name="Newsletter editors"))
    client.logout()
    sign_in(client, provider, {**PETRA, "groups": []})
    assert roles_of(petra) == {"Newsletter editors"}


# --- Bad answers: refused with a message, a log line and a log row; never a 500 or a session ---


def test_tampered_state(client, provider, caplog):
    params = start(client)
    provider.codes["c"] = {"nonce": params["nonce"], "challenge": params["code_challenge"], "claims": PETRA, "userinfo": PETRA}
    response = client.get("/oidc/callback/", {"code": "c", "state": params["state"] + "x"})
    assert_refused(client, response, "state_mismatch", "not started in this browser", caplog)
    assert provider.token_requests == []  # the code was never spent


@pytest.mark.parametrize("query", [{}, {"state": ""}, {"code": "c"}, {"state": "x" * 5000, "code": "y" * 5000}])
def test_callback_without_a_started_sign_in(client, provider, caplog, query):
    assert_refused(client, client.get("/oidc/callback/", query), "state_mismatch", "not started in this browser", caplog)


def test_replayed_callback(client, provider, caplog):
    params = start(client)
    provider.codes["c"] = {"nonce": params["nonce"], "challenge": params["code_challenge"], "claims": PETRA, "userinfo": PETRA}
    query = {"code": "c", "state": params["state"]}
    assert client.get("/oidc/callback/", query).status_code == 302
    client.logout()
    assert_refused(client, client.get("/oidc/callback/", query), "state_mismatch", "already used", caplog)


def test_replayed_code_with_a_fresh_state(client, provider, caplog):
    sign_in(client, provider, PETRA, code="once")
    client.logout()
    response = sign_in(client, provider, PETRA, code="once")  # the provider refuses a used code
    event = assert_refused(client, response, "token_refused", "did not accept this sign-in (invalid_grant)", caplog)
    assert "grant request is invalid" in event.detail


def test_provider_error_in_the_callback(client, provider, caplog):
    params = start(client)
    response = client.get(
        "/oidc/callback/",
        {"state": params["state"], "error": "access_denied<script>", "error_description": "<b>Call 0800 evil</b>"},
    )
    assert_refused(client, response, "provider_error", "did not sign you in (access_deniedscript)", caplog)
    assert "Call 0800 evil" not in client.get("/accounts/login/").content.decode()


def test_answer_from_another_issuer_in_the_callback(client, provider, caplog):
    response = sign_in(client, provider, PETRA, iss="https://evil.example")
    assert_refused(client, response, "issuer_mismatch", "could not be trusted", caplog)


@pytest.mark.parametrize(
    "change, reason, words",
    [
        ({"nonce": "another-nonce"}, "nonce_mismatch", "could not be trusted"),
        ({"aud": "another-client"}, "id_token_audience", "meant for another application"),
        ({"aud": [CLIENT_ID, "other"]}, "id_token_audience", "meant for another application"),  # no azp
        ({"azp": "other"}, "id_token_audience", "meant for another application"),
        ({"exp": int(time.time()) - 3600}, "id_token_expired", "had expired"),
        ({"iss": "https://evil.example"}, "id_token_issuer", "could not be trusted"),
        ({"sub": ""}, "id_token_invalid", "could not be trusted"),
        ({"sub": 12345}, "id_token_invalid", "could not be trusted"),
    ],
)
def test_bad_id_token_claims(client, provider, caplog, change, reason, words):
    provider.id_token_overrides = change
    assert_refused(client, sign_in(client, provider, PETRA), reason, words, caplog)
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "sign_with, reason",
    [
        ((OTHER_RSA_KEY, "RS256", "rsa-1"), "id_token_signature"),  # another key, our kid
        ((OTHER_RSA_KEY, "RS256", "unknown-kid"), "id_token_unknown_key"),
        ((None, "none", None), "id_token_algorithm"),  # alg: none
        ((CLIENT_ID + "-secret", "HS256", "rsa-1"), "id_token_algorithm"),  # HS256 not accepted
        ((EC_KEY, "ES256", "rsa-1"), "id_token_unknown_key"),  # alg does not fit the kid's key
    ],
)
def test_id_token_signed_wrongly(client, provider, caplog, sign_with, reason):
    provider.sign_with = sign_with
    assert_refused(client, sign_in(client, provider, PETRA), reason, "could not be trusted", caplog)


def test_key_confusion_hs256_signed_with_the_public_key(client, provider, caplog, settings):
    from cryptography.hazmat.primitives import serialization

    pem = RSA_KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    now = int(time.time())
    token_claims = {"iss": provider.base, "aud": CLIENT_ID, "iat": now, "exp": now + 60, "sub": "u-x", "nonce": "n"}
    with pytest.raises(jwt.PyJWTError):  # PyJWT itself refuses a PEM key as an HMAC secret
        jwt.encode(token_claims, pem, algorithm="HS256")
    provider.sign_with = (b"x" * 32, "HS256", "rsa-1")
    assert_refused(client, sign_in(client, provider, PETRA), "id_token_algorithm", "could not be trusted", caplog)


def test_es256_tokens_verify_with_the_jwks(client, provider):
    provider.sign_with = (EC_KEY, "ES256", "ec-1")
    sign_in(client, provider, PETRA)
    assert signed_in_as(client).username == "petra"


def test_rotated_keys_are_fetched_again(client, provider):
    sign_in(client, provider, PETRA)  # JWKS cached
    client.logout()
    provider.sign_with = (EC_KEY, "ES256", "ec-1")
    sign_in(client, provider, PETRA)
    assert signed_in_as(client).username == "petra"


def test_userinfo_for_another_subject(client, provider, caplog):
    response = sign_in(client, provider, PETRA, userinfo={**PETRA, "sub": "u-someone-else"})
    assert_refused(client, response, "userinfo_subject", "could not be trusted", caplog)


def test_userinfo_refused(client, provider, caplog):
    provider.userinfo_status = 500
    assert_refused(client, sign_in(client, provider, PETRA), "userinfo_refused", "could not be trusted", caplog)


@pytest.mark.parametrize(
    "status, body, words",
    [
        (400, {"error": "invalid_grant"}, "(invalid_grant)"),
        (401, {"error": "invalid_client"}, "(invalid_client)"),
        (500, {"oops": 1}, "(HTTP 500)"),
        (200, {"access_token": "a"}, "could not be trusted"),
    ],
)
def test_token_endpoint_failures(client, provider, caplog, status, body, words):
    provider.token_error = (status, body)
    reason = "bad_token_response" if status == 200 else "token_refused"
    assert_refused(client, sign_in(client, provider, PETRA), reason, words, caplog)


def test_expired_state(client, provider, caplog, monkeypatch):
    params = start(client)
    provider.codes["c"] = {"nonce": params["nonce"], "challenge": params["code_challenge"], "claims": PETRA, "userinfo": PETRA}
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3600)
    assert_refused(
        client, client.get("/oidc/callback/", {"code": "c", "state": params["state"]}), "state_expired", "expired", caplog
    )


def test_unexpected_errors_are_a_message_too(client, provider, caplog, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("partnerhub.company_sign_in.views.company_sign_in", broken)
    assert_refused(client, sign_in(client, provider, PETRA), "unexpected_error", "unexpected error", caplog)
    assert "database on fire" not in client.get("/accounts/login/").content.decode()


def test_callback_only_answers_get(client, provider):
    assert client.post("/oidc/callback/").status_code == 405


# --- Sign-out ---------------------------------------------------------------------------------


def test_sign_out_after_company_sign_in_ends_the_provider_session(client, provider):
    sign_in(client, provider, PETRA)
    id_token = client.session["company_sign_in"]["id_token"]
    response = client.post("/accounts/logout/")
    assert response.status_code == 200  # a page that moves on (a redirect would meet CSP form-action)
    location = response.context["end_session_url"]
    assert response["Refresh"] == f"0;url={location}"
    assert location.replace("&", "&amp;") in response.content.decode()
    assert location.startswith(f"{provider.base}/logout?")
    assert f"id_token_hint={id_token}" in location
    assert "post_logout_redirect_uri=http%3A%2F%2Ftestserver%2Faccounts%2Flogin%2F" in location
    assert signed_in_as(client) is None


def test_sign_out_of_a_local_account_stays_local(client, provider):
    UserFactory(username="breakglass", is_superuser=True, is_staff=True)
    assert client.post("/accounts/login/", {"username": "breakglass", "password": "pw"}).status_code == 302
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"


def test_local_break_glass_login_still_works_with_sso_on(client, provider):
    UserFactory(username="breakglass", is_superuser=True, is_staff=True)
    response = client.post("/accounts/login/", {"username": "breakglass", "password": "pw"})
    assert response.status_code == 302
    assert client.get("/partners/").status_code == 200
    client.post("/accounts/logout/")
    assert "Sign in with your company account" in client.get("/accounts/login/").content.decode()
