import json

import pytest
from django.db import IntegrityError
from django.urls import reverse

from partnerhub import outbox
from partnerhub.models import Notification
from partnerhub.notifications import notify

pytestmark = pytest.mark.django_db


def test_healthz_is_public_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["database"] == "ok"
    assert "broker" in body


def test_healthz_reports_an_unreachable_broker_without_failing(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content)["broker"].startswith("unavailable")


@pytest.mark.parametrize("url", ["/", "/partners/", "/partners/contacts/", "/notifications/", "/partners/new/"])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_and_logout(client, manager):
    response = client.post(reverse("login"), {"username": "manager", "password": "pw"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get("/").status_code == 302


def test_bad_login_is_a_form_error(client, manager):
    response = client.post(reverse("login"), {"username": "manager", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_role_groups_exist():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {"Partner managers", "Sales", "Marketing", "Accounting"}


def test_notifications_unread_badge_open_and_read_all(manager, manager_client, mailoutbox):
    notify(recipients=[manager], kind="test", title="Hello <b>you</b>", body="Body", url="/partners/")
    assert outbox.deliver_due() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].alternatives[0][1] == "text/html"
    page = manager_client.get("/notifications/")
    assert b"Hello &lt;b&gt;you&lt;/b&gt;" in page.content
    assert b'data-testid="unread-count">1<' in manager_client.get("/").content
    notification = Notification.objects.get()
    assert manager_client.get(reverse("notification-open", args=[notification.pk])).status_code == 405
    response = manager_client.post(reverse("notification-open", args=[notification.pk]))
    assert response["Location"] == "/partners/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    notify(recipients=[manager], kind="test", title="Second")
    manager_client.post(reverse("notifications-read-all"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_someone_elses_notification_is_404(manager, sales_client):
    notify(recipients=[manager], kind="test", title="Private")
    assert sales_client.post(reverse("notification-open", args=[Notification.objects.get().pk])).status_code == 404


def test_notification_open_refuses_external_redirects(manager, manager_client):
    notify(recipients=[manager], kind="test", title="Phish", url="https://evil.example/")
    response = manager_client.post(reverse("notification-open", args=[Notification.objects.get().pk]))
    assert response["Location"] == reverse("notifications")


@pytest.mark.parametrize("rows", [1, 50])
def test_notification_list_query_count_is_flat(rows, manager, manager_client, django_assert_num_queries):
    for i in range(rows):
        notify(recipients=[manager], kind="test", title=f"n{i}")
    with django_assert_num_queries(4):  # session, user (+roles +unread), count, page
        assert manager_client.get("/notifications/").status_code == 200


# The home page's query count is pinned in tests/reporting/test_dashboard_calendar.py (the attention
# dashboard: session, user, notifications, plus each app's provider at a fixed number of queries).


def test_reminder_sent_is_unique_in_the_database(manager):
    from django.contrib.contenttypes.models import ContentType

    from partnerhub.models import ReminderSent

    ct = ContentType.objects.get_for_model(manager)
    ReminderSent.objects.create(kind="k", content_type=ct, object_id=1, due_key="2026-01-01")
    with pytest.raises(IntegrityError):
        ReminderSent.objects.create(kind="k", content_type=ct, object_id=1, due_key="2026-01-01")
