from django.db import connection
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.permissions import is_manager
from customers.models import Complaint, Customer, Delivery, Sale

# Past this many rows (PostgreSQL's own estimate) a table's size is shown from the planner's
# statistics instead of a COUNT(*): counting a million rows takes a second on every home view,
# and at that size nobody reads the last digits. Below it the count is exact.
EXACT_BELOW = 100_000


def table_size(model) -> int:
    """Rows in the model's table: exact below EXACT_BELOW, PostgreSQL's estimate above (kept by
    autovacuum's ANALYZE; a fresh bulk load shows once the table is analysed)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
            )
            found = cursor.fetchone()
        if found and found[0] >= EXACT_BELOW:
            return found[0]
    return model.objects.count()


def home(request):
    """The staff home: the shop at a glance, each figure one indexed count or an estimate. Support staff
    start from their work queue instead."""
    if request.user.has_perm("customers.view_complaint") and not is_manager(request.user):
        return redirect("support:queue")
    today = timezone.localdate()
    counts = {
        "customers": table_size(Customer),
        "sales": table_size(Sale),
        "late_deliveries": Delivery.objects.late(today).count(),
        "open_complaints": Complaint.objects.unresolved().count(),
        "overdue_complaints": Complaint.objects.unresolved().filter(Q(sla_due_at__lt=timezone.now())).count(),
    }
    return render(request, "home.html", {"counts": counts, "is_manager": is_manager(request.user)})
