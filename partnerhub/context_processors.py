from django.http import HttpRequest

from .models import Notification
from .roles import user_permissions, user_roles


def _unread_count(user):
    # PartnerHubBackend loads the count with the user; otherwise count lazily in the template.
    if hasattr(user, "unread_notification_count"):
        return user.unread_notification_count
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count


def navigation(request: HttpRequest) -> dict:
    from django.conf import settings

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"oidc_enabled": settings.OIDC_ENABLED}
    return {
        "can": user_permissions(user),
        "my_roles": sorted(user_roles(user)),
        "unread_notifications": _unread_count(user),
    }
