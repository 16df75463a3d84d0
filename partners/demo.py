"""Demo partners of a Swiss cloud company: all four types, contacts, contracts, risk assessments."""

from datetime import date, timedelta

from django.contrib.auth.models import User

from partnerhub.demo import demo_seeder

from .health import partner_health_refresh
from .models import DEFAULT_PARTNER_TYPES, Contact, Contract, Partner, PartnerTeamMember, PartnerType, SupplierRiskAssessment
from .services import _unique_slug

DEMO_PARTNERS = [
    # name, type codes, stage, level, cadence, website, markets
    (
        "Red Hat",
        ["software-vendor"],
        "active",
        "Premier Business Partner",
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
    ("Tessin Systems SA", ["consultant-reseller"], "inactive", "", "quarterly", "https://tessin-systems.example", "Ticino"),
]

DEMO_CONTACTS = {
    "Red Hat": [
        ("Laura", "Keller", "partner_manager", True),
        ("Marco", "Rossi", "sales", False),
        ("Nina", "Weber", "marketing", False),
    ],
    "Exoscale": [("Julien", "Favre", "partner_manager", True), ("Anna", "Meier", "technical", False)],
    "cloudscale.ch": [("Stefan", "Huber", "executive", True), ("Petra", "Frei", "billing", False)],
    "Amazon Web Services": [("Daniel", "Schmid", "partner_manager", True), ("Sophie", "Brunner", "marketing", False)],
    "SUSE": [("Thomas", "Graf", "partner_manager", True)],
    "Upbound": [("Rachel", "Nguyen", "partner_manager", True), ("Omar", "Haddad", "technical", False)],
    "Ingram Micro Schweiz": [("Claudia", "Baumann", "sales", True), ("Beat", "Zimmermann", "billing", False)],
    "Alpine IT Consulting AG": [("Reto", "Aebischer", "executive", True)],
    "Léman Cloud Partners SA": [("Camille", "Dubois", "executive", True)],
    "Tessin Systems SA": [("Luca", "Bernasconi", "sales", True)],
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
        for first, last, role, primary in DEMO_CONTACTS.get(name, []):
            Contact.objects.get_or_create(
                partner=partner,
                first_name=first,
                last_name=last,
                defaults={
                    "stakeholder_role": role,
                    "is_primary": primary,
                    "email": f"{first}.{last}@{partner.slug}.example".lower(),
                    "phone": "+41 44 000 00 00",
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
