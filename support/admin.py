from django.contrib import admin

from accounts.permissions import is_manager
from customers.models import BusinessCalendar, ClosedDay, SlaLedgerEntry
from support.models import Macro, Notification


def _staff_or_manager(request) -> bool:
    """The admin is for low-level data: staff accounts, and managers as the README promises
    (they are not `is_staff`; their group's permissions decide what each page shows)."""
    user = request.user
    return user.is_active and (user.is_staff or is_manager(user))


admin.site.has_permission = _staff_or_manager


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ("name", "set_status", "set_severity", "compensation_kind", "then")
    search_fields = ("name", "body")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "complaint", "text", "read_at")
    list_select_related = ("user", "complaint")
    raw_id_fields = ("user", "complaint")


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("__str__", "country", "subdivision", "time_zone", "due_soon_percent")


@admin.register(ClosedDay)
class ClosedDayAdmin(admin.ModelAdmin):
    list_display = ("date", "name")


@admin.register(SlaLedgerEntry)
class SlaLedgerEntryAdmin(admin.ModelAdmin):
    list_display = ("complaint", "clock", "started_at", "due_at", "done_at", "met", "breached_at")
    list_filter = ("clock", "met")
    raw_id_fields = ("complaint",)
