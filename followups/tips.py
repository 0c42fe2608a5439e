"""Usage tips by product category and language: what the usage-tips mail says about the product.

Shipped defaults are files, templates/emails/<language>/tips/<category>.txt, for a few common
categories plus generic.txt; a manager's text (UsageTip) replaces one (category, language) pair.
The sale's category is free text from the shop ("Electrónica", "electronics"), so it is reduced
to a key first: lower case, no accents, spaces as dashes, and a few common synonyms mapped to
the shipped key. What a category gets, most specific first: the manager's text for it, the
shipped file for it, the manager's generic text, the shipped generic text.
"""

from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.text import slugify

from customers.choices import Language
from followups.models import UsageTip

LANGUAGES = tuple(Language.values)
GENERIC = "generic"
SHIPPED = ("electronica", "electrodomesticos", "hogar", "deporte", "moda", "belleza")
ALIASES = {
    "electronics": "electronica",
    "tecnologia": "electronica",
    "technology": "electronica",
    "electrodomestico": "electrodomesticos",
    "appliances": "electrodomesticos",
    "home": "hogar",
    "casa": "hogar",
    "home-garden": "hogar",
    "deportes": "deporte",
    "sport": "deporte",
    "sports": "deporte",
    "textil": "moda",
    "ropa": "moda",
    "calzado": "moda",
    "fashion": "moda",
    "clothing": "moda",
    "shoes": "moda",
    "footwear": "moda",
    "beauty": "belleza",
    "cosmetica": "belleza",
    "cosmetics": "belleza",
}
MAX_KEY = 100


def category_key(category: str) -> str:
    """The key tips are stored and shipped under: 'Electrónica ' -> 'electronica'."""
    key = slugify(category or "")[:MAX_KEY]
    return ALIASES.get(key, key) or GENERIC


def shipped_tips(key: str, language: str) -> str | None:
    if key != GENERIC and key not in SHIPPED:
        return None
    try:
        return get_template(f"emails/{_language(language)}/tips/{key}.txt").template.source.strip()
    except TemplateDoesNotExist:
        return None


def tips_for(category: str, language: str) -> str:
    """The tips text for a sale's category in a language (one query)."""
    key, language = category_key(category), _language(language)
    edited = dict(
        UsageTip.objects.filter(category__in={key, GENERIC}, language=language).values_list(
            "category", "text"
        )
    )
    return (
        edited.get(key)
        or shipped_tips(key, language)
        or edited.get(GENERIC)
        or shipped_tips(GENERIC, language)
        or ""
    )


def tips_rows() -> list[tuple[str, bool, list[tuple[str, bool]]]]:
    """The tips page: (key, shipped?, [(language, edited?)]), generic first, then shipped
    categories, then the ones only managers added."""
    edited = set(UsageTip.objects.values_list("category", "language"))
    added = sorted({key for key, _language in edited} - {GENERIC, *SHIPPED})
    return [
        (
            key,
            key == GENERIC or key in SHIPPED,
            [(language, (key, language) in edited) for language in LANGUAGES],
        )
        for key in (GENERIC, *SHIPPED, *added)
    ]


def usage_tip_save(*, category: str, language: str, text: str) -> UsageTip:
    """Store a manager's tips for a category and language, replacing the shipped text."""
    with transaction.atomic():
        tip, _created = UsageTip.objects.update_or_create(
            category=category_key(category), language=_language(language), defaults={"text": text.strip()}
        )
    return tip


def usage_tip_reset(*, category: str, language: str) -> int:
    """Back to the shipped text (or the generic one, for a category nothing ships for)."""
    deleted, _by_model = UsageTip.objects.filter(
        category=category_key(category), language=_language(language)
    ).delete()
    return deleted


def _language(language: str) -> str:
    return Language.of(language)
