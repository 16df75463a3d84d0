"""Demo funds: allocations in CHF, EUR and USD, claims in every state, an overdue invoice
(so invoice_overdue sends) and a draft claim due within 14 days (so fund_claim_deadline sends)."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from activities.models import Campaign
from partnerhub.demo import demo_seeder
from partners.models import Partner

from .models import FundAllocation, FundClaim, Invoice

S = FundClaim.Status

DEMO_ALLOCATIONS = [
    # partner, kind, amount, currency, tool, tool url
    ("Red Hat", "mdf", "40000.00", "CHF", "Red Hat Partner Connect", "https://connect.redhat.com/"),
    ("SUSE", "mdf", "25000.00", "EUR", "SUSE Partner Portal", "https://www.suse.com/partners/"),
    ("Amazon Web Services", "mdf", "30000.00", "USD", "AWS Partner Central", "https://partnercentral.awspartner.com/"),
    ("Exoscale", "sdf", "10000.00", "CHF", "", ""),
]


def _claims(today: date) -> list[tuple]:
    """(partner, title, status, activity end (days from today), requested, approved, invoice spec)."""
    return [
        # Deadline = activity end + 90 days = today + 10: due for the fund_claim_deadline reminder.
        ("Red Hat", "OpenShift roadshow Zurich", S.DRAFT, -80, "6500.00", None, None),
        ("Red Hat", "Joint webinar: platform engineering", S.SUBMITTED, -20, "3000.00", None, None),
        ("Red Hat", "Red Hat Summit booth share", S.APPROVED, -30, "12000.00", "10000.00", None),
        ("Red Hat", "Fact sheet translation", S.REJECTED, -60, "1500.00", None, None),
        ("SUSE", "Rancher meetup Bern", S.PROOF_SUBMITTED, -25, "4000.00", "4000.00", None),
        ("SUSE", "Partner newsletter sponsorship", S.PAID, -70, "2500.00", "2500.00", ("VSHN-MDF-DEMO-001", -50, 0)),
        # Issued 45 days ago, due 15 days ago, unpaid: due for the invoice_overdue reminder.
        (
            "Amazon Web Services",
            "AWS Immersion Day Geneva",
            S.INVOICED,
            -60,
            "8000.00",
            "7500.00",
            ("VSHN-MDF-DEMO-002", -45, None),
        ),
        (
            "Amazon Web Services",
            "Marketplace listing campaign",
            S.INVOICED,
            -20,
            "5000.00",
            "5000.00",
            ("VSHN-MDF-DEMO-003", -5, None),
        ),
        ("Exoscale", "Joint sales workshop", S.DRAFT, -5, "2000.00", None, None),
    ]


@demo_seeder(order=40)
def seed_funds(today: date, users: dict[str, User]) -> None:
    partners = {p.name: p for p in Partner.objects.filter(name__in=[row[0] for row in DEMO_ALLOCATIONS])}
    allocations: dict[str, FundAllocation] = {}
    for partner_name, kind, amount, currency, tool, url in DEMO_ALLOCATIONS:
        if partner_name not in partners:
            continue
        allocations[partner_name], _ = FundAllocation.objects.get_or_create(
            partner=partners[partner_name],
            kind=kind,
            period_label=f"FY{today.year}",
            defaults={
                "period_start": date(today.year, 1, 1),
                "period_end": date(today.year, 12, 31),
                "amount": Decimal(amount),
                "currency": currency,
                "tool_name": tool,
                "tool_url": url,
                "tool_reference": f"{kind.upper()}-{today.year}-{partners[partner_name].pk:04d}",
                "claim_deadline_days": 90,
                "created_by": users["manager"],
            },
        )

    now = timezone.now()
    manager, marketing, accounting = users["manager"], users["marketing"], users["accounting"]
    for partner_name, title, status, end_offset, requested, approved, invoice_spec in _claims(today):
        allocation = allocations.get(partner_name)
        if allocation is None:
            continue
        activity_end = today + timedelta(days=end_offset)
        filed = status != S.DRAFT
        decided = status not in (S.DRAFT, S.SUBMITTED)
        proven = status in (S.PROOF_SUBMITTED, S.INVOICED, S.PAID)
        claim, _created = FundClaim.objects.get_or_create(
            allocation=allocation,
            title=title,
            defaults={
                # Link to one of the partner's demo campaigns when the activities demo made any.
                "campaign": Campaign.objects.filter(partners=allocation.partner).order_by("starts_on", "id").first(),
                "activity_start": activity_end - timedelta(days=1),
                "activity_end": activity_end,
                "requested_amount": Decimal(requested),
                "approved_amount": Decimal(approved) if approved else None,
                "currency": allocation.currency,
                "status": status,
                "tool_reference": f"CLM-{abs(end_offset):03d}-{allocation.pk}" if filed else "",
                "rejection_reason": "Translations are not eligible for MDF." if status == S.REJECTED else "",
                "created_by": marketing,
                "submitted_at": now if filed else None,
                "submitted_by": marketing if filed else None,
                "decided_at": now if decided else None,
                "decided_by": manager if decided else None,
                "proof_submitted_at": now if proven else None,
                "proof_submitted_by": marketing if proven else None,
                "invoiced_at": now if invoice_spec else None,
                "paid_at": now if status == S.PAID else None,
                "proof_supplier_invoices": proven,
                "proof_photos": proven,
                "proof_attendee_list": proven,
                "proof_leads": proven,
            },
        )
        if invoice_spec:
            number, issued_offset, paid_offset = invoice_spec
            issued_on = today + timedelta(days=issued_offset)
            Invoice.objects.get_or_create(
                number=number,
                defaults={
                    "claim": claim,
                    "issued_on": issued_on,
                    "due_on": Invoice.default_due_on(issued_on),
                    "amount": claim.approved_amount,
                    "currency": claim.currency,
                    "paid_on": today + timedelta(days=paid_offset) if paid_offset is not None else None,
                    "paid_by": accounting if paid_offset is not None else None,
                    "created_by": manager,
                },
            )


@demo_seeder(order=45)
def seed_commissions(today: date, users: dict[str, User]) -> None:
    """Alpine IT Consulting (a consultant & reseller) refers deals for 10 % (issue 18): one commission
    paid, one owed and overdue (the commission_overdue reminder is due)."""
    from activities.models import Opportunity

    from .models import Commission, CommissionAgreement

    partner = Partner.objects.filter(name="Alpine IT Consulting AG").first()
    if partner is None:
        return
    agreement, _ = CommissionAgreement.objects.get_or_create(
        partner=partner,
        valid_from=today - timedelta(days=400),
        defaults={
            "kind": "percentage",
            "percent": Decimal("10.00"),
            "currency": "CHF",
            "payment_days": 30,
            "notes": "Referral agreement: 10 % of the first-year value of every deal Alpine IT brings.",
        },
    )
    deals = [
        # title, customer, value, won days ago, paid
        ("Managed OpenShift for Luzerner Kantonalbank", "Luzerner Kantonalbank", "120000", 120, True),
        ("APPUiO for Stadt Zug", "Stadt Zug", "45000", 50, False),
    ]
    for title, customer, value, won_ago, paid in deals:
        won_on = today - timedelta(days=won_ago)
        deal, _ = Opportunity.objects.get_or_create(
            partner=partner,
            title=title,
            defaults={
                "end_customer": customer,
                "value": Decimal(value),
                "currency": "CHF",
                "stage": "won",
                "won_on": won_on,
                "expected_close": won_on,
                "source": "partner_sourced",
                "owner": users["sales"],
            },
        )
        if Commission.objects.filter(opportunity=deal).exists():
            continue
        amount, currency = agreement.amount_for(deal.value, deal.currency)
        # Its way owed -> invoiced -> paid, each step on its day and by its person, as the commission
        # history page (funds.commission_views.commission_history) shows it.
        commission = Commission(
            opportunity=deal,
            agreement=agreement,
            partner=partner,
            deal_title=title,
            amount=amount,
            currency=currency,
            due_on=won_on + timedelta(days=agreement.payment_days),
        )
        steps = [(won_on, users["sales"], {})]
        if paid:
            invoiced = {
                "status": "invoiced",
                "partner_invoice_number": "AIT-2026-117",
                "invoiced_on": won_on + timedelta(days=20),
            }
            steps += [
                (won_on + timedelta(days=20), users["accounting"], invoiced),
                (won_on + timedelta(days=45), users["accounting"], {"status": "paid", "paid_on": won_on + timedelta(days=45)}),
            ]
        for day, by, changes in steps:
            for name, value in changes.items():
                setattr(commission, name, value)
            commission._history_date = timezone.make_aware(datetime.combine(day, time(10)))  # type: ignore[attr-defined]
            commission._history_user = by  # type: ignore[attr-defined]
            commission.full_clean()
            commission.save()
