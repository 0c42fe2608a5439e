from django.contrib import admin

from followups.models import FollowupRules, KeptMail


@admin.register(KeptMail)
class KeptMailAdmin(admin.ModelAdmin):
    """Mail the embedded default kept instead of sending: a record of what went out, not editable."""

    list_display = ("subject", "to", "sent_at")
    search_fields = ("to", "subject")
    list_filter = ("sent_at",)  # ranges on the index; a date hierarchy would scan every mail
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FollowupRules)
class FollowupRulesAdmin(admin.ModelAdmin):
    """One row of rules (pk=1), as FollowupRules.current() reads it."""

    list_display = (
        "__str__",
        "thank_you_enabled",
        "delay_notice_enabled",
        "survey_enabled",
        "frequency_cap",
        "quiet_hours_start",
        "quiet_hours_end",
    )

    def has_add_permission(self, request):
        return not FollowupRules.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = 1
        super().save_model(request, obj, form, change)
