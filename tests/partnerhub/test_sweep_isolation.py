"""Issue 14, item 1: one broken sweep, or one poisoned row in any app, no longer stops the other reminders.

A "poisoned row" is an object whose data makes its sweep's per-object code raise (before issue 14: a
sync meeting on 9999-11-15, a holding valid until 9999-12-31). Such dates are now refused and cannot be
stored (tests/partnerhub/test_input_bounds.py), so the poison is injected where each app's sweep turns
one object into a reminder (`<app>.reminders.DueReminder`) or refreshes one partner's stored values.
"""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from partnerhub import reminders, tasks
from partnerhub.dates import first_of_month_months_later
from partnerhub.models import ReminderSent, SweepStatus
from reporting.models import LicenseReport

from ..activities.factories import DealRegistrationFactory
from ..certifications.factories import HoldingFactory, program
from ..factories import ContractFactory, PartnerFactory
from ..funds.factories import FundAllocationFactory, FundClaimFactory
from ..reporting.factories import AgreementFactory, ReportFactory

pytestmark = pytest.mark.django_db


def run_command() -> tuple[str, str, CommandError | None]:
    out, err = StringIO(), StringIO()
    try:
        call_command("run_reminders", stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def poison(monkeypatch, module, poisoned_pk: int) -> None:
    """The module's reminders raise for one object, as a row with impossible data did."""
    real = module.DueReminder

    def building(*args, **kwargs):
        if kwargs["obj"].pk == poisoned_pk:
            raise OverflowError("date value out of range")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "DueReminder", building)


def _contracts(manager):
    partner = PartnerFactory(manager=manager)
    end = timezone.localdate() + timedelta(days=30)
    return [ContractFactory(partner=partner, end_date=end, notice_period_days=0) for _ in range(2)]


def _registrations(manager):
    expires = timezone.localdate() + timedelta(days=5)
    return [DealRegistrationFactory(status="approved", expires_on=expires, owner=manager) for _ in range(2)]


def _holdings(manager):
    expires = timezone.localdate() + timedelta(days=7)
    return [HoldingFactory(expires_on=expires, certification__partner__manager=manager) for _ in range(2)]


def _claims(manager):
    allocation = FundAllocationFactory(partner=PartnerFactory(manager=manager), claim_deadline_days=90)
    end = timezone.localdate() + timedelta(days=14 - 90)
    return [FundClaimFactory(allocation=allocation, activity_start=end, activity_end=end) for _ in range(2)]


def _reports(manager):
    today = timezone.localdate()
    partners = [AgreementFactory(partner=PartnerFactory(manager=manager)).partner for _ in range(2)]
    last_month = first_of_month_months_later(today, -1)  # the report the housekeeping sweep would otherwise create
    return [ReportFactory(partner=partner, month=last_month, due_on=today) for partner in partners]


APPS = {
    # app: (its reminders module, the kind, the model label, how to make two due objects)
    "partners": ("partners.reminders", "contract_notice_deadline", "partners.Contract", _contracts),
    "activities": ("activities.reminders", "deal_registration_expiring", "activities.DealRegistration", _registrations),
    "certifications": ("certifications.reminders", "certification_expiring", "certifications.Holding", _holdings),
    "funds": ("funds.reminders", "fund_claim_deadline", "funds.FundClaim", _claims),
    "reporting": ("reporting.reminders", "license_report_due", "reporting.LicenseReport", _reports),
}


@pytest.mark.parametrize("app", sorted(APPS))
def test_a_poisoned_row_skips_only_itself(app, manager, monkeypatch, caplog):
    import importlib

    module_name, kind, label, make = APPS[app]
    good, bad = make(manager)
    other = _contracts(manager)[0] if app != "partners" else _holdings(manager)[0]  # another app's reminder
    poison(monkeypatch, importlib.import_module(module_name), bad.pk)

    out, err, error = run_command()

    sent = set(ReminderSent.objects.filter(kind=kind, object_id__in=[good.pk, bad.pk]).values_list("object_id", flat=True))
    assert sent == {good.pk}, "the good object of the same sweep was still reminded, the poisoned one not"
    other_kind = "contract_notice_deadline" if app != "partners" else "certification_expiring"
    assert ReminderSent.objects.filter(kind=other_kind, object_id=other.pk).exists(), "the other apps still ran"
    assert f"{kind}: 1 sent; failed: {label} #{bad.pk}: OverflowError: date value out of range" in err
    assert f"{other_kind}: 2 sent" in out.splitlines()  # both due objects of the other app
    assert error is not None  # exit status 1, after everything ran
    status = SweepStatus.objects.get(name=kind)
    assert status.failing and status.last_failed_object == f"{label} #{bad.pk}"
    assert "OverflowError" in status.last_traceback
    assert any(r.exc_info and f"{label} #{bad.pk}" in r.getMessage() for r in caplog.records), "logged with its traceback"

    # The poison gone (the row fixed), the next run delivers it, and the status shows the recovery.
    monkeypatch.undo()
    out, err, error = run_command()
    assert error is None and f"{kind}: 1 sent" in out.splitlines()
    assert not SweepStatus.objects.get(name=kind).failing


def test_a_broken_sweep_is_reported_and_every_other_sweep_runs(manager, monkeypatch):
    contract = ContractFactory(
        partner=PartnerFactory(manager=manager), end_date=timezone.localdate() + timedelta(days=30), notice_period_days=0
    )

    def broken(today):
        raise RuntimeError("boom")

    monkeypatch.setitem(reminders.REMINDERS, "aaa_broken", broken)  # sorted first: runs before the others

    out, err, error = run_command()

    assert "aaa_broken: failed: RuntimeError: boom" in err.splitlines()
    assert ReminderSent.objects.filter(kind="contract_notice_deadline", object_id=contract.pk).exists()
    assert "contract_notice_deadline: 1 sent" in out.splitlines()
    lines = out.splitlines() + err.splitlines()
    assert len(lines) == len(reminders.REMINDERS) + len(reminders.HOUSEKEEPING), "one line per sweep: all of them ran"
    assert error is not None and "aaa_broken" in str(error)
    status = SweepStatus.objects.get(name="aaa_broken")
    assert status.failing and status.last_error == "RuntimeError: boom" and "raise RuntimeError" in status.last_traceback


def test_a_failed_housekeeping_sweep_rolls_back_its_own_writes(manager, monkeypatch):
    partner = PartnerFactory(manager=manager)

    def half_done(today):
        type(partner).objects.filter(pk=partner.pk).update(name="Half written")
        raise ValueError("failed after writing")

    monkeypatch.setitem(reminders.HOUSEKEEPING, "aaa_half_done", half_done)
    outcome = reminders.run_sweep("aaa_half_done", timezone.localdate())
    assert outcome.error == "ValueError: failed after writing"
    partner.refresh_from_db()
    assert partner.name != "Half written"


def test_the_celery_task_runs_everything_then_fails_naming_the_sweep(manager, monkeypatch):
    contract = _contracts(manager)[0]
    monkeypatch.setitem(reminders.REMINDERS, "aaa_broken", lambda today: iter([1 / 0]))
    with pytest.raises(reminders.SweepsFailed, match="aaa_broken: failed: ZeroDivisionError"):
        tasks.run_all_sweeps()
    assert ReminderSent.objects.filter(kind="contract_notice_deadline", object_id=contract.pk).exists()
    assert SweepStatus.objects.get(name="aaa_broken").failing


def test_the_celery_task_returns_counts_when_all_went_well(manager):
    _contracts(manager)
    assert tasks.run_all_sweeps()["contract_notice_deadline"] == 2
    assert not SweepStatus.objects.filter(last_failure_at__isnull=False).exists()


def test_a_partner_whose_compliance_fails_is_skipped_the_others_stored(manager, monkeypatch):
    from certifications import reminders as cert_reminders
    from certifications.models import ProgramLevel

    good, bad = program(PartnerFactory())[0], program(PartnerFactory())[0]
    real = cert_reminders.services.compliance_refresh

    def refresh(*, partner_ids, today):
        if bad.partner_id in partner_ids:
            raise OverflowError("date value out of range")
        return real(partner_ids=partner_ids, today=today)

    monkeypatch.setattr(cert_reminders.services, "compliance_refresh", refresh)
    outcome = reminders.run_sweep("certification_compliance", timezone.localdate())
    assert [f.obj for f in outcome.object_failures] == [f"partners.Partner #{bad.partner_id}"]
    assert ProgramLevel.objects.get(pk=good.pk).compliance_checked_on == timezone.localdate()
    assert ProgramLevel.objects.get(pk=bad.pk).compliance_checked_on is None


def test_a_partner_whose_health_check_fails_is_skipped_the_others_refreshed(monkeypatch):
    from partners.models import Partner
    from reporting import reminders as reporting_reminders

    good, bad = PartnerFactory(), PartnerFactory()
    real = reporting_reminders.partner_health_refresh

    def refresh(*, today, partner_ids=None):
        if partner_ids is None or bad.pk in partner_ids:
            raise OverflowError("date value out of range")
        return real(partner_ids=partner_ids, today=today)

    monkeypatch.setattr(reporting_reminders, "partner_health_refresh", refresh)
    outcome = reminders.run_sweep("partner_health", timezone.localdate())
    assert [f.obj for f in outcome.object_failures] == [f"partners.Partner #{bad.pk}"]
    assert Partner.objects.get(pk=good.pk).health_checked_at is not None
    assert Partner.objects.get(pk=bad.pk).health_checked_at is None


def test_license_reports_are_created_in_their_own_transaction(monkeypatch):
    """A housekeeping sweep's writes and its failure go together: nothing half-created."""
    AgreementFactory()
    from reporting import reminders as reporting_reminders

    real = reporting_reminders.LicenseReport.objects.bulk_create

    def create_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("after the insert")

    monkeypatch.setattr(reporting_reminders.LicenseReport.objects, "bulk_create", create_then_fail)
    outcome = reminders.run_sweep("license_reports_create", date(2026, 3, 1))
    assert outcome.error == "RuntimeError: after the insert"
    assert not LicenseReport.objects.exists()
