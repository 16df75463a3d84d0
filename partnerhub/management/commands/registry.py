from django.core.management.base import BaseCommand

from partnerhub.registry import ALL, registered_by_app


class Command(BaseCommand):
    help = (
        "Print everything the apps register, per app: partner sections, attention providers (dashboard panels), "
        "reminders, housekeeping sweeps, health checks and facts, calendar providers, demo seeders, audited models, "
        "navigation items."
    )

    def handle(self, *args, **options) -> None:
        found = registered_by_app()
        for app, registries in found.items():
            self.stdout.write(app)
            for name, entries in registries.items():
                self.stdout.write(f"  {name} ({len(entries)}): {', '.join(entries)}")
        empty = sorted(name for name, registry in ALL.items() if not registry)
        if empty:
            self.stdout.write(f"(nothing registered: {', '.join(empty)})")
