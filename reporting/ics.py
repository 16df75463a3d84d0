"""The private calendar feed: every registered calendar provider's events as an ICS file."""

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from icalendar import Calendar, Event

from partnerhub.attention import CALENDAR_PROVIDERS, CalendarEvent

logger = logging.getLogger(__name__)


def calendar_events(user: User, today: date) -> list[CalendarEvent]:
    events: list[CalendarEvent] = []
    for name in sorted(CALENDAR_PROVIDERS):
        try:
            events.extend(CALENDAR_PROVIDERS[name](user, today))
        except Exception:  # one app's bug must not take everyone's calendar down
            logger.exception("Calendar provider %s failed", name)
    return events


def build_calendar(user: User, today: date) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//VSHN//PartnerHub//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"PartnerHub – {user.get_username()}")
    stamp: datetime = timezone.now()
    seen: set[str] = set()
    for item in calendar_events(user, today):
        if item.uid in seen:
            continue
        seen.add(item.uid)
        event = Event()
        event.add("uid", item.uid)
        event.add("summary", item.title)
        event.add("dtstart", item.day)  # all-day events: deadlines are days, not times
        event.add("dtend", item.day + timedelta(days=1))
        event.add("dtstamp", stamp)
        if item.url:
            url = f"{settings.SITE_URL.rstrip('/')}{item.url}" if item.url.startswith("/") else item.url
            event.add("url", url)
            event.add("description", (item.description + "\n" if item.description else "") + url)
        elif item.description:
            event.add("description", item.description)
        calendar.add_component(event)
    return calendar.to_ical()
