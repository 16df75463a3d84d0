"""The bench's commissions (tests/bench/seed.py, issue 18): each leaves the history rows its way owed ->
invoiced -> paid would, so the commission history page is measured over full-scale history."""

import pytest
from django.utils import timezone

from funds.commissions import commission_history, history_event
from funds.models import Commission
from tests.bench import seed

pytestmark = pytest.mark.django_db


def test_seeded_commissions_have_their_history():
    ctx = seed.Context(scale=0.01, today=timezone.localdate())
    seed.seed_users(ctx)
    seed.seed_partners(ctx)
    seed.seed_commissions(ctx)
    commissions = Commission.objects.count()
    assert commissions == ctx.n(6_000) and ctx.counts["funds.HistoricalCommission"] >= commissions
    for commission in Commission.objects.all():
        way = list(commission.history.order_by("history_date").values_list("status", flat=True))
        expected = {"owed": ["owed"], "invoiced": ["owed", "invoiced"], "paid": ["owed", "invoiced", "paid"]}
        assert way == expected[commission.status]
    _, rows = commission_history(params={})
    events = {history_event(row) for row in rows}
    assert "Created: owed" in events and "Owed \u2192 Invoiced by the partner" in events
