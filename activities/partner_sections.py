"""Sections of the partner detail page: timeline, deals, campaigns and the quarter's joint plan.
Each context is a fixed number of queries (see the comments), however much history a partner has."""

from django.http import HttpRequest
from django.utils import timezone

from partners.models import Partner
from partners.sections import PartnerSection, register_section

from . import selectors
from .forms import QuickActivityForm
from .models import Activity
from .targets import attach_progress


def timeline_context(partner: Partner, request: HttpRequest, quick_form: QuickActivityForm | None = None) -> dict:
    """Two queries: the last sync meeting (aggregate) and the newest ten activities."""
    today = timezone.localdate()
    status = selectors.sync_status_for_partner_objects([partner], today)[partner.pk]
    return {
        "sync": status,
        "activities": selectors.recent_activities(partner=partner, limit=10),
        "quick_form": quick_form or QuickActivityForm(initial={"occurred_on": today, "kind": Activity.Kind.SYNC_MEETING}),
        "today": today,
    }


def deals_context(partner: Partner, request: HttpRequest) -> dict:
    """Two queries: open opportunities and the newest registrations."""
    return selectors.partner_deals(partner=partner)


def campaigns_context(partner: Partner, request: HttpRequest) -> dict:
    """One query."""
    return {"campaigns": selectors.partner_campaigns(partner=partner)}


def plan_context(partner: Partner, request: HttpRequest) -> dict:
    """Two queries: the current quarter's initiatives (with owner and links joined) and every computed
    actual of their targets (activities/targets.py)."""
    quarter = selectors.current_quarter(timezone.localdate())
    initiatives = selectors.plan_initiatives(partner=partner, quarter=quarter)
    return {"quarter": quarter, "initiatives": attach_progress(partner_id=partner.pk, quarter=quarter, initiatives=initiatives)}


register_section(
    PartnerSection(
        key="timeline", title="Timeline", order=20, template="activities/_partner_timeline.html", context=timeline_context
    )
)
register_section(
    PartnerSection(key="deals", title="Deals", order=30, template="activities/_partner_deals.html", context=deals_context)
)
register_section(
    PartnerSection(
        key="campaigns", title="Campaigns", order=40, template="activities/_partner_campaigns.html", context=campaigns_context
    )
)
register_section(
    PartnerSection(key="plan", title="Joint plan", order=50, template="activities/_partner_plan.html", context=plan_context)
)
