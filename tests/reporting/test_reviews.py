"""Quarterly business reviews (issue 18, item 2): scorecard filled from the records and compared with
the previous quarter and the joint plan's targets; satisfaction; action items as follow-ups; print page;
roles; bad input; pinned flat query counts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity
from reporting import services
from reporting.models import QuarterlyReview, ReviewActionItem
from reporting.scorecard import previous_quarter, scorecard_compute

from ..activities.factories import (
    CampaignFactory,
    DealRegistrationFactory,
    InitiativeFactory,
    JointPlanFactory,
    OpportunityFactory,
)
from ..factories import ContactFactory, PartnerFactory
from ..funds.factories import FundAllocationFactory, FundClaimFactory
from .factories import ReportFactory

pytestmark = pytest.mark.django_db

QUARTER = "2026-Q2"
IN_Q, IN_PREV = date(2026, 5, 10), date(2026, 2, 10)


def rows(card) -> dict:
    return {row["key"]: row for row in card["rows"]}


def make_review(partner=None, quarter=QUARTER, **kwargs) -> QuarterlyReview:
    partner = partner or PartnerFactory()
    return QuarterlyReview.objects.create(
        partner=partner,
        quarter=quarter,
        held_on=kwargs.pop("held_on", date(2026, 7, 8)),
        scorecard=scorecard_compute(partner=partner, quarter=quarter),
        **kwargs,
    )


class TestScorecard:
    def test_filled_from_the_records_and_compared_with_the_previous_quarter(self):
        partner = PartnerFactory(sync_cadence="monthly")
        OpportunityFactory(partner=partner, stage="won", won_on=IN_Q, value=Decimal("50000"), currency="CHF")
        OpportunityFactory(partner=partner, stage="won", won_on=IN_Q, value=Decimal("7000"), currency="EUR")
        OpportunityFactory(partner=partner, stage="won", won_on=IN_PREV, value=Decimal("40000"), currency="CHF")
        OpportunityFactory(partner=partner, stage="proposal", value=Decimal("9000"), currency="CHF")
        submitted = timezone.make_aware(timezone.datetime(2026, 5, 2, 12))
        DealRegistrationFactory(partner=partner, status="won", submitted_at=submitted)
        DealRegistrationFactory(partner=partner, status="expired", submitted_at=submitted)
        DealRegistrationFactory(partner=partner, status="submitted", submitted_at=submitted)
        CampaignFactory(partners=[partner], starts_on=IN_Q, leads=12)
        allocation = FundAllocationFactory(
            partner=partner, period_start=date(2026, 1, 1), period_end=date(2026, 12, 31), amount=Decimal("10000"), currency="CHF"
        )
        FundClaimFactory(
            allocation=allocation,
            status="paid",
            requested_amount=Decimal("2500"),
            approved_amount=Decimal("2500"),
            currency="CHF",
            paid_at=timezone.make_aware(timezone.datetime(2026, 6, 1, 9)),
        )
        ReportFactory(partner=partner, month=date(2026, 4, 1), status="submitted", total=Decimal("1100"), currency="CHF")
        ReportFactory(partner=partner, month=date(2026, 1, 1), status="acknowledged", total=Decimal("1000"), currency="CHF")
        for day in (date(2026, 4, 3), date(2026, 5, 3)):
            Activity.objects.create(partner=partner, kind="sync_meeting", occurred_on=day, subject="Sync")
        plan = JointPlanFactory(partner=partner, quarter=QUARTER)
        InitiativeFactory(plan=plan, title="Win", metric="won_deal_value", target_value=Decimal("100000"), target_currency="CHF")

        card = scorecard_compute(partner=partner, quarter=QUARTER)
        found = rows(card)
        assert found["won_value"]["now"] == {"CHF": "50000.00", "EUR": "7000.00"}  # never added across currencies
        assert found["won_value"]["before"] == {"CHF": "40000.00"} and found["won_value"]["growth"] == {"CHF": "25.0"}
        assert found["open_value"]["now"] == {"CHF": "9000.00"}
        assert (
            found["registrations_submitted"]["now"],
            found["registrations_approved"]["now"],
            found["registrations_won"]["now"],
            found["registrations_expired"]["now"],
        ) == (3, 2, 1, 1)
        assert found["registrations_submitted"]["before"] is None  # none submitted: no data, not 0
        assert found["campaigns"]["now"] == 1 and found["campaign_leads"]["now"] == 12 and found["campaigns"]["before"] is None
        assert found["fund_allocated"]["now"] == {"CHF": "10000.00"} and found["fund_used"]["now"] == {"CHF": "2500.00"}
        assert found["claims_paid"]["now"] == {"CHF": "2500.00"} and found["claims_paid"]["before"] is None
        assert found["license_revenue"]["now"] == {"CHF": "1100.00"} and found["license_revenue"]["growth"] == {"CHF": "10.0"}
        assert found["syncs_held"]["now"] == 2 and found["syncs_expected"]["now"] == 3 and found["syncs_held"]["change"] == 2
        assert card["targets"][0]["actual"] == "50000.00" and card["targets"][0]["percent"] == 50
        assert card["previous_quarter"] == "2026-Q1" and previous_quarter("2026-Q1") == "2025-Q4"

    def test_an_empty_quarter_is_no_data_everywhere(self, outsider_client):
        review = make_review()
        found = rows(review.scorecard)
        assert all(found[key]["now"] is None for key in found if key not in ("syncs_held", "syncs_expected"))
        html = outsider_client.get(review.get_absolute_url()).content.decode()
        assert "no data" in html and "0 %" not in html

    def test_fixed_number_of_queries(self, django_assert_num_queries):
        partner = PartnerFactory()
        OpportunityFactory.create_batch(5, partner=partner, stage="won", won_on=IN_Q)
        # ten for the records, compliance (no program levels: one), the joint plan's initiatives (no targets: no actuals)
        with django_assert_num_queries(12):
            scorecard_compute(partner=partner, quarter=QUARTER)


class TestPages:
    def test_manager_opens_creates_records_satisfaction_and_action_items_and_prints(self, manager_client, manager, sales):
        partner = PartnerFactory()
        contact = ContactFactory(partner=partner)
        today = timezone.localdate()
        url = reverse("reporting:review-for", args=[partner.slug, QUARTER])
        response = manager_client.get(url)
        assert response.status_code == 200 and 'id="review-create-form"' in response.content.decode()
        response = manager_client.post(
            url, {"held_on": today.isoformat(), "vshn_attendees": [manager.pk], "partner_attendees": [contact.pk]}
        )
        review = QuarterlyReview.objects.get()
        assert response.status_code == 302 and response["Location"] == review.get_absolute_url()
        assert review.scorecard["quarter"] == QUARTER and list(review.partner_attendees.all()) == [contact]
        # Held today: the QBR is on the partner's timeline (it resets the QBR and sync cadence, issue 20).
        assert review.activity.kind == "qbr" and review.activity.occurred_on == today
        assert manager_client.get(url)["Location"] == review.get_absolute_url()  # the quarter's review opens

        edit = reverse("reporting:review-edit", args=[review.pk])
        response = manager_client.post(
            edit,
            {
                "held_on": today.isoformat(),
                "vshn_attendees": [manager.pk],
                "our_score": 9,
                "partner_score": 7,
                "went_well": "Pipeline",
                "roadblocks": "",
                "decisions": "More events",
            },
        )
        assert response.status_code == 302
        review.refresh_from_db()
        assert (review.our_score, review.partner_score, review.decisions) == (9, 7, "More events")

        add = reverse("reporting:review-action-add", args=[review.pk])
        for title, owner in [("Send the lead list", sales), ("Book the exams", manager)]:
            response = manager_client.post(
                add, {"title": title, "owner": owner.pk, "due_on": (today + timedelta(days=7)).isoformat()}
            )
            assert response.status_code == 302
        items = list(ReviewActionItem.objects.select_related("follow_up"))
        assert [(i.follow_up.author, i.follow_up.follow_up_on) for i in items] == [
            (sales, today + timedelta(days=7)),
            (manager, today + timedelta(days=7)),
        ]
        html = manager_client.get(reverse("reporting:review-print", args=[review.pk])).content.decode()
        assert (
            "Send the lead list" in html and 'data-testid="scorecard"' in html and "data-print" in html and "navbar" not in html
        )

    def test_bad_input_is_a_form_error_and_saves_nothing(self, manager_client, manager):
        partner = PartnerFactory()
        url = reverse("reporting:review-for", args=[partner.slug, QUARTER])
        response = manager_client.post(url, {"held_on": "2150-01-01"})
        assert response.status_code == 200 and response.context["form"].errors and not QuarterlyReview.objects.exists()
        review = make_review(partner)
        edit = reverse("reporting:review-edit", args=[review.pk])
        for score in ("11", "-1", "x"):
            response = manager_client.post(edit, {"held_on": "2026-07-08", "our_score": score})
            assert response.status_code == 200 and response.context["form"].errors
        review.refresh_from_db()
        assert review.our_score is None
        add = reverse("reporting:review-action-add", args=[review.pk])
        response = manager_client.post(add, {"title": "", "owner": manager.pk, "due_on": "2026-07-20"})
        assert response.status_code == 200 and not ReviewActionItem.objects.exists()
        # Due before the review: the follow-up is dated the due day (never before the activity).
        response = manager_client.post(add, {"title": "Late", "owner": manager.pk, "due_on": "2026-07-01"})
        assert response.status_code == 302 and ReviewActionItem.objects.get().follow_up.occurred_on == date(2026, 7, 1)

    def test_attendee_ids_beyond_64_bits_are_a_form_error(self, manager_client):
        """Django's own multiple-choice field sent 10**30 to SQLite (OverflowError, a 500)."""
        partner = PartnerFactory()
        url = reverse("reporting:review-for", args=[partner.slug, QUARTER])
        for field in ("vshn_attendees", "partner_attendees"):
            response = manager_client.post(url, {"held_on": timezone.localdate().isoformat(), field: [str(10**30)]})
            assert response.status_code == 200 and field in response.context["form"].errors
        assert not QuarterlyReview.objects.exists()

    def test_bad_quarter_is_404(self, manager_client):
        partner = PartnerFactory()
        assert manager_client.get(reverse("reporting:review-for", args=[partner.slug, "2026-Q5"])).status_code == 404

    def test_roles(self, sales_client, accounting_client, outsider_client, client):
        review = make_review()
        url = reverse("reporting:review-for", args=[review.partner.slug, "2026-Q1"])
        for persona in (sales_client, accounting_client, outsider_client):
            assert persona.get(review.get_absolute_url()).status_code == 200
            assert persona.post(url, {"held_on": "2026-04-01"}).status_code == 403
            assert persona.post(reverse("reporting:review-edit", args=[review.pk]), {"held_on": "2026-04-01"}).status_code == 403
            assert persona.post(reverse("reporting:review-refresh", args=[review.pk])).status_code == 403
        assert accounting_client.post(reverse("reporting:review-action-add", args=[review.pk]), {}).status_code == 403
        assert QuarterlyReview.objects.count() == 1 and not ReviewActionItem.objects.exists()
        assert client.get(review.get_absolute_url()).status_code == 302  # anonymous: to the sign-in page
        # Sales contribute action items.
        response = sales_client.post(
            reverse("reporting:review-action-add", args=[review.pk]),
            {"title": "Call the customer", "owner": review.created_by_id or "", "due_on": "2026-07-20"},
        )
        assert response.status_code == 200  # no owner: a form error

    def test_refresh_reads_late_records(self, manager_client):
        review = make_review()
        OpportunityFactory(partner=review.partner, stage="won", won_on=IN_Q, value=Decimal("5"), currency="CHF")
        assert manager_client.post(reverse("reporting:review-refresh", args=[review.pk])).status_code == 302
        review.refresh_from_db()
        assert rows(review.scorecard)["won_value"]["now"] == {"CHF": "5.00"}

    @pytest.mark.parametrize("n", [1, 50])
    def test_query_counts_are_flat(self, n, manager_client, django_assert_num_queries):
        review = make_review()
        for index in range(n):
            services.review_add_action_item(
                review=review,
                title=f"Item {index}",
                owner=review.partner.manager or _user(),
                due_on=date(2026, 7, 20),
                by=_user(),
            )
            make_review(quarter=f"20{10 + index % 80:02d}-Q{index % 4 + 1}")
        # session, user, review (partner and QBR activity joined), VSHN attendees, partner attendees,
        # action items (follow-ups and owners joined), owner choices of the action-item form
        with django_assert_num_queries(7):
            assert manager_client.get(review.get_absolute_url()).status_code == 200
        with django_assert_num_queries(6):
            assert manager_client.get(reverse("reporting:review-print", args=[review.pk])).status_code == 200
        # session, user, count, page (partner joined)
        with django_assert_num_queries(4):
            assert manager_client.get(reverse("reporting:reviews")).status_code == 200


def _user():
    from ..factories import UserFactory

    return UserFactory()
