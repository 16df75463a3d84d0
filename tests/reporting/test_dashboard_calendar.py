from datetime import date, timedelta
from io import StringIO

import icalendar
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partnerhub import attention
from partnerhub.notifications import notify
from reporting.models import CalendarFeedToken

from ..factories import PartnerFactory, UserFactory
from .factories import AgreementFactory, ReportFactory

pytestmark = pytest.mark.django_db


def page_queries(client, url="/") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def dashboard_html(client) -> str:
    """The dashboard as a browser sees it after htmx has loaded every panel."""
    page = client.get(reverse("home"))
    assert page.status_code == 200
    html = page.content.decode()
    url = reverse("reporting:inbox")
    assert f'hx-get="{url}"' in html
    inbox = client.get(url, HTTP_HX_REQUEST="true")
    assert inbox.status_code == 200
    return html + inbox.content.decode()


class TestDashboard:
    def test_license_reports_grouped_overdue_first_with_links(self, manager, manager_client):
        today = timezone.localdate()
        partner = AgreementFactory(partner=PartnerFactory(name="Late AG", manager=manager)).partner
        late = ReportFactory(partner=partner, month=date(2025, 1, 1), due_on=today - timedelta(days=5))
        ReportFactory(partner=partner, month=date(2025, 2, 1), due_on=today + timedelta(days=3))
        ReportFactory(partner=AgreementFactory(partner=PartnerFactory(name="Not mine AG")).partner, due_on=today)
        notify(recipients=[manager], kind="test", title="Unread hello")
        response = manager_client.get(reverse("reporting:attention-panel", args=["license_reports"]), HTTP_HX_REQUEST="true")
        groups = {g["category"]: g for g in response.context["groups"]}
        items = groups["License reports"]["items"]
        assert [i.overdue for i in items] == [True, False]
        assert items[0].url == late.get_absolute_url()
        assert groups["License reports"]["overdue"] == 1
        html = dashboard_html(manager_client)
        assert "Not mine AG" not in html and "Late AG" in html
        assert "Unread hello" in html

    def test_accounting_sees_every_partners_reports(self, accounting_client):
        ReportFactory(partner=AgreementFactory(partner=PartnerFactory(name="Someone AG")).partner, due_on=timezone.localdate())
        assert "Someone AG" in dashboard_html(accounting_client)

    def test_a_failing_provider_is_named_not_fatal(self, manager_client, monkeypatch):
        def broken(user, today):
            raise RuntimeError("boom")

        monkeypatch.setitem(attention.ATTENTION_PROVIDERS, "broken_thing", broken)
        html = dashboard_html(manager_client)
        assert "broken thing" in html and 'data-testid="attention-failed"' in html

    def test_unknown_panel_is_404(self, manager_client):
        assert manager_client.get(reverse("reporting:attention-panel", args=["nope"])).status_code == 404

    @pytest.mark.parametrize("rows", [1, 50])
    def test_dashboard_and_license_panel_query_counts_are_pinned(self, rows, manager, manager_client, django_assert_num_queries):
        for i in range(rows):
            partner = AgreementFactory(partner=PartnerFactory(manager=manager)).partner
            ReportFactory(partner=partner, due_on=timezone.localdate() - timedelta(days=i))
            notify(recipients=[manager], kind="test", title=f"n{i}")
        with django_assert_num_queries(3):  # session, user (+roles +unread), unread notifications
            assert manager_client.get(reverse("home")).status_code == 200
        with django_assert_num_queries(3):  # session, user, license reports
            assert manager_client.get(reverse("reporting:attention-panel", args=["license_reports"])).status_code == 200

    def test_every_panel_stays_within_eight_queries(self, settings, client_for):
        settings.DEBUG = True
        call_command("seed_demo", stdout=StringIO())
        from django.contrib.auth.models import User

        for username in ["manager", "sales", "marketing", "accounting", "engineer", "admin"]:
            client = client_for(User.objects.get(username=username))
            for name in attention.ATTENTION_PROVIDERS:
                queries = page_queries(client, reverse("reporting:attention-panel", args=[name]))
                assert queries <= 8, (username, name, queries)

    def test_flat_with_the_demo_data_and_ten_times_more(self, settings, client_for):
        settings.DEBUG = True
        call_command("seed_demo", stdout=StringIO())
        call_command("run_reminders", stdout=StringIO())
        from django.contrib.auth.models import User

        manager, accounting = User.objects.get(username="manager"), User.objects.get(username="accounting")
        urls = ["/", reverse("reporting:inbox")] + [
            reverse("reporting:attention-panel", args=[name]) for name in sorted(attention.ATTENTION_PROVIDERS)
        ]
        users = ["manager", "accounting", "admin"]
        counts = {(name, url): page_queries(client_for(User.objects.get(username=name)), url) for name in users for url in urls}
        today = timezone.localdate()
        for i in range(90):  # the demo has 10 partners and a handful of due reports: ten times more of each
            partner = AgreementFactory(partner=PartnerFactory(manager=manager)).partner
            ReportFactory(partner=partner, month=date(2025, 1, 1), due_on=today - timedelta(days=i % 20))
            notify(recipients=[manager, accounting], kind="test", title=f"n{i}")
        for (name, url), before in counts.items():
            assert page_queries(client_for(User.objects.get(username=name)), url) == before, (name, url)


class TestCalendar:
    def test_page_create_reset_and_feed(self, manager, manager_client):
        response = manager_client.get(reverse("reporting:calendar"))
        assert response.status_code == 200 and b'id="calendar-create"' in response.content
        assert not CalendarFeedToken.objects.exists()  # GET never creates
        assert manager_client.get(reverse("reporting:calendar-reset")).status_code == 405
        manager_client.post(reverse("reporting:calendar-reset"))
        token = CalendarFeedToken.objects.get(user=manager).token
        page = manager_client.get(reverse("reporting:calendar"))
        assert f"/reporting/calendar/{token}.ics".encode() in page.content

        today = timezone.localdate()
        partner = AgreementFactory(partner=PartnerFactory(name="Feed AG", manager=manager), due_day=7).partner
        report = ReportFactory(
            partner=partner, month=date(today.year, today.month, 1) - timedelta(days=1), due_on=today + timedelta(days=2)
        )
        response = Client().get(reverse("reporting:calendar-feed", args=[token]))  # a calendar app: not signed in
        assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
        calendar = icalendar.Calendar.from_ical(response.content)
        events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
        event = events[f"license-report-{report.pk}@partnerhub"]
        assert "Feed AG" in str(event["SUMMARY"])
        assert event.decoded("DTSTART") == report.due_on
        assert str(event["URL"]).endswith(report.get_absolute_url())
        projected = [e for uid, e in events.items() if uid.startswith(f"license-report-due-{partner.pk}-")]
        assert len(projected) == 3 and all(e.decoded("DTSTART").day == 7 for e in projected)

        # Reset: the old URL is gone, the new one works.
        manager_client.post(reverse("reporting:calendar-reset"))
        assert Client().get(reverse("reporting:calendar-feed", args=[token])).status_code == 404
        new = CalendarFeedToken.objects.get(user=manager).token
        assert Client().get(reverse("reporting:calendar-feed", args=[new])).status_code == 200

    @pytest.mark.parametrize("token", ["forged", "x" * 43, "' OR 1=1 --"])
    def test_forged_token_is_404(self, client, manager, token):
        CalendarFeedToken.objects.create(user=manager)
        assert client.get(f"/reporting/calendar/{token}.ics").status_code == 404

    def test_inactive_users_feed_is_404(self, client):
        user = UserFactory(is_active=False)
        token = CalendarFeedToken.objects.create(user=user).token
        assert client.get(reverse("reporting:calendar-feed", args=[token])).status_code == 404

    def test_only_own_partners_for_managers(self, manager):
        from reporting.ics import calendar_events

        ReportFactory(partner=AgreementFactory(partner=PartnerFactory(name="Other AG")).partner, due_on=timezone.localdate())
        assert not [e for e in calendar_events(manager, timezone.localdate()) if "Other AG" in e.title]

    def test_feed_query_count_is_flat(self, manager, client):
        token = CalendarFeedToken.objects.create(user=manager).token
        url = reverse("reporting:calendar-feed", args=[token])
        AgreementFactory(partner=PartnerFactory(manager=manager))
        few = page_queries(client, url)
        for _ in range(20):
            partner = AgreementFactory(partner=PartnerFactory(manager=manager)).partner
            ReportFactory(partner=partner, due_on=timezone.localdate())
        assert page_queries(client, url) == few
