"""`make bench`: seed a large data set into PostgreSQL, serve it with gunicorn (3 workers), load it
with locust (headless, signed-in FastHttpUser) at 4 and 10 users, time the full reminder sweep, and
compare with the Django admin changelists. Writes bench-results/latest.json and prints a table.

    python -m tests.bench.run [--scale 1.0] [--duration 30] [--reuse]

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/partnerhub_bench).
"""

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench-results"
PORT = int(os.environ.get("BENCH_PORT", "8055"))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/partnerhub_bench"


def server_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "partnerhub.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "bench-only-" + "x" * 50,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SECURE_COOKIES": "false",
            "DJANGO_HSTS_SECONDS": "0",
            "DATABASE_URL": database_url,
            "EMAIL_URL": "dummymail://",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14",
            "AXES_FAILURE_LIMIT": "1000",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def recreate_database(database_url: str) -> None:
    import psycopg

    parsed = urlparse(database_url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def vacuum_analyze(database_url: str) -> None:
    """What autovacuum does on a live database: after bulk COPY and the sweeps' updates, the
    statistics and visibility map are fresh (index-only scans, e.g. counts, depend on it)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def page_paths(ctx) -> dict[str, str]:
    """The benchmarked pages that exist in this build, by name."""
    from django.urls import NoReverseMatch, reverse

    from partners.models import Partner

    middle = Partner.objects.filter(archived=False).order_by("name")[len(ctx.partner_ids) // 2]
    partner_pages = Partner.objects.filter(archived=False).count() // 25
    candidates = [
        ("dashboard", lambda: reverse("home")),
        ("partner list", lambda: reverse("partners:list")),
        ("partner list deep page", lambda: reverse("partners:list") + f"?page={max(partner_pages - 1, 1)}"),
        ("partner list filtered", lambda: reverse("partners:list") + "?stage=active&type=" + str(middle.types.first().pk)),
        ("partner list searched", lambda: reverse("partners:list") + "?q=Partner+0042"),
        ("partner detail", lambda: reverse("partners:detail", args=[middle.slug])),
        ("partner section: timeline", lambda: reverse("partners:section", args=[middle.slug, "timeline"])),
        ("contacts", lambda: reverse("partners:contacts")),
    ]
    candidates += EXTRA_PAGES(ctx, middle)
    pages = {}
    for name, build in candidates:
        try:
            path = build()
        except (NoReverseMatch, LookupError, AttributeError, IndexError) as missing:
            print(f"  skipping page {name!r}: {type(missing).__name__}: {missing}")
            continue
        if path:
            pages[name] = path
    return pages


def EXTRA_PAGES(ctx, partner) -> list:  # noqa: N802 - extended as the domain apps land
    from django.urls import reverse

    from partnerhub.attention import ATTENTION_PROVIDERS, discover

    discover()
    # The dashboard page is a shell; each panel is its own htmx request, so each is benched too.
    panels = [
        (f"{DASHBOARD_PANEL}{name}", lambda name=name: reverse("reporting:attention-panel", args=[name]))
        for name in sorted(ATTENTION_PROVIDERS)
    ]
    return panels + [
        ("activity feed", lambda: reverse("activities:feed")),
        ("activity feed deep", lambda: deep_feed_path()),
        ("deal registrations", lambda: reverse("activities:registrations")),
        ("certification compliance", lambda: reverse("certifications:overview")),
        ("accounting invoices", lambda: reverse("funds:accounting")),
        ("license reports", lambda: reverse("reporting:reports")),
        # Issue 18: the KPI overview, the reviews, one review's scorecard, the commissions and their history.
        ("partner KPIs", lambda: reverse("reporting:kpis")),
        ("quarterly reviews", lambda: reverse("reporting:reviews")),
        ("quarterly review scorecard", lambda: bench_review(partner).get_absolute_url()),
        ("commissions", lambda: reverse("funds:commissions")),
        ("commission history", lambda: reverse("funds:commission-history")),
        ("commission history of a partner", lambda: reverse("funds:commission-history") + f"?partner={commission_partner()}"),
    ]


def commission_partner() -> int:
    """A partner with commissions (seed_commissions gives them to the last partners)."""
    from funds.models import Commission

    return Commission.objects.order_by("-partner_id").values_list("partner_id", flat=True)[0]


def bench_review(partner):
    """The bench partner's review of last quarter, its scorecard read from the full-scale records once
    (the page reads it from the review, as in production)."""
    from django.utils import timezone

    from activities.models import quarter_of
    from reporting.models import QuarterlyReview
    from reporting.scorecard import previous_quarter, scorecard_compute

    today = timezone.localdate()
    quarter = previous_quarter(quarter_of(today))
    review, created = QuarterlyReview.objects.get_or_create(
        partner=partner, quarter=quarter, defaults={"held_on": today, "partner_score": 7}
    )
    if created:
        review.scorecard, review.scorecard_at = scorecard_compute(partner=partner, quarter=quarter, today=today), timezone.now()
        review.save(update_fields=["scorecard", "scorecard_at"])
    return review


DASHBOARD_PANEL = "dashboard panel: "
# Requested with the HX-Request header, the way the dashboard and the partner page load them.
HTMX_PREFIXES = (DASHBOARD_PANEL, "partner section: ")


def is_htmx(name: str) -> bool:
    return name.startswith(HTMX_PREFIXES)


def deep_feed_path() -> str:
    """A keyset cursor deep into the activity feed (about 90% of the way back)."""
    from django.apps import apps
    from django.urls import reverse

    activity = apps.get_model("activities", "Activity")
    total = activity.objects.count()
    row = activity.objects.order_by("-occurred_on", "-id").values("occurred_on", "id")[int(total * 0.9)]
    return reverse("activities:feed") + f"?before={row['occurred_on']}_{row['id']}"


ADMIN_PAGES = {
    "admin: partners": "/admin/partners/partner/",
    "admin: contacts": "/admin/partners/contact/",
    "admin: activities": "/admin/activities/activity/",
    "admin: deal registrations": "/admin/activities/dealregistration/",
    "admin: holdings": "/admin/certifications/holding/",
    "admin: invoices": "/admin/funds/invoice/",
    "admin: license reports": "/admin/reporting/licensereport/",
}
ADMIN_BASELINE_FOR = {
    "partner list": "admin: partners",
    "contacts": "admin: contacts",
    "activity feed": "admin: activities",
    "deal registrations": "admin: deal registrations",
    "accounting invoices": "admin: invoices",
    "license reports": "admin: license reports",
}


def count_queries(pages: dict[str, str], user) -> dict[str, tuple[int, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user, backend="partnerhub.auth_backends.PartnerHubBackend")
    result = {}
    for name, path in pages.items():
        headers = {"HX-Request": "true"} if is_htmx(name) else {}
        client.get(path, headers=headers)  # warm caches (content types, etc.) the way a running server has them
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, headers=headers)
        result[name] = (response.status_code, len(queries))
    return result


def wait_for_server(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own local server
            return
        except Exception:
            time.sleep(0.5)
    raise RuntimeError(f"server did not answer at {url}")


def run_locust(pages: dict[str, str], users: int, duration: int, label: str, username: str) -> dict:
    prefix = RESULTS / f"locust-{label}"
    env = dict(
        os.environ,
        BENCH_PAGES=json.dumps(pages),
        BENCH_HTMX=json.dumps([name for name in pages if is_htmx(name)]),
        BENCH_USERNAME=username,
        BENCH_PASSWORD="bench",
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(Path(__file__).with_name("locustfile.py")),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{duration}s",
            "--host",
            f"http://127.0.0.1:{PORT}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        check=False,
    )
    stats = {}
    with open(f"{prefix}_stats.csv") as handle:
        for row in csv.DictReader(handle):
            if not int(row["Request Count"]):
                continue  # the sign-in rows, emptied when the statistics restart after sign-in
            stats[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "rps": _number(row["Requests/s"]),
            }
    return stats


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:  # locust writes "N/A" where it has no figure
        return 0.0


def timed_command(env: dict[str, str], *args: str) -> dict:
    started = time.monotonic()
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    seconds = time.monotonic() - started
    peak_kb = int(result.stderr.strip().splitlines()[-1])
    return {"seconds": round(seconds, 2), "peak_mb": round(peak_kb / 1024, 1), "output": result.stdout.strip().splitlines()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1.0")))
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", "30")))
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded bench database")
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    RESULTS.mkdir(exist_ok=True)
    env = server_env(database_url)
    os.environ.update(env)
    timings = {}

    import django

    started = time.monotonic()
    if not args.reuse:
        print(f"== recreating {urlparse(database_url).path.lstrip('/')} and migrating", flush=True)
        recreate_database(database_url)
        manage(env, "migrate", "--noinput", "-v0")
    django.setup()
    from django.contrib.auth.models import User
    from django.utils import timezone

    from tests.bench import seed

    if args.reuse and User.objects.filter(username="bench000").exists():
        ctx = seed.Context(scale=args.scale, today=timezone.localdate())
        ctx.users = list(User.objects.filter(username__startswith="bench0").order_by("username"))
        ctx.manager = ctx.users[0]
        from partners.models import Partner

        ctx.partner_ids = list(Partner.objects.filter(slug__startswith="bench-partner-").values_list("pk", flat=True))
    else:
        print(f"== seeding at scale {args.scale}", flush=True)
        seed_started = time.monotonic()
        ctx = seed.seed_all(args.scale, timezone.localdate())
        timings["seed_seconds"] = round(time.monotonic() - seed_started, 1)
        print(f"   {ctx.counts}", flush=True)

    print("== reminder sweep (run_reminders), twice", flush=True)
    first_sweep = timed_command(env, "run_reminders")
    second_sweep = timed_command(env, "run_reminders")
    vacuum_analyze(database_url)
    from django.db import connection

    connection.close()

    print(
        f"   first {first_sweep['seconds']} s / {first_sweep['peak_mb']} MB: {' '.join(first_sweep['output'][-1:])}", flush=True
    )
    print(f"   second {second_sweep['seconds']} s / {second_sweep['peak_mb']} MB", flush=True)
    # Pages render with the manifest storage, as in production: static files before any request.
    manage(env, "collectstatic", "--noinput", "-v0")
    pages = page_paths(ctx)
    queries = count_queries(pages, ctx.manager)
    admin_pages = {name: path for name, path in ADMIN_PAGES.items() if name.split(": ")[1]}
    admin_queries = count_queries(admin_pages, User.objects.get(username="benchadmin"))
    admin_pages = {name: path for name, path in admin_pages.items() if admin_queries[name][0] == 200}
    connection.close()

    print("== gunicorn (3 workers)", flush=True)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "partnerhub.wsgi:application",
            "--workers",
            "3",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for_server(f"http://127.0.0.1:{PORT}/healthz")
        print("== locust: app pages at 4 users, 10 users; admin changelists at 4 users", flush=True)
        load = {
            "4": run_locust(pages, 4, args.duration, "app-4", "bench000"),
            "10": run_locust(pages, 10, args.duration, "app-10", "bench000"),
            "admin-4": run_locust(admin_pages, 4, args.duration, "admin-4", "benchadmin"),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)

    report = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "scale": args.scale,
        "duration_seconds": args.duration,
        "counts": ctx.counts,
        "timings": timings,
        "total_seconds": round(time.monotonic() - started, 1),
        "reminder_sweep": {"first": first_sweep, "second": second_sweep},
        "queries": {name: q for name, (_, q) in queries.items()},
        "status": {name: s for name, (s, _) in queries.items()},
        "admin_queries": {name: q for name, (_, q) in admin_queries.items()},
        "pages": pages,
        "load": load,
    }
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2, default=str))
    print_table(report)


def print_table(report: dict) -> None:
    load4, load10, admin = report["load"]["4"], report["load"]["10"], report["load"]["admin-4"]
    print()
    print(f"PartnerHub benchmark — {report['when']} — {report['machine']} — scale {report['scale']}")
    print(
        f"{'page':<46}{'queries':>8}{'p50@4':>8}{'p95@4':>8}{'p95@10':>8}{'fail':>6}{'admin p95':>11}{'admin q':>9}{'ratio':>7}"
    )
    for name in report["pages"]:
        s4, s10 = load4.get(name, {}), load10.get(name, {})
        admin_name = ADMIN_BASELINE_FOR.get(name)
        a = admin.get(admin_name, {}) if admin_name else {}
        ratio = f"{a['p95_ms'] / s4['p95_ms']:.1f}x" if a.get("p95_ms") and s4.get("p95_ms") else "—"
        print(
            f"{name:<46}{report['queries'][name]:>8}{s4.get('p50_ms', 0):>8.0f}{s4.get('p95_ms', 0):>8.0f}"
            f"{s10.get('p95_ms', 0):>8.0f}{s4.get('failures', 0) + s10.get('failures', 0):>6}"
            f"{a.get('p95_ms', 0) if a else 0:>11.0f}{report['admin_queries'].get(admin_name, 0) if admin_name else 0:>9}{ratio:>7}"
        )
    for users, stats in (("4", load4), ("10", load10)):
        agg = stats.get("Aggregated", {})
        print(
            f"aggregate at {users:>2} users: {agg.get('rps', 0):.0f} req/s, p95 {agg.get('p95_ms', 0):.0f} ms, failures {agg.get('failures', 0)}"
        )
    sweep = report["reminder_sweep"]
    print(
        f"run_reminders: first {sweep['first']['seconds']} s / {sweep['first']['peak_mb']} MB, "
        f"second {sweep['second']['seconds']} s / {sweep['second']['peak_mb']} MB"
    )
    print(f"results: {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
