from django.core.management.base import BaseCommand, CommandError

from partnerhub import reminders


class Command(BaseCommand):
    help = (
        "Run every sweep synchronously (for ops and installs without a worker): one line per kind. "
        "A failing sweep prints '<kind>: failed: <error>'; every other sweep still runs, then the command exits 1."
    )

    def handle(self, *args, **options) -> None:
        outcomes = reminders.run_all()
        for outcome in outcomes.values():
            (self.stderr if outcome.failed else self.stdout).write(outcome.describe())
        failed = [name for name, outcome in outcomes.items() if outcome.failed]
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(outcomes)} sweeps failed: {', '.join(failed)} (details in the log and the admin's Sweep statuses)"
            )
