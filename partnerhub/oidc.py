"""Company sign-in (OpenID Connect) that maps the identity provider's groups to PartnerHub roles.

Switched on with OIDC_ENABLED=true; the local username/password login stays as break-glass.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .auth_backends import PartnerHubBackend
from .roles import Role

ROLE_NAMES = {role.value for role in Role}


def roles_from_claims(claims: dict) -> set[str]:
    provider_groups = claims.get(settings.OIDC_GROUP_CLAIM) or []
    if isinstance(provider_groups, str):
        provider_groups = [provider_groups]
    return {settings.OIDC_GROUP_MAP[g] for g in provider_groups if settings.OIDC_GROUP_MAP.get(g) in ROLE_NAMES}


class PartnerHubOIDCBackend(OIDCAuthenticationBackend):
    def _sync(self, user, claims):
        user.first_name = claims.get("given_name", user.first_name)[:150]
        user.last_name = claims.get("family_name", user.last_name)[:150]
        user.email = claims.get("email", user.email)
        user.save(update_fields=["first_name", "last_name", "email"])
        # The provider is the source of truth for the four role groups; other groups are left alone.
        wanted = roles_from_claims(claims)
        role_groups = {g.name: g for g in Group.objects.filter(name__in=ROLE_NAMES)}
        for name in ROLE_NAMES:
            group = role_groups.get(name) or Group.objects.create(name=name)
            if name in wanted:
                user.groups.add(group)
            else:
                user.groups.remove(group)
        return user

    def create_user(self, claims):
        username = claims.get("preferred_username") or self.get_username(claims)
        user = self.UserModel.objects.create_user(username=username[:150], email=claims.get("email", ""))
        return self._sync(user, claims)

    def update_user(self, user, claims):
        return self._sync(user, claims)

    def filter_users_by_claims(self, claims):
        email = claims.get("email")
        if not email:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email)

    def get_user(self, user_id):
        # Same single-query user load (roles, unread count) as local accounts.
        return PartnerHubBackend().get_user(user_id)
