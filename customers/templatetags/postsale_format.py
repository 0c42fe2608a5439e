"""Formatting filters for every template that shows an amount: {% load postsale_format %}."""

from django import template

from postsale.lib import money as money_lib

register = template.Library()


@register.filter
def money(amount, currency="EUR"):
    """{{ sale.total|money:sale.currency }}: see postsale/lib/money.py."""
    return money_lib.money(amount, currency)
