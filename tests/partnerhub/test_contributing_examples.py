"""CONTRIBUTING.md's worked examples (a reminder kind, a dashboard panel, a partner section) run as written.

The code blocks under "## Worked examples" are read from CONTRIBUTING.md and executed against the real
registries; every entry they register is removed again after each test, so no other test sees them.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from partnerhub import reminders
from partnerhub.attention import ATTENTION_PROVIDERS
from partnerhub.models import ReminderSent
from partners.sections import PARTNER_SECTIONS

from ..activities.factories import OpportunityFactory
from ..factories import ContactFactory, PartnerFactory

pytestmark = pytest.mark.django_db

CONTRIBUTING = Path(settings.BASE_DIR) / "CONTRIBUTING.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)


def worked_examples() -> dict[str, str]:
    """{the file named in a block's first line: the block} for the blocks under "## Worked examples"."""
    text = CONTRIBUTING.read_text(encoding="utf-8")
    section = text.split("\n## Worked examples\n", 1)[1].split("\n## ", 1)[0]
    blocks = {}
    for _language, body in FENCE.findall(section):
        first = body.splitlines()[0]
        name = re.fullmatch(r"(?:# |\{# )(\S+)(?: #\})?", first)
        assert name, f"A worked example's first line names its file: {first!r}"
        blocks[name.group(1)] = body
    return blocks


@pytest.fixture
def run_example():
    """Execute a worked example as its own module; unregister what it registered afterwards."""
    registries = [reminders.REMINDERS, ATTENTION_PROVIDERS, PARTNER_SECTIONS]
    before = [set(registry) for registry in registries]
    labels_before = set(reminders.REMINDER_LABELS)

    def run(filename: str) -> dict:
        namespace = {"__name__": "contributing_example." + filename.removesuffix(".py").replace("/", ".")}
        exec(compile(worked_examples()[filename], f"CONTRIBUTING.md:{filename}", "exec"), namespace)  # noqa: S102
        return namespace

    yield run
    for registry, keys in zip(registries, before, strict=True):
        for key in set(registry) - keys:
            del registry[key]
    for kind in set(reminders.REMINDER_LABELS) - labels_before:
        del reminders.REMINDER_LABELS[kind]


def test_contributing_has_the_three_examples():
    assert set(worked_examples()) == {
        "activities/reminders.py",
        "activities/attention.py",
        "partners/partner_sections.py",
        "templates/partners/_key_contacts_section.html",
    }


def test_the_reminder_kind_goes_out_once_for_a_due_deal(run_example, sales, mailoutbox):
    today = timezone.localdate()
    late = OpportunityFactory(owner=sales, stage="proposal", expected_close=today - timedelta(days=3), title="Late deal")
    OpportunityFactory(owner=sales, stage="proposal", expected_close=today + timedelta(days=3))  # not due yet
    OpportunityFactory(owner=sales, stage="won", expected_close=today - timedelta(days=3))  # closed: never due

    run_example("activities/reminders.py")
    assert "opportunity_close_passed" in reminders.REMINDERS

    due = list(reminders.REMINDERS["opportunity_close_passed"](today))
    assert [d.obj for d in due] == [late]
    assert reminders.run_reminder("opportunity_close_passed", today) == 1
    assert [m.to for m in mailoutbox] == [[sales.email]]
    assert "Late deal" in mailoutbox[0].subject
    assert reminders.run_reminder("opportunity_close_passed", today) == 0  # once per (deal, close date)
    assert len(mailoutbox) == 1
    assert ReminderSent.objects.filter(kind="opportunity_close_passed").count() == 1


def test_the_dashboard_panel_shows_the_users_deals(run_example, sales, sales_client):
    today = timezone.localdate()
    OpportunityFactory(owner=sales, stage="lead", expected_close=today + timedelta(days=5), title="Closing soon")
    OpportunityFactory(stage="lead", expected_close=today + timedelta(days=5), title="Someone else's")

    run_example("activities/attention.py")

    inbox = sales_client.get(reverse("reporting:inbox"), headers={"HX-Request": "true"})
    assert inbox.status_code == 200
    assert "Closing soon" in inbox.content.decode()
    assert "Someone else" not in inbox.content.decode()
    panel = sales_client.get(reverse("reporting:attention-panel", args=["my_deals_closing"]))
    assert panel.status_code == 200
    assert "Closing soon" in panel.content.decode()
    dashboard = sales_client.get(reverse("home"))
    assert dashboard.status_code == 200
    assert reverse("reporting:inbox") in dashboard.content.decode()  # the inbox (with the panel's items) loads there


def test_the_partner_section_renders_on_the_partner_page(run_example, settings, tmp_path, sales_client):
    template = "templates/partners/_key_contacts_section.html"
    target = tmp_path / template.removeprefix("templates/")
    target.parent.mkdir(parents=True)
    target.write_text(worked_examples()[template], encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    partner = PartnerFactory()
    ContactFactory(partner=partner, first_name="Paula", last_name="Primary", is_primary=True)
    ContactFactory(partner=partner, first_name="Otto", last_name="Other", is_primary=False)

    run_example("partners/partner_sections.py")

    page = sales_client.get(partner.get_absolute_url())
    assert page.status_code == 200
    assert reverse("partners:section", args=[partner.slug, "key_contacts"]) in page.content.decode()
    assert "Key contacts" in page.content.decode()
    section = sales_client.get(reverse("partners:section", args=[partner.slug, "key_contacts"]), headers={"HX-Request": "true"})
    assert section.status_code == 200
    body = section.content.decode()
    assert "Paula Primary" in body and "Otto" not in body
