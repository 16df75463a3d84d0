"""Sections of the partner detail page. Other apps add theirs in their own `partner_sections.py`:

Each section is loaded by its own request (htmx, `hx-trigger="load"`) from `partners:section`, so the
detail page costs the same few queries however many apps add sections, and each section's endpoint
has its own small, pinned query budget.


    register_section(PartnerSection(key="timeline", title="Timeline", order=20,
                                    template="activities/_partner_section.html",
                                    context=lambda partner, request: {...}))

Each section's `context` is a selector call with a fixed number of queries, so the detail page
stays flat in queries however much history a partner has.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.module_loading import autodiscover_modules

from partnerhub.registry import Registry

from .models import Partner


@dataclass(frozen=True)
class PartnerSection:
    key: str
    title: str
    order: int
    template: str
    context: Callable[[Partner, HttpRequest], dict]


PARTNER_SECTIONS: Registry[str, PartnerSection] = Registry("partner sections")


def register_section(section: PartnerSection) -> None:
    """A key registered twice (from another module) is refused at import time."""
    PARTNER_SECTIONS.register(section.key, section, origin=section.context.__module__)


def discover() -> None:
    autodiscover_modules("partner_sections")


def ordered_sections() -> list[PartnerSection]:
    return sorted(PARTNER_SECTIONS.values(), key=lambda s: s.order)


def section_context(key: str, partner: Partner, request: HttpRequest) -> tuple[PartnerSection, dict]:
    section = PARTNER_SECTIONS[key]
    return section, section.context(partner, request)
