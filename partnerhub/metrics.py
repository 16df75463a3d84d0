"""Prometheus metrics: GET /metrics with `Authorization: Bearer <METRICS_TOKEN>` (README, "Monitoring").

Three sources, so that any web pod answers for the whole installation:
- per process, aggregated over a pod's gunicorn workers (prometheus_client multiprocess mode,
  PROMETHEUS_MULTIPROC_DIR, see partnerhub/gunicorn_conf.py): request latency, responses by status
  and exceptions per view (django-prometheus' middleware), database queries per request per view;
- shared counters in Redis, written by whichever process did the work (a worker, a web pod):
  Celery task outcomes, reminders sent and failed per kind, sweep runs. Without Redis (development,
  tests) they stay in the process;
- PostgreSQL at scrape time: each sweep's last success (and its age) and failure (SweepStatus), the
  outbox's pending mail.
Writing a metric never fails the work it measures: a Redis error is logged at DEBUG and dropped.
"""

import contextvars
import hmac
import logging
import os
import threading
from collections import defaultdict

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

logger = logging.getLogger(__name__)

DB_QUERIES = Histogram(
    "partnerhub_db_queries_per_request",
    "Database queries run by one request, by view",
    ["view"],
    buckets=(1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144),
)

# --- shared counters ------------------------------------------------------------------------------

SHARED_KEY = "partnerhub:metrics"
# name -> (help, label names)
SHARED_COUNTERS = {
    "partnerhub_celery_tasks": ("Celery tasks finished, by task and outcome (success, failure, retry)", ("task", "outcome")),
    "partnerhub_reminders_sent": ("Reminders delivered (claimed, mailed, notified), by kind", ("kind",)),
    "partnerhub_reminders_failed": (
        "Reminders not delivered, by kind and stage (render, send, database, object, sweep); retried by the next sweep",
        ("kind", "stage"),
    ),
    "partnerhub_sweep_runs": ("Sweep runs, by sweep and outcome (success, failure)", ("sweep", "outcome")),
}
_local: defaultdict[str, float] = defaultdict(float)  # without Redis
_client_lock = threading.Lock()
_client: tuple[str, object] | None = None


def _redis_url() -> str:
    url = getattr(settings, "METRICS_REDIS_URL", "") or settings.CELERY_BROKER_URL or ""
    return url if url.startswith(("redis://", "rediss://")) else ""


def _redis():
    global _client
    url = _redis_url()
    if not url:
        return None
    with _client_lock:
        if _client is None or _client[0] != url:
            import redis

            _client = (url, redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5))
        return _client[1]


def _field(name: str, labels: dict[str, str]) -> str:
    label_names = SHARED_COUNTERS[name][1]
    return "|".join([name, *(str(labels.get(label, "")).replace("|", "/") for label in label_names)])


def increment(name: str, amount: float = 1, **labels: str) -> None:
    """Add to a shared counter (SHARED_COUNTERS). Never raises."""
    if not amount:
        return
    field = _field(name, labels)
    try:
        client = _redis()
        if client is None:
            _local[field] += amount
        else:
            client.hincrbyfloat(SHARED_KEY, field, amount)
    except Exception:
        logger.debug("Metric %s not recorded", name, exc_info=True)


def shared_values() -> dict[str, float]:
    client = _redis()
    if client is None:
        return dict(_local)
    return {key.decode(): float(value) for key, value in client.hgetall(SHARED_KEY).items()}


# --- Celery ----------------------------------------------------------------------------------------


def connect_celery_signals() -> None:
    """Task outcomes, and the task id as the request id of the task's log lines (partnerhub/celery.py)."""
    from celery import signals

    from .log_format import request_id_var

    def outcome(name: str):
        def record(sender=None, **kwargs):
            increment("partnerhub_celery_tasks", task=getattr(sender, "name", str(sender)), outcome=name)

        return record

    for signal, name in ((signals.task_success, "success"), (signals.task_failure, "failure"), (signals.task_retry, "retry")):
        signal.connect(outcome(name), weak=False)

    tokens: dict[str | None, contextvars.Token[str]] = {}

    def prerun(task_id=None, **kwargs):
        tokens[task_id] = request_id_var.set(task_id or "")

    def postrun(task_id=None, **kwargs):
        token = tokens.pop(task_id, None)
        if token is not None:
            request_id_var.reset(token)

    signals.task_prerun.connect(prerun, weak=False)
    signals.task_postrun.connect(postrun, weak=False)


# --- the scrape -------------------------------------------------------------------------------------


class InstallationCollector:
    """What is the same for every pod: read from PostgreSQL and Redis at each scrape."""

    def collect(self):
        database_up = GaugeMetricFamily("partnerhub_metrics_database_up", "1 when the scrape could read the database")
        try:
            yield from self._from_database()
            database_up.add_metric([], 1)
        except Exception:
            logger.warning("Metrics: the database could not be read", exc_info=True)
            database_up.add_metric([], 0)
        yield database_up
        redis_up = GaugeMetricFamily("partnerhub_metrics_shared_counters_up", "1 when the shared counters (Redis) could be read")
        try:
            values = shared_values()
            redis_up.add_metric([], 1)
        except Exception:
            logger.warning("Metrics: the shared counters could not be read", exc_info=True)
            values = {}
            redis_up.add_metric([], 0)
        yield redis_up
        families = {
            name: CounterMetricFamily(name, help_text, labels=list(labels))
            for name, (help_text, labels) in SHARED_COUNTERS.items()
        }
        for field, value in sorted(values.items()):
            name, *label_values = field.split("|")
            if name in families and len(label_values) == len(SHARED_COUNTERS[name][1]):
                families[name].add_metric(label_values, value)
        yield from families.values()

    def _from_database(self):
        from django.db.models import Min
        from django.utils import timezone

        from .models import OutgoingEmail, SweepStatus

        now = timezone.now()
        success = GaugeMetricFamily(
            "partnerhub_sweep_last_success_timestamp_seconds", "When the sweep last ran without a failure", labels=["sweep"]
        )
        age = GaugeMetricFamily(
            "partnerhub_sweep_last_success_age_seconds", "Seconds since the sweep last succeeded", labels=["sweep"]
        )
        last_run = GaugeMetricFamily("partnerhub_sweep_last_run_timestamp_seconds", "When the sweep last ran", labels=["sweep"])
        failing = GaugeMetricFamily("partnerhub_sweep_failing", "1 when the sweep's last run failed", labels=["sweep"])
        count = GaugeMetricFamily("partnerhub_sweep_last_count", "Sent or updated by the sweep's last run", labels=["sweep"])
        for status in SweepStatus.objects.all():
            if status.last_success_at:
                success.add_metric([status.name], status.last_success_at.timestamp())
                age.add_metric([status.name], (now - status.last_success_at).total_seconds())
            if status.last_run_at:
                last_run.add_metric([status.name], status.last_run_at.timestamp())
            failing.add_metric([status.name], 1 if status.failing else 0)
            count.add_metric([status.name], status.last_count)
        yield from (success, age, last_run, failing, count)
        pending = OutgoingEmail.objects.filter(sent_at__isnull=True).aggregate(oldest=Min("created_at"))["oldest"]
        oldest = GaugeMetricFamily(
            "partnerhub_outbox_oldest_pending_age_seconds", "Age of the oldest unsent mail in the outbox (0: none waiting)"
        )
        oldest.add_metric([], (now - pending).total_seconds() if pending else 0)
        yield oldest


_installation = CollectorRegistry(auto_describe=False)
_installation.register(InstallationCollector())


def exposition() -> bytes:
    """This pod's metrics (all its gunicorn workers in multiprocess mode) and the installation's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        own = generate_latest(registry)
    else:
        own = generate_latest(REGISTRY)
    return own + generate_latest(_installation)


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Only with the bearer token (METRICS_TOKEN); without one set, /metrics does not exist (404).
    Answered by ProbeMiddleware before anything else: Prometheus scrapes pods by IP over plain HTTP."""
    token = getattr(settings, "METRICS_TOKEN", "")
    if not token or request.method != "GET":
        return HttpResponse("Not found", status=404, content_type="text/plain")
    sent = request.headers.get("Authorization", "")
    if not (sent.startswith("Bearer ") and hmac.compare_digest(sent[7:].strip().encode(), token.encode())):
        response = HttpResponse("A bearer token is needed", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
