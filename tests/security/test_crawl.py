"""Every link a role sees, it may follow (issue 16, item 4).

Per demo persona: start at the dashboard, follow every same-site link the pages show (`<a href>`,
and the `hx-get` fragments a browser loads after the page: the inbox, dashboard panels, partner
sections, with the links they show), breadth first, up to MAX_PAGES distinct pages. None may answer
403 or a 5xx. Links that change nothing but the values of a query (`?page=2`, `?sort=name`) count
as one page, and each view is sampled with up to PER_VIEW objects; the sign-out, downloads (CSV, ICS, files) and the Django admin are not followed.
"""

from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urlsplit

import pytest
from django.urls import Resolver404, resolve

from .test_url_coverage import (
    DEMO_USERNAME,
    _client,
    demo_data,  # noqa: F401 - the module-scoped demo data fixture
)

MAX_PAGES = 150
PER_VIEW = 3  # e.g. three partner pages, three activity edit pages: then other views
SKIP_PREFIXES = ("/accounts/logout", "/admin/", "/static/", "/media/", "/oidc/")
SKIP_PARTS = ("/download", "/export", "/file/", ".ics", ".csv", ".pdf", "/print/")


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, bool]] = []  # (url, loaded by htmx)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append((values["href"], False))
        if values.get("hx-get") and "hx-trigger" in values:
            self.links.append((values["hx-get"], True))


def _followable(url: str) -> str | None:
    url, _ = urldefrag(url)
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None  # another site, mailto:, tel:, javascript:, "#"
    if parts.path.startswith(SKIP_PREFIXES) or any(p in parts.path for p in SKIP_PARTS):
        return None
    query = dict(parse_qsl(parts.query))
    if query.get("format") in {"csv", "ics", "pdf", "vcf"}:
        return None
    return url


def _shape(url: str) -> tuple[str, tuple[str, ...]]:
    """A page and which query keys it has, not their values: ?page=2 and ?page=3 are one page."""
    parts = urlsplit(url)
    return parts.path, tuple(sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}))


def _view(url: str) -> str:
    """The URL's name (the view), so the crawl samples views instead of walking every object."""
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return urlsplit(url).path


def crawl(client, start: str = "/") -> tuple[dict[str, int], list[str]]:
    """Breadth first from `start`: {url: status} for every page fetched, and where each bad link was shown."""
    seen = {_shape(start)}
    per_view: Counter[str] = Counter()
    queue: deque[tuple[str, bool, str]] = deque([(start, False, "(start)")])
    statuses: dict[str, int] = {}
    bad: list[str] = []
    while queue and len(statuses) < MAX_PAGES:
        url, htmx, shown_on = queue.popleft()
        response = client.get(url, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
        statuses[url] = response.status_code
        if response.status_code == 403 or response.status_code >= 500:
            bad.append(f"{url} answers {response.status_code} (linked from {shown_on})")
            continue
        if response.status_code in (301, 302):
            location = _followable(response["Location"])
            if location and _shape(location) not in seen:
                seen.add(_shape(location))
                queue.append((location, False, url))
            continue
        if "html" not in response.get("Content-Type", ""):
            continue
        parser = Links()
        parser.feed(response.content.decode())
        for link, link_htmx in parser.links:
            target = _followable(link)
            if target and _shape(target) not in seen and per_view[_view(target)] < PER_VIEW:
                seen.add(_shape(target))
                per_view[_view(target)] += 1
                queue.append((target, link_htmx, url))
    return statuses, bad


@pytest.mark.no_zeal  # many pages per test: zeal would take the same query on two pages for an N+1
@pytest.mark.parametrize("persona", sorted(DEMO_USERNAME))
def test_no_link_shown_answers_403(persona, demo_data, db):  # noqa: F811
    statuses, bad = crawl(_client(demo_data[DEMO_USERNAME[persona]]))
    assert bad == [], "\n".join(bad)
    # The crawl did reach the app, not only the dashboard.
    assert len(statuses) >= 20, sorted(statuses)
    assert sum(1 for s in statuses.values() if s == 200) >= 20
