"""Digest mail (issue 20, item 2), through a real SMTP server (aiosmtpd): after a certification
import with many expiring holdings, one sweep run sends each person ONE email, grouped by kind and
partner with links; in-app notifications stay one per reminder; the kinds a person chose get one
email each; Message-IDs are on the site's domain; the holder is greeted and told about "your"
certification, not "Hello Sam, Sam Sales's … expires"."""

import email
import email.policy
from collections import Counter
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone

from partnerhub.models import Notification, NotificationSettings, ReminderSent

from ..certifications.factories import CertificationFactory, HoldingFactory
from ..factories import ContractFactory, PartnerFactory, UserFactory
from .test_outbox import _free_port, _Inbox, _use_smtp

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    _use_smtp(settings, controller.port)
    settings.SITE_URL = "https://partnerhub.vshn.example"
    yield inbox
    controller.stop()


def _parsed(inbox):
    return [(rcpt, email.message_from_string(raw, policy=email.policy.default)) for rcpt, raw in inbox.messages]


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def import_of_many(db):
    """What a certification import leaves: many holdings expiring within 30 days at two partners."""
    marta = UserFactory(username="marta", first_name="Marta", last_name="Manager")
    sam = UserFactory(username="sam", first_name="Sam", last_name="Sales")
    engineers = UserFactory.create_batch(5)
    red_hat = CertificationFactory(partner=PartnerFactory(name="Red Hat", manager=marta), name="OpenShift Admin")
    suse = CertificationFactory(partner=PartnerFactory(name="SUSE", manager=marta), name="Rancher Expert")
    soon = timezone.localdate() + timedelta(days=20)
    for person in [sam, *engineers]:
        HoldingFactory(holder=person, certification=red_hat, expires_on=soon)
        HoldingFactory(holder=person, certification=suse, expires_on=soon)
    ContractFactory(partner=red_hat.partner, end_date=timezone.localdate() + timedelta(days=100), notice_period_days=60)
    return marta, sam, engineers


def test_one_email_per_person_per_run_grouped_with_links(smtp, import_of_many):
    marta, sam, engineers = import_of_many
    call_command("run_reminders", stdout=open("/dev/null", "w"))

    mails = _parsed(smtp)
    per_person = Counter(tuple(rcpt) for rcpt, _ in mails)
    assert per_person == {(marta.email,): 1, (sam.email,): 1, **{(e.email,): 1 for e in engineers}}
    # In-app: one notification per reminder and person (12 holdings × 2 people + 1 contract).
    assert Notification.objects.filter(recipient=marta).count() == 13
    assert Notification.objects.filter(recipient=sam).count() == 2
    assert ReminderSent.objects.count() == 13

    digest = next(m for rcpt, m in mails if rcpt == [marta.email])
    assert digest["Subject"] == "[PartnerHub] 13 reminders: certifications expiring (12), contract notice deadlines (1)"
    assert digest["X-PartnerHub-Kind"] == "certification_expiring,contract_notice_deadline"
    body = _text(digest)
    assert body.startswith("Hello Marta,")
    assert body.index("Certifications expiring (12)") < body.index("Contract notice deadlines (1)")
    assert body.index("  Red Hat") < body.index("  SUSE")  # grouped by partner within the kind
    assert body.count("https://partnerhub.vshn.example/certifications/") == 12
    html = digest.get_body(preferencelist=("html",)).get_content()
    assert html.count('<a href="https://partnerhub.vshn.example/certifications/') == 12

    # A second run the same day sends nothing.
    call_command("run_reminders", stdout=open("/dev/null", "w"))
    assert len(smtp.messages) == len(mails)


def test_message_ids_on_the_site_domain_and_greetings_that_read_naturally(smtp, import_of_many):
    marta, sam, _ = import_of_many
    call_command("run_reminders", stdout=open("/dev/null", "w"))
    mails = _parsed(smtp)
    assert all(m["Message-ID"].endswith("@partnerhub.vshn.example>") for _, m in mails)
    assert len({m["Message-ID"] for _, m in mails}) == len(mails)

    sams = next(m for rcpt, m in mails if rcpt == [sam.email])
    body = _text(sams)
    assert body.startswith("Hello Sam,")
    assert "Your OpenShift Admin expires in 20 days" in body and "Your Rancher Expert" in body
    assert "Sam Sales's" not in body
    assert Notification.objects.filter(recipient=sam, title__startswith="Your OpenShift Admin").exists()
    # The partner manager reads whose certification it is.
    assert "Sam Sales's OpenShift Admin expires in 20 days" in _text(next(m for rcpt, m in mails if rcpt == [marta.email]))


def test_a_single_reminder_is_the_reminder_itself_and_a_nameless_user_gets_hello(smtp):
    nameless = UserFactory(first_name="", last_name="")
    ContractFactory(
        partner=PartnerFactory(manager=nameless),
        end_date=timezone.localdate() + timedelta(days=100),
        notice_period_days=60,
        title="Reseller agreement",
    )
    call_command("run_reminders", stdout=open("/dev/null", "w"))
    [(_, mail)] = _parsed(smtp)
    assert mail["Subject"].startswith("[PartnerHub] Notice deadline for Reseller agreement")
    assert mail["X-PartnerHub-Kind"] == "contract_notice_deadline"
    assert _text(mail).startswith("Hello,")


def test_kinds_chosen_as_immediate_come_one_by_one(smtp, import_of_many):
    marta, _, _ = import_of_many
    NotificationSettings.objects.create(user=marta, immediate_kinds=["contract_notice_deadline"])
    call_command("run_reminders", stdout=open("/dev/null", "w"))
    martas = [m for rcpt, m in _parsed(smtp) if rcpt == [marta.email]]
    assert sorted(m["X-PartnerHub-Kind"] for m in martas) == ["certification_expiring", "contract_notice_deadline"]
    digest = next(m for m in martas if m["X-PartnerHub-Kind"] == "certification_expiring")
    assert digest["Subject"].startswith("[PartnerHub] 12 reminders")
