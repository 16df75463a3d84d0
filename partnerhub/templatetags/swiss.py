"""Template side of partnerhub/formatting.py, installed as builtins (settings.TEMPLATES), so every
template writes ``{{ invoice.amount|money:invoice.currency }}``, ``{{ day|day }}``, ``{{ at|moment }}``,
``{{ user|person }}`` without loading anything."""

from django import template

from partnerhub import formatting

register = template.Library()


@register.filter
def money(value, currency="CHF"):
    return formatting.money(value, currency)


@register.filter
def signed_money(value, currency=None):
    return formatting.signed_money(value, currency)


@register.filter
def amount(value, decimals=2):
    return formatting.amount(value, int(decimals))


@register.filter
def day(value):
    return formatting.day(value)


@register.filter
def moment(value):
    return formatting.moment(value)


@register.filter
def month(value):
    return formatting.month(value)


@register.filter
def person(value):
    return formatting.person(value)
