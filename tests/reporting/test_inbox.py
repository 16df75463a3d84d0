"""The dashboard's ranked inbox (reporting/inbox.py): one list across every kind, overdue first."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partnerhub.attention import ATTENTION_PROVIDERS, AttentionItem
from partnerhub.auth_backends import PartnerHubBackend
from reporting.inbox import rank
from reporting.models import InboxSnooze

from ..factories import PartnerFactory
from .factories import AgreementFactory, ReportFactory

TODAY = date(2026, 11, 30)


def item(title, due, overdue=False, category="X"):
    return AttentionItem(category, title, due, "/x/", overdue=overdue)


class TestRank:
    def test_overdue_oldest_first_then_this_week_then_30_days_and_nothing_later(self):
        items = [
            item("later", TODAY + timedelta(days=45)),
            item("in 20 days", TODAY + timedelta(days=20)),
            item("in 3 days", TODAY + timedelta(days=3), category="A"),
            item("overdue 2 days", TODAY - timedelta(days=2), overdue=True),
            item("overdue 40 days", TODAY - timedelta(days=40), overdue=True, category="Z"),
            item("today", TODAY),
            item("past but not flagged", TODAY - timedelta(days=1)),
            item("no date", None),
        ]
        inbox = rank(items, TODAY)
        assert [i.title for i in inbox.overdue] == ["overdue 40 days", "overdue 2 days", "past but not flagged"]
        assert [i.title for i in inbox.this_week] == ["no date", "today", "in 3 days"]
        assert [i.title for i in inbox.next_30_days] == ["in 20 days"]
        assert inbox.count == 7

    def test_seven_days_is_this_week_eight_is_later(self):
        inbox = rank([item("7", TODAY + timedelta(days=7)), item("8", TODAY + timedelta(days=8))], TODAY)
        assert [i.title for i in inbox.this_week] == ["7"] and [i.title for i in inbox.next_30_days] == ["8"]


@pytest.mark.django_db
class TestInboxPage:
    def test_overdue_report_ranks_above_everything_and_each_item_has_a_link(self, manager, manager_client):
        today = timezone.localdate()
        partner = AgreementFactory(partner=PartnerFactory(name="Late AG", manager=manager)).partner
        late = ReportFactory(partner=partner, month=date(2025, 1, 1), due_on=today - timedelta(days=5))
        ReportFactory(partner=partner, month=date(2025, 2, 1), due_on=today + timedelta(days=3))
        response = manager_client.get(reverse("reporting:inbox"), HTTP_HX_REQUEST="true")
        inbox = response.context["inbox"]
        assert [i.url for i in inbox.overdue] == [late.get_absolute_url()]
        assert len(inbox.this_week) == 1
        html = response.content.decode()
        assert html.index('data-testid="inbox-overdue"') < html.index("Late AG: license report January 2025")
        assert html.index("Late AG: license report January 2025") < html.index('data-testid="inbox-this-week"')
        assert f'href="{late.get_absolute_url()}"' in html
        assert "overdue since " + f"{late.due_on:%d.%m.%Y}" in html

    def test_without_htmx_it_is_a_page(self, manager_client):
        response = manager_client.get(reverse("reporting:inbox"))
        assert response.status_code == 200 and "<html" in response.content.decode()

    def test_anonymous_goes_to_login(self, client):
        response = client.get(reverse("reporting:inbox"))
        assert response.status_code == 302 and "login" in response["Location"]

    def test_actions_only_where_the_role_may_act(self, settings, client_for):
        settings.DEBUG = True
        call_command("seed_demo", stdout=StringIO())
        accounting = client_for(User.objects.get(username="accounting")).get(reverse("reporting:inbox"), HTTP_HX_REQUEST="true")
        invoices = [i for i in accounting.context["inbox"].overdue if i.category == "Overdue invoices"]
        assert invoices and all(a.label == "Mark paid today" and a.post for i in invoices for a in i.actions)
        assert "Mark paid today" in accounting.content.decode()
        manager = client_for(User.objects.get(username="manager")).get(reverse("reporting:inbox"), HTTP_HX_REQUEST="true")
        syncs = [
            i
            for b in (manager.context["inbox"].overdue, manager.context["inbox"].this_week)
            for i in b
            if i.category == "Sync meetings"
        ]
        assert syncs and all(a.label == "Log the sync meeting" for i in syncs for a in i.actions)

    def test_mark_paid_from_the_inbox(self, settings, client_for):
        settings.DEBUG = True
        call_command("seed_demo", stdout=StringIO())
        from funds.models import Invoice

        client = client_for(User.objects.get(username="accounting"))
        invoice = next(
            i
            for i in client.get(reverse("reporting:inbox"), HTTP_HX_REQUEST="true").context["inbox"].overdue
            if i.category == "Overdue invoices"
        )
        action = invoice.actions[0]
        response = client.post(action.url, dict(action.fields))
        assert response.status_code == 302 and response["Location"] == "/"
        number = invoice.title.split("invoice ")[1].split(" ")[0]
        assert Invoice.objects.get(number=number).paid_on == timezone.localdate()

    @pytest.mark.parametrize("username", ["manager", "accounting", "sales", "admin"])
    def test_query_count_pinned_per_role_and_flat_in_rows(self, username, settings, client_for):
        """Session and user (+roles +unread), the user's snoozes (one query), then exactly each
        provider's own fixed queries: the merged, ranked page adds none, and nothing grows with the
        rows or the snoozes."""
        settings.DEBUG = True
        call_command("seed_demo", stdout=StringIO())
        user = User.objects.get(username=username)
        client = client_for(user)
        today = timezone.localdate()

        def providers() -> int:
            signed_in = PartnerHubBackend().get_user(user.pk)  # with roles, as the request has it
            with CaptureQueriesContext(connection) as captured:
                for provider in ATTENTION_PROVIDERS.values():
                    provider(signed_in, today)
            return len(captured)

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(reverse("reporting:inbox"), HTTP_HX_REQUEST="true").status_code == 200
            return len(captured)

        budget = 3 + providers()
        before = queries()
        assert before == budget and before <= 18, (before, budget)  # 15 provider queries at most (manager, admin)
        manager = User.objects.get(username="manager")
        for i in range(30):
            partner = AgreementFactory(partner=PartnerFactory(manager=manager)).partner
            ReportFactory(partner=partner, month=date(2025, 1, 1), due_on=today - timedelta(days=i % 20))
        for i in range(5):
            InboxSnooze.objects.create(user=user, item_key=f"X|/x/{i}/", title="x", until=today + timedelta(days=3), reason="r")
        assert queries() == before
