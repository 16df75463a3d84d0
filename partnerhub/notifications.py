"""Notify people: an in-app notification plus an email (text and HTML) per recipient."""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from .models import Notification


def notify(*, recipients: Iterable[User], kind: str, title: str, body: str = "", url: str = "") -> int:
    """Create one notification and send one email per distinct active recipient. Returns how many."""
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not unique:
        return 0
    Notification.objects.bulk_create(
        Notification(recipient=user, kind=kind, title=title[:255], body=body, url=url) for user in unique.values()
    )
    absolute_url = f"{settings.SITE_URL.rstrip('/')}{url}" if url.startswith("/") else url
    for user in unique.values():
        if not user.email:
            continue
        context = {"user": user, "title": title, "body": body, "url": absolute_url, "kind": kind}
        message = EmailMultiAlternatives(
            subject=f"[PartnerHub] {title}",
            body=render_to_string("emails/notification.txt", context),
            to=[user.email],
        )
        message.attach_alternative(render_to_string("emails/notification.html", context), "text/html")
        message.send()
    return len(unique)
