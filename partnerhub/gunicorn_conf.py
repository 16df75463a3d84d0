"""gunicorn settings for the image and deploy/ (`gunicorn --config python:partnerhub.gunicorn_conf`).

Everything comes from the environment, so the ConfigMap tunes it without a new image. The read-only
root filesystem leaves /tmp (an emptyDir) for gunicorn's heartbeat files and the metrics files.
"""

import os
import shutil
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
# Kubernetes' terminationGracePeriodSeconds (90 s in deploy/) must stay longer than this.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# The access log is partnerhub.access (it knows the client's address and the request id).
accesslog = None
errorlog = "-"
if os.environ.get("LOG_FORMAT", "").lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "partnerhub.log_format.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "loggers": {"gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False}},
    }


def on_starting(server):
    """Metrics of the previous run's workers must not be added to this run's (prometheus_client multiprocess mode)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
