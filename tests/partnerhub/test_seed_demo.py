from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def model_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label not in {"sessions", "admin"}}


def test_seed_demo_is_idempotent_and_covers_every_reminder(settings, mailoutbox):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    for username in ["admin", "manager", "sales", "marketing", "accounting"]:
        assert username in out.getvalue()
    first = model_counts()
    call_command("seed_demo", stdout=StringIO())
    assert model_counts() == first

    out = StringIO()
    call_command("run_reminders", stdout=out)
    sent = {line.split(": ")[0]: line.split(": ")[1] for line in out.getvalue().splitlines()}
    from partnerhub import reminders

    for kind in reminders.REMINDERS:
        assert sent[kind] != "0 sent", f"the demo data has nothing due for {kind}"


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
