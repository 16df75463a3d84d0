"""Demo partners of a Swiss cloud company: all four types, contacts, contracts, risk assessments.

The demo tells the truth on a fresh install: partners were created months or years ago (so "no
activity for 90 days" and overdue syncs can fire), program levels are named as the partner's program
(and the certifications app's program status) names them, every contact has their own Swiss number,
and Red Hat has an executive sponsor (a strategic partner with a QBR cadence, activities/qbr.py).
"""

from datetime import date, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from partnerhub.demo import demo_seeder

from .health import partner_health_refresh
from .models import (
    DEFAULT_PARTNER_TYPES,
    Collateral,
    Contact,
    Contract,
    Onboarding,
    OnboardingStepTemplate,
    OnboardingTrack,
    Partner,
    PartnerTeamMember,
    PartnerType,
    SupplierRiskAssessment,
)
from .services import _unique_slug, onboarding_start, onboarding_step_complete

DEMO_PARTNERS = [
    # name, type codes, stage, level, cadence, website, markets
    (
        "Red Hat",
        ["software-vendor"],
        "active",
        "Premier",  # as the program status (certifications/demo.py) names the level
        "monthly",
        "https://www.redhat.com",
        "Switzerland, DACH",
    ),
    ("Exoscale", ["csp"], "active", "Strategic Partner", "fortnightly", "https://www.exoscale.com", "Switzerland, Europe"),
    ("cloudscale.ch", ["csp"], "active", "Partner", "monthly", "https://www.cloudscale.ch", "Switzerland"),
    ("Amazon Web Services", ["csp"], "active", "Select Tier", "quarterly", "https://aws.amazon.com", "Global"),
    ("SUSE", ["software-vendor"], "active", "Gold", "monthly", "https://www.suse.com", "Europe"),
    ("Upbound", ["software-vendor"], "onboarding", "", "fortnightly", "https://www.upbound.io", "Global"),
    ("Ingram Micro Schweiz", ["distributor"], "active", "Registered", "quarterly", "https://ch.ingrammicro.com", "Switzerland"),
    (
        "Alpine IT Consulting AG",
        ["consultant-reseller"],
        "active",
        "",
        "monthly",
        "https://alpine-it.example",
        "Central Switzerland",
    ),
    (
        "Léman Cloud Partners SA",
        ["consultant-reseller", "distributor"],
        "prospect",
        "",
        "none",
        "https://leman-cloud.example",
        "Romandie",
    ),
    # Inactive: no sync cadence any more; its health shows how long nobody has talked to them.
    ("Tessin Systems SA", ["consultant-reseller"], "inactive", "", "none", "https://tessin-systems.example", "Ticino"),
    (
        "Microsoft",
        ["software-vendor", "csp"],
        "active",
        "Solutions Partner for Infrastructure (Azure)",
        "monthly",
        "https://partner.microsoft.com",
        "Switzerland, Global",
    ),
]

# When each partnership started (days before the seed): activity history, syncs and "no activity
# for 90 days" are measured against it.
CREATED_DAYS_AGO = {
    "Red Hat": 2200,
    "Exoscale": 1500,
    "cloudscale.ch": 1100,
    "Amazon Web Services": 900,
    "SUSE": 700,
    "Upbound": 45,
    "Ingram Micro Schweiz": 1300,
    "Alpine IT Consulting AG": 500,
    "Léman Cloud Partners SA": 60,
    "Tessin Systems SA": 800,
    "Microsoft": 400,
}

# first, last, stakeholder role, primary, phone (each their own: office lines by region, some mobiles)
DEMO_CONTACTS = {
    "Red Hat": [
        ("Laura", "Keller", "partner_manager", True, "+41 44 512 34 10"),
        ("Marco", "Rossi", "sales", False, "+41 79 318 42 77"),
        ("Nina", "Weber", "marketing", False, "+41 44 512 34 26"),
    ],
    "Exoscale": [
        ("Julien", "Favre", "partner_manager", True, "+41 21 646 81 12"),
        ("Anna", "Meier", "technical", False, "+41 78 904 15 63"),
    ],
    "cloudscale.ch": [
        ("Stefan", "Huber", "executive", True, "+41 44 525 70 01"),
        ("Petra", "Frei", "billing", False, "+41 44 525 70 09"),
    ],
    "Amazon Web Services": [
        ("Daniel", "Schmid", "partner_manager", True, "+41 44 578 12 40"),
        ("Sophie", "Brunner", "marketing", False, "+41 76 221 58 90"),
    ],
    "SUSE": [("Thomas", "Graf", "partner_manager", True, "+41 61 205 33 18")],
    "Upbound": [
        ("Rachel", "Nguyen", "partner_manager", True, "+41 79 560 27 14"),
        ("Omar", "Haddad", "technical", False, "+41 77 412 68 35"),
    ],
    "Ingram Micro Schweiz": [
        ("Claudia", "Baumann", "sales", True, "+41 56 437 62 20"),
        ("Beat", "Zimmermann", "billing", False, "+41 56 437 62 45"),
    ],
    "Alpine IT Consulting AG": [("Reto", "Aebischer", "executive", True, "+41 41 228 90 50")],
    "Léman Cloud Partners SA": [("Camille", "Dubois", "executive", True, "+41 22 318 47 02")],
    "Tessin Systems SA": [("Luca", "Bernasconi", "sales", True, "+41 91 923 51 84")],
    "Microsoft": [
        ("Andrea", "Steiner", "partner_manager", True, "+41 44 823 81 11"),
        ("Yves", "Rochat", "technical", False, "+41 79 287 36 09"),
        ("Sara", "Lehmann", "marketing", False, "+41 44 823 84 37"),
    ],
}


@demo_seeder(order=10)
def seed_partners(today: date, users: dict[str, User]) -> None:
    # get_or_create: the demo also seeds databases whose catalog rows were flushed (browser tests).
    types = {
        code: PartnerType.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in DEFAULT_PARTNER_TYPES.items()
    }
    for name, type_codes, stage, level, cadence, website, markets in DEMO_PARTNERS:
        partner = Partner.objects.filter(name=name).first()
        if partner is None:
            partner = Partner.objects.create(
                name=name,
                slug=_unique_slug(name),
                stage=stage,
                manager=users["manager"],
                program_level=level,
                sync_cadence=cadence,
                website=website,
                markets=markets,
                strategy=f"Grow joint managed-services business with {name} in {markets}.",
                why_together="VSHN brings 24/7 operations and DevOps know-how; the partner brings platform and reach.",
                vshn_products="APPUiO, VSHN Managed OpenShift" if "Red Hat" in name else "VSHN Application Marketplace",
                pricing_details="Partner discount per current program terms.",
                reporting_details="Monthly usage report by the 10th." if level else "",
            )
            partner.types.set([types[code] for code in type_codes])
            PartnerTeamMember.objects.get_or_create(partner=partner, user=users["sales"], role="sales")
            PartnerTeamMember.objects.get_or_create(partner=partner, user=users["marketing"], role="marketing")
            # The partnership started long before the seed (created_at is auto_now_add: set afterwards).
            started = timezone.now() - timedelta(days=CREATED_DAYS_AGO.get(name, 365))
            Partner.objects.filter(pk=partner.pk).update(created_at=started)
            partner.created_at = started
        if name == "Red Hat":  # strategic: an executive sponsor, so a quarterly business review cadence
            PartnerTeamMember.objects.get_or_create(partner=partner, user=users["admin"], role="executive_sponsor")
        for first, last, role, primary, phone in DEMO_CONTACTS.get(name, []):
            Contact.objects.get_or_create(
                partner=partner,
                first_name=first,
                last_name=last,
                defaults={
                    "stakeholder_role": role,
                    "is_primary": primary,
                    "email": f"{first}.{last}@{partner.slug}.example".lower(),
                    "phone": phone,
                },
            )

    partners = {p.name: p for p in Partner.objects.filter(name__in=[row[0] for row in DEMO_PARTNERS])}
    contracts = [
        # A notice deadline 30 days from now: due for the contract_notice_deadline reminder.
        (
            "Red Hat",
            "partner_agreement",
            "Red Hat Partner Agreement",
            today - timedelta(days=700),
            today + timedelta(days=120),
            True,
            90,
        ),
        ("Red Hat", "nda", "Mutual NDA", today - timedelta(days=900), None, False, 0),
        ("Exoscale", "msa", "Exoscale MSA", today - timedelta(days=400), today + timedelta(days=330), True, 90),
        ("Exoscale", "dpa", "Data processing agreement", today - timedelta(days=400), None, False, 30),
        (
            "cloudscale.ch",
            "partner_agreement",
            "Reseller agreement",
            today - timedelta(days=200),
            today + timedelta(days=530),
            False,
            60,
        ),
        (
            "Amazon Web Services",
            "program_terms",
            "AWS Partner Network terms",
            today - timedelta(days=300),
            today + timedelta(days=65),
            True,
            30,
        ),
        (
            "Microsoft",
            "program_terms",
            "Microsoft AI Cloud Partner Program agreement",
            today - timedelta(days=380),
            today + timedelta(days=350),
            True,
            30,
        ),
        (
            "Ingram Micro Schweiz",
            "partner_agreement",
            "Distribution agreement",
            today - timedelta(days=600),
            today + timedelta(days=800),
            True,
            180,
        ),
    ]
    for partner_name, kind, title, start, end, auto_renew, notice in contracts:
        Contract.objects.get_or_create(
            partner=partners[partner_name],
            title=title,
            defaults={"kind": kind, "start_date": start, "end_date": end, "auto_renew": auto_renew, "notice_period_days": notice},
        )

    assessments = [
        # Exoscale's review date has passed: due for the supplier_risk_review_due reminder.
        (
            "Exoscale",
            "medium",
            "high",
            today - timedelta(days=380),
            today - timedelta(days=15),
            "Customer workloads and backups",
            "Compute, object storage",
        ),
        (
            "cloudscale.ch",
            "low",
            "medium",
            today - timedelta(days=100),
            today + timedelta(days=265),
            "Customer workloads",
            "Compute",
        ),
        (
            "Red Hat",
            "low",
            "high",
            today - timedelta(days=50),
            today + timedelta(days=315),
            "Support case data",
            "Subscription portal",
        ),
        (
            "Amazon Web Services",
            "medium",
            "high",
            today - timedelta(days=200),
            today + timedelta(days=20),
            "Customer workloads",
            "EC2, S3, EKS",
        ),
    ]
    for partner_name, risk, criticality, assessed, review, data, systems in assessments:
        SupplierRiskAssessment.objects.get_or_create(
            partner=partners[partner_name],
            assessed_on=assessed,
            defaults={
                "risk_level": risk,
                "criticality": criticality,
                "next_review_due": review,
                "data_touched": data,
                "systems_touched": systems,
                "mitigations": "ISO 27001 certificate on file; DPA signed; data stays in Switzerland.",
                "assessed_by": users["manager"],
            },
        )


@demo_seeder(order=1000)
def seed_partner_health(today: date, users: dict[str, User]) -> None:
    """Last, once every app's demo facts exist: compute the partners' health, so a fresh demo shows
    good / watch / at risk with reasons instead of "Not checked yet" until the first health sweep."""
    partner_health_refresh(today=today)


# Onboarding tracks per partner type (issue 17): title, owner role, due days after the start, required, proof.
DEMO_TRACKS = {
    "software-vendor": [
        ("Sign partner agreement", "partner_manager", 14, True, "contract_partner_agreement"),
        ("NDA / DPA", "partner_manager", 7, True, "contract_nda"),
        ("Supplier risk assessment", "partner_manager", 21, True, "risk_assessment"),
        ("Portal accounts for the team", "sales", 10, True, ""),
        ("First sync meeting", "partner_manager", 14, True, ""),
        ("Sales enablement session", "sales", 35, True, ""),
        ("Joint fact sheet", "marketing", 45, False, ""),
        ("First certifications", "technical", 60, True, "certification_holding"),
        ("First deal registration", "sales", 75, True, "deal_registration"),
    ],
    "csp": [
        ("Infrastructure contract (MSA)", "partner_manager", 14, True, "contract_msa"),
        ("Data processing agreement", "partner_manager", 14, True, "contract_dpa"),
        ("Supplier risk assessment", "partner_manager", 21, True, "risk_assessment"),
        ("Portal and console accounts", "technical", 10, True, ""),
        ("First certifications", "technical", 60, True, "certification_holding"),
        ("First sync meeting", "partner_manager", 14, True, ""),
    ],
    "consultant-reseller": [
        ("Reseller agreement", "partner_manager", 14, True, "contract_partner_agreement"),
        ("NDA", "partner_manager", 7, True, "contract_nda"),
        ("Enablement session", "sales", 30, True, ""),
        ("Joint fact sheet", "marketing", 45, False, ""),
        ("First sync meeting", "partner_manager", 14, True, ""),
    ],
    "distributor": [
        ("Distribution agreement", "partner_manager", 21, True, "contract_partner_agreement"),
        ("Program terms", "partner_manager", 21, True, "contract_program_terms"),
        ("Price list in the library", "sales", 30, True, ""),
        ("First sync meeting", "partner_manager", 14, True, ""),
    ],
}


@demo_seeder(order=15)
def seed_onboarding(today: date, users: dict[str, User]) -> None:
    """A track per partner type, and Upbound mid-onboarding: steps done (one by its NDA, one by sales),
    due (within days) and overdue (the partner agreement and the first sync)."""
    for code, steps in DEMO_TRACKS.items():
        partner_type = PartnerType.objects.filter(code=code).first()
        if partner_type is None or OnboardingTrack.objects.filter(partner_type=partner_type).exists():
            continue
        track = OnboardingTrack.objects.create(partner_type=partner_type, created_by=users["manager"])
        for position, (title, role, offset, required, proof) in enumerate(steps, start=1):
            OnboardingStepTemplate.objects.create(
                track=track,
                position=position * 10,
                title=title,
                owner_role=role,
                due_offset_days=offset,
                required=required,
                proof=proof,
            )
    partner = Partner.objects.filter(name="Upbound").first()
    if partner is None or Onboarding.objects.filter(partner=partner).exists():
        return
    Contract.objects.get_or_create(
        partner=partner, kind="nda", title="Upbound mutual NDA", defaults={"start_date": today - timedelta(days=28)}
    )
    onboarding = onboarding_start(partner=partner, started_on=today - timedelta(days=30), by=users["manager"])
    portal = onboarding.steps.get(title="Portal accounts for the team")
    onboarding_step_complete(step_id=portal.pk, by=users["sales"])


# The library (issue 17): partner, kind, title, version, made by VSHN, notes, valid for days (None: no
# end), the campaign it was made for (activities' demo campaigns, seeded before: order 20).
DEMO_COLLATERAL = [
    (
        "Red Hat",
        "brand_guideline",
        "Red Hat partner brand standards",
        "2026.1",
        False,
        "Use the 'Red Hat Premier Business Partner' badge as supplied; never recolour the hat.",
        None,
        None,
    ),
    (
        "Red Hat",
        "pr_guideline",
        "Red Hat partner press-release guidelines",
        "4",
        False,
        "Every press release naming Red Hat is approved by Red Hat PR (allow 10 working days).",
        None,
        None,
    ),
    (
        "Red Hat",
        "fact_sheet",
        "VSHN Managed OpenShift on Red Hat — joint fact sheet",
        "2",
        True,
        "",
        None,
        "Joint fact sheet: OpenShift operations",
    ),
    # Valid for 20 more days: due for the collateral_expiring reminder ("30d").
    (
        "Exoscale",
        "slide_deck",
        "Exoscale and VSHN: Swiss sovereign cloud platform",
        "1",
        True,
        "",
        20,
        "Managed Kubernetes webinar",
    ),
    # Expired two days ago: shown as expired, and due for the collateral_expiring reminder ("0d").
    (
        "Red Hat",
        "price_list",
        "Red Hat subscription price list 2026 H1",
        "2026-H1",
        False,
        "Ask the Red Hat channel team for the H2 list.",
        -2,
        None,
    ),
]


@demo_seeder(order=25)
def seed_collateral(today: date, users: dict[str, User]) -> None:
    """After activities' campaigns (order 20): some collateral belongs to one of the partner's campaigns."""
    from django.core.files.base import ContentFile

    from .models import collateral_campaigns

    partners = {p.name: p for p in Partner.objects.filter(name__in={row[0] for row in DEMO_COLLATERAL})}
    campaigns = {c.title: c for c in collateral_campaigns().filter(title__in={row[7] for row in DEMO_COLLATERAL if row[7]})}
    for name, kind, title, version, vshn_made, notes, valid_for, campaign_title in DEMO_COLLATERAL:
        partner = partners.get(name)
        if partner is None or Collateral.objects.filter(partner=partner, title=title).exists():
            continue
        campaign = campaigns.get(campaign_title) if campaign_title else None
        item = Collateral(
            partner=partner,
            kind=kind,
            title=title,
            version=version,
            made_by_vshn=vshn_made,
            notes=notes,
            uploaded_by=users["marketing"],
            valid_until=today + timedelta(days=valid_for) if valid_for is not None else None,
            campaign=campaign if campaign is not None and campaign.partners.filter(pk=partner.pk).exists() else None,
        )
        if vshn_made and kind == "fact_sheet":
            item.brand_checked_by, item.brand_checked_at = users["manager"], timezone.now()
        item.file.save(f"{kind}.pdf", ContentFile(b"%PDF-1.4\n% demo collateral\n"), save=False)
        item.save()
