"""Notify people: an in-app notification plus an email (text and HTML) per recipient.

`notify()` does both at once for a single event: the notifications and the queued emails are saved
in the caller's transaction, and the emails are sent by the worker after the commit
(partnerhub/outbox.py), so a mail outage never loses or holds up the write. The reminder sweeps deliver thousands at a time,
so they build the pieces with `active_recipients()`, `notifications_for()` and `emails_for()`,
save the notifications in bulk and send the emails over one mail connection (partnerhub/reminders.py).
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template

from . import outbox
from .models import Notification
from .outbox import kind_header

TEXT_TEMPLATE = "emails/notification.txt"
HTML_TEMPLATE = "emails/notification.html"


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
    absolute_url = f"{settings.SITE_URL.rstrip('/')}{url}" if url.startswith("/") else url
    text, html = get_template(TEXT_TEMPLATE), get_template(HTML_TEMPLATE)
    messages = []
    for user in recipients:
        if not user.email:
            continue
        context = {"user": user, "title": title, "body": body, "url": absolute_url, "kind": kind}
        message = EmailMultiAlternatives(
            subject=f"[PartnerHub] {title}", body=text.render(context), to=[user.email], headers=kind_header(kind)
        )
        message.attach_alternative(html.render(context), "text/html")
        messages.append(message)
    return messages


def notify(*, recipients: Iterable[User], kind: str, title: str, body: str = "", url: str = "") -> int:
    """Create one notification and queue one email per distinct active recipient. Returns how many."""
    unique = active_recipients(recipients)
    if not unique:
        return 0
    Notification.objects.bulk_create(notifications_for(unique, kind=kind, title=title, body=body, url=url))
    outbox.enqueue(emails_for(unique, kind=kind, title=title, body=body, url=url), kind=kind)
    return len(unique)
