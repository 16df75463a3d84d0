"""Every activities page: works, sign-in, roles, bad input, pinned flat query counts."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, Campaign, DealRegistration, JointPlan, JointPlanInitiative, Opportunity, quarter_of
from partnerhub.models import Notification
from partners.models import PartnerTeamMember

from ..factories import ContactFactory, PartnerFactory
from .factories import (
    ActivityFactory,
    CampaignFactory,
    DealRegistrationFactory,
    InitiativeFactory,
    JointPlanFactory,
    OpportunityFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


READ_PAGES = [
    "activities:feed",
    "activities:follow-ups",
    "activities:sync-meetings",
    "activities:opportunities",
    "activities:registrations",
    "activities:registrations-expiring",
    "activities:campaigns",
    "activities:campaign-calendar",
    "activities:plans",
]


@pytest.mark.parametrize("name", READ_PAGES)
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", READ_PAGES)
def test_everyone_signed_in_may_read(outsider_client, name):
    assert outsider_client.get(reverse(name)).status_code == 200


class TestActivityFeed:
    def test_filters_and_csv(self, manager_client, manager):
        partner = PartnerFactory(name="Feed AG")
        ActivityFactory(partner=partner, kind="sync_meeting", subject="Sync one", author=manager, occurred_on=date(2026, 3, 2))
        ActivityFactory(kind="call", subject="Other call", occurred_on=date(2026, 5, 2))
        response = manager_client.get(reverse("activities:feed"), {"partner": partner.pk})
        assert [a.subject for a in response.context["activities"]] == ["Sync one"]
        response = manager_client.get(reverse("activities:feed"), {"kind": "call"})
        assert [a.subject for a in response.context["activities"]] == ["Other call"]
        response = manager_client.get(reverse("activities:feed"), {"author": manager.pk})
        assert [a.subject for a in response.context["activities"]] == ["Sync one"]
        response = manager_client.get(
            reverse("activities:feed"), {"occurred_on_after": "2026-04-01", "occurred_on_before": "2026-06-01"}
        )
        assert [a.subject for a in response.context["activities"]] == ["Other call"]
        rows = csv_rows(manager_client.get(reverse("activities:feed"), {"kind": "sync_meeting", "format": "csv"}))
        assert rows[0][:4] == ["Date", "Partner", "Kind", "Subject"]
        assert rows[1][1:4] == ["Feed AG", "Sync meeting", "Sync one"]
        assert len(rows) == 2

    @pytest.mark.parametrize("rows", [1, 30, 300])
    def test_query_count_is_flat(self, rows, outsider_client, django_assert_num_queries):
        partner = PartnerFactory()
        ActivityFactory.create_batch(rows, partner=partner)
        # session, user, one keyset page (partner and author joined), partner options, author options
        with django_assert_num_queries(5):
            response = outsider_client.get(reverse("activities:feed"))
        assert len(response.context["activities"]) == min(rows, 25)


class TestPartnerTimeline:
    def test_keyset_pagination_walks_everything_once_newest_first(self, outsider_client):
        partner = PartnerFactory()
        today = TODAY()
        # Several activities share a date: the id breaks the tie, so nothing is skipped or repeated.
        for i in range(60):
            ActivityFactory(partner=partner, occurred_on=today - timedelta(days=i // 4))
        ActivityFactory.create_batch(5)  # other partners' activities never show
        expected = list(Activity.objects.filter(partner=partner).order_by("-occurred_on", "-id").values_list("pk", flat=True))
        seen, cursor, pages = [], None, 0
        while True:
            response = outsider_client.get(
                reverse("activities:timeline", args=[partner.slug]), {"before": cursor} if cursor else {}
            )
            assert response.status_code == 200
            seen += [a.pk for a in response.context["activities"]]
            cursor, pages = response.context["next_cursor"], pages + 1
            if cursor is None:
                break
        assert seen == expected and pages == 3

    def test_bad_cursor_is_the_first_page(self, outsider_client):
        partner = PartnerFactory()
        ActivityFactory(partner=partner)
        for cursor in ["nonsense", "2026-13-01_5", "2026-01-01_x"]:
            response = outsider_client.get(reverse("activities:timeline", args=[partner.slug]), {"before": cursor})
            assert response.status_code == 200 and len(response.context["activities"]) == 1

    def test_no_offset_in_the_query(self, outsider_client, django_assert_num_queries):
        partner = PartnerFactory()
        ActivityFactory.create_batch(30, partner=partner)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            first = outsider_client.get(reverse("activities:timeline", args=[partner.slug]))
            outsider_client.get(reverse("activities:timeline", args=[partner.slug]), {"before": first.context["next_cursor"]})
        assert not any("OFFSET" in q["sql"].upper() for q in ctx.captured_queries)

    @pytest.mark.parametrize("rows", [1, 30, 300])
    def test_query_count_is_flat(self, rows, outsider_client, django_assert_num_queries, manager):
        partner = PartnerFactory()
        contact = ContactFactory(partner=partner)
        for activity in ActivityFactory.create_batch(rows, partner=partner):
            activity.participants.add(manager)
            activity.contacts.add(contact)
        # session, user, partner, page, participants, contacts
        with django_assert_num_queries(6):
            response = outsider_client.get(reverse("activities:timeline", args=[partner.slug]))
        assert len(response.context["activities"]) == min(rows, 25)


def activity_post(partner, **overrides):
    data = {
        "partner": partner.pk,
        "kind": "meeting",
        "occurred_on": "2026-10-01",
        "subject": "Quarterly review",
        "notes": "Went well",
        "follow_up_on": "2026-10-15",
    }
    data.update(overrides)
    return data


class TestActivityCreateEdit:
    @pytest.mark.parametrize("persona", ["manager_client", "sales_client", "marketing_client"])
    def test_roles_that_may_log(self, persona, request):
        partner = PartnerFactory()
        contact = ContactFactory(partner=partner)
        client = request.getfixturevalue(persona)
        response = client.post(reverse("activities:create"), activity_post(partner, contacts=[contact.pk]))
        assert response.status_code == 302 and response["Location"].endswith("#timeline")
        activity = Activity.objects.get()
        assert activity.author.username == persona.removesuffix("_client")
        assert list(activity.contacts.all()) == [contact]

    @pytest.mark.parametrize("persona", ["accounting_client", "outsider_client"])
    def test_roles_that_may_not(self, persona, request):
        partner = PartnerFactory()
        activity = ActivityFactory(partner=partner, subject="Keep")
        client = request.getfixturevalue(persona)
        assert client.get(reverse("activities:create")).status_code == 403
        assert client.post(reverse("activities:create"), activity_post(partner)).status_code == 403
        assert (
            client.post(reverse("activities:edit", args=[activity.pk]), activity_post(partner, subject="Hacked")).status_code
            == 403
        )
        assert Activity.objects.get().subject == "Keep"

    @pytest.mark.parametrize(
        "field,value,message",
        [
            ("follow_up_on", "2026-09-01", "cannot be before"),
            ("occurred_on", "", "required"),
            ("kind", "party", "valid choice"),
            ("subject", "", "required"),
            ("occurred_on", "2026-02-30", "valid date"),
        ],
    )
    def test_bad_input_is_a_form_error_and_saves_nothing(self, sales_client, field, value, message):
        partner = PartnerFactory()
        response = sales_client.post(reverse("activities:create"), activity_post(partner, **{field: value}))
        assert response.status_code == 200 and message in str(response.context["form"].errors)
        assert not Activity.objects.exists()

    def test_contact_of_another_partner_is_refused(self, sales_client):
        partner = PartnerFactory()
        foreign = ContactFactory()
        response = sales_client.post(reverse("activities:create"), activity_post(partner, contacts=[foreign.pk]))
        assert response.status_code == 200 and "contacts" in response.context["form"].errors
        assert not Activity.objects.exists()

    def test_edit_and_prefill(self, sales_client):
        partner = PartnerFactory()
        response = sales_client.get(reverse("activities:create"), {"partner": partner.slug, "kind": "sync_meeting"})
        assert response.context["form"].initial["partner"] == partner.pk
        assert response.context["form"].instance.kind == "sync_meeting"
        activity = ActivityFactory(partner=partner)
        response = sales_client.post(reverse("activities:edit", args=[activity.pk]), activity_post(partner, subject="Renamed"))
        assert response.status_code == 302
        assert Activity.objects.get(pk=activity.pk).subject == "Renamed"

    def test_inform_team_notifies_from_the_form(self, sales_client, manager, marketing):
        partner = PartnerFactory(manager=manager)
        PartnerTeamMember.objects.create(partner=partner, user=marketing, role="marketing")
        sales_client.post(reverse("activities:create"), activity_post(partner, inform_team="on"))
        assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["manager", "marketing"]

    @pytest.mark.parametrize("rows", [1, 50])
    def test_form_query_count_is_flat(self, rows, sales_client, django_assert_num_queries):
        PartnerFactory.create_batch(rows)
        ContactFactory.create_batch(rows)
        # session, user, partner options, participant options, contact options, follow-up assignee options
        with django_assert_num_queries(6):
            assert sales_client.get(reverse("activities:create")).status_code == 200


class TestQuickLog:
    def test_htmx_returns_the_section_with_the_new_entry_and_next_sync_date(self, manager_client, manager):
        partner = PartnerFactory(manager=manager, sync_cadence="monthly")
        today = TODAY()
        response = manager_client.post(
            reverse("activities:quick-log", args=[partner.slug]),
            {"kind": "sync_meeting", "occurred_on": today.isoformat(), "subject": "Monthly sync"},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert "<html" not in html and 'id="timeline-body"' in html
        assert "Monthly sync" in html
        assert f'data-testid="next-sync-date">{(today + timedelta(days=30)):%d.%m.%Y}<' in html
        assert "hx-swap-oob" in html  # the health badge updates too
        activity = Activity.objects.get()
        assert activity.author == manager and activity.kind == "sync_meeting"
        partner.refresh_from_db()
        assert partner.health == "good"

    def test_htmx_bad_input_shows_errors_and_saves_nothing(self, sales_client):
        partner = PartnerFactory()
        response = sales_client.post(
            reverse("activities:quick-log", args=[partner.slug]),
            {"kind": "call", "occurred_on": "", "subject": ""},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200
        assert "This field is required." in response.content.decode()
        assert not Activity.objects.exists()

    def test_without_htmx_it_redirects_or_shows_the_full_form(self, sales_client):
        partner = PartnerFactory()
        url = reverse("activities:quick-log", args=[partner.slug])
        response = sales_client.post(url, {"kind": "call", "occurred_on": "2026-10-01", "subject": "Call"})
        assert response.status_code == 302 and response["Location"] == partner.get_absolute_url() + "#timeline"
        response = sales_client.post(url, {"kind": "call", "occurred_on": "", "subject": "No date"})
        assert response.status_code == 200 and "occurred_on" in response.context["form"].errors
        assert Activity.objects.count() == 1

    def test_get_is_not_allowed_and_roles_are_checked(self, sales_client, accounting_client):
        partner = PartnerFactory()
        url = reverse("activities:quick-log", args=[partner.slug])
        assert sales_client.get(url).status_code == 405
        assert accounting_client.post(url, {"kind": "call", "occurred_on": "2026-10-01", "subject": "x"}).status_code == 403
        assert not Activity.objects.exists()

    def test_partner_page_sections(self, outsider_client, manager_client):
        partner = PartnerFactory(sync_cadence="weekly")
        ActivityFactory(partner=partner, kind="sync_meeting", occurred_on=TODAY() - timedelta(days=2), subject="Last sync")
        OpportunityFactory(partner=partner, title="Big deal")
        DealRegistrationFactory(partner=partner, customer="Registered AG")
        CampaignFactory(partners=[partner], title="Joint webinar")
        InitiativeFactory(plan=JointPlanFactory(partner=partner), title="Grow together")
        page = outsider_client.get(partner.get_absolute_url()).content.decode()
        expected = {
            "timeline": ["Last sync", 'data-testid="next-sync-date"'],
            "deals": ["Big deal", "Registered AG"],
            "campaigns": ["Joint webinar"],
            "plan": ["Grow together"],
        }
        for key, texts in expected.items():
            assert reverse("partners:section", args=[partner.slug, key]) in page
            html = outsider_client.get(
                reverse("partners:section", args=[partner.slug, key]), HTTP_HX_REQUEST="true"
            ).content.decode()
            for text in texts:
                assert text in html
        timeline = reverse("partners:section", args=[partner.slug, "timeline"])
        assert 'id="quick-log-form"' not in outsider_client.get(timeline, HTTP_HX_REQUEST="true").content.decode()
        assert 'id="quick-log-form"' in manager_client.get(timeline, HTTP_HX_REQUEST="true").content.decode()

    @pytest.mark.parametrize("rows", [1, 50])
    @pytest.mark.parametrize(
        # session, user, partner + the section's own: last sync and newest ten; open opportunities and
        # registrations; campaigns; the quarter's initiatives
        "key,queries",
        [("timeline", 5), ("deals", 5), ("campaigns", 4), ("plan", 4)],
    )
    def test_sections_cost_a_fixed_number_of_queries(self, rows, key, queries, manager_client, django_assert_num_queries):
        partner = PartnerFactory()
        ActivityFactory.create_batch(rows, partner=partner)
        OpportunityFactory.create_batch(rows, partner=partner)
        DealRegistrationFactory.create_batch(rows, partner=partner)
        CampaignFactory.create_batch(rows, partners=[partner])
        plan = JointPlanFactory(partner=partner)
        InitiativeFactory.create_batch(rows, plan=plan)
        with django_assert_num_queries(queries):
            response = manager_client.get(reverse("partners:section", args=[partner.slug, key]), HTTP_HX_REQUEST="true")
        assert response.status_code == 200


class TestFollowUps:
    def test_lists_mine_and_marks_done_by_post(self, sales_client, sales):
        today = TODAY()
        mine = ActivityFactory(author=sales, follow_up_on=today + timedelta(days=2), subject="Send the offer")
        ActivityFactory(follow_up_on=today, subject="Not mine")
        response = sales_client.get(reverse("activities:follow-ups"))
        assert [a.subject for a in response.context["page_obj"]] == ["Send the offer"]
        url = reverse("activities:follow-up-done", args=[mine.pk])
        assert sales_client.get(url).status_code == 405
        response = sales_client.post(url)
        assert response.status_code == 302
        assert Activity.objects.get(pk=mine.pk).follow_up_done
        assert list(sales_client.get(reverse("activities:follow-ups")).context["page_obj"]) == []

    def test_someone_elses_follow_up_is_403(self, sales_client, marketing):
        other = ActivityFactory(author=marketing, follow_up_on=TODAY())
        assert sales_client.post(reverse("activities:follow-up-done", args=[other.pk])).status_code == 403
        assert not Activity.objects.get(pk=other.pk).follow_up_done

    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_count_is_flat(self, rows, sales_client, sales, django_assert_num_queries):
        ActivityFactory.create_batch(rows, author=sales, follow_up_on=TODAY())
        # session, user, count, page (partner joined)
        with django_assert_num_queries(4):
            assert sales_client.get(reverse("activities:follow-ups")).status_code == 200


class TestSyncMeetings:
    def test_overdue_and_upcoming(self, manager_client, manager):
        today = TODAY()
        late = PartnerFactory(name="Late AG", sync_cadence="weekly", manager=manager)
        ActivityFactory(partner=late, kind="sync_meeting", occurred_on=today - timedelta(days=10))
        soon = PartnerFactory(name="Soon AG", sync_cadence="monthly")
        ActivityFactory(partner=soon, kind="sync_meeting", occurred_on=today - timedelta(days=20))
        PartnerFactory(name="No Cadence AG", sync_cadence="none")
        PartnerFactory(name="Archived AG", sync_cadence="weekly", archived=True)
        response = manager_client.get(reverse("activities:sync-meetings"))
        assert [p.name for p, s in response.context["overdue"]] == ["Late AG"]
        assert response.context["overdue"][0][1].overdue_days == 3
        assert [p.name for p, s in response.context["upcoming"]] == ["Soon AG"]
        html = response.content.decode()
        assert "No Cadence AG" not in html and "Archived AG" not in html
        response = manager_client.get(reverse("activities:sync-meetings"), {"manager": manager.pk})
        assert [p.name for p, s in response.context["overdue"] + response.context["upcoming"]] == ["Late AG"]
        rows = csv_rows(manager_client.get(reverse("activities:sync-meetings"), {"format": "csv"}))
        assert [r[0] for r in rows[1:]] == ["Late AG", "Soon AG"]

    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_count_is_flat(self, rows, outsider_client, django_assert_num_queries):
        for partner in PartnerFactory.create_batch(rows):
            ActivityFactory(partner=partner, kind="sync_meeting")
        # session, user, partners (manager joined), last sync per partner, manager options
        with django_assert_num_queries(5):
            assert outsider_client.get(reverse("activities:sync-meetings")).status_code == 200


def opportunity_post(partner_, **overrides):
    data = {
        "partner": partner_.pk,
        "end_customer": "Helvetia",
        "title": "Platform",
        "value": "1000.50",
        "currency": "CHF",
        "stage": "qualified",
        "expected_close": "2026-12-31",
        "owner": "",
        "notes": "",
    }
    data.update(overrides)
    return data


class TestOpportunities:
    def test_pipeline_filters_and_totals_per_currency(self, outsider_client):
        OpportunityFactory(value=Decimal("100.00"), currency="CHF", stage="qualified")
        OpportunityFactory(value=Decimal("50.50"), currency="CHF", stage="proposal")
        OpportunityFactory(value=Decimal("70.00"), currency="EUR", stage="qualified")
        OpportunityFactory(value=Decimal("480000.00"), currency="CHF", stage="won")
        OpportunityFactory(value=Decimal("9.00"), currency="CHF", stage="lost")
        response = outsider_client.get(reverse("activities:opportunities"))
        # Won and lost deals are not pipeline: shown apart.
        assert response.context["pipeline"]["open"] == {"CHF": Decimal("150.50"), "EUR": Decimal("70.00")}
        assert response.context["pipeline"]["won"] == {"CHF": Decimal("480000.00")}
        assert response.context["pipeline"]["lost"] == {"CHF": Decimal("9.00")}
        assert "CHF 480&#x27;000.00" in response.content.decode() or "CHF 480'000.00" in response.content.decode()
        response = outsider_client.get(reverse("activities:opportunities"), {"stage": "qualified"})
        assert response.context["pipeline"]["open"] == {"CHF": Decimal("100.00"), "EUR": Decimal("70.00")}
        rows = csv_rows(outsider_client.get(reverse("activities:opportunities"), {"currency": "EUR", "format": "csv"}))
        assert len(rows) == 2 and rows[1][4] == "EUR"
        assert outsider_client.get(reverse("activities:opportunities"), {"sort": "owner__password"}).status_code == 200

    def test_sales_creates_and_edits(self, sales_client, sales):
        partner = PartnerFactory()
        response = sales_client.post(reverse("activities:opportunity-create"), opportunity_post(partner))
        assert response.status_code == 302
        opportunity = Opportunity.objects.get()
        assert opportunity.value == Decimal("1000.50")
        response = sales_client.post(
            reverse("activities:opportunity-edit", args=[opportunity.pk]), opportunity_post(partner, stage="won")
        )
        assert Opportunity.objects.get().stage == "won"

    @pytest.mark.parametrize(
        "field,value", [("value", "-5"), ("currency", "XXX"), ("value", "1.234"), ("partner", ""), ("value", "abc")]
    )
    def test_bad_input(self, sales_client, field, value):
        response = sales_client.post(
            reverse("activities:opportunity-create"), opportunity_post(PartnerFactory(), **{field: value})
        )
        assert response.status_code == 200 and field in response.context["form"].errors
        assert not Opportunity.objects.exists()

    @pytest.mark.parametrize("persona", ["marketing_client", "accounting_client", "outsider_client"])
    def test_other_roles_get_403(self, persona, request):
        client = request.getfixturevalue(persona)
        opportunity = OpportunityFactory(title="Keep")
        assert client.get(reverse("activities:opportunity-create")).status_code == 403
        assert client.post(reverse("activities:opportunity-create"), opportunity_post(PartnerFactory())).status_code == 403
        assert (
            client.post(
                reverse("activities:opportunity-edit", args=[opportunity.pk]),
                opportunity_post(opportunity.partner, title="Hacked"),
            ).status_code
            == 403
        )
        assert list(Opportunity.objects.values_list("title", flat=True)) == ["Keep"]

    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_count_is_flat(self, rows, outsider_client, django_assert_num_queries):
        OpportunityFactory.create_batch(rows)
        # session, user, count, page, totals, partner options, owner options
        with django_assert_num_queries(7):
            assert outsider_client.get(reverse("activities:opportunities")).status_code == 200


def registration_post(partner, **overrides):
    data = {
        "partner": partner.pk,
        "registration_id": "DR-1",
        "customer": "Acme AG",
        "products": "OpenShift",
        "value": "25000",
        "currency": "CHF",
        "expires_on": "",
        "owner": "",
        "notes": "",
    }
    data.update(overrides)
    return data


class TestDealRegistrations:
    def test_create_then_duplicate_warning_then_confirm(self, sales_client):
        partner = PartnerFactory()
        url = reverse("activities:registration-create")
        assert sales_client.post(url, registration_post(partner)).status_code == 302
        response = sales_client.post(url, registration_post(partner, registration_id="DR-2", customer="ACME, Ltd."))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="duplicate-warning"' in html and "Acme AG" in html
        assert DealRegistration.objects.count() == 1
        response = sales_client.post(
            url, registration_post(partner, registration_id="DR-2", customer="ACME, Ltd.", confirm_duplicate="on")
        )
        assert response.status_code == 302
        assert DealRegistration.objects.count() == 2
        # A closed registration of the same customer is no duplicate.
        DealRegistration.objects.update(status="lost")
        assert sales_client.post(url, registration_post(partner, registration_id="DR-3", customer="acme")).status_code == 302

    def test_umlaut_and_legal_form_spelling_warns_as_duplicate(self, sales_client):
        """Issue 16, item 8: "Zuercher Kantonalbank AG" looks like the open "Zürcher Kantonalbank"."""
        partner = PartnerFactory()
        url = reverse("activities:registration-create")
        assert sales_client.post(url, registration_post(partner, customer="Zürcher Kantonalbank")).status_code == 302
        data = registration_post(partner, registration_id="DR-2", customer="Zuercher Kantonalbank AG")
        response = sales_client.post(url, data)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="duplicate-warning"' in html and "Zürcher Kantonalbank" in html
        assert 'data-testid="confirm-duplicate"' in html
        assert DealRegistration.objects.count() == 1
        assert sales_client.post(url, {**data, "confirm_duplicate": "on"}).status_code == 302
        assert DealRegistration.objects.count() == 2

    def test_duplicate_registration_id_is_a_form_error(self, sales_client):
        partner = PartnerFactory()
        DealRegistrationFactory(partner=partner, registration_id="DR-1", customer="Other")
        response = sales_client.post(reverse("activities:registration-create"), registration_post(partner))
        assert response.status_code == 200 and "already has a registration with this ID" in str(response.context["form"].errors)
        assert DealRegistration.objects.count() == 1

    @pytest.mark.parametrize("field,value", [("value", "-1"), ("currency", "XYZ"), ("customer", ""), ("expires_on", "tomorrow")])
    def test_bad_input(self, sales_client, field, value):
        response = sales_client.post(
            reverse("activities:registration-create"), registration_post(PartnerFactory(), **{field: value})
        )
        assert response.status_code == 200 and field in response.context["form"].errors
        assert not DealRegistration.objects.exists()

    def test_posting_status_or_timestamp_does_nothing(self, sales_client):
        registration = DealRegistrationFactory()
        response = sales_client.post(
            reverse("activities:registration-edit", args=[registration.pk]),
            registration_post(registration.partner, customer="New name", status="won", submitted_at="2020-01-01T00:00"),
        )
        assert response.status_code == 302
        registration.refresh_from_db()
        assert registration.customer == "New name" and registration.status == "draft" and registration.submitted_at is None

    def test_transitions_by_post(self, sales_client):
        registration = DealRegistrationFactory()
        url = reverse("activities:registration-transition", args=[registration.pk])
        assert sales_client.get(url).status_code == 405
        sales_client.post(url, {"to": "submitted"})
        response = sales_client.post(url, {"to": "approved", "expires_on": "2027-03-31"}, follow=True)
        assert response.status_code == 200 and any("approved" in m for m in messages_of(response))
        registration.refresh_from_db()
        assert registration.status == "approved" and registration.expires_on == date(2027, 3, 31)
        assert registration.submitted_at is not None

    def test_illegal_move_is_a_message_not_a_500(self, sales_client):
        registration = DealRegistrationFactory(status="rejected")
        url = reverse("activities:registration-transition", args=[registration.pk])
        response = sales_client.post(url, {"to": "won"}, follow=True)
        assert response.status_code == 200
        assert any("A rejected registration cannot be marked won." in m for m in messages_of(response))
        response = sales_client.post(url, {"to": "party"}, follow=True)
        assert response.status_code == 200 and messages_of(response)
        assert DealRegistration.objects.get().status == "rejected"

    @pytest.mark.parametrize("persona", ["marketing_client", "accounting_client", "outsider_client"])
    def test_other_roles_get_403(self, persona, request):
        client = request.getfixturevalue(persona)
        registration = DealRegistrationFactory(customer="Keep")
        assert client.get(reverse("activities:registration-create")).status_code == 403
        assert client.post(reverse("activities:registration-create"), registration_post(PartnerFactory())).status_code == 403
        assert (
            client.post(
                reverse("activities:registration-edit", args=[registration.pk]),
                registration_post(registration.partner, customer="Hacked"),
            ).status_code
            == 403
        )
        assert (
            client.post(reverse("activities:registration-transition", args=[registration.pk]), {"to": "submitted"}).status_code
            == 403
        )
        registration.refresh_from_db()
        assert registration.customer == "Keep" and registration.status == "draft"

    def test_list_filters_csv_and_expiring(self, outsider_client):
        today = TODAY()
        DealRegistrationFactory(customer="Soon AG", status="approved", expires_on=today + timedelta(days=10))
        DealRegistrationFactory(customer="Later AG", status="approved", expires_on=today + timedelta(days=60))
        DealRegistrationFactory(customer="Draft AG", status="draft")
        response = outsider_client.get(reverse("activities:registrations"), {"status": "approved", "sort": "expires"})
        assert [r.customer for r in response.context["page_obj"]] == ["Soon AG", "Later AG"]
        rows = csv_rows(outsider_client.get(reverse("activities:registrations"), {"q": "draft", "format": "csv"}))
        assert [r[2] for r in rows[1:]] == ["Draft AG"]
        response = outsider_client.get(reverse("activities:registrations-expiring"))
        assert [r.customer for r in response.context["page_obj"]] == ["Soon AG"]

    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_count_is_flat(self, rows, outsider_client, django_assert_num_queries):
        DealRegistrationFactory.create_batch(rows, status="approved", expires_on=TODAY() + timedelta(days=3))
        # session, user, count, page, partner options, owner options
        with django_assert_num_queries(6):
            assert outsider_client.get(reverse("activities:registrations")).status_code == 200
        # session, user, count, page
        with django_assert_num_queries(4):
            assert outsider_client.get(reverse("activities:registrations-expiring")).status_code == 200


def campaign_post(partners_, **overrides):
    data = {
        "title": "Kubernetes webinar",
        "kind": "webinar",
        "partners": [p.pk for p in partners_],
        "status": "planned",
        "starts_on": "2026-11-12",
        "ends_on": "2026-11-12",
        "budget": "1500",
        "currency": "CHF",
        "leads": "0",
        "attendees": "0",
        "owner": "",
        "description": "",
    }
    data.update(overrides)
    return data


class TestCampaigns:
    def test_marketing_creates_with_several_partners(self, marketing_client):
        partners = PartnerFactory.create_batch(2)
        response = marketing_client.post(reverse("activities:campaign-create"), campaign_post(partners))
        assert response.status_code == 302
        campaign = Campaign.objects.get()
        assert campaign.quarter == "2026-Q4" and set(campaign.partners.all()) == set(partners)

    def test_done_needs_brand_check_and_pr_approval(self, marketing_client, marketing):
        partner = PartnerFactory()
        response = marketing_client.post(
            reverse("activities:campaign-create"), campaign_post([partner], status="done", pr_guidelines_approved="on")
        )
        assert response.status_code == 200 and "brand guidelines" in str(response.context["form"].errors)
        assert not Campaign.objects.exists()
        campaign = CampaignFactory(partners=[partner])
        check = reverse("activities:campaign-brand-check", args=[campaign.pk])
        assert marketing_client.get(check).status_code == 405
        assert marketing_client.post(check).status_code == 302
        campaign.refresh_from_db()
        assert campaign.brand_checked_by == marketing and campaign.brand_checked_at is not None
        # Still refused without the partner's PR guidelines approved...
        response = marketing_client.post(
            reverse("activities:campaign-edit", args=[campaign.pk]), campaign_post([partner], status="done")
        )
        assert response.status_code == 200 and Campaign.objects.get().status == "planned"
        # ...and accepted with them; the brand check survives the edit.
        response = marketing_client.post(
            reverse("activities:campaign-edit", args=[campaign.pk]),
            campaign_post([partner], status="done", pr_guidelines_approved="on", leads="12"),
        )
        assert response.status_code == 302
        campaign.refresh_from_db()
        assert campaign.status == "done" and campaign.leads == 12 and campaign.brand_checked_by == marketing

    @pytest.mark.parametrize(
        "field,value", [("budget", "-1"), ("currency", "ABC"), ("ends_on", "2026-11-01"), ("partners", []), ("leads", "-3")]
    )
    def test_bad_input(self, marketing_client, field, value):
        response = marketing_client.post(
            reverse("activities:campaign-create"), campaign_post([PartnerFactory()], **{field: value})
        )
        assert response.status_code == 200 and response.context["form"].errors
        assert not Campaign.objects.exists()

    @pytest.mark.parametrize("persona", ["sales_client", "accounting_client", "outsider_client"])
    def test_other_roles_get_403(self, persona, request):
        client = request.getfixturevalue(persona)
        campaign = CampaignFactory(title="Keep")
        assert client.get(reverse("activities:campaign-create")).status_code == 403
        assert client.post(reverse("activities:campaign-create"), campaign_post([PartnerFactory()])).status_code == 403
        assert (
            client.post(
                reverse("activities:campaign-edit", args=[campaign.pk]), campaign_post([PartnerFactory()], title="X")
            ).status_code
            == 403
        )
        assert client.post(reverse("activities:campaign-brand-check", args=[campaign.pk])).status_code == 403
        campaign.refresh_from_db()
        assert campaign.title == "Keep" and campaign.brand_checked_at is None

    def test_list_filters_totals_and_csv(self, outsider_client):
        partner = PartnerFactory(name="Campaign Partner")
        CampaignFactory(partners=[partner], title="Mine", kind="pr", budget=Decimal("10"), starts_on=date(2026, 11, 3))
        CampaignFactory(title="Other", kind="webinar", budget=Decimal("5"), currency="EUR", starts_on=date(2026, 5, 3))
        response = outsider_client.get(reverse("activities:campaigns"), {"partner": partner.pk})
        assert [c.title for c in response.context["page_obj"]] == ["Mine"]
        response = outsider_client.get(reverse("activities:campaigns"), {"quarter": "2026-Q2"})
        assert [c.title for c in response.context["page_obj"]] == ["Other"]
        assert outsider_client.get(reverse("activities:campaigns")).context["totals"] == {
            "CHF": Decimal("10"),
            "EUR": Decimal("5"),
        }
        rows = csv_rows(outsider_client.get(reverse("activities:campaigns"), {"kind": "pr", "format": "csv"}))
        assert rows[1][0] == "Mine" and rows[1][2] == "Campaign Partner"

    def test_month_calendar(self, outsider_client):
        CampaignFactory(title="Roadshow", starts_on=date(2026, 11, 10), ends_on=date(2026, 11, 12))
        CampaignFactory(title="Spans months", starts_on=date(2026, 10, 28), ends_on=date(2026, 11, 2))
        CampaignFactory(title="December", starts_on=date(2026, 12, 5))
        response = outsider_client.get(reverse("activities:campaign-calendar"), {"month": "2026-11"})
        assert response.status_code == 200
        assert [c.title for c in response.context["campaigns"]] == ["Spans months", "Roadshow"]
        days = {day: [c.title for c in cs] for week in response.context["weeks"] for day, cs in week}
        assert days[date(2026, 11, 11)] == ["Roadshow"] and days[date(2026, 11, 1)] == ["Spans months"]
        assert response.context["previous"] == "2026-10" and response.context["next"] == "2026-12"
        assert outsider_client.get(reverse("activities:campaign-calendar"), {"month": "2026-13"}).status_code == 200

    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_count_is_flat(self, rows, outsider_client, django_assert_num_queries):
        for _ in range(rows):
            CampaignFactory(partners=PartnerFactory.create_batch(2), starts_on=TODAY())
        # session, user, count, page, partners prefetch, totals, partner options
        with django_assert_num_queries(7):
            assert outsider_client.get(reverse("activities:campaigns")).status_code == 200
        # session, user, the month's campaigns
        with django_assert_num_queries(3):
            assert outsider_client.get(reverse("activities:campaign-calendar")).status_code == 200


class TestJointPlans:
    def test_create_plan_and_initiatives(self, sales_client, sales):
        partner = PartnerFactory()
        opportunity = OpportunityFactory(partner=partner)
        quarter = quarter_of(TODAY())
        plan_url = reverse("activities:plan", args=[partner.slug, quarter])
        response = sales_client.get(plan_url)
        assert response.status_code == 200 and response.context["plan"] is None
        assert not JointPlan.objects.exists()  # GET never creates
        assert (
            sales_client.post(reverse("activities:plan-save", args=[partner.slug, quarter]), {"summary": "Grow"}).status_code
            == 302
        )
        assert JointPlan.objects.get().summary == "Grow"
        response = sales_client.post(
            reverse("activities:initiative-create", args=[partner.slug, quarter]),
            {"title": "Close the deal", "kind": "sales", "owner": sales.pk, "status": "planned", "opportunity": opportunity.pk},
        )
        assert response.status_code == 302
        initiative = JointPlanInitiative.objects.get()
        assert initiative.opportunity == opportunity and initiative.plan.quarter == quarter
        response = sales_client.post(
            reverse("activities:initiative-edit", args=[initiative.pk]),
            {"title": "Close the deal", "kind": "sales", "status": "done"},
        )
        assert JointPlanInitiative.objects.get().status == "done"
        html = sales_client.get(plan_url).content.decode()
        assert "Close the deal" in html and "Done" in html

    def test_first_initiative_creates_the_plan_and_bad_input_saves_nothing(self, sales_client):
        partner = PartnerFactory()
        foreign = OpportunityFactory()  # another partner's deal cannot be linked
        url = reverse("activities:initiative-create", args=[partner.slug, "2026-Q4"])
        response = sales_client.post(url, {"title": "x", "kind": "sales", "status": "planned", "opportunity": foreign.pk})
        assert response.status_code == 200 and "opportunity" in response.context["form"].errors
        response = sales_client.post(url, {"title": "", "kind": "party", "status": "planned"})
        assert response.status_code == 200 and {"title", "kind"} <= set(response.context["form"].errors)
        assert not JointPlan.objects.exists() and not JointPlanInitiative.objects.exists()
        assert sales_client.post(url, {"title": "Joint event", "kind": "marketing", "status": "planned"}).status_code == 302
        assert JointPlan.objects.get().quarter == "2026-Q4"

    def test_bad_quarter_is_404(self, outsider_client):
        partner = PartnerFactory()
        for quarter in ["2026-Q5", "Q4-2026", "2026"]:
            assert outsider_client.get(reverse("activities:plan", args=[partner.slug, quarter])).status_code == 404

    @pytest.mark.parametrize("persona", ["accounting_client", "outsider_client"])
    def test_other_roles_get_403(self, persona, request):
        client = request.getfixturevalue(persona)
        partner = PartnerFactory()
        assert client.post(reverse("activities:plan-save", args=[partner.slug, "2026-Q4"]), {"summary": "x"}).status_code == 403
        assert (
            client.post(
                reverse("activities:initiative-create", args=[partner.slug, "2026-Q4"]),
                {"title": "x", "kind": "sales", "status": "planned"},
            ).status_code
            == 403
        )
        assert not JointPlan.objects.exists()

    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_count_is_flat(self, rows, outsider_client, django_assert_num_queries):
        plan = JointPlanFactory()
        for _ in range(rows):
            InitiativeFactory(
                plan=plan, campaign=CampaignFactory(partners=[plan.partner]), opportunity=OpportunityFactory(partner=plan.partner)
            )
            JointPlanFactory()
        # session, user, partner, plan, initiatives (owner and links joined)
        with django_assert_num_queries(5):
            assert outsider_client.get(plan.get_absolute_url()).status_code == 200
        # session, user, count, page (partner joined), partner options
        with django_assert_num_queries(5):
            assert outsider_client.get(reverse("activities:plans")).status_code == 200


class TestCampaignReadOnly:
    """Every role that sees a campaign linked (calendar, partner page, search) may open it."""

    @pytest.mark.parametrize("rows", [1, 20])
    def test_read_only_page_for_roles_that_cannot_edit(self, rows, sales_client, accounting_client, django_assert_num_queries):
        campaign = CampaignFactory(title="Roadshow Léman", budget=Decimal("15000.00"), currency="CHF")
        campaign.partners.set([PartnerFactory() for _ in range(rows)])
        url = reverse("activities:campaign-edit", args=[campaign.pk])
        # session, user, campaign (+owner, brand checker), its partners, its collateral (partners' selector)
        with django_assert_num_queries(5):
            response = sales_client.get(url)
        html = response.content.decode()
        assert response.status_code == 200 and 'data-testid="read-only-note"' in html
        assert "Roadshow Léman" in html and "CHF 15&#x27;000.00" in html and "<form" not in html.split("<main")[1]
        assert accounting_client.get(url).status_code == 200
        assert sales_client.post(url, {"title": "X"}).status_code == 403

    def test_editors_still_get_the_form(self, marketing_client):
        campaign = CampaignFactory()
        response = marketing_client.get(reverse("activities:campaign-edit", args=[campaign.pk]))
        assert response.status_code == 200 and 'data-testid="read-only-note"' not in response.content.decode()
