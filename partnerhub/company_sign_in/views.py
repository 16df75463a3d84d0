"""Company sign-in (OpenID Connect authorization code flow with PKCE) and sign-out.

start    -> the provider's authorization endpoint, with state, nonce and a PKCE S256 challenge
            kept in the session (one entry per started sign-in, used once).
callback -> state checked and spent, code exchanged (with the PKCE verifier), ID token checked
            (signature, alg, iss, aud, exp, nonce), userinfo read, user found by iss + sub.
Whatever goes wrong ends on the login page with a message that says what failed, a log line
and a row in the sign-in log; never a 500 and never a session.
"""

import logging
import secrets
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LogoutView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from .backends import COMPANY_BACKEND
from .models import SignInEvent
from .oidc import (
    BAD_ANSWER,
    SignInError,
    exchange_code,
    fetch_userinfo,
    pkce_pair,
    provider_config,
    safe_error_code,
    validate_id_token,
)
from .services import CompanyProfile, SignInRefused, company_sign_in, record_sign_in

logger = logging.getLogger("partnerhub.sign_in")

STATES_KEY = "company_sign_in_states"
SESSION_KEY = "company_sign_in"  # the signed-in session's provider and ID token (for sign-out)
STATE_MAX_AGE = 600  # seconds from "Sign in with your company account" to the provider's answer
MAX_PENDING = 10

UNEXPECTED = (
    "Company sign-in failed because of an unexpected error. It has been logged; please try again or tell an administrator."  # noqa: E501
)


def _next_url(request: HttpRequest) -> str:
    target = request.GET.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _pending(request: HttpRequest) -> dict:
    states = request.session.get(STATES_KEY)
    return states if isinstance(states, dict) else {}


@login_not_required
@require_GET
def company_sign_in_start(request: HttpRequest) -> HttpResponse:
    try:
        config = provider_config()
    except SignInError as error:
        return _refuse(request, error)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    params = {
        "response_type": "code",
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "redirect_uri": request.build_absolute_uri(reverse("oidc_authentication_callback")),
        "scope": settings.OIDC_RP_SCOPES,
        "state": state,
        "nonce": nonce,
        **getattr(settings, "OIDC_AUTH_REQUEST_EXTRA_PARAMS", {}),
    }
    entry = {"nonce": nonce, "added_on": time.time(), "next": _next_url(request)}
    if getattr(settings, "OIDC_USE_PKCE", True):
        entry["code_verifier"], params["code_challenge"] = pkce_pair()
        params["code_challenge_method"] = "S256"
    now = time.time()
    pending = {
        key: value
        for key, value in _pending(request).items()
        if isinstance(value, dict) and now - value.get("added_on", 0) < STATE_MAX_AGE
    }
    for key in sorted(pending, key=lambda k: pending[k]["added_on"])[: max(0, len(pending) - MAX_PENDING + 1)]:
        del pending[key]
    pending[state] = entry
    request.session[STATES_KEY] = pending
    separator = "&" if "?" in config.authorization_endpoint else "?"
    return HttpResponseRedirect(f"{config.authorization_endpoint}{separator}{urlencode(params)}")


@login_not_required
@require_GET
def company_sign_in_callback(request: HttpRequest) -> HttpResponse:
    try:
        return _callback(request)
    except SignInError as error:
        return _refuse(request, error)
    except Exception:  # noqa: BLE001 - whatever else breaks, the person gets a message, not a 500
        logger.exception("Company sign-in failed unexpectedly")
        return _refuse(request, SignInError("unexpected_error", UNEXPECTED, "unexpected exception (see the log)"))


def _callback(request: HttpRequest) -> HttpResponse:
    # The state is spent before anything else, so a callback URL works once (no replay).
    state = request.GET.get("state", "")
    pending = _pending(request)
    entry = pending.pop(state, None) if state else None
    if entry is not None:
        request.session[STATES_KEY] = pending
        request.session.save()
    provider_error = request.GET.get("error")
    if provider_error:
        description = request.GET.get("error_description", "")
        raise SignInError(
            "provider_error",
            f"The identity provider did not sign you in ({safe_error_code(provider_error)}). Please try again, or ask an "
            "administrator whether your account may use PartnerHub.",
            f"provider answered error={provider_error[:100]!r} description={description[:300]!r}",
        )
    if not isinstance(entry, dict) or "nonce" not in entry:
        raise SignInError(
            "state_mismatch",
            "This sign-in was not started in this browser, or was already used. Please start again with "
            "“Sign in with your company account”.",
            f"unknown state {state[:80]!r}",
        )
    if time.time() - entry.get("added_on", 0) > STATE_MAX_AGE:
        raise SignInError(
            "state_expired", "The sign-in took too long and has expired. Please start again.", "state older than 10 minutes"
        )
    code = request.GET.get("code", "")
    if not code:
        raise SignInError(
            "no_code", "The identity provider's answer had no sign-in code. Please start again.", "callback without code"
        )

    config = provider_config()
    answered_by = request.GET.get("iss")
    if answered_by is not None and config.issuer and answered_by != config.issuer:
        # RFC 9207: the answer names its provider; another one's answer is a mix-up attack.
        raise SignInError("issuer_mismatch", BAD_ANSWER, f"callback iss {answered_by[:200]!r} is not {config.issuer!r}")
    tokens = exchange_code(
        config,
        code=code,
        redirect_uri=request.build_absolute_uri(reverse("oidc_authentication_callback")),
        code_verifier=entry.get("code_verifier"),
    )
    id_claims = validate_id_token(config, tokens["id_token"], nonce=entry["nonce"])
    try:
        userinfo = fetch_userinfo(config, tokens.get("access_token"), subject=id_claims["sub"])
        profile = CompanyProfile.from_claims(id_claims, userinfo)
        user, how = company_sign_in(profile=profile)
    except SignInRefused as refused:
        raise SignInError(
            refused.reason, refused.message, refused.detail, issuer=id_claims["iss"], subject=id_claims["sub"], user=refused.user
        ) from refused
    except SignInError as error:
        error.context.update(issuer=id_claims["iss"], subject=id_claims["sub"])
        raise

    auth.login(request, user, backend=COMPANY_BACKEND)
    request.session[SESSION_KEY] = {"issuer": profile.issuer, "id_token": tokens["id_token"]}
    record_sign_in(
        request=request,
        method=SignInEvent.Method.COMPANY,
        succeeded=True,
        user=user,
        detail={
            "known": "",
            "linked": "First company sign-in: linked by verified email.",
            "created": "First company sign-in: account created.",
        }[how],  # noqa: E501
        issuer=profile.issuer,
        subject=profile.subject,
    )
    logger.info("Company sign-in: %s (%s) as %s [%s]", profile.subject, profile.issuer, user.username, how)
    return redirect(entry.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL))


def _refuse(request: HttpRequest, error: SignInError) -> HttpResponse:
    context = error.context
    logger.warning(
        "Company sign-in refused: %s: %s (issuer=%s subject=%s)",
        error.reason,
        error.detail or error.message,
        context.get("issuer", ""),
        context.get("subject", ""),
    )
    record_sign_in(
        request=request,
        method=SignInEvent.Method.COMPANY,
        succeeded=False,
        user=context.get("user"),
        reason=error.reason,
        detail=f"{error.message} [{error.detail}]" if error.detail else error.message,
        issuer=context.get("issuer", ""),
        subject=context.get("subject", ""),
    )
    messages.error(request, error.message)
    return redirect(settings.LOGIN_URL)


class SignOutView(LogoutView):
    """Signs out of PartnerHub and, after a company sign-in, of the provider too (RP-initiated
    logout at its end_session_endpoint, with the ID token as hint), which then returns to the
    login page (post_logout_redirect_uri: register it at the provider)."""

    def post(self, request, *args, **kwargs):
        company = request.session.get(SESSION_KEY) if request.user.is_authenticated else None
        response = super().post(request, *args, **kwargs)
        if not (isinstance(company, dict) and settings.OIDC_ENABLED and getattr(settings, "OIDC_LOGOUT_AT_PROVIDER", True)):
            return response
        try:
            config = provider_config()
        except SignInError as error:
            logger.warning("Sign-out: could not end the provider's session: %s", error.detail)
            return response
        if not config.end_session_endpoint:
            return response
        params = {
            "id_token_hint": company.get("id_token", ""),
            "post_logout_redirect_uri": request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL)),
            "client_id": settings.OIDC_RP_CLIENT_ID,
        }
        separator = "&" if "?" in config.end_session_endpoint else "?"
        # A page that moves on to the provider, not a redirect: browsers check a form's redirects
        # against the page's CSP form-action ('self'), which would stop the sign-out there.
        end_session_url = f"{config.end_session_endpoint}{separator}{urlencode(params)}"
        page = render(request, "registration/company_sign_out.html", {"end_session_url": end_session_url})
        page["Refresh"] = f"0;url={end_session_url}"
        return page
