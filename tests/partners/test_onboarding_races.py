"""Issue 17's "Bad input" for onboarding, at the same moment: two people ticking the same step, and a
track edited while someone starts an onboarding from it. Real threads on PostgreSQL (SQLite has one
writer at a time); the sequential versions of both run everywhere in test_onboarding.py."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from partnerhub.models import Notification
from partnerhub.roles import Role
from partners import services
from partners.models import Onboarding, OnboardingStep, OnboardingTrack, Partner

from ..factories import PartnerFactory, UserFactory, partner_type
from ..helpers import run_at_once
from .onboarding_factories import make_track

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (SQLite has one writer at a time): run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres",
    ),
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]


def _hold_then_race(first, second, *, hold: float = 0.5):
    """`first` runs in a transaction kept open for `hold` seconds; `second` starts once `first` has
    written, so it meets the first one's locks (a double click, or two people at the same moment)."""
    written = threading.Event()
    outcome: dict[str, object] = {}

    def run_first():
        try:
            with transaction.atomic():
                outcome["first"] = first()
                written.set()
                time.sleep(hold)
        except Exception as error:  # noqa: BLE001 - reported by the test's assertions
            outcome["first"] = error
        finally:
            written.set()
            connection.close()

    def run_second():
        started = time.monotonic()
        try:
            written.wait(timeout=30)
            started = time.monotonic()
            outcome["second"] = second()
        except Exception as error:  # noqa: BLE001
            outcome["second"] = error
        finally:
            outcome["waited"] = time.monotonic() - started
            connection.close()

    run_at_once(run_first, run_second, timeout=60)
    assert not isinstance(outcome["first"], Exception), outcome["first"]
    assert outcome["waited"] >= 0.3, "the second write did not wait for the first transaction"
    return outcome["second"]


def test_two_people_ticking_the_last_step_at_once_one_tick_one_message_one_question():
    manager = UserFactory(first_name="Marta", last_name="Manager", roles=[Role.PARTNER_MANAGER])
    sales = UserFactory(first_name="Sam", last_name="Sales", roles=[Role.SALES])
    make_track(steps=[("Portal accounts", "partner_manager", 10, True, "")])
    partner = PartnerFactory(types=[partner_type("software-vendor")], manager=manager, stage=Partner.Stage.PROSPECT)
    services.onboarding_start(partner=partner, started_on=timezone.localdate(), by=manager)
    step = OnboardingStep.objects.get()
    services.onboarding_step_update(step_id=step.pk, owner=sales, due_on=step.due_on, by=manager)

    second = _hold_then_race(
        lambda: services.onboarding_step_complete(step_id=step.pk, by=sales),
        lambda: services.onboarding_step_complete(step_id=step.pk, by=manager),
    )
    assert isinstance(second, ValidationError), second
    assert "“Portal accounts” was already ticked by Sam Sales on" in second.messages[0]
    step.refresh_from_db()
    assert step.done_by == sales  # the first tick stays; the second changed nothing
    assert step.history.filter(done_by=manager).count() == 0
    # The partner manager is asked once to move the partner to active.
    assert Notification.objects.filter(kind="onboarding_complete", recipient=manager).count() == 1


def test_a_track_edited_while_an_onboarding_starts_from_it_makes_the_next_version():
    manager = UserFactory()
    track = make_track()
    nda = track.steps.get(title="NDA")
    partner = PartnerFactory(types=[partner_type("software-vendor")], manager=manager, stage=Partner.Stage.PROSPECT)
    stale = OnboardingTrack.objects.get(pk=track.pk)  # the start form's track, read before the edit

    def edit():
        return services.onboarding_step_template_save(
            track_id=track.pk, step_id=nda.pk, by=manager, title="NDA and DPA", owner_role=nda.owner_role, due_offset_days=3
        )

    second = _hold_then_race(
        lambda: services.onboarding_start(
            partner=partner, started_on=timezone.localdate() - timedelta(days=1), by=manager, track=stale
        ),
        edit,
    )
    assert not isinstance(second, Exception), second
    step, revised = second
    assert revised, "the edit waited for the start and then left the version in use alone"
    assert OnboardingTrack.objects.get(is_current=True).version == 2
    onboarding = Onboarding.objects.get()
    assert onboarding.track_id == track.pk
    # The running onboarding keeps the steps it started with; version 1 is unchanged.
    assert set(onboarding.steps.values_list("title", flat=True)) >= {"NDA"}
    assert not onboarding.steps.filter(title="NDA and DPA").exists()
    assert track.steps.filter(title="NDA", due_offset_days=7).exists()


def test_an_onboarding_started_from_a_version_retired_meanwhile_is_refused():
    manager = UserFactory()
    track = make_track()
    nda = track.steps.get(title="NDA")
    first_partner = PartnerFactory(types=[partner_type("software-vendor")], manager=manager, stage=Partner.Stage.PROSPECT)
    services.onboarding_start(partner=first_partner, started_on=timezone.localdate(), by=manager)  # version 1 is in use
    late = PartnerFactory(types=[partner_type("software-vendor")], manager=manager, stage=Partner.Stage.PROSPECT)
    stale = OnboardingTrack.objects.get(pk=track.pk)

    second = _hold_then_race(
        lambda: services.onboarding_step_template_save(
            track_id=track.pk,
            step_id=nda.pk,
            by=manager,
            title="NDA and DPA",
            owner_role=nda.owner_role,
            due_offset_days=nda.due_offset_days,
        ),
        lambda: services.onboarding_start(partner=late, started_on=timezone.localdate(), by=manager, track=stale),
    )
    assert isinstance(second, ValidationError), second
    assert second.messages == ["Version 1 of this track is no longer current; start from the current one."]
    late.refresh_from_db()
    assert late.stage == Partner.Stage.PROSPECT and not Onboarding.objects.filter(partner=late).exists()
