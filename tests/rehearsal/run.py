"""The production rehearsal: PartnerHub run exactly as it is deployed, then used and checked.

    make rehearsal        (or .ci/rehearsal, which CI runs)

1. A new virtualenv with only requirements/base.txt, built by scripts/install-requirements (the
   script the Dockerfile runs), and production settings: DJANGO_DEBUG unset, a generated secret
   key, PostgreSQL, Redis, SMTP to a real mail server (aiosmtpd) this script starts.
2. `check --deploy --fail-level WARNING`, every module of the project imported, collectstatic,
   migrate, seed_demo --force.
3. Two gunicorn instances (2 workers each) behind nginx, which terminates TLS with a certificate
   made here, sets X-Forwarded-For/-Proto and balances between them; one Celery worker.
4. The checks in tests/rehearsal/ and the browser journeys in tests/e2e/ run through the proxy
   over https (pytest with PARTNERHUB_LIVE_URL set; see their conftest.py).
5. Then exactly one beat starts: every reminder kind due in the demo data must reach the SMTP
   server, each once, sent by the beat and the worker, and nothing more on later sweeps.
Everything started is stopped at the end; a short summary is printed. Exit status 0 only if all passed.
"""

import json
import mailbox
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEV_PYTHON = Path(sys.executable)
PG_ADMIN_URL = os.environ.get("REHEARSAL_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("REHEARSAL_DB_NAME", "partnerhub_rehearsal")
REDIS_URL = os.environ.get("REHEARSAL_REDIS_URL", "redis://127.0.0.1:6379/13")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SWEEP_SECONDS = 10


def say(text: str) -> None:
    print(f"\n--- rehearsal: {text}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Processes:
    """Everything the rehearsal starts, stopped in reverse order whatever happens."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115  (closed with the process)
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.running.append((name, process))
        return process

    def check_alive(self) -> None:
        for name, process in self.running:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see {self.logs / (name + '.log')}")

    def stop_all(self) -> None:
        for _name, process in reversed(self.running):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for _name, process in reversed(self.running):
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.running.clear()


def run(command: list[str], env: dict[str, str], *, capture: bool = False) -> str:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-4000:], sep="\n")
        raise RuntimeError(f"failed ({result.returncode}): {' '.join(command)}")
    return result.stdout if capture else ""


def wait_for(url: str, *, seconds: float = 60) -> int:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310  (our own local server)
                return response.status
        except Exception as error:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {seconds:.0f} s: {error}") from error
            time.sleep(0.5)


def build_runtime_venv(work: Path) -> Path:
    venv = work / "venv"
    subprocess.run([_base_python(), "-m", "venv", str(venv)], check=True)
    subprocess.run([str(ROOT / "scripts" / "install-requirements"), str(venv / "bin" / "python"), "base"], check=True)
    return venv


def _base_python() -> str:
    """The interpreter the dev venv was made from: a runtime venv must not inherit its packages."""
    import sysconfig

    base = Path(sys.base_prefix) / "bin" / f"python{sysconfig.get_python_version()}"
    return str(base if base.exists() else shutil.which("python3.11") or "python3")


def reset_database() -> str:
    import psycopg

    with psycopg.connect(f"{PG_ADMIN_URL}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DB_NAME}"')
    return f"{PG_ADMIN_URL}/{DB_NAME}"


def reset_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def make_certificate(work: Path) -> tuple[Path, Path]:
    cert, key = work / "tls.crt", work / "tls.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def nginx_config(work: Path, cert: Path, key: Path, proxy: int, pinned: tuple[int, int], backends: tuple[int, int]) -> Path:
    user = "user root root;" if os.geteuid() == 0 else ""
    locations = """
        location / {
            proxy_pass http://%s;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_redirect off;
        }"""
    servers = [(proxy, "partnerhub"), (pinned[0], "instance_a"), (pinned[1], "instance_b")]
    server_blocks = "\n".join(
        f"""
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        client_max_body_size 12m;
        {locations % upstream}
    }}"""
        for port, upstream in servers
    )
    config = work / "nginx.conf"
    config.write_text(
        f"""{user}
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/logs/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {work}/logs/nginx-access.log;
    client_body_temp_path {work}/nginx-tmp/body;
    proxy_temp_path {work}/nginx-tmp/proxy;
    fastcgi_temp_path {work}/nginx-tmp/fastcgi;
    uwsgi_temp_path {work}/nginx-tmp/uwsgi;
    scgi_temp_path {work}/nginx-tmp/scgi;
    upstream partnerhub {{ server 127.0.0.1:{backends[0]}; server 127.0.0.1:{backends[1]}; }}
    upstream instance_a {{ server 127.0.0.1:{backends[0]}; }}
    upstream instance_b {{ server 127.0.0.1:{backends[1]}; }}
    {server_blocks}
}}
"""
    )
    (work / "nginx-tmp").mkdir(exist_ok=True)
    return config


def reminder_kinds(venv: Path, env: dict[str, str]) -> list[str]:
    code = "import django; django.setup(); from partnerhub import reminders; print(','.join(sorted(reminders.REMINDERS)))"
    return run([str(venv / "bin" / "python"), "-c", code], env, capture=True).strip().splitlines()[-1].split(",")


def mails_by_kind(maildir: Path) -> tuple[Counter, Counter]:
    """Per kind, and per (kind, recipient, subject) to find anything sent twice."""
    per_kind, per_message = Counter(), Counter()
    if not maildir.exists():
        return per_kind, per_message
    for message in mailbox.Maildir(str(maildir), create=False):
        # A digest carries every kind it contains, comma-separated: each kind counts as arrived.
        kinds = [kind.strip() for kind in message.get("X-PartnerHub-Kind", "unknown").split(",")]
        for kind in kinds:
            per_kind[kind] += 1
            per_message[(kind, message.get("To"), message.get("Subject"))] += 1
    return per_kind, per_message


def main() -> int:  # noqa: C901, PLR0915  (one script that reads top to bottom)
    work = Path(os.environ.get("REHEARSAL_DIR") or tempfile.mkdtemp(prefix="partnerhub-rehearsal-"))
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    processes = Processes(logs)
    summary: dict[str, object] = {"work directory": str(work)}
    failed = False
    try:
        say("a new virtualenv with requirements/base.txt only (scripts/install-requirements)")
        venv = build_runtime_venv(work)
        python, bin_dir = str(venv / "bin" / "python"), venv / "bin"

        ports = {name: free_port() for name in ("web_a", "web_b", "proxy", "pinned_a", "pinned_b", "smtp")}
        base_url = f"https://localhost:{ports['proxy']}"
        maildir = work / "maildir"
        database_url = reset_database()
        reset_redis()
        env = {
            "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(work),
            "LANG": "C.UTF-8",
            "DJANGO_SETTINGS_MODULE": "partnerhub.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
            "DJANGO_CSRF_TRUSTED_ORIGINS": f"{base_url},https://localhost:{ports['pinned_a']},https://localhost:{ports['pinned_b']}",
            "PARTNERHUB_SITE_URL": base_url,
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": REDIS_URL,
            "EMAIL_URL": f"smtp://127.0.0.1:{ports['smtp']}",
            "EMAIL_TIMEOUT": "5",
            "TRUSTED_PROXY_COUNT": "1",
            "MEDIA_ROOT": str(work / "media"),
            "REMINDER_SWEEP_SECONDS": str(SWEEP_SECONDS),
            "LOG_FORMAT": "json",  # as deploy/base/configmap.yaml
            "METRICS_TOKEN": secrets.token_urlsafe(24),
        }

        say("a real SMTP server (aiosmtpd) writing to a Maildir")
        processes.start(
            "smtp",
            [
                str(DEV_PYTHON),
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{ports['smtp']}",
                "-c",
                "aiosmtpd.handlers.Mailbox",
                str(maildir),
            ],
            {**os.environ},
        )

        say("manage.py check --deploy --fail-level WARNING")
        print(run([python, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env, capture=True).strip())
        summary["check --deploy"] = "clean"

        say("every module of the project imports with the runtime dependencies only")
        imported = run([python, "-m", "tests.rehearsal.import_all"], env, capture=True).strip()
        print(imported)
        summary["modules imported"] = imported.split()[0]

        say("collectstatic, migrate, seed_demo --force")
        run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
        run([python, "manage.py", "migrate", "--noinput", "-v", "0"], env)
        run([python, "manage.py", "seed_demo", "--force"], env)
        # Every reminder kind has something due in the demo data; activity_logged comes from the
        # write with "inform the team" that the checks make (sent through the outbox by the worker).
        kinds = [*reminder_kinds(venv, env), "activity_logged"]

        say("two gunicorn instances, one Celery worker, nginx with TLS in front")
        for name in ("web_a", "web_b"):
            # The image's command (Dockerfile CMD) with the settings deploy/'s ConfigMap gives it;
            # each instance has its own metrics directory, as each pod has its own /tmp.
            instance_env = {
                **env,
                "GUNICORN_BIND": f"127.0.0.1:{ports[name]}",
                "GUNICORN_WORKERS": "2",
                "PROMETHEUS_MULTIPROC_DIR": str(work / f"prometheus-{name}"),
            }
            processes.start(
                f"gunicorn-{name}",
                [str(bin_dir / "gunicorn"), "--config", "python:partnerhub.gunicorn_conf", "partnerhub.wsgi:application"],
                instance_env,
            )
        processes.start(
            "worker", [str(bin_dir / "celery"), "-A", "partnerhub", "worker", "--concurrency", "2", "--loglevel", "INFO"], env
        )
        cert, key = make_certificate(work)
        config = nginx_config(
            work, cert, key, ports["proxy"], (ports["pinned_a"], ports["pinned_b"]), (ports["web_a"], ports["web_b"])
        )
        run([NGINX, "-t", "-q", "-c", str(config), "-p", str(work)], env)
        processes.start("nginx", [NGINX, "-c", str(config), "-p", str(work)], env)
        probes = {name: wait_for(f"http://127.0.0.1:{ports[name]}/healthz") for name in ("web_a", "web_b")}
        summary["probe GET /healthz (plain HTTP, each gunicorn)"] = probes

        say(f"exactly one beat (sweeps every {SWEEP_SECONDS} s): the demo's due reminders reach the SMTP server")
        processes.start("beat", [str(bin_dir / "celery"), "-A", "partnerhub", "beat", "--loglevel", "INFO", "--schedule",
                                 str(work / "celerybeat-schedule")], env)  # fmt: skip
        reminders_due = [kind for kind in kinds if kind != "activity_logged"]
        deadline = time.monotonic() + 180
        per_kind: Counter = Counter()
        while time.monotonic() < deadline:
            time.sleep(3)
            processes.check_alive()
            per_kind, _ = mails_by_kind(maildir)
            if all(per_kind[kind] for kind in reminders_due):
                break
        summary["seconds until every reminder kind arrived"] = round(180 - (deadline - time.monotonic()))

        say("checks and browser journeys through the proxy over https")
        results = work / "pytest-report.json"
        check_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "partnerhub.settings_test",
            "DATABASE_URL": database_url,
            "PARTNERHUB_LIVE_URL": base_url,
            "REHEARSAL_INSTANCE_URLS": f"https://localhost:{ports['pinned_a']},https://localhost:{ports['pinned_b']}",
            "REHEARSAL_PROBE_URLS": f"http://127.0.0.1:{ports['web_a']},http://127.0.0.1:{ports['web_b']}",
            "REHEARSAL_SUMMARY": str(results),
            "REHEARSAL_CA_CERT": str(cert),
            "REHEARSAL_METRICS_TOKEN": env["METRICS_TOKEN"],
        }
        check_env.pop("TEST_DATABASE_NAME", None)
        pytest = subprocess.run(
            [str(DEV_PYTHON), "-m", "pytest", "-p", "no:randomly", "-q", "tests/rehearsal", "tests/e2e/test_journeys.py",
             "-o", "addopts=-p no:cacheprovider --strict-markers -ra --screenshot=only-on-failure --output=test-results"],
            cwd=ROOT, env=check_env,
        )  # fmt: skip
        processes.check_alive()
        if results.exists():
            summary.update(json.loads(results.read_text()))
        summary["checks and journeys (pytest)"] = "passed" if pytest.returncode == 0 else f"FAILED (exit {pytest.returncode})"
        failed |= pytest.returncode != 0

        say("three more sweeps with the beat still running: nothing may arrive twice")
        # Three more sweeps: anything sent twice would show now.
        time.sleep(3 * SWEEP_SECONDS + 5)
        processes.check_alive()
        per_kind, per_message = mails_by_kind(maildir)
        missing = [kind for kind in kinds if not per_kind[kind]]
        twice = {key: count for key, count in per_message.items() if count > 1}
        summary["mails received per kind"] = dict(sorted(per_kind.items()))
        summary["reminder kinds with no mail"] = missing or "none"
        summary["mails received more than once"] = twice or "none"
        failed |= bool(missing or twice)
    except Exception as error:
        failed = True
        summary["error"] = f"{type(error).__name__}: {error}"
    finally:
        processes.stop_all()

    print("\n=== production rehearsal summary ===")
    for key, value in summary.items():
        print(f"{key}: {json.dumps(value) if isinstance(value, dict | list) else value}")
    print(f"logs: {logs}")
    print("RESULT:", "FAILED" if failed else "passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
