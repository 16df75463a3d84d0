"""The authentication backend that company sign-ins log in with.

It never checks a password (authenticate() is always None: the sign-in is views.callback's
code flow); it loads the signed-in user like local accounts, with roles and unread count in one
query. Being a separate backend, the session says how the user signed in, and turning company
sign-in off (OIDC_ENABLED=false) signs those sessions out.
"""

from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest

from partnerhub.auth_backends import PartnerHubBackend

COMPANY_BACKEND = "partnerhub.company_sign_in.backends.CompanyAccountBackend"


class CompanyAccountBackend(PartnerHubBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        return None
