"""Issue 19: /metrics (protected, per view, queries, tasks, reminders, sweeps), JSON logs with a request id,
the liveness probe. README "Deploy on Kubernetes/OpenShift" > "Monitoring"."""

import json
import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from partnerhub import metrics, reminders, tasks
from partnerhub.log_format import JsonFormatter, request_id_var
from partnerhub.models import SweepStatus

from ..factories import ContractFactory, PartnerFactory

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-tests"  # noqa: S105


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN

    def get() -> str:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        return response.content.decode()

    return get


@pytest.fixture(autouse=True)
def _fresh_counters(monkeypatch):
    monkeypatch.setattr(metrics, "_local", metrics.defaultdict(float))


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in the exposition text."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        series, value = line.rsplit(" ", 1)
        if series.split("{")[0] != name:
            continue
        if all(f'{key}="{value_}"' in series for key, value_ in labels.items()):
            return float(value)
    return None


def test_metrics_do_not_exist_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404


def test_metrics_need_the_bearer_token(client, settings, manager_client):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401
    # A signed-in user is not Prometheus either.
    assert manager_client.get("/metrics").status_code == 401


def test_prometheus_scrapes_a_pod_by_ip_over_plain_http(client, settings):
    """As /healthz: no HTTPS redirect and no Host check for the pod's address."""
    settings.METRICS_TOKEN = TOKEN
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["partnerhub.example.com"]
    response = client.get("/metrics", HTTP_HOST="10.128.3.17:8000", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200


def test_request_latency_errors_and_queries_per_view(scrape, manager_client):
    manager_client.get("/partners/")
    manager_client.get("/partners/999999/")
    text = scrape()
    assert sample(text, "django_http_requests_latency_seconds_by_view_method_count", view="partners:list", method="GET") >= 1
    assert sample(text, "django_http_responses_total_by_status_view_method_total", status="404", view="partners:detail") >= 1
    assert sample(text, "partnerhub_db_queries_per_request_count", view="partners:list") >= 1
    assert sample(text, "partnerhub_db_queries_per_request_sum", view="partners:list") >= 3


def test_sweep_age_failures_and_reminders_per_kind(scrape, manager, monkeypatch):
    partner = PartnerFactory(manager=manager)
    ContractFactory(partner=partner, end_date=timezone.localdate() + timedelta(days=30), notice_period_days=0)
    assert reminders.run_sweep("contract_notice_deadline").count == 1
    SweepStatus.objects.filter(name="contract_notice_deadline").update(last_success_at=timezone.now() - timedelta(hours=3))

    def broken(today):
        raise RuntimeError("boom")

    monkeypatch.setitem(reminders.REMINDERS, "certification_expiring", broken)
    assert reminders.run_sweep("certification_expiring").failed

    text = scrape()
    age = sample(text, "partnerhub_sweep_last_success_age_seconds", sweep="contract_notice_deadline")
    assert 3 * 3600 <= age < 3 * 3600 + 60
    assert sample(text, "partnerhub_sweep_failing", sweep="contract_notice_deadline") == 0
    assert sample(text, "partnerhub_sweep_failing", sweep="certification_expiring") == 1
    assert sample(text, "partnerhub_reminders_sent_total", kind="contract_notice_deadline") == 1
    assert sample(text, "partnerhub_reminders_failed_total", kind="certification_expiring", stage="sweep") == 1
    assert sample(text, "partnerhub_sweep_runs_total", sweep="certification_expiring", outcome="failure") == 1
    assert sample(text, "partnerhub_outbox_oldest_pending_age_seconds") is not None
    assert sample(text, "partnerhub_metrics_database_up") == 1


def test_celery_task_outcomes(scrape):
    tasks.deliver_outbox.apply()
    text = scrape()
    assert sample(text, "partnerhub_celery_tasks_total", task="partnerhub.tasks.deliver_outbox", outcome="success") == 1


def test_a_metric_never_fails_the_work(settings, monkeypatch):
    """Redis unreachable: the counter is dropped, the caller goes on."""
    settings.METRICS_REDIS_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setattr(metrics, "_client", None)
    metrics.increment("partnerhub_reminders_sent", kind="x")


def test_liveness_does_not_ask_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz?probe=live")
    assert response.status_code == 200
    with django_assert_num_queries(1):
        assert client.get("/healthz").json()["database"] == "ok"


def test_every_response_carries_a_request_id_and_the_access_log_has_it(client, caplog):
    caplog.set_level(logging.INFO, logger="partnerhub.access")
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="ingress-1234abcd")
    assert response["X-Request-ID"] == "ingress-1234abcd"
    record = next(r for r in caplog.records if r.name == "partnerhub.access")
    assert record.view == "login" and record.status == 200 and record.db_queries >= 0
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "ingress-1234abcd"
    assert line["path"] == "/accounts/login/" and line["logger"] == "partnerhub.access"
    # A header that is not a plausible id (spaces, quotes, too short) is replaced by a new one.
    for bad in ('x" injected', "short"):
        assert client.get("/accounts/login/", HTTP_X_REQUEST_ID=bad)["X-Request-ID"] != bad


def test_json_lines_carry_the_request_id_extra_fields_and_the_traceback():
    token = request_id_var.set("req-42abcdef")
    try:
        try:
            raise ValueError("bad")
        except ValueError:
            record = logging.getLogger("partnerhub.test").makeRecord(
                "partnerhub.test", logging.ERROR, __file__, 1, "failed %s", ("x",), exc_info=True, extra={"partner": 7}
            )
            import sys

            record.exc_info = sys.exc_info()
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["message"] == "failed x" and entry["level"] == "ERROR" and entry["request_id"] == "req-42abcdef"
    assert entry["partner"] == 7 and "ValueError: bad" in entry["exception"] and entry["time"].endswith("Z")
