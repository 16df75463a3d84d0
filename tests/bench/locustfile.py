"""Locust load for `make bench`: signed-in users cycling over the pages given in BENCH_PAGES.

BENCH_PAGES is a JSON object {name: path}; every page is requested equally often (each user starts
the cycle at a different page). BENCH_HTMX lists
the names requested as htmx fragments.
"""

import json
import os
import re

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

PAGES: dict[str, str] = json.loads(os.environ["BENCH_PAGES"])
# Pages the browser loads by htmx (dashboard panels, partner sections) get its request header.
HTMX: set[str] = set(json.loads(os.environ.get("BENCH_HTMX", "[]")))
USERNAME = os.environ.get("BENCH_USERNAME", "bench000")
PASSWORD = os.environ.get("BENCH_PASSWORD", "bench")
LOGIN_PATH = os.environ.get("BENCH_LOGIN_PATH", "/accounts/login/")
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# Signing in hashes the password (PBKDF2, about a second of server CPU each): with 10 users signing
# in at once, the first pages would measure the logins. The statistics restart when the last user
# has signed in, so the table shows the pages under steady load only.
_signed_in = {"count": 0}


@events.test_start.add_listener
def _reset_sign_in_count(environment, **_kwargs) -> None:
    _signed_in["count"] = 0


class SignedInUser(FastHttpUser):
    wait_time = between(0, 0)

    def on_start(self) -> None:
        page = self.client.get(LOGIN_PATH, name="login form")
        token = CSRF_RE.search(page.text).group(1)
        response = self.client.post(
            LOGIN_PATH,
            data={"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": self.host + LOGIN_PATH},
            name="login",
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"bench login failed with {response.status_code}")
        _signed_in["count"] += 1
        runner = self.environment.runner
        # Each user starts the cycle at its own place (evenly spread): on a slow machine a run may end
        # before a user got through the whole list, and every page should still be measured.
        users = runner.target_user_count if runner is not None and runner.target_user_count else 1
        start = (_signed_in["count"] - 1) * len(PAGES) // users
        names = list(PAGES)
        self.order = names[start:] + names[:start]
        if runner is not None and _signed_in["count"] == runner.target_user_count:
            self.environment.stats.reset_all()

    @task
    def all_pages(self) -> None:
        for name in self.order:
            path = PAGES[name]
            headers = {"HX-Request": "true"} if name in HTMX else None
            with self.client.get(path, name=name, headers=headers, catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"{response.status_code}")
