from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .forms import NotificationSettingsForm
from .history import AUDITED_MODELS, object_history
from .http import SignedInRequest
from .models import Notification, NotificationSettings
from .notifications import notification_settings_save


def _broker_status() -> str:
    """Reported, never failing the page: the web app works without a broker."""
    from django.conf import settings

    url = settings.CELERY_BROKER_URL or ""
    if not url.startswith(("redis://", "rediss://")):
        return "not configured" if not url else "unchecked"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
    except Exception as error:  # any failure is a status, not an error page
        return f"unavailable: {type(error).__name__}"
    return "ok"


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    if request.GET.get("probe") == "live":
        # The liveness probe: the process answers. A database outage must not restart every pod
        # (readiness, without the parameter, takes them out of the Service instead).
        return JsonResponse({"status": "ok"})
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception as error:
        database = f"unavailable: {type(error).__name__}"
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "error", "database": database, "broker": _broker_status()}, status=status
    )


def notification_list(request: SignedInRequest) -> HttpResponse:
    notifications = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page_obj": page})


@require_POST
def notification_open(request: SignedInRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications")


@require_POST
def notification_read_all(request: SignedInRequest) -> HttpResponse:
    count = Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    messages.info(request, f"{count} notification(s) marked as read.")
    return redirect("notifications")


@require_GET
def history_fragment(request: SignedInRequest, app_label: str, model_name: str, pk: int) -> HttpResponse:
    """An audited object's History section, loaded by htmx. Everyone signed in may read (docs/design.md)."""
    from django.http import Http404

    label = f"{app_label}.{model_name}"
    if label not in AUDITED_MODELS:
        raise Http404("Not an audited model")
    entries = object_history(label, pk)
    template = "includes/_history_fragment.html" if request.htmx else "includes/history_page.html"
    return render(request, template, {"entries": entries})


def notification_settings(request: SignedInRequest) -> HttpResponse:
    """Everyone chooses for themselves: digest (default) or one email per reminder, per kind."""
    current = NotificationSettings.objects.filter(user=request.user).values_list("immediate_kinds", flat=True).first() or []
    # Bound on every POST: unticking every box posts nothing, and must still save "digest for all".
    form = NotificationSettingsForm(request.POST if request.method == "POST" else None, initial={"immediate_kinds": current})
    if request.method == "POST" and form.is_valid():
        notification_settings_save(by=request.user, immediate_kinds=form.cleaned_data["immediate_kinds"])
        messages.success(request, "Notification settings saved.")
        return redirect("notification-settings")
    return render(request, "notifications/settings.html", {"form": form})
