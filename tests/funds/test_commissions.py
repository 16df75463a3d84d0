"""Referral and reseller commissions (issue 18, item 5): agreement, commission on a won referred deal,
owed -> invoiced -> paid by accounting, a deal leaving won, the overdue reminder, pages and roles."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from activities import services as activity_services
from activities.models import Opportunity
from funds import commissions
from funds.models import Commission, CommissionAgreement
from partnerhub.models import Notification
from partnerhub.reminders import REMINDERS

from ..activities.factories import OpportunityFactory
from ..factories import PartnerFactory, partner_type

pytestmark = pytest.mark.django_db

WON = date(2026, 6, 10)


@pytest.fixture
def reseller():
    return PartnerFactory(types=[partner_type("consultant-reseller")])


@pytest.fixture
def agreement(reseller):
    return CommissionAgreement.objects.create(
        partner=reseller, kind="percentage", percent=Decimal("10"), currency="CHF", valid_from=date(2026, 1, 1), payment_days=30
    )


def win(deal: Opportunity, day: date = WON) -> Opportunity:
    deal.stage = "won"
    return activity_services.opportunity_save(opportunity=deal, today=day)


class TestCreation:
    def test_a_won_referred_deal_creates_the_commission_owed(self, reseller, agreement):
        deal = win(
            OpportunityFactory(
                partner=reseller, source="partner_sourced", value=Decimal("50000"), currency="EUR", stage="proposal"
            )
        )
        commission = Commission.objects.get()
        assert (commission.amount, commission.currency, commission.due_on, commission.status) == (
            Decimal("5000.00"),
            "EUR",
            WON + timedelta(days=30),
            "owed",
        )
        assert commission.opportunity == deal and commission.partner == reseller

    def test_fixed_amount_in_the_agreements_currency(self, reseller):
        CommissionAgreement.objects.create(
            partner=reseller, kind="fixed", fixed_amount=Decimal("750"), currency="CHF", valid_from=date(2026, 1, 1)
        )
        win(OpportunityFactory(partner=reseller, source="partner_sourced", value=Decimal("9"), currency="EUR", stage="lead"))
        assert Commission.objects.values_list("amount", "currency").get() == (Decimal("750.00"), "CHF")

    @pytest.mark.parametrize("case", ["influenced", "outside_dates", "other_product", "no_agreement"])
    def test_no_commission_without_a_covering_agreement_or_referral(self, case, reseller, agreement):
        source = "partner_influenced" if case == "influenced" else "partner_sourced"
        if case == "outside_dates":
            agreement.valid_until = date(2026, 3, 31)
            agreement.save()
        if case == "other_product":
            agreement.products = "APPUiO"
            agreement.save()
        partner = PartnerFactory() if case == "no_agreement" else reseller
        win(OpportunityFactory(partner=partner, source=source, title="Managed OpenShift", stage="lead"))
        assert not Commission.objects.exists()

    def test_saving_a_won_deal_again_creates_no_second_commission(self, reseller, agreement):
        deal = win(OpportunityFactory(partner=reseller, source="partner_sourced", stage="lead"))
        deal.notes = "edited"
        activity_services.opportunity_save(opportunity=deal)
        assert Commission.objects.count() == 1


class TestDealLeavesWon:
    def test_unpaid_commission_is_removed(self, reseller, agreement):
        deal = win(OpportunityFactory(partner=reseller, source="partner_sourced", stage="lead"))
        deal.stage = "negotiation"
        saved = activity_services.opportunity_save(opportunity=deal)
        assert not Commission.objects.exists() and "removed" in saved.warnings[0]

    def test_invoiced_but_unpaid_commission_is_removed_and_a_new_win_earns_it_again(self, reseller, agreement, accounting):
        deal = win(OpportunityFactory(partner=reseller, source="partner_sourced", stage="lead", value=Decimal("1000")))
        commissions.commission_mark_invoiced(
            commission_id=Commission.objects.get().pk, invoice_number="R-7", invoiced_on=WON, by=accounting
        )
        deal.stage = "lost"
        saved = activity_services.opportunity_save(opportunity=deal)
        assert not Commission.objects.exists()
        assert saved.warnings == ["The deal is no longer won: its commission of CHF 100.00 was removed."]
        assert not Notification.objects.filter(kind="commission_deal_reversed").exists()  # nothing paid to recover
        win(deal, WON + timedelta(days=10))
        assert Commission.objects.values_list("status", "amount", "due_on").get() == (
            "owed",
            Decimal("100.00"),
            WON + timedelta(days=40),
        )

    def test_paid_commission_is_kept_flagged_with_a_warning(self, reseller, agreement, accounting, manager):
        deal = win(OpportunityFactory(partner=reseller, source="partner_sourced", stage="lead"))
        commission = Commission.objects.get()
        commissions.commission_mark_invoiced(commission_id=commission.pk, invoice_number="R-1", invoiced_on=WON, by=accounting)
        commissions.commission_mark_paid(commission_id=commission.pk, paid_on=WON + timedelta(days=5), by=accounting)
        deal.stage = "lost"
        saved = activity_services.opportunity_save(opportunity=deal)
        commission.refresh_from_db()
        assert commission.status == "paid" and commission.deal_reversed and "already paid" in saved.warnings[0]
        assert Notification.objects.filter(recipient=accounting, kind="commission_deal_reversed").exists()

    def test_the_warning_shows_on_the_deal_page(self, sales_client, reseller, agreement, accounting):
        deal = win(OpportunityFactory(partner=reseller, source="partner_sourced", stage="lead", owner=None))
        response = sales_client.post(
            reverse("activities:opportunity-edit", args=[deal.pk]),
            {
                "partner": reseller.pk,
                "end_customer": deal.end_customer,
                "title": deal.title,
                "value": "1000.00",
                "currency": "CHF",
                "stage": "lost",
                "source": "partner_sourced",
            },
            follow=True,
        )
        assert any("no longer won" in str(m) for m in response.context["messages"])


class TestWonDealEdited:
    def test_owed_commission_follows_the_deals_value(self, reseller, agreement):
        deal = win(OpportunityFactory(partner=reseller, source="partner_sourced", stage="lead", value=Decimal("1000")))
        deal.value = Decimal("3000")
        activity_services.opportunity_save(opportunity=deal)
        assert Commission.objects.get().amount == Decimal("300.00")

    def test_invoiced_commission_stays_as_invoiced(self, reseller, agreement, accounting):
        deal = win(OpportunityFactory(partner=reseller, source="partner_sourced", stage="lead", value=Decimal("1000")))
        commissions.commission_mark_invoiced(
            commission_id=Commission.objects.get().pk, invoice_number="R", invoiced_on=WON, by=accounting
        )
        deal.value = Decimal("3000")
        activity_services.opportunity_save(opportunity=deal)
        assert Commission.objects.get().amount == Decimal("100.00")

    def test_no_longer_partner_sourced_removes_the_unpaid_commission(self, reseller, agreement):
        deal = win(OpportunityFactory(partner=reseller, source="partner_sourced", stage="lead"))
        deal.source = "partner_influenced"
        saved = activity_services.opportunity_save(opportunity=deal)
        assert not Commission.objects.exists() and "no longer a partner-sourced deal" in saved.warnings[0]

    def test_a_won_deal_becoming_partner_sourced_earns_its_commission(self, reseller, agreement):
        deal = win(OpportunityFactory(partner=reseller, source="partner_influenced", stage="lead"))
        assert not Commission.objects.exists()
        deal.source = "partner_sourced"
        activity_services.opportunity_save(opportunity=deal)
        assert Commission.objects.get().opportunity == deal

    def test_a_flagged_paid_commission_is_told_once(self, reseller, agreement, accounting):
        deal = win(OpportunityFactory(partner=reseller, source="partner_sourced", stage="lead"))
        commission = Commission.objects.get()
        commissions.commission_mark_invoiced(commission_id=commission.pk, invoice_number="R", invoiced_on=WON, by=accounting)
        commissions.commission_mark_paid(commission_id=commission.pk, paid_on=WON, by=accounting)
        deal.source = "partner_influenced"  # still won: the hook runs on every save
        assert "already paid" in activity_services.opportunity_save(opportunity=deal).warnings[0]
        deal.notes = "edited again"
        assert activity_services.opportunity_save(opportunity=deal).warnings == []
        assert Notification.objects.filter(kind="commission_deal_reversed").count() == 1
        assert Commission.objects.get().deal_reversed


class TestPaymentWorkflow:
    def test_owed_invoiced_paid_by_accounting(self, accounting_client, reseller, agreement):
        win(OpportunityFactory(partner=reseller, source="partner_sourced", stage="lead"))
        commission = Commission.objects.get()
        response = accounting_client.post(
            reverse("funds:commission-invoiced", args=[commission.pk]), {"invoice_number": "AIT-7", "invoiced_on": "2026-06-20"}
        )
        assert response.status_code == 302
        response = accounting_client.post(reverse("funds:commission-paid", args=[commission.pk]), {"paid_on": "2026-06-25"})
        commission.refresh_from_db()
        assert (commission.status, commission.partner_invoice_number, commission.paid_on) == ("paid", "AIT-7", date(2026, 6, 25))

    def test_bad_moves_and_input_change_nothing(self, accounting_client, sales_client, reseller, agreement):
        win(OpportunityFactory(partner=reseller, source="partner_sourced", stage="lead"))
        commission = Commission.objects.get()
        paid = reverse("funds:commission-paid", args=[commission.pk])
        invoiced = reverse("funds:commission-invoiced", args=[commission.pk])
        assert accounting_client.post(paid, {"paid_on": "2026-06-25"}).status_code == 302  # owed: not payable yet
        assert accounting_client.post(invoiced, {"invoice_number": "", "invoiced_on": "2026-06-20"}).status_code == 302
        assert accounting_client.post(invoiced, {"invoice_number": "X", "invoiced_on": "2150-01-01"}).status_code == 302
        assert sales_client.post(invoiced, {"invoice_number": "X", "invoiced_on": "2026-06-20"}).status_code == 403
        commission.refresh_from_db()
        assert commission.status == "owed" and commission.partner_invoice_number == ""

    def test_agreement_constraints(self, reseller):
        for fields in [
            {"kind": "percentage", "percent": None},
            {"kind": "percentage", "percent": Decimal("120")},
            {"kind": "fixed", "fixed_amount": None},
            {"valid_until": date(2025, 1, 1)},
        ]:
            agreement = CommissionAgreement(
                partner=reseller,
                currency="CHF",
                valid_from=date(2026, 1, 1),
                **{"kind": "percentage", "percent": Decimal("5"), **fields},
            )
            with pytest.raises(ValidationError):
                commissions.agreement_save(agreement=agreement)
        with pytest.raises(ValidationError):  # not a consultant or reseller
            commissions.agreement_save(
                agreement=CommissionAgreement(
                    partner=PartnerFactory(), kind="percentage", percent=Decimal("5"), currency="CHF", valid_from=date(2026, 1, 1)
                )
            )
        assert not CommissionAgreement.objects.exists()


class TestPages:
    def test_agreement_form_for_partner_managers_only(self, manager_client, sales_client, reseller):
        url = reverse("funds:commission-agreement-create")
        data = {
            "partner": reseller.pk,
            "kind": "percentage",
            "percent": "8",
            "currency": "CHF",
            "valid_from": "2026-01-01",
            "payment_days": "30",
        }
        assert sales_client.post(url, data).status_code == 403
        assert manager_client.post(url, {**data, "percent": "0"}).status_code == 200  # a form error
        assert not CommissionAgreement.objects.exists()
        assert manager_client.post(url, data).status_code == 302
        assert CommissionAgreement.objects.get().percent == Decimal("8.00")

    def test_list_shows_owed_and_overdue_per_currency_and_csv(self, accounting_client, reseller, agreement):
        win(
            OpportunityFactory(partner=reseller, source="partner_sourced", stage="lead", value=Decimal("1000"), currency="CHF"),
            day=timezone.localdate() - timedelta(days=60),
        )
        win(
            OpportunityFactory(partner=reseller, source="partner_sourced", stage="lead", value=Decimal("500"), currency="EUR"),
            day=timezone.localdate(),
        )
        response = accounting_client.get(reverse("funds:commissions"))
        assert response.context["owed"] == {"CHF": Decimal("100.00"), "EUR": Decimal("50.00")}
        assert response.context["late"] == {"CHF": Decimal("100.00")}
        csv = accounting_client.get(reverse("funds:commissions"), {"format": "csv", "overdue": "1"})
        body = b"".join(csv.streaming_content).decode("utf-8-sig")
        assert body.count("\n") == 2  # header + the overdue one

    def test_partner_section(self, outsider_client, reseller, agreement):
        win(OpportunityFactory(partner=reseller, source="partner_sourced", stage="lead", title="Referred deal"))
        html = outsider_client.get(
            reverse("partners:section", args=[reseller.slug, "commissions"]), HTTP_HX_REQUEST="true"
        ).content.decode()
        assert "Referred deal" in html and "10.00 %" in html

    @pytest.mark.parametrize("n", [1, 40])
    def test_query_counts_are_flat(self, n, accounting_client, reseller, agreement, django_assert_num_queries):
        for _ in range(n):
            win(
                OpportunityFactory(partner=reseller, source="partner_sourced", stage="lead"),
                day=timezone.localdate() - timedelta(days=40),
            )
        # session, user, totals per currency, count, page (partner and agreement joined)
        with django_assert_num_queries(5):
            assert accounting_client.get(reverse("funds:commissions")).status_code == 200
        # session, user, partner, agreements, commissions
        with django_assert_num_queries(5):
            assert (
                accounting_client.get(
                    reverse("partners:section", args=[reseller.slug, "commissions"]), HTTP_HX_REQUEST="true"
                ).status_code
                == 200
            )


class TestReminder:
    def test_overdue_commission_reminds_accounting_and_manager_weekly(self, reseller, agreement, accounting, manager):
        reseller.manager = manager
        reseller.save()
        win(OpportunityFactory(partner=reseller, source="partner_sourced", stage="lead"))
        commission = Commission.objects.get()
        due = list(REMINDERS["commission_overdue"](commission.due_on + timedelta(days=1)))
        assert len(due) == 1 and set(due[0].recipients) >= {accounting, manager} and due[0].due_key == "w0"
        assert list(REMINDERS["commission_overdue"](commission.due_on)) == []
        commissions.commission_mark_invoiced(commission_id=commission.pk, invoice_number="R", invoiced_on=WON, by=accounting)
        commissions.commission_mark_paid(commission_id=commission.pk, paid_on=WON, by=accounting)
        assert list(REMINDERS["commission_overdue"](commission.due_on + timedelta(days=8))) == []
