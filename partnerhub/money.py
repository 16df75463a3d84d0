"""Money is a Decimal plus an ISO currency code; totals are never summed across currencies."""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Currency(models.TextChoices):
    CHF = "CHF", "CHF"
    EUR = "EUR", "EUR"
    USD = "USD", "USD"
    GBP = "GBP", "GBP"


CURRENCY_CODES = [code for code, _label in Currency.choices]


def money_field(verbose_name: str, *, positive: bool = True, **kwargs) -> models.DecimalField:
    """DecimalField(12, 2). Forms refuse a third decimal; add a CheckConstraint for the sign."""
    validators = [MinValueValidator(Decimal("0.01") if positive else Decimal("0"))]
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, validators=validators, **kwargs)


def currency_field(**kwargs) -> models.CharField:
    return models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CHF, **kwargs)


def currency_constraint(field: str, name: str) -> models.CheckConstraint:
    """The database refuses an unknown currency code, not just the form."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": CURRENCY_CODES}), name=name, violation_error_message=_("Unknown currency.")
    )


def totals_by_currency(pairs: Iterable[tuple[str, Decimal | None]]) -> dict[str, Decimal]:
    """{'CHF': Decimal(...), 'EUR': ...} from (currency, amount) pairs, sorted by currency."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for currency, amount in pairs:
        totals[currency] += amount or Decimal("0")
    return dict(sorted(totals.items()))
