"""Retention metrics: each function's docstring is its definition."""

from django.db.models import Count

from customers.models import Customer, Sale


def repeat_purchase_rate() -> float | None:
    """Customers with 2 or more sales / customers with 1 or more sales (None when no sales)."""
    per_customer = (Sale.objects.values("customer_id").annotate(n=Count("id"))
                    .values_list("n", flat=True))
    buyers = repeaters = 0
    for n in per_customer.iterator(chunk_size=10000):
        buyers += 1
        repeaters += n >= 2
    return repeaters / buyers if buyers else None


def customers_by_stage() -> dict[str, int]:
    """How many customers are in each lifecycle stage."""
    rows = Customer.objects.values_list("lifecycle_stage").annotate(n=Count("id"))
    return dict(rows)
