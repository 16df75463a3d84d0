"""Stored compliance (ProgramLevel / LevelRequirement compliance_* fields): it matches the live
computation, is refreshed after holding writes and by an idempotent sweep, and the pages that read
it cost a fixed number of queries however many vendors and holdings there are."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from certifications import services
from certifications.attention import certification_compliance, certification_levels_at_risk
from certifications.compliance import AT_RISK, MET, NOT_MET, compliance_for, partner_compliance
from certifications.models import Holding, LevelRequirement, ProgramLevel
from certifications.views import OVERVIEW_PAGE_SIZE
from partnerhub import reminders

from ..factories import PartnerFactory, UserFactory
from ..helpers import partner_page
from .factories import CertificationFactory, HoldingFactory, LevelRequirementFactory, ProgramLevelFactory, program
from .test_import import HEADER, confirm
from .test_pages import csv_rows, holding_post

pytestmark = pytest.mark.django_db


def stored_level(level) -> tuple:
    level.refresh_from_db()
    return level.compliance_status, level.compliance_at_risk_date, level.compliance_checked_on


def summary(compliance) -> dict:
    """Everything a page shows of the partners' compliance, comparable between stored and live."""
    return {
        pid: [
            (
                lc.level.pk,
                lc.status,
                lc.at_risk_date,
                [
                    (
                        rc.requirement.pk,
                        rc.status,
                        rc.holders_today,
                        rc.holders_on_date,
                        rc.at_risk_date,
                        rc.description,
                        [h.pk for h in rc.holdings],
                    )
                    for rc in lc.requirements
                ],
            )
            for lc in pc.levels
        ]
        for pid, pc in compliance.items()
    }


@pytest.fixture
def varied_programs():
    """Met, at risk, not met, a renewal (continuing: met), two certifications by one person, an inactive holder, a
    level without requirements and a requirement accepting another vendor's certification."""
    today = timezone.localdate()
    _, _, fine = program(min_holders=1)
    HoldingFactory(certification=fine, expires_on=None)
    _, _, risky = program(min_holders=2)
    HoldingFactory(certification=risky, expires_on=today + timedelta(days=500))
    HoldingFactory(certification=risky, expires_on=today + timedelta(days=40))
    HoldingFactory(certification=risky, holder=UserFactory(is_active=False))
    _, _, short = program(min_holders=2)
    HoldingFactory(certification=short)
    renewing = UserFactory()
    HoldingFactory(
        certification=short, holder=renewing, obtained_on=today - timedelta(days=900), expires_on=today + timedelta(days=10)
    )
    HoldingFactory(
        certification=short, holder=renewing, obtained_on=today + timedelta(days=11), expires_on=today + timedelta(days=900)
    )
    partner = PartnerFactory()
    a, b = CertificationFactory(partner=partner), CertificationFactory(partner=partner)
    program(partner, min_holders=2, certifications=[a, b, fine])  # also counts the first vendor's certification
    both = UserFactory()
    HoldingFactory(certification=a, holder=both)
    HoldingFactory(certification=b, holder=both, expires_on=today + timedelta(days=60))
    ProgramLevelFactory(partner=partner, name="Empty", rank=2)
    program(partner, min_holders=3, certifications=[a], level_name="Elite", held=False)  # not met
    return [fine.partner_id, risky.partner_id, short.partner_id, partner.pk]


class TestStoredMatchesLive:
    def test_every_status_count_date_and_holder(self, varied_programs):
        today = timezone.localdate()
        live = partner_compliance(varied_programs, today=today)
        assert {lc.status for pc in live.values() for lc in pc.levels} == {MET, AT_RISK, NOT_MET}
        services.compliance_refresh(today=today)
        assert not ProgramLevel.objects.exclude(compliance_checked_on=today).exists()
        stored = compliance_for(varied_programs, today=today, requirements=True, holders=True)
        assert summary(stored) == summary(live)

    def test_the_stored_answer_costs_one_query_for_the_levels(self, varied_programs, django_assert_num_queries):
        today = timezone.localdate()
        services.compliance_refresh(today=today)
        with django_assert_num_queries(1):
            stored = compliance_for(varied_programs, today=today)
        live = partner_compliance(varied_programs, today=today)
        assert {pid: [(lc.level.pk, lc.status, lc.at_risk_date) for lc in pc.levels] for pid, pc in stored.items()} == {
            pid: [(lc.level.pk, lc.status, lc.at_risk_date) for lc in pc.levels] for pid, pc in live.items()
        }

    def test_a_custom_date_is_computed_live(self, varied_programs):
        today = timezone.localdate()
        services.compliance_refresh(today=today)
        on = today + timedelta(days=30)
        assert summary(compliance_for(varied_programs, today=today, on=on, requirements=True, holders=True)) == summary(
            partner_compliance(varied_programs, today=today, on=on)
        )

    def test_yesterdays_result_is_not_trusted(self):
        """Stored yesterday with the horizon then, a holding expiring in 89 days was fine; today it is a risk."""
        today = timezone.localdate()
        level, _, cert = program(min_holders=1)
        HoldingFactory(certification=cert, expires_on=today + timedelta(days=89))
        services.compliance_refresh(today=today - timedelta(days=1))
        assert stored_level(level)[0] == MET
        assert compliance_for([cert.partner_id], today=today)[cert.partner_id].levels[0].status == AT_RISK

    def test_a_requirement_added_since_the_check_is_computed_live_where_requirements_are_shown(self):
        today = timezone.localdate()
        level, _, cert = program(min_holders=1)
        HoldingFactory(certification=cert)
        services.compliance_refresh(today=today)
        LevelRequirementFactory(level=level, min_holders=3, certifications=[cert])  # e.g. in the admin, before the sweep
        levels = compliance_for([cert.partner_id], today=today, requirements=True)[cert.partner_id].levels
        assert levels[0].status == NOT_MET and [rc.status for rc in levels[0].requirements] == [MET, NOT_MET]


class TestRefreshAfterWrites:
    def test_holding_created_edited_and_deleted_in_the_app(self, outsider, outsider_client):
        today = timezone.localdate()
        level, _, cert = program(min_holders=1)
        services.compliance_refresh(today=today)
        assert stored_level(level) == (NOT_MET, None, today)

        outsider_client.post(reverse("certifications:holding-create"), holding_post(cert))
        assert stored_level(level) == (MET, None, today)
        holding = Holding.objects.get()

        soon = today + timedelta(days=30)
        outsider_client.post(
            reverse("certifications:holding-edit", args=[holding.pk]), holding_post(cert, expires_on=soon.isoformat())
        )
        assert stored_level(level) == (AT_RISK, soon, today)
        requirement = LevelRequirement.objects.get(level=level)
        assert (requirement.compliance_status, requirement.holders_today, requirement.holders_on_horizon) == (AT_RISK, 1, 0)

        outsider_client.post(reverse("certifications:holding-delete", args=[holding.pk]))
        assert stored_level(level) == (NOT_MET, None, today)

    def test_moving_a_holding_to_another_certification_refreshes_both_levels(self, manager_client):
        today = timezone.localdate()
        old_level, _, old_cert = program(min_holders=1)
        new_level, _, new_cert = program(min_holders=1)
        holding = HoldingFactory(certification=old_cert)
        services.compliance_refresh(today=today)
        assert (stored_level(old_level)[0], stored_level(new_level)[0]) == (MET, NOT_MET)
        data = holding_post(new_cert, holder=holding.holder_id, obtained_on=holding.obtained_on.isoformat())
        assert manager_client.post(reverse("certifications:holding-edit", args=[holding.pk]), data).status_code == 302
        assert (stored_level(old_level)[0], stored_level(new_level)[0]) == (NOT_MET, MET)

    def test_import_refreshes_the_levels_once(self, manager_client, django_assert_max_num_queries):
        today = timezone.localdate()
        UserFactory(username="elena")
        UserFactory(username="sam")
        level, _, cert = program(PartnerFactory(name="Red Hat"), min_holders=2)
        cert.code = "EX280"
        cert.save()
        services.compliance_refresh(today=today)
        assert stored_level(level)[0] == NOT_MET
        text = HEADER + f"elena,EX280,,{today.isoformat()},,,\nsam,EX280,,{today.isoformat()},,,\n"
        assert confirm(manager_client, text).status_code == 302
        assert stored_level(level) == (MET, None, today)

    def test_a_requirement_edited_in_the_admin(self, admin_client_, django_capture_on_commit_callbacks):
        today = timezone.localdate()
        level, requirement, cert = program(min_holders=1)
        HoldingFactory(certification=cert)
        services.compliance_refresh(today=today)
        assert stored_level(level)[0] == MET
        url = reverse("admin:certifications_levelrequirement_change", args=[requirement.pk])
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client_.post(
                url, {"level": level.pk, "min_holders": "2", "certifications": [cert.pk], "description": ""}
            )
        assert response.status_code == 302
        assert stored_level(level)[0] == NOT_MET

    def test_a_holding_deleted_in_the_admin(self, admin_client_, django_capture_on_commit_callbacks):
        level, _, cert = program(min_holders=1)
        holding = HoldingFactory(certification=cert)
        services.compliance_refresh()
        with django_capture_on_commit_callbacks(execute=True):
            admin_client_.post(reverse("admin:certifications_holding_delete", args=[holding.pk]), {"post": "yes"})
        assert not Holding.objects.exists() and stored_level(level)[0] == NOT_MET


class TestSweep:
    def test_idempotent_and_moves_on_with_the_day(self, varied_programs):
        today = timezone.localdate()
        rows = ProgramLevel.objects.count() + LevelRequirement.objects.count()
        assert reminders.run_housekeeping("certification_compliance", today) == rows
        assert reminders.run_housekeeping("certification_compliance", today) == 0
        before = summary(compliance_for(varied_programs, today=today, requirements=True))
        assert reminders.run_housekeeping("certification_compliance", today) == 0
        assert summary(compliance_for(varied_programs, today=today, requirements=True)) == before
        # The next day every row is checked again (at least its date changes).
        assert reminders.run_housekeeping("certification_compliance", today + timedelta(days=1)) == rows

    def test_catches_what_no_service_sees(self):
        today = timezone.localdate()
        level, _, cert = program(min_holders=1)
        holding = HoldingFactory(certification=cert)
        services.compliance_refresh(today=today)
        holding.holder.is_active = False
        holding.holder.save()
        assert stored_level(level)[0] == MET
        assert reminders.run_housekeeping("certification_compliance", today) == 2  # the level and its requirement
        assert stored_level(level)[0] == NOT_MET

    @pytest.mark.integration
    @pytest.mark.django_db(transaction=True)
    def test_racing_itself_and_a_holding_save_leaves_the_right_result(self):
        if connection.vendor != "postgresql":
            pytest.skip("needs PostgreSQL (row locks): run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name>")
        today = timezone.localdate()
        partners = []
        for _ in range(10):
            _, _, cert = program(min_holders=2)
            HoldingFactory.create_batch(3, certification=cert)
            partners.append(cert.partner_id)
        rows = ProgramLevel.objects.count() + LevelRequirement.objects.count()
        last_cert = cert
        barrier = threading.Barrier(3, timeout=30)
        results: list[int] = []
        errors: list[Exception] = []

        def sweep():
            try:
                barrier.wait()
                results.append(reminders.run_housekeeping("certification_compliance", today))
            except Exception as error:  # a deadlock would land here
                errors.append(error)
            finally:
                connection.close()

        def expire_holdings():
            try:
                barrier.wait()
                for holding in Holding.objects.filter(certification=last_cert):
                    holding.expires_on = today + timedelta(days=20)
                    services.holding_save(holding=holding)
            except Exception as error:
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=sweep), threading.Thread(target=sweep), threading.Thread(target=expire_holdings)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors and len(results) == 2
        # Each row changed by at most one of the two sweeps (the other found it done); the saves' own
        # refresh may have stored the last partner's level and requirement before either sweep did.
        assert rows - 2 <= sum(results) <= rows
        assert summary(compliance_for(partners, today=today, requirements=True)) == summary(
            partner_compliance(partners, today=today, holders=False)
        )
        assert compliance_for([last_cert.partner_id], today=today)[last_cert.partner_id].levels[0].status == AT_RISK


class TestPagesReadTheStoredCompliance:
    @pytest.mark.parametrize("partners,holdings_each", [(1, 1), (30, 15)])
    def test_overview_query_count_is_flat(self, partners, holdings_each, manager_client, django_assert_num_queries):
        for _ in range(partners):
            _, _, cert = program(min_holders=2)
            program(cert.partner, min_holders=1, certifications=[cert], level_name="Advanced", held=False)
            HoldingFactory.create_batch(holdings_each, certification=cert)
        services.compliance_refresh()
        # session, user, count, the page's partners (+manager, status), their levels with stored compliance
        with django_assert_num_queries(5):
            response = manager_client.get(reverse("certifications:overview"))
        assert len(response.context["page_obj"]) == min(partners, OVERVIEW_PAGE_SIZE)
        assert {row.held.status for row in response.context["page_obj"]} == {MET if holdings_each >= 2 else NOT_MET}

    @pytest.mark.parametrize("partners", [1, 30])
    def test_status_filter_pages_in_sql_with_a_flat_query_count(self, partners, manager_client, django_assert_num_queries):
        today = timezone.localdate()
        at_risk = set()
        for i in range(partners):
            _, _, cert = program(PartnerFactory(name=f"Vendor {i:02d}"), min_holders=1)
            HoldingFactory(certification=cert, expires_on=today + timedelta(days=30 if i % 2 == 0 else 300))
            if i % 2 == 0:
                at_risk.add(f"Vendor {i:02d}")
        services.compliance_refresh()
        # session, user, "all checked today?", count, page, levels
        with django_assert_num_queries(6):
            response = manager_client.get(reverse("certifications:overview"), {"status": AT_RISK})
        names = [row.partner.name for row in response.context["page_obj"]]
        assert names == sorted(at_risk)[:OVERVIEW_PAGE_SIZE]
        assert response.context["page_obj"].paginator.count == len(at_risk)

    def test_status_filter_with_a_level_not_checked_today_computes_live(self, manager_client):
        today = timezone.localdate()
        _, _, cert = program(PartnerFactory(name="Stale"), min_holders=1)
        HoldingFactory(certification=cert, expires_on=today + timedelta(days=89))
        services.compliance_refresh(today=today - timedelta(days=1))  # stored "met" for yesterday's horizon
        response = manager_client.get(reverse("certifications:overview"), {"status": AT_RISK})
        assert [row.partner.name for row in response.context["page_obj"]] == ["Stale"]
        assert not manager_client.get(reverse("certifications:overview"), {"status": MET}).context["page_obj"].object_list

    def test_overview_csv_from_the_stored_compliance_lists_the_holders(self, manager_client):
        today = timezone.localdate()
        _, _, cert = program(PartnerFactory(name="Risky"), min_holders=1)
        elena = UserFactory(username="elena")
        HoldingFactory(certification=cert, holder=elena, expires_on=today + timedelta(days=80))
        services.compliance_refresh()
        rows = csv_rows(manager_client.get(reverse("certifications:overview"), {"format": "csv"}))
        assert rows[1][8] == "At risk" and rows[1][9] == (today + timedelta(days=80)).isoformat()
        assert rows[1][10].startswith("elena (")

    @pytest.mark.parametrize("partners", [1, 20])
    def test_dashboard_panel_is_one_query(self, partners, manager, django_assert_num_queries):
        today = timezone.localdate()
        for i in range(partners):
            _, _, cert = program(PartnerFactory(name=f"Vendor {i:02d}", manager=manager), level_name="Premier")
            HoldingFactory.create_batch(3, certification=cert, expires_on=today + timedelta(days=40 if i % 2 == 0 else 400))
        expected = sorted(item.title for item in certification_levels_at_risk(manager, today))  # computed live
        services.compliance_refresh(today=today)
        with django_assert_num_queries(1):
            items = certification_levels_at_risk(manager, today)
        assert sorted(item.title for item in items) == expected and len(expected) == (partners + 1) // 2

    def test_health_check_reads_the_same_findings(self):
        today = timezone.localdate()
        _, _, risky = program(level_name="Premier", min_holders=1)
        HoldingFactory(certification=risky, expires_on=today + timedelta(days=20))
        _, _, missing = program(level_name="Gold", min_holders=2)
        HoldingFactory(certification=missing)
        ids = [risky.partner_id, missing.partner_id]
        live = certification_compliance(ids, today)
        services.compliance_refresh(today=today)
        assert certification_compliance(ids, today) == live and live

    @pytest.mark.parametrize("holdings", [1, 30])
    def test_partner_section_shows_stored_statuses_and_who_holds_what(self, holdings, rf, outsider, outsider_client):
        from django.test.utils import CaptureQueriesContext

        from certifications.partner_sections import section_context

        today = timezone.localdate()
        _, _, cert = program(min_holders=2)
        HoldingFactory.create_batch(holdings, certification=cert)
        HoldingFactory(
            certification=cert,
            holder=UserFactory(first_name="Elena", last_name="Engineer"),
            expires_on=today + timedelta(days=30),
        )
        services.compliance_refresh(today=today)
        request = rf.get("/")
        request.user = outsider
        with CaptureQueriesContext(connection) as captured:
            context = section_context(cert.partner, request)
        assert len(captured) == 5  # status, levels, requirements, certifications, holdings valid today
        (rc,) = context["levels"][0].requirements
        assert len(rc.holdings) == holdings + 1 and rc.holdings[0].holder.first_name == "Elena"  # soonest expiry first
        content = partner_page(outsider_client, cert.partner)
        assert "Elena Engineer" in content
        assert f'data-status="{rc.status}"' in content
