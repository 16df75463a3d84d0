"""Who a company sign-in is (issuer + subject, never the email alone), the roles the provider
gives, and the sign-in log."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_ipv46_address
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from partnerhub.roles import Role

from .models import CompanyIdentity, SignInEvent

logger = logging.getLogger("partnerhub.sign_in")
ROLE_NAMES = frozenset(role.value for role in Role)


class SignInRefused(Exception):
    def __init__(self, reason: str, message: str, detail: str = "", user=None):
        super().__init__(f"{reason}: {detail or message}")
        self.reason, self.message, self.detail, self.user = reason, message, detail, user


DEACTIVATED = "This account is deactivated, so it cannot sign in. Please ask an administrator."


# --- Claims -> profile ------------------------------------------------------------------------


def claim_values(claims: dict, name: str) -> list[str]:
    """A claim as a list of strings; `name` may be a dotted path (Keycloak's realm_access.roles)."""
    value: object = claims
    for part in name.split("."):
        if not isinstance(value, dict):
            return []
        value = value.get(part)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str)]
    return []


def roles_from_claims(*claim_sets: dict) -> set[str]:
    """PartnerHub roles from the group claim and the app-role claim of each claim set (ID token,
    userinfo). A Keycloak full path (/a/b) matches by the full path first, then by its last segment."""
    names: set[str] = set()
    for claims in claim_sets:
        for claim in (settings.OIDC_GROUP_CLAIM, getattr(settings, "OIDC_ROLE_CLAIM", "")):
            if claim:
                names.update(claim_values(claims, claim))
        if "groups" in (claims.get("_claim_names") or {}):
            logger.warning(
                "The provider left out the groups claim (Entra ID group overage: more than 200 groups); "
                "use app roles (OIDC_ROLE_CLAIM=roles) or 'groups assigned to the application'."
            )
    group_map = settings.OIDC_GROUP_MAP
    roles = set()
    for name in names:
        role = group_map.get(name)
        if role is None and "/" in name:
            role = group_map.get(name.rstrip("/").rsplit("/", 1)[-1])
        if role in ROLE_NAMES:
            roles.add(role)
    return roles


def _text(value: object, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _verified(value: object) -> bool:
    # Some providers send the boolean as a string.
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _email(value: object) -> str:
    email = _text(value, 254)
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email


@dataclass
class CompanyProfile:
    issuer: str
    subject: str
    email: str = ""
    email_verified: bool = False
    username_hint: str = ""
    first_name: str = ""
    last_name: str = ""
    roles: set[str] = field(default_factory=set)

    @classmethod
    def from_claims(cls, id_claims: dict, userinfo: dict) -> CompanyProfile:
        merged = {**id_claims, **userinfo}
        first, last = _text(merged.get("given_name"), 150), _text(merged.get("family_name"), 150)
        if not first and not last:
            first = _text(merged.get("name"), 150)  # Entra ID sends only "name" unless asked
        email = _email(merged.get("email"))
        return cls(
            issuer=id_claims["iss"],
            subject=id_claims["sub"],
            email=email,
            email_verified=bool(email) and _verified(merged.get("email_verified")),
            username_hint=_text(merged.get("preferred_username"), 150) or email.split("@")[0],
            first_name=first,
            last_name=last,
            roles=roles_from_claims(id_claims, userinfo),
        )


# --- Identity ---------------------------------------------------------------------------------


def company_sign_in(*, profile: CompanyProfile) -> tuple[User, str]:
    """The user this provider account signs in as, and how it was found ("known", "linked",
    "created"). Raises SignInRefused. Two first sign-ins at once (same account or same username)
    end in one identity: the loser's INSERT fails on the unique constraint and it looks again."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _company_sign_in(profile)
        except IntegrityError:
            if attempt == 2:
                raise
            logger.info("Company sign-in of %s raced another; looking again", profile.subject)
    raise AssertionError("unreachable")


def _company_sign_in(profile: CompanyProfile) -> tuple[User, str]:
    identity = (
        CompanyIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=profile.issuer, subject=profile.subject)
        .first()
    )
    if identity is not None:
        user, how = identity.user, "known"
        if not user.is_active:
            raise SignInRefused("account_inactive", DEACTIVATED, f"linked user {user.username} is deactivated", user=user)
    else:
        user = _user_to_link(profile)
        how = "linked" if user is not None else "created"
        if user is None:
            user = _create_user(profile)
        identity = CompanyIdentity(user=user, issuer=profile.issuer, subject=profile.subject)
        identity.full_clean(validate_unique=False)  # the unique constraint decides, under concurrency
    identity.last_sign_in_at = timezone.now()
    identity.save()
    _sync_profile(user, profile)
    sync_roles(user, profile.roles)
    return user, how


def _user_to_link(profile: CompanyProfile):
    """An existing account a first company sign-in may take over: only by a verified email that
    matches exactly one active account, which is not staff or superuser and is not linked to
    another account of this provider."""
    if not (profile.email and profile.email_verified):
        return None
    matches = list(User.objects.filter(email__iexact=profile.email).prefetch_related("company_identities"))
    active = [user for user in matches if user.is_active]
    if matches and not active:
        # The person's account was deactivated: a fresh account would undo that.
        raise SignInRefused(
            "account_inactive", DEACTIVATED, f"the only accounts with {profile.email} are deactivated", user=matches[0]
        )
    if len(active) != 1:
        if active:
            logger.warning("Company sign-in: %s matches %d active accounts; creating a new one", profile.email, len(active))
        return None
    user = active[0]
    if user.is_staff or user.is_superuser:
        logger.warning(
            "Company sign-in: not linking %s to admin account %s (an admin links it: manage.py link_company_account)",
            profile.subject,
            user.username,
        )
        return None
    if any(identity.issuer == profile.issuer for identity in user.company_identities.all()):
        return None
    return user


USERNAME_CHARS = re.compile(r"[^\w.@+-]")


def _create_user(profile: CompanyProfile):
    base = USERNAME_CHARS.sub("", profile.username_hint)[:140] or "user"
    taken = {name.lower() for name in User.objects.filter(username__istartswith=base).values_list("username", flat=True)}
    username, number = base, 2
    while username.lower() in taken:
        username, number = f"{base}-{number}", number + 1
    user = User(username=username, email=profile.email, first_name=profile.first_name, last_name=profile.last_name)
    user.set_unusable_password()  # company accounts have no local password
    user.full_clean(validate_unique=False)
    user.save()
    return user


def _sync_profile(user, profile: CompanyProfile) -> None:
    changed = []
    for name in ("first_name", "last_name", "email"):
        value = getattr(profile, name)
        if value and getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if changed:
        user.save(update_fields=changed)


def sync_roles(user, wanted: set[str]) -> None:
    """The provider is the source of truth for the four role groups; other groups, staff and
    superuser stay as the admins set them."""
    current = set(user.groups.filter(name__in=ROLE_NAMES).values_list("name", flat=True))
    if wanted == current:
        return
    groups = {group.name: group for group in Group.objects.filter(name__in=ROLE_NAMES)}
    for name in wanted - groups.keys():
        groups[name] = Group.objects.create(name=name)
    user.groups.add(*(groups[name] for name in wanted - current))
    user.groups.remove(*(groups[name] for name in current - wanted))


@transaction.atomic
def link_company_identity(*, user, issuer: str, subject: str) -> CompanyIdentity:
    """An admin links a provider account to an existing user (e.g. an admin account, which a
    company sign-in never links by itself)."""
    identity = CompanyIdentity(user=user, issuer=issuer.strip(), subject=subject.strip())
    identity.full_clean()
    identity.save()
    return identity


# --- Sign-in log ------------------------------------------------------------------------------


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, which partnerhub.middleware.ClientAddressMiddleware sets
    from TRUSTED_PROXY_COUNT (the same address django-axes throttles by)."""
    address = getattr(request, "META", {}).get("REMOTE_ADDR") if request is not None else None
    if not isinstance(address, str):
        return None
    try:
        validate_ipv46_address(address)
    except ValidationError:
        return None
    return address


def record_sign_in(
    *,
    request: HttpRequest | None,
    method: str,
    succeeded: bool,
    user=None,
    username: str = "",
    reason: str = "",
    detail: str = "",
    issuer: str = "",
    subject: str = "",
) -> SignInEvent:
    meta = getattr(request, "META", {}) if request is not None else {}
    return SignInEvent.objects.create(
        method=method,
        succeeded=succeeded,
        user=user,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        reason=reason[:64] if reason or succeeded else "unknown",
        detail=detail[:2000],
        ip_address=client_ip(request),
        user_agent=str(meta.get("HTTP_USER_AGENT", ""))[:300],
        issuer=issuer[:255],
        subject=subject[:255],
    )
