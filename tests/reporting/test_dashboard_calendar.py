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


class TestDashboard:
    def test_license_reports_grouped_overdue_first_with_links(self, manager, manager_client):
        today = timezone.localdate()
        partner = AgreementFactory(partner=PartnerFactory(name="Late AG", manager=manager)).partner
        late = ReportFactory(partner=partner, month=date(2025, 1, 1), due_on=today - timedelta(days=5))
        ReportFactory(partner=partner, month=date(2025, 2, 1), due_on=today + timedelta(days=3))
        ReportFactory(partner=AgreementFactory(partner=PartnerFactory(name="Not mine AG")).partner, due_on=today)
        notify(recipients=[manager], kind="test", title="Unread hello")
        response = manager_client.get(reverse("home"))
        groups = {g["category"]: g for g in response.context["groups"]}
        items = groups["License reports"]["items"]
        assert [i.overdue for i in items] == [True, False]
        assert items[0].url == late.get_absolute_url()
        assert groups["License reports"]["overdue"] == 1
        assert b"Not mine AG" not in response.content
        assert b"Unread hello" in response.content
        assert response.context["groups"][0]["overdue"] >= 1  # groups with overdue items come first

    def test_accounting_sees_every_partners_reports(self, accounting_client):
        ReportFactory(partner=AgreementFactory(partner=PartnerFactory(name="Someone AG")).partner, due_on=timezone.localdate())
        assert b"Someone AG" in accounting_client.get(reverse("home")).content

    def test_a_failing_provider_is_named_not_fatal(self, manager_client, monkeypatch):
        def broken(user, today):
            raise RuntimeError("boom")

        monkeypatch.setitem(attention.ATTENTION_PROVIDERS, "broken_thing", broken)
        response = manager_client.get(reverse("home"))
        assert response.status_code == 200 and b"broken thing" in response.content

    @pytest.mark.parametrize("rows", [1, 30])
    def test_own_query_count_is_pinned(self, rows, manager, manager_client, monkeypatch, django_assert_num_queries):
        """Reporting's own part, with only its provider: session, user, license reports, notifications."""
        monkeypatch.setattr(attention, "ATTENTION_PROVIDERS", {"license_reports": attention.ATTENTION_PROVIDERS["license_reports"]})
        from reporting import views

        monkeypatch.setattr(views, "ATTENTION_PROVIDERS", attention.ATTENTION_PROVIDERS)
        for i in range(rows):
            partner = AgreementFactory(partner=PartnerFactory(manager=manager)).partner
            ReportFactory(partner=partner, due_on=timezone.localdate() - timedelta(days=i))
            notify(recipients=[manager], kind="test", title=f"n{i}")
        with django_assert_num_queries(4):
            assert manager_client.get(reverse("home")).status_code == 200

    def test_home_query_count(self, manager_client, django_assert_max_num_queries):
        """All registered providers on an empty portal (moved here from tests/partnerhub/test_shell.py)."""
        with django_assert_max_num_queries(2 + 1 + len(attention.ATTENTION_PROVIDERS) * 3):
            assert manager_client.get("/").status_code == 200

    def test_flat_with_the_demo_data_and_ten_times_more(self, settings, client_for):
        settings.DEBUG = True
        call_command("seed_demo", stdout=StringIO())
        call_command("run_reminders", stdout=StringIO())
        from django.contrib.auth.models import User

        manager, accounting = User.objects.get(username="manager"), User.objects.get(username="accounting")
        counts = {name: page_queries(client_for(User.objects.get(username=name))) for name in ["manager", "accounting", "admin"]}
        today = timezone.localdate()
        for i in range(90):  # the demo has 10 partners and a handful of due reports: ten times more of each
            partner = AgreementFactory(partner=PartnerFactory(manager=manager)).partner
            ReportFactory(partner=partner, month=date(2025, 1, 1), due_on=today - timedelta(days=i % 20))
            notify(recipients=[manager, accounting], kind="test", title=f"n{i}")
        for name, before in counts.items():
            assert page_queries(client_for(User.objects.get(username=name))) == before, name


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
        report = ReportFactory(partner=partner, month=date(today.year, today.month, 1) - timedelta(days=1), due_on=today + timedelta(days=2))
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
