"""The Celery app. Broker and schedule come from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerhub.settings")

app = Celery("partnerhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Task outcomes for /metrics, and the task id in every log line of the task (partnerhub/metrics.py).
from .metrics import connect_celery_signals  # noqa: E402

connect_celery_signals()
