"""partnerhub/registry.py: one kind of registry; a duplicate name is refused; `manage.py registry`."""

from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from partnerhub import attention, demo, history, navigation, registry, reminders
from partners import health, sections


@pytest.fixture
def scratch():
    reg = registry.Registry("scratch for a test")
    yield reg
    registry.ALL.pop(reg.name)


def first(today):
    return []


def second(today):
    return []


def test_a_name_registered_twice_from_two_places_is_refused(scratch):
    scratch.register("kind", first)
    with pytest.raises(ImproperlyConfigured, match=r"scratch for a test: 'kind' is registered twice.*first.*second"):
        scratch.register("kind", second)
    assert scratch["kind"] is first


def test_the_decorator_refuses_a_duplicate_at_import_time(scratch):
    scratch.decorator("kind")(first)
    with pytest.raises(ImproperlyConfigured):

        @scratch.decorator("kind")
        def other(today):  # pragma: no cover - never registered
            return []


def test_the_same_place_registering_again_replaces_its_entry(scratch):
    """A module imported twice (importlib.reload) registers the same names from the same place."""
    scratch.register("kind", first, origin="app.module")
    scratch.register("kind", second, origin="app.module")
    assert scratch["kind"] is second


def test_a_registry_lists_its_entries_and_is_read_like_a_dict(scratch):
    scratch.register("b", second)
    scratch.register("a", first)
    assert scratch.names() == ["a", "b"]
    assert sorted(scratch) == ["a", "b"] and len(scratch) == 2 and "a" in scratch
    assert dict(scratch.items()) == {"a": first, "b": second}


def test_two_registries_with_one_name_are_refused(scratch):
    with pytest.raises(ImproperlyConfigured):
        registry.Registry("scratch for a test")


def test_every_registry_of_the_project_is_a_registry():
    for reg in (
        attention.ATTENTION_PROVIDERS,
        attention.HEALTH_CHECKS,
        attention.CALENDAR_PROVIDERS,
        reminders.REMINDERS,
        reminders.HOUSEKEEPING,
        sections.PARTNER_SECTIONS,
        demo.SEEDERS,
        health.HEALTH_FACTS,
        history.AUDITED_MODELS,
        navigation.NAV_ITEMS,
        navigation.USER_MENU_ITEMS,
    ):
        assert isinstance(reg, registry.Registry)
        assert registry.ALL[reg.name] is reg


def test_a_partner_section_key_taken_by_another_module_is_refused():
    taken = next(iter(sections.PARTNER_SECTIONS.values()))
    clash = sections.PartnerSection(key=taken.key, title="Clash", order=1, template="x.html", context=first)
    with pytest.raises(ImproperlyConfigured, match="partner sections"):
        sections.register_section(clash)
    assert sections.PARTNER_SECTIONS[taken.key] is taken


def test_audited_models_come_from_the_models_own_registration():
    registry.discover_all()
    assert (
        dict(history.AUDITED_MODELS).items()
        >= {
            "activities.campaign": [],
            "activities.dealregistration": [],
            "certifications.holding": [],
            "funds.fundclaim": [("funds.invoice", "claim_id"), ("funds.proofdocument", "claim_id")],
            "reporting.licensereport": [],
        }.items()
    )
    assert history.AUDITED_MODELS.app_label("funds.fundclaim") == "funds"


def test_navigation_is_derived_from_the_apps_templates():
    assert navigation.app_templates("_nav.html") == [
        "activities/_nav.html",
        "certifications/_nav.html",
        "funds/_nav.html",
        "reporting/_nav.html",
    ]
    assert navigation.app_templates("_user_menu.html") == [
        "activities/_user_menu.html",
        "certifications/_user_menu.html",
        "funds/_user_menu.html",
        "reporting/_user_menu.html",
    ]


def test_the_rendered_navigation_has_every_apps_items(manager_client: Client):
    page = manager_client.get(reverse("notifications")).content.decode()
    for marker in ('id="nav-activities"', 'id="nav-certifications"', 'data-testid="nav-funds"', 'data-testid="nav-overview"'):
        assert marker in page, marker


def test_registry_command_prints_everything_per_app():
    out = StringIO()
    call_command("registry", stdout=out)
    text = out.getvalue()
    lines = text.splitlines()
    apps = [line for line in lines if line and not line.startswith(" ") and not line.startswith("(")]
    assert apps == sorted(apps) and {"activities", "certifications", "funds", "partners", "reporting"} <= set(apps)
    for kind in reminders.REMINDERS:
        assert kind in text
    assert "  partner sections (4): campaigns, deals, plan, timeline" in lines
    assert "  audited models (3): funds.commission, funds.commissionagreement, funds.fundclaim" in lines
    assert "  health facts (1): funds.Invoice" in lines
    assert any(line.startswith("  demo seeders (") and "reporting.demo.seed_reporting" in line for line in lines)
