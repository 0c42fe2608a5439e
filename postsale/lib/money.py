"""Amounts as a customer or a staff member reads them: in the active language's number format,
with the currency where that language puts it ("1.375,90 €" in Spanish, "€1,375.90" in English).

One helper for templates (the `money` filter in customers/templatetags/postsale_format.py) and
for text written in services (timeline summaries), so a table and the timeline agree.
"""

from decimal import Decimal, InvalidOperation

from django.utils import formats, translation

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
NBSP = "\u00a0"  # the amount and its symbol never part at a line's end


def money(amount, currency: str = "EUR", *, language: str | None = None) -> str:
    """`amount` (Decimal, number or numeric text) with two decimals and its currency; an empty
    or unreadable amount reads as an empty string."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return ""
    code = (currency or "EUR").upper()
    with translation.override(language or translation.get_language()):
        number = formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
        lang = (translation.get_language() or "es").split("-")[0]
    symbol = SYMBOLS.get(code)
    if lang == "en" and symbol:
        sign, digits = ("-", number[1:]) if number.startswith("-") else ("", number)
        return f"{sign}{symbol}{digits}"
    return f"{number}{NBSP}{symbol or code}"
