"""Django admin for surveys: read-only, because answers are the customers' words.

Foreign keys show as raw ids (never a <select> of every customer), and the big changelists skip
the second COUNT over the whole table. Link hashes are not shown: they open nothing by themselves.
"""

from django.contrib import admin

from surveys.models import Answer, AnswerRevision, Invitation


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "customer",
        "survey_type",
        "sale",
        "complaint",
        "created_at",
        "expires_at",
        "answered_at",
        "reminded_at",
    )
    list_filter = ("survey_type",)
    list_select_related = ("customer", "sale", "complaint")
    raw_id_fields = ("message", "customer", "sale", "complaint")
    search_fields = ("customer__external_id", "sale__external_id")
    date_hierarchy = "created_at"


class RevisionInline(admin.TabularInline):
    model = AnswerRevision
    extra = 0
    can_delete = False
    fields = (
        "submitted_at",
        "score",
        "ces_score",
        "would_buy_again",
        "comment",
        "reasons",
        "seconds_since_page_served",
        "ip",
        "user_agent",
        "flagged",
        "flag_reason",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "customer",
        "survey_type",
        "score",
        "ces_score",
        "would_buy_again",
        "flagged",
        "complaint",
        "answered_at",
        "updated_at",
    )
    list_filter = ("survey_type", "flagged")
    list_select_related = ("customer", "complaint")
    raw_id_fields = ("invitation", "customer", "complaint")
    search_fields = ("customer__external_id", "comment")
    date_hierarchy = "answered_at"
    inlines = [RevisionInline]


@admin.register(AnswerRevision)
class AnswerRevisionAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "answer",
        "score",
        "submitted_at",
        "seconds_since_page_served",
        "flagged",
        "flag_reason",
        "ip",
    )
    list_filter = ("flagged", "flag_reason")
    raw_id_fields = ("answer",)
    date_hierarchy = "submitted_at"
