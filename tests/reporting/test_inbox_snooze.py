"""Inbox snooze (issue 16): any inbox item, per user, until a day with a reason; and the
navigation's badge (overdue + due this week)."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from partnerhub.attention import ATTENTION_PROVIDERS, AttentionItem
from reporting.inbox import inbox_for, item_key
from reporting.models import InboxSnooze

from ..factories import PartnerFactory, UserFactory
from .factories import AgreementFactory, ReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def late(manager):
    """An overdue license report of one of the manager's partners, and one due in three days."""
    today = timezone.localdate()
    partner = AgreementFactory(partner=PartnerFactory(name="Late AG", manager=manager)).partner
    report = ReportFactory(partner=partner, month=date(2025, 1, 1), due_on=today - timedelta(days=5))
    ReportFactory(partner=partner, month=date(2025, 2, 1), due_on=today + timedelta(days=3))
    return report


def late_item(user):
    inbox = inbox_for(user, timezone.localdate())
    return next(i for i in inbox.overdue if "January 2025" in i.title)


def snooze(client, key, *, days=7, reason="Waiting for the partner's answer", htmx=True, **extra):
    until = (timezone.localdate() + timedelta(days=days)).isoformat() if days is not None else ""
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("reporting:inbox-snooze"), {"key": key, "until": until, "reason": reason, **extra}, **headers)


class TestSnooze:
    def test_snoozed_item_leaves_the_ranked_list_and_waits_in_the_snoozed_group(self, manager, manager_client, late):
        key = item_key(late_item(manager))
        response = snooze(manager_client, key)
        assert response.status_code == 200 and response["HX-Trigger"] == "inbox-changed"
        inbox = response.context["inbox"]
        assert all("January 2025" not in i.title for i in inbox.overdue + inbox.this_week + inbox.next_30_days)
        assert [(i.title, s.reason) for i, s in inbox.snoozed] == [
            ("Late AG: license report January 2025 (due)", "Waiting for the partner's answer")
        ]
        html = response.content.decode()
        assert 'data-testid="inbox-snoozed"' in html and "Unsnooze" in html
        assert f"back on {(timezone.localdate() + timedelta(days=7)):%d.%m.%Y}" in html
        snoozed = InboxSnooze.objects.get(user=manager)
        assert snoozed.item_key == key and snoozed.title == "Late AG: license report January 2025 (due)"
        # A fresh GET agrees (it was saved, not only shown).
        again = manager_client.get(reverse("reporting:inbox"), HTTP_HX_REQUEST="true").context["inbox"]
        assert [i.title for i, _ in again.snoozed] == ["Late AG: license report January 2025 (due)"]

    def test_back_in_the_list_on_its_day(self, manager, late):
        item = late_item(manager)
        today = timezone.localdate()
        InboxSnooze.objects.create(
            user=manager, item_key=item_key(item), title=item.title, until=today + timedelta(days=2), reason="r"
        )
        assert item not in inbox_for(manager, today).overdue
        assert item in inbox_for(manager, today + timedelta(days=2)).overdue

    def test_per_user(self, manager, manager_client, late):
        other = UserFactory(username="other-manager", roles=["Partner managers"])
        late.partner.manager = other
        late.partner.save()
        # Same item key for both; only the one who snoozed it loses it from the list.
        InboxSnooze.objects.create(
            user=manager,
            item_key=item_key(late_item(other)),
            title="x",
            until=timezone.localdate() + timedelta(days=1),
            reason="r",
        )
        assert late_item(other)

    def test_unsnooze_brings_it_back_now(self, manager, manager_client, late):
        key = item_key(late_item(manager))
        snooze(manager_client, key)
        response = manager_client.post(reverse("reporting:inbox-unsnooze"), {"key": key}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        inbox = response.context["inbox"]
        assert inbox.snoozed == [] and any("January 2025" in i.title for i in inbox.overdue)
        assert not InboxSnooze.objects.exists()
        assert "Back in your inbox: Late AG: license report January 2025 (due)" in response.content.decode()

    def test_history_keeps_who_snoozed_and_who_took_it_back(self, manager, manager_client, late):
        key = item_key(late_item(manager))
        snooze(manager_client, key)
        manager_client.post(reverse("reporting:inbox-unsnooze"), {"key": key})
        rows = list(InboxSnooze.history.order_by("history_id").values_list("history_type", "history_user__username", "reason"))
        assert rows == [
            ("+", "manager", "Waiting for the partner's answer"),
            ("-", "manager", "Waiting for the partner's answer"),
        ]

    def test_snoozing_again_moves_the_date_not_a_second_row(self, manager, manager_client, late):
        key = item_key(late_item(manager))
        snooze(manager_client, key, days=3)
        snooze(manager_client, key, days=10, reason="Holiday")
        row = InboxSnooze.objects.get(user=manager)
        assert row.until == timezone.localdate() + timedelta(days=10) and row.reason == "Holiday"

    @pytest.mark.parametrize(
        ("days", "reason", "message"),
        [
            (0, "r", "Pick a day after today."),
            (-3, "r", "Pick a day after today."),
            (366, "r", "Snooze for at most a year."),
            (7, "   ", "Why: This field is required."),
            (7, "x" * 301, "Why: Ensure this value has at most 300 characters"),
            (None, "r", "Snooze until: This field is required."),
        ],
    )
    def test_refused_with_a_reason_and_nothing_saved(self, days, reason, message, manager, manager_client, late):
        response = snooze(manager_client, item_key(late_item(manager)), days=days, reason=reason)
        assert response.status_code == 200
        error = response.context["inbox_error"]
        assert error.startswith("Not snoozed.") and message.lower() in error.lower(), error
        assert 'data-testid="inbox-error"' in response.content.decode()
        assert not InboxSnooze.objects.exists()

    def test_an_item_not_in_your_inbox_is_refused(self, manager_client, late):
        response = snooze(manager_client, "Overdue invoices|/funds/invoices/1/")
        assert "no longer in your inbox" in response.context["inbox_error"]
        assert not InboxSnooze.objects.exists()

    def test_without_javascript_it_redirects_back_with_a_message(self, manager, manager_client, late):
        key = item_key(late_item(manager))
        response = snooze(manager_client, key, htmx=False, next="/reporting/inbox/")
        assert response.status_code == 302 and response["Location"] == "/reporting/inbox/"
        page = manager_client.get(response["Location"]).content.decode()
        assert "Snoozed until" in page and 'data-testid="inbox-snoozed"' in page
        bad = snooze(manager_client, key, htmx=False, days=0, next="https://evil.example/")
        assert bad.status_code == 302 and bad["Location"] == "/"
        assert "Pick a day after today." in manager_client.get("/reporting/inbox/").content.decode()

    def test_get_is_refused(self, manager_client):
        assert manager_client.get(reverse("reporting:inbox-snooze")).status_code == 405
        assert manager_client.get(reverse("reporting:inbox-unsnooze")).status_code == 405

    def test_works_for_any_providers_items(self, manager, manager_client, monkeypatch):
        """Generic: an item of a provider the reporting app does not know (e.g. tasks) is snoozed by
        its kind and URL."""
        today = timezone.localdate()
        task = AttentionItem("Tasks", "Call Acme back", today - timedelta(days=1), "/tasks/42/", overdue=True)
        monkeypatch.setitem(ATTENTION_PROVIDERS, "zz_tasks", lambda user, day: [task])
        response = snooze(manager_client, "Tasks|/tasks/42/")
        assert [i for i, _ in response.context["inbox"].snoozed] == [task]

    def test_long_urls_get_a_key_that_fits(self):
        key = item_key(AttentionItem("Tasks", "t", None, "/x/?" + "a" * 1000))
        assert len(key) <= 300 and key.startswith("Tasks|sha256:")


class TestNavigationBadge:
    def test_counts_overdue_and_due_this_week_not_snoozed(self, manager, manager_client, late):
        response = manager_client.get(reverse("reporting:inbox-count"))
        assert response.status_code == 200
        assert (
            '<span class="badge rounded-pill text-bg-danger ms-1" data-testid="nav-inbox-count">2<' in response.content.decode()
        )
        snooze(manager_client, item_key(late_item(manager)))  # refreshes the remembered count
        assert 'data-testid="nav-inbox-count">1<' in manager_client.get(reverse("reporting:inbox-count")).content.decode()

    def test_nothing_due_no_badge(self, outsider_client):
        html = outsider_client.get(reverse("reporting:inbox-count")).content.decode()
        assert 'id="inbox-count"' in html and "nav-inbox-count" not in html

    def test_is_remembered_so_each_page_costs_two_queries(self, manager, manager_client, late, django_assert_num_queries):
        manager_client.get(reverse("reporting:inbox-count"))
        with django_assert_num_queries(2):  # session, user: the count comes from the cache
            assert 'nav-inbox-count">2<' in manager_client.get(reverse("reporting:inbox-count")).content.decode()

    def test_every_page_loads_it_and_the_dashboard_keeps_three_queries(
        self, manager, manager_client, late, django_assert_num_queries
    ):
        with django_assert_num_queries(3):  # session, user (+roles +unread), unread notifications
            html = manager_client.get(reverse("home")).content.decode()
        assert f'hx-get="{reverse("reporting:inbox-count")}" hx-trigger="load"' in html
        assert f'hx-get="{reverse("reporting:inbox-count")}"' in manager_client.get(reverse("partners:list")).content.decode()
