"""Thin Celery tasks: they call the reminder registry, which does the idempotent work."""

from celery import shared_task

from . import reminders


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def run_all_sweeps() -> dict[str, int]:
    return reminders.run_all()


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def run_reminder_sweep(kind: str) -> int:
    return reminders.run_reminder(kind)
