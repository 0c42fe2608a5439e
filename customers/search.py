"""Search text folded the same way on every database: lower case, accents removed; phones
as their digits.

The services store `Customer.search_name = fold(name)`; a query is folded the same way, so
"diaz", "DIAZ" and "Díaz" all find "Díaz" with a plain LIKE (a trigram index on PostgreSQL).
"""

import unicodedata


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def customer_search(queryset, query: str):
    """Customers matching part of the name (accents and case aside), part of the e-mail, the
    phone (digits), or an order id. On PostgreSQL each branch has its index (trigram on the
    folded name, e-mail and phone; unique order id); SQLite scans, which is its fallback."""
    from django.db.models import Q

    from customers.models import Sale

    query = query.strip()[:100]
    if not query:
        return queryset
    match = Q(search_name__contains=fold(query)) | Q(email__icontains=query) | Q(external_id=query)
    number = digits(query)
    looks_like_phone = not query.strip("+ ()-.0123456789")
    if looks_like_phone and len(number) >= 6:
        match |= Q(search_phone__contains=number)
    # The order's customer first, as a list: a subquery inside the OR would stop PostgreSQL
    # from combining the branches' indexes (a scan of every customer instead).
    ordered_by = list(Sale.objects.filter(external_id=query).values_list("customer_id", flat=True))
    if ordered_by:
        match |= Q(pk__in=ordered_by)
    # By the folded name, which only the trigram index covers: PostgreSQL then reads the
    # matches and sorts them, instead of walking the name index hoping to meet 50 matches soon
    # (seconds at 1,000,000 customers when the matches are few).
    return queryset.filter(match).order_by("search_name", "pk")


# A search matching more customers than this is broad: nobody pages past it, so it is neither
# counted exactly nor sorted by name (both read every match: about a second for "diaz" among a
# million customers), but listed newest first, which the primary key serves with a LIMIT.
BROAD = 1000


def matches_at_most(queryset, cap: int | None = None) -> int:
    """How many rows match, counted up to cap + 1 (default BROAD; a LIMIT inside the COUNT)."""
    return queryset.order_by()[: (BROAD if cap is None else cap) + 1].count()


def customer_search_listed(queryset, query: str):
    """The staff list's search: by name when the matches are few, newest first when broad.
    Returns (queryset, broad, matches counted up to BROAD + 1, or None when nothing was
    searched): the list's paginator takes that count instead of counting again."""
    found = customer_search(queryset, query)
    if not query.strip():
        return found, False, None
    matches = matches_at_most(found)
    if matches > BROAD:
        return found.order_by("-pk"), True, matches
    return found, False, matches


class CustomerSearchFilter:
    """DRF's ?search= for customers, the same search as the staff pages'."""

    search_param = "search"

    def filter_queryset(self, request, queryset, view):
        return customer_search(queryset, request.query_params.get(self.search_param, ""))

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.search_param,
                "required": False,
                "in": "query",
                "description": "Part of the name (accents and case aside), part of the "
                "e-mail, the phone or an order id.",
                "schema": {"type": "string"},
            }
        ]
