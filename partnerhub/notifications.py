"""Notify people: an in-app notification plus an email (text and HTML) per recipient.

`notify()` does both at once for a single event: the notifications and the queued emails are saved
in the caller's transaction, and the emails are sent by the worker after the commit
(partnerhub/outbox.py), so a mail outage never loses or holds up the write. The reminder sweeps deliver thousands at a time,
so they build the pieces with `active_recipients()`, `notifications_for()` and `emails_for()`,
save the notifications in bulk and send the emails over one mail connection (partnerhub/reminders.py);
a person with several reminders in one run gets them in one digest email (`digest_email()`).
Every email greets the person by first name and has a Message-ID on the site's domain.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template
from django.urls import reverse

from . import outbox
from .models import Notification, NotificationSettings
from .outbox import mail_headers

TEXT_TEMPLATE = "emails/notification.txt"
HTML_TEMPLATE = "emails/notification.html"
DIGEST_TEXT_TEMPLATE = "emails/digest.txt"
DIGEST_HTML_TEMPLATE = "emails/digest.html"


def greeting_name(user: User) -> str:
    """ "Marta" for "Hello Marta,"; empty (plain "Hello,") rather than a username such as "mm42"."""
    return (user.first_name or user.get_full_name()).strip()


def absolute(url: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{url}" if url.startswith("/") else url


def active_recipients(recipients: Iterable[User | None]) -> list[User]:
    """The distinct active users among `recipients`, in their order."""
    return list({user.pk: user for user in recipients if user is not None and user.is_active}.values())


def notifications_for(recipients: Iterable[User], *, kind: str, title: str, body: str = "", url: str = "") -> list[Notification]:
    """Unsaved in-app notifications, one per recipient (pass `active_recipients()`)."""
    return [Notification(recipient=user, kind=kind, title=title[:255], body=body, url=url) for user in recipients]


def emails_for(
    recipients: Iterable[User], *, kind: str, title: str, body: str = "", url: str = ""
) -> list[EmailMultiAlternatives]:
    """One text+HTML email per recipient with an address (pass `active_recipients()`); not sent."""
    absolute_url = absolute(url)
    text, html = get_template(TEXT_TEMPLATE), get_template(HTML_TEMPLATE)
    messages = []
    for user in recipients:
        if not user.email:
            continue
        context = {"user": user, "name": greeting_name(user), "title": title, "body": body, "url": absolute_url, "kind": kind}
        message = EmailMultiAlternatives(
            subject=f"[PartnerHub] {title}", body=text.render(context), to=[user.email], headers=mail_headers(kind)
        )
        message.attach_alternative(html.render(context), "text/html")
        messages.append(message)
    return messages


@dataclass(frozen=True)
class DigestEntry:
    """One reminder in a person's digest."""

    kind: str
    label: str  # the kind in words, plural: "Certifications expiring"
    partner: str  # grouping within the kind; "" for reminders about no partner
    title: str
    body: str
    url: str


def digest_email(user: User, entries: Sequence[DigestEntry]) -> EmailMultiAlternatives:
    """One email with several reminders, grouped by kind and then partner, each with its link.
    X-PartnerHub-Kind lists every kind in it (comma-separated, sorted)."""
    ordered = sorted(entries, key=lambda e: (e.label, e.partner.lower(), e.title))
    sections = [
        {
            "label": label,
            "count": len(items),
            "partners": [
                {"name": partner, "entries": [{**e.__dict__, "url": absolute(e.url)} for e in rows]}
                for partner, rows in ((p, list(g)) for p, g in groupby(items, key=lambda e: e.partner))
            ],
        }
        for label, items in ((label, list(group)) for label, group in groupby(ordered, key=lambda e: e.label))
    ]
    kinds = ",".join(sorted({e.kind for e in entries}))
    summary = ", ".join(f"{section['label'].lower()} ({section['count']})" for section in sections)
    context = {
        "user": user,
        "name": greeting_name(user),
        "count": len(entries),
        "sections": sections,
        "dashboard_url": absolute("/"),
        "notifications_url": absolute(reverse("notifications")),
    }
    message = EmailMultiAlternatives(
        subject=f"[PartnerHub] {len(entries)} reminders: {summary}"[:250],
        body=get_template(DIGEST_TEXT_TEMPLATE).render(context),
        to=[user.email],
        headers=mail_headers(kinds),
    )
    message.attach_alternative(get_template(DIGEST_HTML_TEMPLATE).render(context), "text/html")
    return message


def notify(*, recipients: Iterable[User | None], kind: str, title: str, body: str = "", url: str = "") -> int:
    """Create one notification and queue one email per distinct active recipient (None, e.g. a partner
    without a manager, is nobody). Returns how many."""
    unique = active_recipients(recipients)
    if not unique:
        return 0
    Notification.objects.bulk_create(notifications_for(unique, kind=kind, title=title, body=body, url=url))
    outbox.enqueue(emails_for(unique, kind=kind, title=title, body=body, url=url), kind=kind)
    return len(unique)


def notification_settings_save(*, by: User, immediate_kinds: Iterable[str]) -> NotificationSettings:
    """A person's own choice of the reminder kinds they get one email each for (the rest: digest).
    Unknown kinds are dropped, so a kind that was renamed or removed never lingers."""
    from .reminders import REMINDER_LABELS  # the registry imports this module: import at call time

    kinds = sorted({kind for kind in immediate_kinds if kind in REMINDER_LABELS})
    settings_row, _ = NotificationSettings.objects.update_or_create(user=by, defaults={"immediate_kinds": kinds})
    return settings_row
