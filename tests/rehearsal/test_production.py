"""What an operator and a user see of the deployed stack: two gunicorns behind nginx over https.

Run by tests/rehearsal/run.py (make rehearsal); skipped elsewhere (see conftest.py).
"""

import os
import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter

from .conftest import LIVE_URL

# The certificate nginx presents is made by the rehearsal at run time; the checks trust exactly it.
CA_CERTIFICATE = os.environ.get("REHEARSAL_CA_CERT", "")

DEMO_PASSWORD = "demo"  # noqa: S105  (the published demo password of seed_demo)
ROLES = ["admin", "manager", "sales", "marketing", "accounting", "engineer"]
MAX_PAGES_PER_ROLE = 120


class FromAddress(HTTPAdapter):
    """Connects from a chosen loopback address (127.0.0.2, 127.0.0.3 …): a different client to nginx."""

    def __init__(self, address: str, **kwargs):
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def browser(address: str = "127.0.0.1") -> requests.Session:
    session = requests.Session()
    session.verify = CA_CERTIFICATE
    session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment replaces session.verify
    session.mount("https://", FromAddress(address))
    return session


class _Forms(HTMLParser):
    """The hidden inputs (CSRF token, one-time form token) and the links of a page."""

    def __init__(self):
        super().__init__()
        self.hidden: dict[str, str] = {}
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.hidden[attributes["name"]] = attributes.get("value") or ""
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])


def parse(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    return parser


def sign_in(session: requests.Session, base: str, username: str, password: str = DEMO_PASSWORD) -> requests.Response:
    page = session.get(f"{base}/accounts/login/")
    assert page.status_code == 200, f"login page answered {page.status_code}"
    data = {**parse(page.text).hidden, "username": username, "password": password}
    return session.post(
        f"{base}/accounts/login/", data=data, headers={"Origin": base, "Referer": page.url}, allow_redirects=False
    )


def post_form(session: requests.Session, base: str, path: str, fields: dict, files: dict | None = None) -> requests.Response:
    page = session.get(f"{base}{path}")
    assert page.status_code == 200, f"{path} answered {page.status_code}"
    data = {**parse(page.text).hidden, **fields}
    return session.post(
        f"{base}{path}", data=data, files=files, headers={"Origin": base, "Referer": page.url}, allow_redirects=False
    )


def test_a_probe_gets_healthz_over_plain_http_from_each_instance(probe_urls, summary):
    answers = {}
    for url in probe_urls:
        # A kubelet calls the pod by its IP: an unknown Host, plain HTTP.
        response = requests.get(f"{url}/healthz", headers={"Host": "10.128.4.17:8000"}, timeout=5, allow_redirects=False)
        answers[url] = response.status_code
        assert response.status_code == 200
        assert response.json()["database"] == "ok"
    summary["probe GET /healthz (pod address as Host)"] = answers


@pytest.mark.parametrize("username", ROLES)
def test_every_page_a_role_can_reach_answers_without_a_server_error(username, summary):
    session = browser()
    assert sign_in(session, LIVE_URL, username).status_code == 302
    seen, queue, statuses = set(), ["/"], Counter()
    errors = []
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = session.get(f"{LIVE_URL}{path}", allow_redirects=False)
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            errors.append(f"{path} -> {response.status_code}")
        if "text/html" not in response.headers.get("Content-Type", ""):
            continue
        for href in parse(response.text).links:
            target = urlsplit(urljoin(f"{LIVE_URL}{path}", href))
            if target.netloc != urlsplit(LIVE_URL).netloc or re.search(r"logout|/admin/.+/delete/", target.path):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    summary.setdefault("pages fetched through the proxy", {})[username] = dict(statuses)
    assert not errors, errors
    assert len(seen) > 5


def test_five_wrong_passwords_lock_out_that_address_not_the_account(instance_urls, rehearsal_db, summary):
    from axes.models import AccessAttempt

    attacker = browser("127.0.0.2")
    answers = [sign_in(attacker, LIVE_URL, "admin", "wrong").status_code for _ in range(5)]
    assert answers[-1] == 429, answers
    assert sign_in(attacker, LIVE_URL, "admin").status_code == 429  # the right password, from the locked address
    for instance in instance_urls:
        assert sign_in(browser("127.0.0.2"), instance, "admin").status_code == 429  # locked on either instance
    # The address nginx saw, not nginx's own: the proxy is trusted for exactly one hop.
    assert list(AccessAttempt.objects.filter(username="admin").values_list("ip_address", flat=True)) == ["127.0.0.2"]
    # The break-glass admin still signs in from anywhere else, on either instance.
    for instance in instance_urls:
        assert sign_in(browser("127.0.0.3"), instance, "admin").status_code == 302
    summary["lock-out"] = "5 failures from 127.0.0.2 lock 127.0.0.2 only; admin signs in from 127.0.0.3 on both instances"


def test_a_file_uploaded_through_one_instance_downloads_through_the_other(instance_urls, rehearsal_db, summary):
    from partners.models import Contract, Partner

    first, second = instance_urls
    session = browser()
    assert sign_in(session, first, "manager").status_code == 302
    partner = Partner.objects.get(name="Red Hat")
    document = b"%PDF-1.4\n% rehearsal upload\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    response = post_form(
        session,
        first,
        f"/partners/{partner.slug}/contracts/new/",
        {"kind": "nda", "title": "Rehearsal NDA", "start_date": "2026-01-01", "notice_period_days": "0"},
        files={"document": ("rehearsal-nda.pdf", document, "application/pdf")},
    )
    assert response.status_code == 302, response.text[:2000]
    contract = Contract.objects.get(title="Rehearsal NDA")
    download = session.get(f"{second}/partners/{partner.slug}/contracts/{contract.pk}/document/")
    assert download.status_code == 200
    assert download.content == document
    summary["upload"] = "contract uploaded through instance A, the same bytes downloaded through instance B"


def test_a_write_that_informs_the_team_is_saved_and_its_mail_queued(instance_urls, rehearsal_db, summary):
    """The mail itself is counted by run.py once the worker has sent it (kind activity_logged)."""
    from activities.models import Activity
    from partnerhub.models import OutgoingEmail
    from partners.models import Partner

    session = browser()
    assert sign_in(session, instance_urls[1], "sales").status_code == 302
    partner = Partner.objects.get(name="Red Hat")
    response = post_form(
        session,
        instance_urls[1],
        "/activities/new/",
        {
            "partner": partner.pk,
            "kind": "meeting",
            "occurred_on": "2026-11-02",
            "subject": "Rehearsal: tell the team",
            "inform_team": "on",
        },
    )
    assert response.status_code == 302, response.text[:2000]
    assert Activity.objects.filter(subject="Rehearsal: tell the team").count() == 1
    assert OutgoingEmail.objects.filter(kind="activity_logged").exists()
    summary["write with 'inform the team'"] = "saved; mail queued for the worker"


def test_metrics_are_protected_and_every_instance_reports_the_same_installation(probe_urls, summary):
    """Issue 19: /metrics by pod address over plain HTTP, only with the token; the sweeps' state comes
    from PostgreSQL and the counters from Redis, so both instances answer the same for the installation."""
    token = os.environ["REHEARSAL_METRICS_TOKEN"]
    ages = {}
    for url in probe_urls:
        assert requests.get(f"{url}/metrics", headers={"Host": "10.128.4.17:8000"}, timeout=5).status_code == 401
        response = requests.get(
            f"{url}/metrics", headers={"Host": "10.128.4.17:8000", "Authorization": f"Bearer {token}"}, timeout=10
        )
        assert response.status_code == 200
        lines = response.text.splitlines()
        assert any(line.startswith("django_http_requests_latency_seconds_by_view_method_count{") for line in lines)
        assert any(line.startswith("partnerhub_db_queries_per_request_count{") for line in lines)
        ran = sorted(
            line.split("{")[1].split("}")[0] for line in lines if line.startswith("partnerhub_sweep_last_run_timestamp_seconds{")
        )
        # The kinds with a count (values may grow between the two scrapes: the beat keeps sweeping).
        sent = sorted(line.split(" ")[0] for line in lines if line.startswith("partnerhub_reminders_sent_total{"))
        assert ran, "the beat's sweeps are reported"
        ages[url] = (ran, sent)
    assert len({repr(value) for value in ages.values()}) == 1, ages
    summary["/metrics (token, both instances the same sweeps and reminder counters)"] = f"{len(ages[probe_urls[0]][0])} sweeps"
