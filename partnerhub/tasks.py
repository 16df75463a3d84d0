"""Thin Celery tasks: they call the reminder registry, which does the idempotent work."""

from celery import shared_task

from . import outbox, reminders


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def run_all_sweeps() -> dict[str, int]:
    return reminders.run_all()


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def run_reminder_sweep(kind: str) -> int:
    return reminders.run_reminder(kind)


@shared_task
def deliver_outbox() -> int:
    """Send the queued emails that are due (partnerhub/outbox.py retries failures with backoff)."""
    return outbox.deliver_due()
