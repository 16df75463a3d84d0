from django.core.management.base import BaseCommand

from partnerhub import reminders


class Command(BaseCommand):
    help = "Run every sweep synchronously (for ops and installs without a worker): one line per kind."

    def handle(self, *args, **options) -> None:
        for name in sorted(reminders.HOUSEKEEPING):
            self.stdout.write(f"{name}: {reminders.run_housekeeping(name)} updated")
        for kind in sorted(reminders.REMINDERS):
            self.stdout.write(f"{kind}: {reminders.run_reminder(kind)} sent")
