"""django-filter's backend, strict about booleans.

django-filter reads `?flagged=maybe` (or `-1`) as "no filter" and answers the whole list, which
looks like a filtered answer to a client with a typo. The schema says boolean, so anything but
true/false (or 1/0) is a 400 naming the parameter; and a typed parameter given empty
(`?ordered_before=`) is a 400 too, instead of silently no filter; so is an id beyond 64 bits.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django_filters import BooleanFilter, CharFilter, NumberFilter
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

BOOLEAN_WORDS = {"true", "false", "1", "0"}
# Number filters are ids: beyond a 64-bit integer the database cannot even compare (SQLite raises).
NUMBER_LIMIT = 2**63 - 1


def _out_of_range(text: str) -> bool:
    try:
        return abs(Decimal(text)) > NUMBER_LIMIT
    except (InvalidOperation, ValueError):
        return False  # not a number: django-filter's own message says so


class StrictDjangoFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            errors = {}
            for name, declared in filterset_class.base_filters.items():
                values = request.query_params.getlist(name)
                if not isinstance(declared, CharFilter) and any(not v.strip() for v in values):
                    # "?ordered_before=" filtered nothing while looking like a filter
                    errors[name] = [_("Give a value, or leave the parameter out.")]
                elif isinstance(declared, BooleanFilter) and any(
                    value.strip().lower() not in BOOLEAN_WORDS for value in values
                ):
                    errors[name] = [_("Must be true or false.")]
                elif isinstance(declared, NumberFilter) and any(_out_of_range(v) for v in values):
                    errors[name] = [_("Out of range.")]
            if errors:
                raise ValidationError(errors)
        return super().filter_queryset(request, queryset, view)
