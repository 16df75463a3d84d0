import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_check_deploy():
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "partnerhub.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "q8#Lr2vT9zK!mW4pXe7Ns1Yb6Hc3Jd0Gf5Ua_Zo-Ri8Tk2Vw7Qx",  # long and random, as in production
        "DJANGO_ALLOWED_HOSTS": "partnerhub.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_SETTINGS_MODULE": "partnerhub.settings", "DJANGO_DEBUG": "false"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_an_unconfigured_checkout_runs_manage_py_in_development_mode():
    if (ROOT / ".env").exists():
        pytest.skip("this checkout has a .env, which configures DEBUG itself")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", "from django.conf import settings; print(settings.DEBUG)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"


@pytest.mark.parametrize("url", ["/accounts/login/", "/", "/partners/"])
def test_every_html_page_has_a_csp_without_inline_scripts(url, manager_client, client):
    response = (client if "login" in url else manager_client).get(url)
    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in policy
    assert b"<script>" not in response.content  # no inline script blocks in our templates


def test_login_is_throttled_after_five_failures(client, manager):
    for _ in range(4):
        response = client.post(reverse("login"), {"username": "manager", "password": "wrong"})
        assert response.status_code == 200 and response.context["form"].errors
    assert client.post(reverse("login"), {"username": "manager", "password": "wrong"}).status_code == 429  # the fifth
    response = client.post(reverse("login"), {"username": "manager", "password": "pw"})
    assert response.status_code == 429  # locked out even with the right password
    assert b"Too many failed sign-ins" in response.content


def test_session_is_renewed_at_sign_in_and_cookies_are_http_only(client, manager):
    client.get(reverse("login"))
    before = client.cookies.get("sessionid")
    response = client.post(reverse("login"), {"username": "manager", "password": "pw"})
    after = response.cookies["sessionid"]
    assert after.value and (before is None or before.value != after.value)
    assert after["httponly"]


def test_session_ends_after_idle_time(client, manager, settings):
    settings.SESSION_COOKIE_AGE = 2
    settings.SESSION_REFRESH_SECONDS = 0
    client.post(reverse("login"), {"username": "manager", "password": "pw"})
    assert client.get("/").status_code == 200
    time.sleep(2.5)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_secure_cookie_and_hsts_settings_in_production():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_SETTINGS_MODULE": "partnerhub.settings", "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "k" * 60})
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS > 0, s.SECURE_SSL_REDIRECT)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["True"] * 5, result.stderr


def test_an_over_long_username_is_a_form_error_not_a_500(client):
    """Found by the hostile-input test on PostgreSQL: axes stores attempted usernames in 255 characters."""
    from axes.models import AccessAttempt

    response = client.post(reverse("login"), {"username": "x" * 5000, "password": "pw"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not AccessAttempt.objects.filter(username__startswith="xxx").exists()
