"""Issue 19: the backup procedure of README "Backups and restore", done for real on the local PostgreSQL:
a database with the demo data is dumped (pg_dump -Fc, as the CronJob does), DROPPED, restored
(pg_restore into a new empty database), and the restored database is served by gunicorn with
production settings: the probe answers, a demo user signs in, the partner list shows the same
partners, and `migrate --check` finds nothing missing.

Runs in `make deploy-check` (PARTNERHUB_RESTORE_TEST=1, needs PostgreSQL and pg_dump/pg_restore);
skipped in `make test`, which has its own database handling.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from .manifests import ROOT

ADMIN_URL = os.environ.get("RESTORE_TEST_PG", "postgres://postgres@127.0.0.1:5432")
pytestmark = pytest.mark.skipif(
    os.environ.get("PARTNERHUB_RESTORE_TEST") != "1" or not shutil.which("pg_dump") or not shutil.which("pg_restore"),
    reason="runs in make deploy-check (PARTNERHUB_RESTORE_TEST=1) with PostgreSQL, pg_dump and pg_restore",
)


def psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(  # noqa: S603
        ["psql", f"{ADMIN_URL}/{database}", "-v", "ON_ERROR_STOP=1", "-Atc", sql], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    assert result.returncode == 0, f"manage.py {' '.join(args)}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
    return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


COUNT_SQL = "SELECT (SELECT count(*) FROM partners_partner) || '/' || (SELECT count(*) FROM auth_user) || '/' || (SELECT count(*) FROM django_migrations)"


def test_dump_drop_restore_and_serve(tmp_path):
    database = f"partnerhub_restore_{os.getpid()}"
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST", "TEST_DATABASE"))},
        "DJANGO_SETTINGS_MODULE": "partnerhub.settings",
        "DJANGO_SECRET_KEY": "restore-test-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DATABASE_URL": f"{ADMIN_URL}/{database}",
        "CELERY_BROKER_URL": "memory://",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOG_FORMAT": "json",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    dump = tmp_path / "partnerhub.dump"
    server = None
    psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{database}"')
    try:
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "seed_demo", "--force")
        before = psql(COUNT_SQL, database)

        # The backup (README; the CronJob example runs the same command).
        subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump), f"{ADMIN_URL}/{database}"], check=True)  # noqa: S603
        assert dump.stat().st_size > 10_000

        # The disaster: the database is gone.
        psql(f'DROP DATABASE "{database}" WITH (FORCE)')
        assert database not in psql("SELECT datname FROM pg_database").split()

        # The restore (README): a new empty database, then pg_restore.
        psql(f'CREATE DATABASE "{database}"')
        subprocess.run(  # noqa: S603
            ["pg_restore", "--no-owner", "--exit-on-error", "-d", f"{ADMIN_URL}/{database}", str(dump)], check=True
        )
        assert psql(COUNT_SQL, database) == before
        manage(env, "migrate", "--check")
        # As the image does at build time: production settings serve static files from the manifest,
        # which a fresh checkout does not have yet (every page would answer 500 without it).
        manage(env, "collectstatic", "--noinput", "-v", "0")

        # And it serves: gunicorn with production settings on the restored database.
        port = free_port()
        log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115
        server = subprocess.Popen(  # noqa: S603
            [str(Path(sys.executable).parent / "gunicorn"), "partnerhub.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                probe = requests.get(f"{base}/healthz", timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):  # not up yet, or slow on a busy machine
                assert time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()[-3000:]
                time.sleep(0.5)
        assert probe.status_code == 200 and probe.json()["database"] == "ok"
        session = requests.Session()
        page = session.get(f"{base}/accounts/login/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        signed_in = session.post(
            f"{base}/accounts/login/",
            data={"csrfmiddlewaretoken": token, "username": "manager", "password": "demo"},
            headers={"Referer": f"{base}/accounts/login/"},
            allow_redirects=False,
            timeout=10,
        )
        assert signed_in.status_code == 302, signed_in.text[:500]
        partners = session.get(f"{base}/partners/", timeout=20)
        assert partners.status_code == 200
        name = psql("SELECT name FROM partners_partner ORDER BY name LIMIT 1", database)
        assert name.replace("&", "&amp;") in partners.text or name in partners.text
        print(f"restored: {before} (partners/users/migrations) from a {dump.stat().st_size:,}-byte dump; served {name!r}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
