"""The private calendar feed: every registered calendar provider's events as an ICS file.

Calendar apps poll the feed every few minutes. `feed_response()` answers GET and HEAD with an `ETag`
(a hash of the events) and `Last-Modified` (when that hash last changed, kept on the token), and a
conditional GET for an unchanged feed gets `304 Not Modified` without the body. The body itself is
the same bytes for the same events (DTSTAMP is the time of the last change, not of the request).
Links in the feed and the feed's own URL come from PARTNERHUB_SITE_URL, never from the request.
"""

import hashlib
import json
import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from icalendar import Calendar, Event

from partnerhub.attention import CALENDAR_PROVIDERS, CalendarEvent

from .models import CalendarFeedToken

logger = logging.getLogger(__name__)


def calendar_events(user: User, today: date) -> list[CalendarEvent]:
    events: list[CalendarEvent] = []
    for name in sorted(CALENDAR_PROVIDERS):
        try:
            events.extend(CALENDAR_PROVIDERS[name](user, today))
        except Exception:  # one app's bug must not take everyone's calendar down
            logger.exception("Calendar provider %s failed", name)
    return events


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{url}" if url.startswith("/") else url


def feed_url(feed: CalendarFeedToken) -> str:
    """The URL to paste into a calendar app: on the configured site, not whatever host the page was asked on."""
    return _absolute(reverse("reporting:calendar-feed", args=[feed.token]))


def _unique(events: list[CalendarEvent]) -> list[CalendarEvent]:
    seen: set[str] = set()
    unique = []
    for item in events:
        if item.uid not in seen:
            seen.add(item.uid)
            unique.append(item)
    return unique


def events_etag(user: User, events: list[CalendarEvent]) -> str:
    """Changes when anything the feed shows changes (and with the site URL its links point to)."""
    content = [settings.SITE_URL, user.get_username()] + [
        [e.uid, e.title, e.day.isoformat(), e.url, e.description] for e in events
    ]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()[:40]


def build_calendar(user: User, today: date, *, stamp: datetime | None = None, events: list[CalendarEvent] | None = None) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//VSHN//PartnerHub//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"PartnerHub – {user.get_username()}")
    stamp = stamp or timezone.now()
    for item in _unique(events if events is not None else calendar_events(user, today)):
        event = Event()
        event.add("uid", item.uid)
        event.add("summary", item.title)
        event.add("dtstart", item.day)  # all-day events: deadlines are days, not times
        event.add("dtend", item.day + timedelta(days=1))
        event.add("dtstamp", stamp)
        if item.url:
            url = _absolute(item.url)
            event.add("url", url)
            event.add("description", (item.description + "\n" if item.description else "") + url)
        elif item.description:
            event.add("description", item.description)
        calendar.add_component(event)
    return calendar.to_ical()


def feed_response(request: HttpRequest, feed: CalendarFeedToken, today: date) -> HttpResponse:
    """The feed for GET and HEAD, with ETag and Last-Modified; 304 for a client that has it already."""
    events = _unique(calendar_events(feed.user, today))
    etag = events_etag(feed.user, events)
    if feed.etag != etag or feed.modified_at is None:
        # HTTP dates have whole seconds: store the time as the client will send it back.
        feed.etag, feed.modified_at = etag, timezone.now().replace(microsecond=0)
        CalendarFeedToken.objects.filter(pk=feed.pk).update(etag=feed.etag, modified_at=feed.modified_at)
    quoted = f'"{etag}"'
    last_modified = int(feed.modified_at.timestamp())
    headers = {"Cache-Control": "private, max-age=900", "Last-Modified": http_date(last_modified), "ETag": quoted}
    not_modified = get_conditional_response(request, etag=quoted, last_modified=last_modified)
    if not_modified is not None:
        for name, value in headers.items():
            not_modified[name] = value
        return not_modified
    body = build_calendar(feed.user, today, stamp=feed.modified_at, events=events)
    response = HttpResponse(b"" if request.method == "HEAD" else body, content_type="text/calendar; charset=utf-8")
    response["Content-Length"] = str(len(body))  # HEAD: the length a GET would send
    response["Content-Disposition"] = 'inline; filename="partnerhub.ics"'
    for name, value in headers.items():
        response[name] = value
    return response
