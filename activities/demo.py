"""Demo activities for the demo partners (partners/demo.py): a realistic few months of partner work,
with something due for each reminder this app adds (a sync meeting due, a registration expiring)."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from partnerhub.demo import demo_seeder
from partners.models import Partner

from .models import Activity, Campaign, DealRegistration, JointPlan, JointPlanInitiative, Opportunity, Task, quarter_of

# partner, days ago, kind, subject, author, follow-up in days (from the activity) or None
# Months of history (the partners were created long before, partners/demo.py), so the health checks
# and reminders fire as they would in real life: Red Hat's sync is overdue and its QBR (strategic:
# it has an executive sponsor) due within two weeks; Tessin Systems has had no activity for 150 days.
DEMO_ACTIVITIES = [
    ("Red Hat", 190, "sync_meeting", "Monthly sync: partner program changes for the new fiscal year", "manager", None),
    ("Red Hat", 160, "sync_meeting", "Monthly sync: OpenShift Virtualization offering", "manager", None),
    ("Red Hat", 128, "sync_meeting", "Monthly sync: Summit follow-ups", "manager", None),
    # A QBR counts as a sync meeting; the next QBR is due 91 days after it (qbr_due within 14 days).
    ("Red Hat", 80, "qbr", "QBR in Zurich with Red Hat's Swiss leadership: targets and joint pipeline", "manager", None),
    # Red Hat: monthly cadence, last sync 38 days ago -> the sync_meeting_due reminder is due.
    ("Red Hat", 98, "sync_meeting", "Monthly sync: FY plan and OpenShift renewals", "manager", None),
    ("Red Hat", 68, "sync_meeting", "Monthly sync: pipeline review", "manager", None),
    ("Red Hat", 38, "sync_meeting", "Monthly sync: marketing calendar Q-next", "manager", 45),
    ("Red Hat", 20, "call", "Call with Marco about the Helvetia Insurance deal", "sales", 25),
    ("Red Hat", 9, "email", "Sent the joint fact sheet draft to Nina", "marketing", None),
    # Exoscale: fortnightly, synced recently.
    ("Exoscale", 40, "qbr", "QBR in Lausanne: growth of managed Kubernetes", "manager", None),
    ("Exoscale", 16, "sync_meeting", "Fortnightly sync: SKS roadmap", "manager", None),
    ("Exoscale", 3, "sync_meeting", "Fortnightly sync: webinar preparation", "manager", 4),
    ("Exoscale", 2, "meeting", "Workshop on joint reference architecture", "sales", None),
    ("cloudscale.ch", 12, "sync_meeting", "Monthly sync: object storage pricing", "manager", None),
    ("cloudscale.ch", 5, "note", "Petra confirmed the new billing contact", "sales", None),
    ("Amazon Web Services", 60, "sync_meeting", "Quarterly sync: APN tier review", "manager", None),
    ("Amazon Web Services", 25, "event", "AWS Summit Zurich booth duty", "marketing", None),
    ("SUSE", 21, "sync_meeting", "Monthly sync: Rancher partnership", "manager", None),
    ("Upbound", 10, "sync_meeting", "Onboarding sync: Crossplane training plan", "manager", 3),
    ("Ingram Micro Schweiz", 45, "sync_meeting", "Quarterly sync: distribution terms", "manager", None),
    ("Alpine IT Consulting AG", 14, "sync_meeting", "Monthly sync: first joint customer", "manager", None),
    ("Léman Cloud Partners SA", 30, "meeting", "Intro meeting in Geneva", "sales", 40),
    ("Exoscale", 120, "event", "Exoscale Cloud Day Lausanne: joint booth", "marketing", None),
    ("Amazon Web Services", 150, "sync_meeting", "Quarterly sync: Marketplace listing", "manager", None),
    ("Ingram Micro Schweiz", 140, "sync_meeting", "Quarterly sync: price list update", "manager", None),
    ("Alpine IT Consulting AG", 75, "call", "Referral call: Luzerner Kantonalbank", "sales", None),
    # Tessin Systems: the last contact was 150 days ago -> "No activity for 150 days" (partner health).
    ("Tessin Systems SA", 150, "call", "Call with Luca: no new projects in Ticino this year", "sales", None),
    # Microsoft: a monthly cadence kept.
    ("Microsoft", 55, "sync_meeting", "Monthly sync: Azure Red Hat OpenShift co-sell", "manager", None),
    ("Microsoft", 25, "sync_meeting", "Monthly sync: Solutions Partner designation renewal", "manager", None),
    ("Microsoft", 12, "call", "Call with Yves about Azure landing zones for a canton", "sales", 14),
]


@demo_seeder(order=20)
def seed_activities(today: date, users: dict[str, User]) -> None:
    partners = {p.name: p for p in Partner.objects.filter(name__in={row[0] for row in DEMO_ACTIVITIES} | {"Red Hat"})}
    if "Red Hat" not in partners:
        return
    for name, days_ago, kind, subject, author, follow_up in DEMO_ACTIVITIES:
        occurred = today - timedelta(days=days_ago)
        activity, created = Activity.objects.get_or_create(
            partner=partners[name],
            occurred_on=occurred,
            subject=subject,
            defaults={
                "kind": kind,
                "author": users[author],
                "notes": f"Notes from the {kind.replace('_', ' ')} with {name}.",
                "follow_up_on": occurred + timedelta(days=follow_up) if follow_up is not None else None,
            },
        )
        if created:
            activity.participants.set({users[author], users["manager"]})
            activity.contacts.set(list(partners[name].contacts.all()[:2]))

    red_hat, exoscale, cloudscale = partners["Red Hat"], partners.get("Exoscale"), partners.get("cloudscale.ch")

    opportunities = [
        (red_hat, "Helvetia Insurance", "Managed OpenShift platform", "480000", "CHF", "proposal", 45, "sales"),
        (red_hat, "Canton Zug", "OpenShift on premises with 24/7 ops", "220000", "CHF", "qualified", 90, "sales"),
        (exoscale, "Fintech Startup GmbH", "Managed SKS for payments platform", "60000", "EUR", "negotiation", 20, "sales"),
        (cloudscale, "University of Basel", "Research cluster operations", "95000", "CHF", "lead", 120, "manager"),
        (exoscale, "Retail Group SA", "Multi-cloud migration", "150000", "EUR", "won", -10, "sales"),
    ]
    for partner, customer, title, value, currency, stage, close_in, owner in opportunities:
        if partner is None:
            continue
        Opportunity.objects.get_or_create(
            partner=partner,
            title=title,
            defaults={
                "end_customer": customer,
                "value": Decimal(value),
                "currency": currency,
                "stage": stage,
                "expected_close": today + timedelta(days=close_in),
                "owner": users[owner],
                "won_on": today + timedelta(days=close_in) if stage == "won" else None,
            },
        )

    submitted = timezone.make_aware(datetime.combine(today - timedelta(days=80), time(10, 0)))
    registrations = [
        # Approved and expiring in 10 days: the deal_registration_expiring reminder is due.
        (red_hat, "RH-DR-2026-0042", "Helvetia Insurance AG", "approved", 10, "480000", "CHF"),
        (red_hat, "RH-DR-2026-0057", "Canton Zug", "submitted", None, "220000", "CHF"),
        (red_hat, "", "Swiss Post Ltd.", "draft", None, "75000", "CHF"),
        (exoscale, "EXO-4711", "Fintech Startup GmbH", "approved", 75, "60000", "EUR"),
        (exoscale, "EXO-4620", "Retail Group SA", "won", None, "150000", "EUR"),
    ]
    for partner, reg_id, customer, status, expires_in, value, currency in registrations:
        if partner is None:
            continue
        DealRegistration.objects.get_or_create(
            partner=partner,
            customer=customer,
            defaults={
                "registration_id": reg_id,
                "status": status,
                "value": Decimal(value),
                "currency": currency,
                "products": "VSHN Managed OpenShift, 24/7 support",
                "owner": users["sales"],
                "submitted_at": submitted if status != "draft" else None,
                "expires_on": today + timedelta(days=expires_in) if expires_in is not None else None,
            },
        )

    checked_at = timezone.now() - timedelta(days=50)
    campaigns = [
        # title, kind, partners, status, starts in days, length, budget, leads, attendees, brand checked, PR approved
        ("Red Hat & VSHN OpenShift Meetup Zurich", "event", [red_hat], "done", -55, 0, "8000", 34, 61, True, True),
        ("Managed Kubernetes webinar", "webinar", [exoscale, cloudscale], "in_progress", 12, 0, "2500", 0, 0, True, False),
        (
            "Swiss Sovereign Cloud roadshow",
            "roadshow",
            [exoscale, cloudscale, red_hat],
            "planned",
            40,
            10,
            "30000",
            0,
            0,
            False,
            False,
        ),
        ("Joint fact sheet: OpenShift operations", "collateral", [red_hat], "in_progress", -5, 20, "3000", 0, 0, False, True),
        ("Press release: APPUiO on Exoscale", "pr", [exoscale], "published", -30, 0, "0", 12, 0, True, True),
    ]
    for title, kind, members, status, start_in, length, budget, leads, attendees, brand, pr in campaigns:
        members = [p for p in members if p is not None]
        if not members:
            continue
        starts = today + timedelta(days=start_in)
        campaign, created = Campaign.objects.get_or_create(
            title=title,
            defaults={
                "kind": kind,
                "status": status,
                "starts_on": starts,
                "ends_on": starts + timedelta(days=length),
                "budget": Decimal(budget),
                "currency": "CHF",
                "leads": leads,
                "attendees": attendees,
                "owner": users["marketing"],
                "pr_guidelines_approved": pr,
                "brand_checked_by": users["marketing"] if brand else None,
                "brand_checked_at": checked_at if brand else None,
            },
        )
        if created:
            campaign.partners.set(members)

    plan, _ = JointPlan.objects.get_or_create(
        partner=red_hat,
        quarter=quarter_of(today),
        defaults={"summary": "Grow Managed OpenShift in Swiss insurance and public sector; one joint event per quarter."},
    )
    # title, kind, owner, status, campaign, deal, registration, target (metric, value, currency, custom actual)
    initiatives = [
        (
            "Close Helvetia Insurance",
            "sales",
            "sales",
            "in_progress",
            None,
            "Managed OpenShift platform",
            "Helvetia Insurance AG",
            ("won_deal_value", "480000", "CHF", None),
        ),
        (
            "Public sector pipeline: 3 qualified leads",
            "sales",
            "sales",
            "planned",
            None,
            None,
            None,
            ("registrations_submitted", "3", "", None),
        ),
        (
            "Joint fact sheet",
            "marketing",
            "marketing",
            "in_progress",
            "Joint fact sheet: OpenShift operations",
            None,
            None,
            ("custom", "1", "", "0"),
        ),
        (
            "Roadshow stop in Zurich",
            "marketing",
            "marketing",
            "planned",
            "Swiss Sovereign Cloud roadshow",
            None,
            None,
            ("campaign_leads", "40", "", None),
        ),
    ]
    for title, kind, owner, status, campaign_title, opportunity_title, customer, target in initiatives:
        metric, target_value, target_currency, custom_actual = target
        JointPlanInitiative.objects.get_or_create(
            plan=plan,
            title=title,
            defaults={
                "kind": kind,
                "owner": users[owner],
                "status": status,
                "campaign": Campaign.objects.filter(title=campaign_title).first() if campaign_title else None,
                "opportunity": Opportunity.objects.filter(partner=red_hat, title=opportunity_title).first()
                if opportunity_title
                else None,
                "deal_registration": DealRegistration.objects.filter(partner=red_hat, customer=customer).first()
                if customer
                else None,
                "metric": metric,
                "target_value": Decimal(target_value),
                "target_currency": target_currency,
                "custom_actual": Decimal(custom_actual) if custom_actual is not None else None,
            },
        )


# Tasks across people (issue 17): title, partner, assignee, created by, due in days (negative: overdue), done.
# One is due today (task_due) and one overdue (task_overdue), so both reminders go out after seed_demo.
DEMO_TASKS = [
    ("Send the countersigned NDA back to Upbound", "Upbound", "sales", "manager", 0, False),
    ("Book the room for the joint Exoscale webinar", "Exoscale", "marketing", "manager", -3, False),
    ("Collect two Azure co-sell references for Microsoft", "Microsoft", "manager", "sales", 5, False),
    ("Check our SUSE partner portal accounts", "SUSE", "sales", "manager", 12, False),
    ("Update the Red Hat joint fact sheet", "Red Hat", "marketing", "marketing", -6, True),
]


@demo_seeder(order=65)
def seed_tasks(today: date, users: dict[str, User]) -> None:
    """Tasks by hand across people, and every open follow-up of the demo activities (and of the
    review action items, reporting/demo.py) as the task it is."""
    from . import services

    partners = {p.name: p for p in Partner.objects.filter(name__in={row[1] for row in DEMO_TASKS})}
    for title, partner_name, assignee, creator, due_in, done in DEMO_TASKS:
        if partner_name not in partners:
            continue
        Task.objects.get_or_create(
            partner=partners[partner_name],
            title=title,
            defaults={
                "assignee": users[assignee],
                "created_by": users[creator],
                "due_on": today + timedelta(days=due_in),
                "done_at": timezone.now() - timedelta(days=1) if done else None,
                "done_by": users[assignee] if done else None,
            },
        )
    follow_ups = Activity.objects.filter(follow_up_on__isnull=False, follow_up_task__isnull=True).select_related(
        "partner", "author", "partner__manager"
    )
    for activity in follow_ups:
        services.follow_up_task_sync(activity=activity, by=activity.author)
