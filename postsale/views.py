from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.permissions import is_manager
from customers.models import Complaint, Customer, Delivery, Sale


def home(request):
    """The staff home: the shop at a glance, each figure one indexed count. Support staff
    start from their work queue instead."""
    if request.user.has_perm("customers.view_complaint") and not is_manager(request.user):
        return redirect("support:queue")
    today = timezone.localdate()
    counts = {
        "customers": Customer.objects.count(),
        "sales": Sale.objects.count(),
        "late_deliveries": Delivery.objects.late(today).count(),
        "open_complaints": Complaint.objects.unresolved().count(),
        "overdue_complaints": Complaint.objects.unresolved()
        .filter(Q(sla_due_at__lt=timezone.now())).count(),
    }
    return render(request, "home.html", {"counts": counts, "is_manager": is_manager(request.user)})
