"""The calendar feed as calendar apps poll it (issue 20, item 3): HEAD, ETag and Last-Modified,
304 Not Modified for a conditional GET while nothing changed, a new ETag once something did, and
absolute URLs from PARTNERHUB_SITE_URL (not from the request's host or scheme)."""

from datetime import timedelta

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reporting.models import CalendarFeedToken

from ..factories import PartnerFactory
from .factories import AgreementFactory, ReportFactory

pytestmark = pytest.mark.django_db

SITE = "https://partnerhub.vshn.example:8443"


@pytest.fixture
def feed(manager, settings):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["*"]
    partner = AgreementFactory(partner=PartnerFactory(name="Feed AG", manager=manager)).partner
    ReportFactory(partner=partner, due_on=timezone.localdate() + timedelta(days=3))
    token = CalendarFeedToken.objects.create(user=manager)
    return partner, reverse("reporting:calendar-feed", args=[token.token])


def test_conditional_get_answers_304_until_the_feed_changes(feed):
    partner, url = feed
    client = Client()  # a calendar app: not signed in
    first = client.get(url)
    assert first.status_code == 200
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and last_modified.endswith("GMT")
    assert "private" in first["Cache-Control"]

    again = client.get(url)  # the same events give the same bytes, the same validators
    assert again.content == first.content and again["ETag"] == etag and again["Last-Modified"] == last_modified

    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    not_modified = client.get(url, headers={"If-Modified-Since": last_modified})
    assert not_modified.status_code == 304 and not_modified.content == b"" and not_modified["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200

    ReportFactory(
        partner=partner,
        month=partner.license_reports.first().month.replace(year=2020),
        due_on=timezone.localdate() + timedelta(days=5),
    )
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert len(icalendar.Calendar.from_ical(changed.content).walk("VEVENT")) > len(
        icalendar.Calendar.from_ical(first.content).walk("VEVENT")
    )


def test_head_answers_the_headers_without_the_body(feed):
    _, url = feed
    get = Client().get(url)
    head = Client().head(url)
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == get["ETag"] and head["Content-Type"].startswith("text/calendar")
    assert int(head["Content-Length"]) == len(get.content)
    assert Client().head(url, headers={"If-None-Match": get["ETag"]}).status_code == 304
    assert Client().post(url).status_code == 405


def test_urls_come_from_the_site_url_not_the_request(feed, manager, client_for):
    _, url = feed
    # A proxy that forwards plain http and another host name must not leak into the links.
    response = Client().get(url, HTTP_HOST="internal-pod:8000", secure=False)
    calendar = icalendar.Calendar.from_ical(response.content)
    urls = [str(e["URL"]) for e in calendar.walk("VEVENT")]
    assert urls and all(u.startswith(SITE + "/") for u in urls)
    page = client_for(manager).get(reverse("reporting:calendar"), HTTP_HOST="internal-pod:8000")
    assert f"{SITE}{url}".encode() in page.content
    assert b"http://internal-pod" not in page.content
