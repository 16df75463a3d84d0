from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from partnerhub import demo


class Command(BaseCommand):
    help = "Create the demo data set and demo users (idempotent). Refused unless DEBUG is on or --force."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Seed even though DEBUG is off.")

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Refusing to seed demo data with DEBUG off. Use --force if you really mean it.")
        with transaction.atomic():
            demo.run_all(timezone.localdate())
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in at /accounts/login/ with:"))
        for username, _, _, role, superuser in demo.DEMO_USERS:
            what = "admin (Django admin)" if superuser else (role.value if role else "VSHNeer without a role")
            self.stdout.write(f"  {username:<11} / {demo.DEMO_PASSWORD}   {what}")
