"""Onboarding (issue 17, item 1): tracks per partner type, versioned; the checklist; steps that tick
themselves; progress on the partner page and list; moving to active when the required steps are done."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from partnerhub.models import Notification
from partners import services
from partners.models import Onboarding, OnboardingStep, OnboardingStepTemplate, OnboardingTrack, Partner, PartnerTeamMember
from partners.onboarding import onboarding_proofs_tick

from ..activities.factories import DealRegistrationFactory
from ..certifications.factories import CertificationFactory, HoldingFactory
from ..factories import ContractFactory, PartnerFactory, RiskAssessmentFactory, UserFactory, partner_type
from .onboarding_factories import make_track

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def vendor(**kwargs) -> Partner:
    kwargs.setdefault("stage", Partner.Stage.PROSPECT)
    return PartnerFactory(types=[partner_type("software-vendor")], **kwargs)


def start(partner, by=None, days_ago=0):
    return services.onboarding_start(partner=partner, started_on=TODAY() - timedelta(days=days_ago), by=by)


def steps_of(partner) -> dict[str, OnboardingStep]:
    return {s.title: s for s in OnboardingStep.objects.filter(onboarding__partner=partner)}


class TestStart:
    def test_checklist_from_the_track_with_owners_and_due_dates(self, manager, sales):
        make_track()
        partner = vendor(manager=manager)
        PartnerTeamMember.objects.create(partner=partner, user=sales, role="sales")
        onboarding = start(partner, by=manager)
        partner.refresh_from_db()
        assert partner.stage == Partner.Stage.ONBOARDING
        assert onboarding.started_on == TODAY() and onboarding.ended_on is None and onboarding.started_by == manager
        steps = steps_of(partner)
        assert steps["Portal accounts"].owner == sales  # the team member with the step's role
        assert steps["NDA"].owner == manager  # the partner manager
        assert steps["Joint fact sheet"].owner == manager  # no marketing member: the partner manager
        assert steps["NDA"].due_on == TODAY() + timedelta(days=7)
        assert not steps["Joint fact sheet"].required

    def test_moving_the_stage_to_onboarding_starts_it_and_leaving_ends_it(self, manager_client, manager):
        make_track()
        partner = vendor(manager=manager)
        data = {
            "name": partner.name,
            "types": [partner_type("software-vendor").pk],
            "stage": "onboarding",
            "manager": manager.pk,
            "program_level": "",
            "website": "",
            "sync_cadence": "monthly",
            "markets": "",
            "strategy": "",
            "why_together": "",
            "vshn_products": "",
            "pricing_details": "",
            "reporting_details": "",
        }
        assert manager_client.post(reverse("partners:edit", args=[partner.slug]), data).status_code == 302
        onboarding = Onboarding.objects.get(partner=partner)
        assert onboarding.steps.count() == 5 and onboarding.started_by == manager
        data["stage"] = "inactive"
        manager_client.post(reverse("partners:edit", args=[partner.slug]), data)
        onboarding.refresh_from_db()
        assert onboarding.ended_on == TODAY()

    def test_no_track_and_running_onboarding_are_refused(self, manager):
        partner = vendor(manager=manager)
        with pytest.raises(ValidationError, match="no onboarding track for Software Vendor"):
            start(partner)
        make_track()
        start(partner)
        with pytest.raises(ValidationError, match="already being onboarded"):
            start(partner)
        assert Onboarding.objects.count() == 1

    def test_start_page(self, manager_client, sales_client, client, manager):
        make_track()
        partner = vendor(manager=manager)
        url = reverse("partners:onboarding-start", args=[partner.slug])
        assert client.get(url).status_code == 302  # anonymous: to the sign-in page
        assert sales_client.get(url).status_code == 403
        assert sales_client.post(url, {}).status_code == 403
        assert manager_client.get(url).status_code == 200
        track = OnboardingTrack.objects.get()
        response = manager_client.post(url, {"track": track.pk, "started_on": "1900-01-01"})
        assert response.status_code == 200 and response.context["form"].errors and not Onboarding.objects.exists()
        response = manager_client.post(url, {"track": track.pk, "started_on": TODAY().isoformat()})
        assert response.status_code == 302 and Onboarding.objects.get().steps.count() == 5


class TestProofs:
    def test_records_tick_their_steps(self, manager, django_capture_on_commit_callbacks):
        make_track(
            steps=[
                ("NDA", "partner_manager", 7, True, "contract_nda"),
                ("Risk", "partner_manager", 7, True, "risk_assessment"),
                ("Certified", "partner_manager", 7, True, "certification_holding"),
                ("Registration", "partner_manager", 7, True, "deal_registration"),
            ]
        )
        partner = vendor(manager=manager)
        start(partner)
        with django_capture_on_commit_callbacks(execute=True):
            ContractFactory(partner=partner, kind="partner_agreement")  # not an NDA: nothing ticks
        assert not any(s.done_at for s in steps_of(partner).values())
        with django_capture_on_commit_callbacks(execute=True):
            ContractFactory(partner=partner, kind="nda", title="Mutual NDA")
            RiskAssessmentFactory(partner=partner)
            HoldingFactory(certification=CertificationFactory(partner=partner, name="Vendor Certified Admin"))
            DealRegistrationFactory(partner=partner, status="draft")  # a draft is not a registration yet
        steps = steps_of(partner)
        assert steps["NDA"].done_at and steps["NDA"].done_by is None and steps["NDA"].proof_label == "NDA: Mutual NDA"
        assert steps["Risk"].done_at and steps["Certified"].done_at and "Vendor Certified Admin" in steps["Certified"].proof_label
        assert steps["Registration"].done_at is None
        DealRegistrationFactory(partner=partner, status="submitted")
        assert onboarding_proofs_tick() == 1  # the sweep catches what no signal saw
        assert steps_of(partner)["Registration"].proof_url.startswith("/activities/registrations/")

    def test_a_record_that_exists_already_ticks_at_the_start(self, manager):
        make_track()
        partner = vendor(manager=manager)
        ContractFactory(partner=partner, kind="nda")
        start(partner)
        assert steps_of(partner)["NDA"].done_at is not None
        assert steps_of(partner)["Sign partner agreement"].done_at is None


class TestSteps:
    def test_owner_completes_others_may_not_and_the_second_tick_is_told(self, client_for, sales, marketing, manager):
        make_track()
        partner = vendor(manager=manager)
        PartnerTeamMember.objects.create(partner=partner, user=sales, role="sales")
        start(partner)
        step = steps_of(partner)["Portal accounts"]
        url = reverse("partners:onboarding-step-done", args=[partner.slug, step.pk])
        assert client_for(marketing).post(url).status_code == 403
        assert client_for(sales).get(url).status_code == 405
        assert client_for(sales).post(url).status_code == 302
        step.refresh_from_db()
        assert step.done_by == sales and step.done_at
        response = client_for(manager).post(url, follow=True)
        assert "already ticked by" in response.content.decode()
        step.refresh_from_db()
        assert step.done_by == sales

    def test_assign_refuses_due_before_start_and_inactive_people(self, manager_client, manager, sales):
        make_track()
        partner = vendor(manager=manager)
        start(partner)
        step = steps_of(partner)["NDA"]
        url = reverse("partners:onboarding-step-edit", args=[partner.slug, step.pk])
        response = manager_client.post(url, {"owner": sales.pk, "due_on": (TODAY() - timedelta(days=1)).isoformat()})
        assert "cannot be due before the onboarding starts" in response.content.decode()
        gone = UserFactory(is_active=False)
        response = manager_client.post(url, {"owner": gone.pk, "due_on": TODAY().isoformat()})
        assert response.context["form"].errors["owner"]
        with pytest.raises(ValidationError, match="inactive"):
            services.onboarding_step_update(step_id=step.pk, owner=gone, due_on=TODAY(), by=manager)
        step.refresh_from_db()
        assert step.owner == manager and step.due_on == TODAY() + timedelta(days=7)
        response = manager_client.post(url, {"owner": sales.pk, "due_on": (TODAY() + timedelta(days=3)).isoformat()})
        assert response.status_code == 302
        step.refresh_from_db()
        assert step.owner == sales
        assert Notification.objects.filter(recipient=sales, kind="onboarding_step_assigned").count() == 1

    def test_done_asks_once_to_move_to_active_then_finish_records_the_end(self, manager_client, manager):
        make_track()
        partner = vendor(manager=manager)
        start(partner, days_ago=20)
        finish = reverse("partners:onboarding-finish", args=[partner.slug])
        response = manager_client.post(finish, follow=True)
        assert "required step(s) are still open" in response.content.decode()
        for step in steps_of(partner).values():
            if step.required:
                services.onboarding_step_complete(step_id=step.pk, by=manager)
        assert Notification.objects.filter(recipient=manager, kind="onboarding_complete").count() == 1
        onboarding_proofs_tick()
        assert Notification.objects.filter(recipient=manager, kind="onboarding_complete").count() == 1
        section = manager_client.get(reverse("partners:section", args=[partner.slug, "onboarding"]), HTTP_HX_REQUEST="true")
        assert 'data-testid="onboarding-finish"' in section.content.decode()
        assert manager_client.post(finish).status_code == 302
        partner.refresh_from_db()
        onboarding = Onboarding.objects.get(partner=partner)
        assert partner.stage == Partner.Stage.ACTIVE and onboarding.ended_on == TODAY()
        assert onboarding.started_on == TODAY() - timedelta(days=20)


class TestTracks:
    def test_editing_a_track_in_use_makes_a_new_version(self, manager_client, manager):
        track = make_track()
        partner = vendor(manager=manager)
        step = track.steps.get(title="NDA")
        edit = reverse("partners:onboarding-step-template-edit", args=[track.pk, step.pk])
        data = {
            "title": "NDA and DPA",
            "description": "",
            "owner_role": "partner_manager",
            "due_offset_days": 5,
            "required": "on",
            "proof": "contract_nda",
            "position": 20,
        }
        assert manager_client.post(edit, data).status_code == 302  # unused: changed in place
        track.refresh_from_db()
        assert track.version == 1 and track.steps.filter(title="NDA and DPA").exists()
        start(partner)
        data["title"] = "NDA, DPA and MSA"
        response = manager_client.post(edit, data, follow=True)
        assert "made version 2" in response.content.decode()
        new = OnboardingTrack.objects.get(is_current=True)
        assert new.version == 2 and new.steps.filter(title="NDA, DPA and MSA").exists() and new.steps.count() == 5
        assert set(steps_of(partner)) >= {"NDA and DPA"}  # the running onboarding keeps its steps
        assert OnboardingStepTemplate.objects.filter(track=track, title="NDA and DPA").exists()
        # A form still open on version 1 changes nothing and says why.
        response = manager_client.post(edit, data, follow=True)
        assert "no longer current" in response.content.decode()
        assert OnboardingTrack.objects.count() == 2

    def test_create_track_add_and_remove_steps(self, manager_client, sales_client, outsider_client):
        create = reverse("partners:onboarding-track-create")
        assert sales_client.post(create, {"partner_type": partner_type("csp").pk}).status_code == 403
        assert manager_client.post(create, {"partner_type": partner_type("csp").pk}).status_code == 302
        track = OnboardingTrack.objects.get()
        response = manager_client.post(create, {"partner_type": partner_type("csp").pk})
        assert "already has an onboarding track" in response.content.decode()
        add = reverse("partners:onboarding-step-template-create", args=[track.pk])
        bad = manager_client.post(add, {"title": "", "owner_role": "sales", "due_offset_days": 400, "proof": ""})
        assert bad.context["form"].errors and not track.steps.exists()
        manager_client.post(
            add,
            {
                "title": "Infrastructure contract",
                "owner_role": "partner_manager",
                "due_offset_days": 14,
                "required": "on",
                "proof": "contract_msa",
            },
        )
        step = track.steps.get()
        assert step.position == 10
        assert outsider_client.get(reverse("partners:onboarding-track", args=[track.pk])).status_code == 200
        delete = reverse("partners:onboarding-step-template-delete", args=[track.pk, step.pk])
        assert sales_client.post(delete).status_code == 403
        assert manager_client.post(delete).status_code == 302 and not track.steps.exists()

    @pytest.mark.parametrize("rows", [1, 30])
    def test_track_pages_query_count_is_flat(self, rows, outsider_client, django_assert_num_queries):
        for code in ["csp", "software-vendor"]:
            track = make_track(code, steps=[(f"Step {n}", "sales", n, True, "") for n in range(rows)])
        with django_assert_num_queries(3):  # session, user, tracks with counts
            assert outsider_client.get(reverse("partners:onboarding-tracks")).status_code == 200
        with django_assert_num_queries(5):  # session, user, track, steps, versions
            assert outsider_client.get(reverse("partners:onboarding-track", args=[track.pk])).status_code == 200


class TestProgress:
    def test_partner_list_shows_progress_and_filters_overdue(self, manager_client, manager):
        make_track()
        late, fresh = vendor(name="Late Vendor", manager=manager), vendor(name="Fresh Vendor", manager=manager)
        PartnerFactory(name="Not Onboarding")
        start(late, days_ago=30)
        start(fresh)
        response = manager_client.get(reverse("partners:list"), {"onboarding": "overdue"})
        names = [p.name for p in response.context["page_obj"]]
        assert names == ["Late Vendor"]
        assert "0/5 steps" in response.content.decode() and "overdue" in response.content.decode()
        response = manager_client.get(reverse("partners:list"), {"onboarding": "running"})
        assert sorted(p.name for p in response.context["page_obj"]) == ["Fresh Vendor", "Late Vendor"]

    @pytest.mark.parametrize("rows", [1, 30])
    def test_partner_list_query_count_stays_flat(self, rows, manager_client, django_assert_num_queries):
        make_track()
        for _ in range(rows):
            start(vendor())
        # session, user, count, page, types, running onboardings with counts, type options, manager options
        with django_assert_num_queries(8):
            response = manager_client.get(reverse("partners:list"), {"onboarding": "running"})
        assert len(response.context["page_obj"]) == min(rows, 25)

    @pytest.mark.parametrize("rows", [1, 30])
    def test_section_query_count_is_flat(self, rows, manager_client, django_assert_num_queries):
        make_track(steps=[(f"Step {n}", "sales", n, True, "") for n in range(rows)])
        partner = vendor()
        start(partner)
        # session, user, partner; onboarding (track joined), steps (owners joined)
        with django_assert_num_queries(5):
            response = manager_client.get(reverse("partners:section", args=[partner.slug, "onboarding"]), HTTP_HX_REQUEST="true")
        assert response.content.decode().count('data-testid="onboarding-step"') == rows


class TestRemindersAndInbox:
    def test_overdue_steps_are_reminded_once_to_owner_and_partner_manager(self, manager, sales, mailoutbox):
        from io import StringIO

        from django.core.management import call_command

        make_track()
        partner = vendor(manager=manager)
        PartnerTeamMember.objects.create(partner=partner, user=sales, role="sales")
        start(partner, days_ago=12)  # NDA (7 days) and portal accounts (10 days) overdue; the others not yet

        def run() -> dict[str, str]:
            out = StringIO()
            call_command("run_reminders", stdout=out)
            return dict(line.split(": ", 1) for line in out.getvalue().strip().splitlines())

        assert run()["onboarding_step_overdue"] == "2 sent"
        assert run()["onboarding_step_overdue"] == "0 sent"
        titles = set(Notification.objects.filter(kind="onboarding_step_overdue").values_list("recipient__username", "title"))
        assert (
            sales.username,
            f"{partner.name} onboarding: “Portal accounts” was due on {(TODAY() - timedelta(days=2)):%d.%m.%Y}",
        ) in titles
        assert {who for who, _ in titles} == {sales.username, manager.username}

    def test_journey_sales_completes_from_the_inbox_and_the_manager_moves_to_active(
        self, client_for, manager, sales, django_capture_on_commit_callbacks
    ):
        """Issue 17's journey through the HTTP layer: start, assign a step to sales, sales ticks it in the
        inbox, the last step done asks the partner manager, who moves the partner to active."""
        make_track(
            steps=[("NDA", "partner_manager", 7, True, "contract_nda"), ("Portal accounts", "partner_manager", 10, True, "")]
        )
        partner = vendor(manager=manager)
        boss, seller = client_for(manager), client_for(sales)
        boss.post(
            reverse("partners:onboarding-start", args=[partner.slug]),
            {"track": OnboardingTrack.objects.get().pk, "started_on": TODAY().isoformat()},
        )
        portal = steps_of(partner)["Portal accounts"]
        boss.post(
            reverse("partners:onboarding-step-edit", args=[partner.slug, portal.pk]),
            {"owner": sales.pk, "due_on": (TODAY() + timedelta(days=2)).isoformat()},
        )
        inbox = seller.get(reverse("reporting:inbox"), HTTP_HX_REQUEST="true").context["inbox"]
        item = next(i for group in (inbox.overdue, inbox.this_week) for i in group if i.category == "Onboarding")
        assert item.title == f"{partner.name}: Portal accounts"
        mark_done = item.actions[0]
        assert mark_done.label == "Mark done"
        assert seller.post(mark_done.url, dict(mark_done.fields))["Location"] == "/"
        assert steps_of(partner)["Portal accounts"].done_by == sales
        assert not Notification.objects.filter(kind="onboarding_complete").exists()  # the NDA is still open
        with django_capture_on_commit_callbacks(execute=True):
            ContractFactory(partner=partner, kind="nda")  # ticks the NDA step after the commit
        assert Notification.objects.filter(recipient=manager, kind="onboarding_complete").count() == 1
        assert boss.post(reverse("partners:onboarding-finish", args=[partner.slug])).status_code == 302
        partner.refresh_from_db()
        assert partner.stage == Partner.Stage.ACTIVE and Onboarding.objects.get().ended_on == TODAY()

    def test_overdue_onboarding_is_a_health_finding(self, manager):
        from partners.health import partner_health_refresh

        make_track()
        partner = vendor(manager=manager)
        start(partner, days_ago=12)
        partner_health_refresh(partner_ids=[partner.pk])
        partner.refresh_from_db()
        assert "2 onboarding steps overdue" in partner.health_reasons


class TestReadyToMoveToActive:
    def test_the_partner_manager_is_asked_in_the_inbox_and_moves_it_from_there(self, client_for, manager, sales):
        make_track(steps=[("Portal accounts", "sales", 10, True, ""), ("Joint fact sheet", "marketing", 45, False, "")])
        partner = vendor(manager=manager)
        PartnerTeamMember.objects.create(partner=partner, user=sales, role="sales")
        start(partner)
        boss = client_for(manager)

        def ready_items(client):
            inbox = client.get(reverse("reporting:inbox"), HTTP_HX_REQUEST="true").context["inbox"]
            ranked = (*inbox.overdue, *inbox.this_week, *inbox.next_30_days)  # not `items`: every item again, unranked
            return [i for i in ranked if "move to active" in i.title]

        assert ready_items(boss) == []  # the required step is still open
        services.onboarding_step_complete(step_id=steps_of(partner)["Portal accounts"].pk, by=sales)
        [item] = ready_items(boss)
        assert item.title == f"{partner.name}: every required onboarding step is done — move to active?"
        assert ready_items(client_for(sales)) == []  # only the partner manager is asked
        move = item.actions[0]
        assert move.label == "Move to active" and move.post
        response = boss.post(move.url, dict(move.fields), follow=True)
        assert response.redirect_chain[-1][0] == "/"
        assert f"{partner.name} is active; onboarding ended today." in response.content.decode()
        partner.refresh_from_db()
        assert partner.stage == Partner.Stage.ACTIVE and Onboarding.objects.get().ended_on == TODAY()
        assert ready_items(boss) == []

    def test_a_reopened_step_takes_the_question_back(self, client_for, manager):
        make_track(steps=[("Portal accounts", "partner_manager", 10, True, "")])
        partner = vendor(manager=manager)
        start(partner)
        step = steps_of(partner)["Portal accounts"]
        services.onboarding_step_complete(step_id=step.pk, by=manager)
        services.onboarding_step_reopen(step_id=step.pk, by=manager)
        inbox = client_for(manager).get(reverse("reporting:inbox"), HTTP_HX_REQUEST="true").context["inbox"]
        titles = [i.title for group in vars(inbox).values() if isinstance(group, list) for i in group]
        assert not any("move to active" in t for t in titles)
        assert f"{partner.name}: Portal accounts" in titles

    def test_finish_follows_only_a_local_next(self, manager_client, manager):
        make_track(steps=[("Portal accounts", "partner_manager", 10, True, "")])
        partner = vendor(manager=manager)
        start(partner)
        services.onboarding_step_complete(step_id=steps_of(partner)["Portal accounts"].pk, by=manager)
        response = manager_client.post(
            reverse("partners:onboarding-finish", args=[partner.slug]), {"next": "https://evil.example/"}
        )
        assert response["Location"] == partner.get_absolute_url() + "#onboarding"
        partner.refresh_from_db()
        assert partner.stage == Partner.Stage.ACTIVE
