"""Thin Celery tasks: they call the reminder registry, which does the idempotent work."""

import logging

from celery import shared_task

from . import outbox, reminders

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def run_all_sweeps() -> dict[str, int]:
    """Every sweep, each isolated (reminders.run_all). A failed sweep does not stop the others; the task
    then fails with SweepsFailed naming them (the result backend and the worker log record it, and each
    sweep's SweepStatus row in the admin holds its error and traceback)."""
    outcomes = reminders.run_all()
    failed = {name: outcome.describe() for name, outcome in outcomes.items() if outcome.failed}
    if failed:
        logger.error("Sweeps failed: %s", "; ".join(failed.values()))
        raise reminders.SweepsFailed("; ".join(failed.values()))
    return {name: outcome.count for name, outcome in outcomes.items()}


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def run_reminder_sweep(kind: str) -> int:
    outcome = reminders.run_sweep(kind)
    if outcome.failed:
        raise reminders.SweepsFailed(outcome.describe())
    return outcome.count


@shared_task
def deliver_outbox() -> int:
    """Send the queued emails that are due (partnerhub/outbox.py retries failures with backoff)."""
    return outbox.deliver_due()
