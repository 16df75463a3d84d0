"""The global search in the navigation: partners, contacts (also by partner name), opportunities,
deal registrations, campaigns and activities, accent- and case-insensitive (partnerhub/search.py).
One query per kind (LIMIT + 1 rows, so the page knows there are more), whatever the data size."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse

from activities.models import Activity, Campaign, DealRegistration, Opportunity
from partnerhub import formatting
from partnerhub.roles import Action, user_can
from partnerhub.search import matches, normalize
from partners.models import Contact, Partner

LIMIT = 8


@dataclass
class Hit:
    title: str
    url: str
    detail: str = ""


@dataclass
class Group:
    kind: str
    hits: list[Hit] = field(default_factory=list)
    more_url: str = ""  # the kind's own list, filtered by the same words, when there are more


def _group(kind: str, rows: list, hit, more_url: str) -> Group:
    return Group(kind, [hit(row) for row in rows[:LIMIT]], more_url if len(rows) > LIMIT else "")


def global_search(term: str, user) -> list[Group]:
    if not normalize(term):
        return []
    q = term.strip()[:100]
    may_deal = user_can(user, Action.MANAGE_DEALS)
    partners = list(Partner.objects.filter(matches(q, "name")).order_by("archived", "name", "id")[: LIMIT + 1])
    contacts = list(
        Contact.objects.filter(matches(q, "first_name", "last_name", "email", "partner__name"))
        .select_related("partner")
        .order_by("last_name", "first_name", "id")[: LIMIT + 1]
    )
    opportunities = list(
        Opportunity.objects.filter(matches(q, "title", "end_customer", "partner__name"))
        .select_related("partner")
        .order_by("-expected_close", "-id")[: LIMIT + 1]
    )
    registrations = list(
        DealRegistration.objects.filter(matches(q, "customer", "registration_id", "partner__name"))
        .select_related("partner")
        .order_by("-id")[: LIMIT + 1]
    )
    campaigns = list(Campaign.objects.filter(matches(q, "title")).order_by("-starts_on", "-id")[: LIMIT + 1])
    activities = list(
        Activity.objects.filter(matches(q, "subject", "partner__name"))
        .select_related("partner")
        .order_by("-occurred_on", "-id")[: LIMIT + 1]
    )
    query = urlencode({"q": q})
    groups = [
        _group(
            "Partners",
            partners,
            lambda p: Hit(p.name, p.get_absolute_url(), "archived" if p.archived else p.get_stage_display()),
            f"{reverse('partners:list')}?{query}",
        ),
        _group(
            "Contacts",
            contacts,
            lambda c: Hit(
                f"{c.first_name} {c.last_name}", c.partner.get_absolute_url() + "#contacts", f"{c.partner.name} · {c.email}"
            ),
            f"{reverse('partners:contacts')}?{query}",
        ),
        _group(
            "Opportunities",
            opportunities,
            lambda o: Hit(
                o.title,
                o.get_absolute_url() if may_deal else o.partner.get_absolute_url() + "#deals",
                f"{o.partner.name} · {o.end_customer} · {formatting.money(o.value, o.currency)}",
            ),
            f"{reverse('activities:opportunities')}?{query}",
        ),
        _group(
            "Deal registrations",
            registrations,
            lambda r: Hit(
                r.customer,
                r.get_absolute_url() if may_deal else r.partner.get_absolute_url() + "#deals",
                f"{r.partner.name} · {r.get_status_display()}",
            ),
            f"{reverse('activities:registrations')}?{query}",
        ),
        _group(
            "Campaigns",
            campaigns,
            lambda c: Hit(c.title, c.get_absolute_url(), f"{c.get_kind_display()} · {formatting.day(c.starts_on)}"),
            f"{reverse('activities:campaigns')}?{query}",
        ),
        _group(
            "Activities",
            activities,
            lambda a: Hit(
                a.subject,
                a.partner.get_absolute_url() + "#timeline",
                f"{a.partner.name} · {a.get_kind_display()} · {formatting.day(a.occurred_on)}",
            ),
            f"{reverse('activities:feed')}?{query}",
        ),
    ]
    return [g for g in groups if g.hits]
