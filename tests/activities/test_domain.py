"""Models and services: normalisation, constraints, the registration workflow, sweeps, notifications."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from activities import selectors, services
from activities.models import Activity, Campaign, DealRegistration, normalise_customer, quarter_of
from partnerhub import outbox
from partnerhub.models import Notification
from partners.models import Partner, PartnerTeamMember

from ..factories import PartnerFactory, UserFactory
from .factories import ActivityFactory, CampaignFactory, DealRegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    [
        "Acme AG",
        "ACME, Ltd.",
        "acme",
        "  Acme   GmbH ",
        "Acme S.A.",
        "Acme Sàrl",
        "ACME Inc.",
        "Acme LLC",
        "Acme SE",
        "Acme Corp.",
    ],
)
def test_customer_names_normalise_to_the_same_key(name):
    assert normalise_customer(name) == "acme"


@pytest.mark.parametrize(
    "name",
    [
        "Zuercher Kantonalbank AG",
        "Zürcher Kantonalbank",
        "Zurcher Kantonalbank SA",
        "ZÜRCHER KANTONALBANK GmbH",
        "Zu\u0308rcher Kantonalbank Ltd.",
        "Zürcher Kantonalbank S.à r.l.",
        "Zürcher Kantonalbank Inc.",
    ],
)
def test_umlaut_spellings_and_legal_forms_are_one_customer(name):
    """Issue 16, item 8: "Zuercher Kantonalbank AG" is the open "Zürcher Kantonalbank" registration's customer."""
    assert normalise_customer(name) == normalise_customer("Zürcher Kantonalbank") == "zurcher kantonalbank"


def test_accents_and_special_letters_fold():
    assert normalise_customer("Léman Cloud Partners Sàrl") == normalise_customer("Leman Cloud Partners SA")
    assert normalise_customer("Straße Informatik GmbH") == normalise_customer("Strasse Informatik")
    assert normalise_customer("Zürcher Kantonalbank") != normalise_customer("Zürcher Kantonalbank Cloud")


def test_the_migration_recomputes_stored_keys():
    """Registrations saved with the old key ("zuercher kantonalbank") match new ones after the migration."""
    import importlib

    from django.apps import apps

    registration = DealRegistrationFactory(customer="Zuercher Kantonalbank AG")
    DealRegistration.objects.filter(pk=registration.pk).update(customer_normalized="zuercher kantonalbank")
    importlib.import_module("activities.migrations.0010_renormalise_registration_customers").renormalise(apps, None)
    registration.refresh_from_db()
    assert registration.customer_normalized == "zurcher kantonalbank"


def test_normalisation_keeps_real_words():
    assert normalise_customer("Acme Holding GmbH & Co. KG") == "acme holding"
    assert normalise_customer("Müller Informatik AG") == "muller informatik"
    assert normalise_customer("AG") == "ag"  # a name that is only a suffix stays a name
    assert normalise_customer("Acme Cloud") != normalise_customer("Acme")


def test_quarter_of():
    from datetime import date

    assert quarter_of(date(2026, 11, 3)) == "2026-Q4"
    assert quarter_of(date(2026, 1, 1)) == "2026-Q1"
    assert quarter_of(date(2026, 6, 30)) == "2026-Q2"


class TestConstraints:
    def test_follow_up_before_activity_is_refused_by_the_database(self):
        activity = ActivityFactory()
        activity.follow_up_on = activity.occurred_on - timedelta(days=1)
        with pytest.raises(ValidationError, match="follow-up date cannot be before"):
            activity.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            Activity.objects.filter(pk=activity.pk).update(follow_up_on=activity.occurred_on - timedelta(days=1))

    def test_negative_value_and_unknown_currency(self):
        registration = DealRegistrationFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            DealRegistration.objects.filter(pk=registration.pk).update(value=Decimal("-1"))
        with pytest.raises(IntegrityError), transaction.atomic():
            DealRegistration.objects.filter(pk=registration.pk).update(currency="XXX")

    def test_registration_id_unique_per_partner_but_blank_may_repeat(self):
        partner = PartnerFactory()
        DealRegistrationFactory(partner=partner, registration_id="R-1")
        DealRegistrationFactory(partner=partner, registration_id="")
        DealRegistrationFactory(partner=partner, registration_id="")
        DealRegistrationFactory(registration_id="R-1")  # another partner may use the same ID
        with pytest.raises(IntegrityError), transaction.atomic():
            DealRegistrationFactory(partner=partner, registration_id="R-1")

    def test_campaign_done_needs_brand_check_and_pr_approval(self):
        campaign = CampaignFactory()
        campaign.status = Campaign.Status.DONE
        with pytest.raises(ValidationError, match="brand guidelines"):
            services.campaign_save(campaign=campaign)
        with pytest.raises(IntegrityError), transaction.atomic():
            Campaign.objects.filter(pk=campaign.pk).update(status="published")
        services.campaign_brand_check(campaign=campaign, by=UserFactory())
        campaign.refresh_from_db()
        campaign.status, campaign.pr_guidelines_approved = Campaign.Status.DONE, True
        services.campaign_save(campaign=campaign)
        assert Campaign.objects.get(pk=campaign.pk).status == "done"

    def test_campaign_quarter_is_derived(self):
        from datetime import date

        campaign = CampaignFactory(starts_on=date(2026, 11, 5))
        assert campaign.quarter == "2026-Q4"


class TestRegistrationWorkflow:
    def test_the_whole_legal_path(self, sales):
        registration = DealRegistrationFactory()
        services.deal_registration_transition(registration=registration, to="submitted", by=sales)
        registration.refresh_from_db()
        assert registration.status == "submitted" and registration.submitted_at is not None
        submitted_at = registration.submitted_at
        expires = timezone.localdate() + timedelta(days=90)
        services.deal_registration_transition(registration=registration, to="approved", by=sales, expires_on=expires)
        services.deal_registration_transition(registration=registration, to="won", by=sales)
        registration.refresh_from_db()
        assert registration.status == "won" and registration.expires_on == expires
        assert registration.submitted_at == submitted_at  # the registration timestamp never moves again

    @pytest.mark.parametrize(
        "start,to",
        [
            ("rejected", "won"),
            ("draft", "approved"),
            ("draft", "won"),
            ("submitted", "won"),
            ("won", "lost"),
            ("expired", "approved"),
            ("lost", "submitted"),
            ("approved", "submitted"),
        ],
    )
    def test_illegal_moves_are_refused(self, sales, start, to):
        registration = DealRegistrationFactory(status=start, expires_on=timezone.localdate() + timedelta(days=5))
        with pytest.raises(ValidationError, match="cannot be marked"):
            services.deal_registration_transition(registration=registration, to=to, by=sales)
        registration.refresh_from_db()
        assert registration.status == start

    def test_approving_needs_an_expiry_date(self, sales):
        registration = DealRegistrationFactory(status="submitted")
        with pytest.raises(ValidationError, match="expiry date"):
            services.deal_registration_transition(registration=registration, to="approved", by=sales)
        assert DealRegistration.objects.get(pk=registration.pk).status == "submitted"

    @pytest.mark.parametrize("persona", ["marketing", "accounting", "outsider"])
    def test_roles_without_deals_may_not_move(self, persona, request):
        registration = DealRegistrationFactory()
        with pytest.raises(PermissionDenied):
            services.deal_registration_transition(registration=registration, to="submitted", by=request.getfixturevalue(persona))
        assert DealRegistration.objects.get(pk=registration.pk).status == "draft"

    def test_editing_never_changes_status_or_timestamp(self, sales):
        registration = DealRegistrationFactory()
        services.deal_registration_transition(registration=registration, to="submitted", by=sales)
        stale = DealRegistration.objects.get(pk=registration.pk)
        stale.status, stale.submitted_at, stale.customer = "won", None, "Renamed AG"
        services.deal_registration_save(registration=stale)
        fresh = DealRegistration.objects.get(pk=registration.pk)
        assert fresh.status == "submitted" and fresh.submitted_at is not None and fresh.customer == "Renamed AG"
        assert fresh.customer_normalized == "renamed"

    def test_duplicates_are_open_registrations_of_the_same_partner_and_customer(self):
        partner = PartnerFactory()
        open_one = DealRegistrationFactory(partner=partner, customer="Acme AG", status="approved")
        DealRegistrationFactory(partner=partner, customer="ACME, Ltd.", status="lost")  # closed: not a duplicate
        DealRegistrationFactory(customer="acme")  # other partner
        candidate = DealRegistration(partner=partner, customer="acme")
        assert services.deal_registration_duplicates(registration=candidate) == [open_one]
        # An existing registration is not its own duplicate.
        assert services.deal_registration_duplicates(registration=open_one) == []


class TestExpirySweep:
    def test_marks_only_approved_past_expiry_and_is_idempotent(self):
        today = timezone.localdate()
        past = DealRegistrationFactory(status="approved", expires_on=today - timedelta(days=1))
        due_today = DealRegistrationFactory(status="approved", expires_on=today)
        submitted = DealRegistrationFactory(status="submitted", expires_on=today - timedelta(days=5))
        assert services.deal_registrations_expire(today=today) == 1
        assert services.deal_registrations_expire(today=today) == 0
        assert DealRegistration.objects.get(pk=past.pk).status == "expired"
        assert DealRegistration.objects.get(pk=due_today.pk).status == "approved"
        assert DealRegistration.objects.get(pk=submitted.pk).status == "submitted"

    def test_is_one_query(self, django_assert_num_queries):
        today = timezone.localdate()
        DealRegistrationFactory.create_batch(5, status="approved", expires_on=today - timedelta(days=3))
        with django_assert_num_queries(1):
            assert services.deal_registrations_expire(today=today) == 5


class TestActivityLog:
    def test_inform_team_notifies_manager_and_team_but_not_the_author(self, manager, sales, marketing, mailoutbox):
        partner = PartnerFactory(manager=manager)
        PartnerTeamMember.objects.create(partner=partner, user=sales, role="sales")
        PartnerTeamMember.objects.create(partner=partner, user=marketing, role="marketing")
        activity = Activity(
            partner=partner, kind="meeting", occurred_on=timezone.localdate(), subject="Big news", inform_team=True
        )
        services.activity_log(activity=activity, author=sales)
        assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"manager", "marketing"}
        assert mailoutbox == [], "mail is sent by the worker after the commit, not inside the write"
        assert outbox.deliver_due() == 2
        assert sorted(m.to[0] for m in mailoutbox) == [manager.email, marketing.email]
        assert "Big news" in mailoutbox[0].subject

    def test_without_the_flag_nobody_is_notified(self, manager, sales):
        partner = PartnerFactory(manager=manager)
        services.activity_log(
            activity=Activity(partner=partner, kind="call", occurred_on=timezone.localdate(), subject="x"), author=sales
        )
        assert not Notification.objects.exists()

    def test_logging_a_sync_meeting_refreshes_health_after_the_commit(self, manager, django_capture_on_commit_callbacks):
        today = timezone.localdate()
        partner = PartnerFactory(manager=manager, sync_cadence="weekly")
        Partner.objects.filter(pk=partner.pk).update(created_at=timezone.now() - timedelta(days=200))
        ActivityFactory(partner=partner, kind="sync_meeting", occurred_on=today - timedelta(days=60))
        from partners.health import partner_health_refresh

        partner_health_refresh(partner_ids=[partner.pk])
        partner.refresh_from_db()
        assert partner.health == "at_risk"
        with django_capture_on_commit_callbacks(execute=True):
            services.activity_log(
                activity=Activity(partner=partner, kind="sync_meeting", occurred_on=today, subject="Sync"), author=manager
            )
        partner.refresh_from_db()
        assert partner.health == "good", partner.health_reasons

    def test_contacts_of_another_partner_are_ignored(self, sales):
        from ..factories import ContactFactory

        partner = PartnerFactory()
        mine, foreign = ContactFactory(partner=partner), ContactFactory()
        activity = services.activity_log(
            activity=Activity(partner=partner, kind="call", occurred_on=timezone.localdate(), subject="x"),
            author=sales,
            contacts=[mine, foreign],
        )
        assert list(activity.contacts.all()) == [mine]


class TestSyncStatus:
    def test_next_due_is_last_sync_plus_cadence(self):
        today = timezone.localdate()
        monthly = PartnerFactory(sync_cadence="monthly")
        ActivityFactory(partner=monthly, kind="sync_meeting", occurred_on=today - timedelta(days=40))
        ActivityFactory(partner=monthly, kind="sync_meeting", occurred_on=today - timedelta(days=35))
        ActivityFactory(partner=monthly, kind="call", occurred_on=today)  # not a sync meeting
        never = PartnerFactory(sync_cadence="weekly")
        none = PartnerFactory(sync_cadence="none")
        statuses = selectors.sync_status_for_partners([monthly.pk, never.pk, none.pk], today)
        assert statuses[monthly.pk].last_sync == today - timedelta(days=35)
        assert statuses[monthly.pk].next_due == today - timedelta(days=5)
        assert statuses[monthly.pk].overdue and statuses[monthly.pk].overdue_days == 5
        # Never had one: due one cadence after the partner was created.
        assert statuses[never.pk].last_sync is None
        assert statuses[never.pk].next_due == timezone.localdate(never.created_at) + timedelta(days=7)
        assert statuses[none.pk].next_due is None and not statuses[none.pk].overdue

    @pytest.mark.parametrize("count", [1, 50])
    def test_bulk_is_two_queries(self, count, django_assert_num_queries):
        partners = PartnerFactory.create_batch(count)
        for partner in partners:
            ActivityFactory(partner=partner, kind="sync_meeting")
        with django_assert_num_queries(2):
            statuses = selectors.sync_status_for_partners([p.pk for p in partners], timezone.localdate())
        assert len(statuses) == count
