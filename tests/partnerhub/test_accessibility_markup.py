"""Issue 16, item 9: the navigation says which page you are on, and the health filter's boxes are checkboxes."""

import re

import pytest
from django.urls import reverse

from partnerhub.templatetags.ui import mark_current

pytestmark = pytest.mark.django_db

NAV = (
    '<a class="nav-link" href="/">Dashboard</a><a class="nav-link" href="/partners/">Partners</a>'
    '<a class="nav-link" href="/partners/contacts/">Contacts</a><a class="nav-link dropdown-toggle" href="#">More</a>'
    '<a class="dropdown-item" href="/activities/registrations/">Registrations</a>'
    '<a class="dropdown-item" href="/activities/registrations/expiring/">Expiring</a>'
)


def current(html: str) -> list[str]:
    return re.findall(r'<a class="[^"]*\bactive" aria-current="page" href="([^"]*)"', html)


@pytest.mark.parametrize(
    "path,expected",
    [
        ("/", ["/"]),
        ("/partners/", ["/partners/"]),
        ("/partners/12/", ["/partners/"]),
        ("/partners/contacts/", ["/partners/contacts/"]),
        ("/activities/registrations/expiring/", ["/activities/registrations/expiring/"]),
        ("/activities/registrations/3/edit/", ["/activities/registrations/"]),
        ("/notifications/", []),
    ],
)
def test_mark_current_marks_the_longest_matching_link_only(path, expected):
    assert current(mark_current(NAV, path)) == expected


def pages_current(client, url) -> list[str]:
    html = client.get(url).content.decode()
    nav = html.split('id="mainnav"', 1)[1].split('role="search"', 1)[0]
    return current(nav)


def test_every_page_marks_its_own_link_although_the_nav_is_cached(manager_client):
    # The same cached fragment (one role set) serves both pages: the mark is per request.
    assert pages_current(manager_client, reverse("partners:contacts")) == [reverse("partners:contacts")]
    assert pages_current(manager_client, reverse("partners:list")) == [reverse("partners:list")]
    assert pages_current(manager_client, reverse("home")) == [reverse("home")]
    assert pages_current(manager_client, reverse("funds:claims")) == [reverse("funds:allocations")]


def test_health_filter_renders_real_checkboxes_with_a_legend(outsider_client):
    html = outsider_client.get(reverse("reporting:health"), {"health": "watch"}).content.decode()
    form = html.split('class="card card-body mb-3 filter-form"', 1)[1].split("</form>", 1)[0]
    boxes = re.findall(r'<input type="checkbox" name="health"[^>]*>', form)
    assert len(boxes) == 4
    assert all('class="form-check-input"' in box and "form-control" not in box for box in boxes)
    assert sum("checked" in box for box in boxes) == 1
    assert "<legend" in form and 'for=""' not in form
    for box in boxes:
        box_id = re.search(r'id="([^"]+)"', box)[1]
        assert f'<label class="form-check-label" for="{box_id}">' in form
