"""Demo reporting data: agreements, twelve months of license reports with realistic growth, one
report above the accounting threshold (not yet told) and one overdue report (license_report_due)."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from partnerhub.dates import first_of_month, first_of_month_months_later
from partnerhub.demo import demo_seeder
from partners.models import Partner

from .models import LicenseReport, LicenseReportLine, ReportingAgreement, due_on_for

# partner: (due day, channel, recipient, threshold, currency, required)
AGREEMENTS = {
    "Red Hat": (10, "partner_portal", "Red Hat Partner Connect", "15000", "CHF", True),
    "SUSE": (5, "email", "partner-reporting@suse.example", "5000", "EUR", True),
    "Exoscale": (15, "email", "billing@exoscale.example", "20000", "CHF", True),
    "cloudscale.ch": (10, "email", "", "10000", "CHF", False),
}

# partner: [(product, unit, quantity 12 months ago, monthly growth in %, unit price, term)]
PRODUCTS = {
    "Red Hat": [
        ("OpenShift Container Platform, Premium, 2 cores", "subscriptions", 40, 4, "180.00", "monthly"),
        ("Red Hat Enterprise Linux Server, Standard", "subscriptions", 20, 3, "45.00", "monthly"),
        ("Red Hat OpenShift Data Foundation, 2 cores", "subscriptions", 6, 5, "95.00", "monthly"),
    ],
    "SUSE": [
        ("SUSE Rancher Prime, per node", "nodes", 10, 4, "95.00", "monthly"),
        ("SUSE Linux Enterprise Server for SAP", "subscriptions", 4, 0, "60.00", "monthly"),
    ],
    "Exoscale": [
        ("Exoscale SKS Pro cluster", "clusters", 8, 4, "220.00", "monthly"),
        ("Exoscale Object Storage", "TB", 30, 5, "20.00", "monthly"),
    ],
}
# SUSE's NeuVector roll-out two months ago lifts that report above the accounting threshold.
BIG_LINE = ("SUSE NeuVector Prime, per node", "nodes", 40, 0, "110.00", "monthly")


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@demo_seeder(order=50)
def seed_reporting(today: date, users: dict[str, User]) -> None:
    partners = {p.name: p for p in Partner.objects.filter(name__in=AGREEMENTS)}
    for name, (due_day, channel, recipient, threshold, currency, required) in AGREEMENTS.items():
        if name in partners:
            ReportingAgreement.objects.get_or_create(
                partner=partners[name],
                defaults={
                    "due_day": due_day,
                    "channel": channel,
                    "recipient": recipient,
                    "reporting_required": required,
                    "accounting_threshold": Decimal(threshold),
                    "currency": currency,
                    "growth_alert_percent": 20,
                },
            )
    this_month = first_of_month(today)
    for name, products in PRODUCTS.items():
        partner = partners.get(name)
        if partner is None:
            continue
        due_day, _channel, _recipient, _threshold, currency, _required = AGREEMENTS[name]
        previous_total = None
        for offset in range(12, 0, -1):  # twelve months back up to last month
            month = first_of_month_months_later(this_month, -offset)
            elapsed = 12 - offset
            if offset == 1:
                status = LicenseReport.Status.DUE  # last month's report: created on the 1st, not filled in yet
            elif offset == 2:
                # Red Hat's is still a draft long after its due day: the overdue one.
                status = LicenseReport.Status.DRAFT if name == "Red Hat" else LicenseReport.Status.SUBMITTED
            else:
                status = LicenseReport.Status.ACKNOWLEDGED
            due_on = due_on_for(month, due_day)
            report, created = LicenseReport.objects.get_or_create(
                partner=partner,
                month=month,
                defaults={"currency": currency, "due_on": due_on, "status": status, "previous_total": previous_total},
            )
            if created and status != LicenseReport.Status.DUE:
                rows = list(products) + ([BIG_LINE] if name == "SUSE" and offset == 2 else [])
                lines = []
                for product, unit, start, growth, price, term in rows:
                    quantity = Decimal(round(start * (1 + growth / 100) ** elapsed))
                    lines.append(
                        LicenseReportLine(
                            report=report,
                            product=product,
                            unit=unit,
                            quantity=quantity,
                            unit_price=Decimal(price),
                            currency=currency,
                            term=term,
                            line_total=quantity * Decimal(price),
                        )
                    )
                LicenseReportLine.objects.bulk_create(lines)
                report.total = sum((line.line_total for line in lines), Decimal("0"))
                if status in (LicenseReport.Status.SUBMITTED, LicenseReport.Status.ACKNOWLEDGED):
                    report.submitted_at, report.submitted_by = _at(due_on - timedelta(days=2)), users["manager"]
                if status == LicenseReport.Status.ACKNOWLEDGED:
                    report.acknowledged_at, report.acknowledged_by = _at(due_on + timedelta(days=3)), users["accounting"]
                report.save()
            previous_total = report.total if report.status != LicenseReport.Status.DUE else None


# Red Hat's last two quarterly business reviews (issue 18): each reviews the quarter before the one it
# was held in; the newer one is linked to the QBR on Red Hat's timeline (activities/demo.py). Partner
# satisfaction fell from 8 to 6: partner health shows it.
REVIEWS = [
    # days ago held, our score, partner's score, went well, roadblocks, decisions, action items (title, owner, due in days)
    (
        171,
        8,
        8,
        "Helvetia pipeline qualified; Summit booth brought 30 leads.",
        "Slow deal registration approvals.",
        "One joint event per quarter.",
        [("Send the Summit lead list to Red Hat", "marketing", -150)],
    ),
    (
        80,
        8,
        6,
        "OpenShift Virtualization offering launched together.",
        "Red Hat's new partner program tiers: our Premier status needs two more certified engineers.",
        "Two engineers take the EX280 exam next quarter.",
        [("Book EX280 exams for two engineers", "manager", 10), ("Ask Red Hat for the Q4 MDF allocation", "marketing", 20)],
    ),
]


@demo_seeder(order=60)
def seed_reviews(today: date, users: dict[str, User]) -> None:
    from activities.models import Activity, quarter_of

    from .models import QuarterlyReview, ReviewActionItem
    from .scorecard import previous_quarter, scorecard_compute

    red_hat = Partner.objects.filter(name="Red Hat").first()
    if red_hat is None:
        return
    for days_ago, ours, theirs, went_well, roadblocks, decisions, actions in REVIEWS:
        held_on = today - timedelta(days=days_ago)
        quarter = previous_quarter(quarter_of(held_on))
        review, created = QuarterlyReview.objects.get_or_create(
            partner=red_hat,
            quarter=quarter,
            defaults={
                "held_on": held_on,
                "our_score": ours,
                "partner_score": theirs,
                "went_well": went_well,
                "roadblocks": roadblocks,
                "decisions": decisions,
                "created_by": users["manager"],
                "activity": Activity.objects.filter(
                    partner=red_hat, kind=Activity.Kind.QBR, occurred_on=held_on, quarterly_review__isnull=True
                ).first(),
            },
        )
        if not created:
            continue
        review.scorecard = scorecard_compute(partner=red_hat, quarter=quarter, today=today)
        review.scorecard_at = timezone.now()
        review.save(update_fields=["scorecard", "scorecard_at"])
        review.vshn_attendees.set([users["manager"], users["sales"]])
        review.partner_attendees.set(list(red_hat.contacts.filter(is_active=True)[:2]))
        for title, owner, due_in in actions:
            due_on = today + timedelta(days=due_in)
            follow_up = Activity.objects.create(
                partner=red_hat,
                kind=Activity.Kind.NOTE,
                occurred_on=min(held_on, due_on),
                follow_up_on=due_on,
                follow_up_done=due_on < today,
                subject=f"QBR {quarter}: {title}",
                author=users[owner],
                notes=f"Action item of the quarterly business review {quarter}.",
            )
            ReviewActionItem.objects.create(review=review, follow_up=follow_up)
