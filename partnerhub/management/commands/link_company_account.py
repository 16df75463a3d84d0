"""Link (or unlink) a company account to an existing user, e.g. an admin account:

manage.py link_company_account alice --subject 5f1c...        # issuer: the configured provider's
manage.py link_company_account alice --subject 5f1c... --issuer https://id.vshn.net/realms/vshn
manage.py link_company_account alice --subject 5f1c... --unlink
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from partnerhub.company_sign_in.models import CompanyIdentity
from partnerhub.company_sign_in.oidc import SignInError, provider_config
from partnerhub.company_sign_in.services import link_company_identity


class Command(BaseCommand):
    help = "Link a company (OpenID Connect) account, by its subject, to an existing user."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--subject", required=True, help="The provider's 'sub' for this person.")
        parser.add_argument("--issuer", help="The provider's issuer (default: the configured provider's).")
        parser.add_argument("--unlink", action="store_true", help="Remove the link instead.")

    def handle(self, *args, username, subject, issuer, unlink, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        if not issuer:
            try:
                issuer = provider_config().issuer
            except SignInError as error:
                raise CommandError(f"Give --issuer: the provider's configuration is unavailable ({error.detail}).") from error
            if not issuer:
                raise CommandError("Give --issuer: no OIDC_OP_DISCOVERY_URL or OIDC_OP_ISSUER is configured.")
        if unlink:
            deleted, _ = CompanyIdentity.objects.filter(user=user, issuer=issuer, subject=subject).delete()
            self.stdout.write(f"Unlinked {subject} @ {issuer} from {username}." if deleted else "No such link.")
            return
        try:
            link_company_identity(user=user, issuer=issuer, subject=subject)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"Linked {subject} @ {issuer} to {username}.")
