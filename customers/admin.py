"""Django admin: low-level data access for staff, built to stay fast over a million customers.

Foreign keys to customers and sales are raw ids or autocompletes (never a <select> of every row),
each changelist joins what it shows in its one query, and the big tables skip the second COUNT
over the whole table. Writes go through customers.services, as from any other edge: a delivery
edited here plans its follow-ups, a case resolved here plans its survey, every change is on the
timeline with the staff member who made it.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from customers import services
from customers.models import Complaint, Customer, Delivery, Sale, SaleLine, TimelineEntry
from postsale.lib import dates


class CustomerForm(forms.ModelForm):
    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        if value:
            dates.check(dates.birth_date_problem(value))
        return value


class SaleForm(forms.ModelForm):
    def clean_ordered_at(self):
        value = self.cleaned_data.get("ordered_at")
        if value:
            dates.check(dates.order_time_problem(value))
        return value


class DeliveryForm(forms.ModelForm):
    """The admin builds the form's fields; this adds the date rules across the sale."""

    def clean(self):
        cleaned = super().clean()
        sale = cleaned.get("sale") or getattr(self.instance, "sale", None)
        if sale is None or sale.ordered_at is None:  # a new sale's inline: SaleForm checks its time
            return cleaned
        # ordered_at is not a form field, so the model's own constraint check skips it.
        self.instance.ordered_at = sale.ordered_at
        for name, problem in dates.delivery_problems(cleaned, ordered_at=sale.ordered_at).items():
            if name in self.fields:
                self.add_error(name, problem)
        return cleaned


def _delivery_save(request, form, delivery: Delivery, *, sale: Sale) -> None:
    """A delivery form's changes, through the services (a new one through delivery_add)."""
    values = {
        name: form.cleaned_data.get(name) for name in form.changed_data if name in services.DELIVERY_FIELDS
    }
    if delivery.pk is None:
        services.delivery_add(sale=sale, author=request.user, **values)
        return
    stored = Delivery.objects.select_related("sale__customer").get(pk=delivery.pk)
    services.delivery_update(delivery=stored, author=request.user, **values)


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):  # "History": who changed what
    form = CustomerForm
    list_display = (
        "external_id",
        "name",
        "email",
        "language",
        "lifecycle_stage",
        "marketing_consent",
        "do_not_contact",
        "created_at",
    )
    list_filter = ("lifecycle_stage", "language", "marketing_consent", "do_not_contact")
    search_fields = ("external_id__exact", "email", "name")
    search_help_text = _("Exact external id, or part of the e-mail or name.")
    # When and how consent changed are the record of it: only consent_change writes them.
    readonly_fields = ("birthday_key", "consent_at", "consent_source", "created_at", "updated_at")
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        values = {
            name: form.cleaned_data.get(name)
            for name in services.CUSTOMER_FIELDS
            if name in form.cleaned_data
        }
        customer, _created = services.customer_upsert(external_id=obj.external_id, **values)
        cleared = [
            name
            for name in form.changed_data
            if name in services.CUSTOMER_FIELDS and form.cleaned_data.get(name) in (None, "")
        ]
        if cleared:  # the upsert never clears a field (the shop's rule); staff may
            services.customer_fields_clear(customer=customer, fields=cleared)
        obj.pk, obj.birthday_key = customer.pk, customer.birthday_key
        other = [
            name
            for name in form.changed_data
            if name not in services.CUSTOMER_FIELDS and name not in ("marketing_consent", "do_not_contact")
        ]
        if other:  # low-level fields the services do not own (the lifecycle stage by hand)
            for name in other:  # a save, not an UPDATE, so the change is in the history
                setattr(customer, name, form.cleaned_data[name])
            customer.save(update_fields=[*other, "updated_at"])
        if "marketing_consent" in form.changed_data:
            services.consent_change(
                customer=customer,
                marketing_consent=obj.marketing_consent,
                source="admin",
                author=request.user,
            )
        if "do_not_contact" in form.changed_data:
            services.do_not_contact_set(customer=customer, value=obj.do_not_contact, author=request.user)


class SaleLineInline(admin.TabularInline):
    model = SaleLine
    extra = 0
    fields = ("sku", "name", "category", "quantity", "unit_price", "amount")
    readonly_fields = ("amount",)

    @admin.display(description=_("amount"))
    def amount(self, line):
        return line.amount if line.pk else ""


class DeliveryInline(admin.StackedInline):
    model = Delivery
    form = DeliveryForm
    extra = 0
    max_num = 1
    readonly_fields = ("ordered_at", "status_changed_at", "updated_at")


@admin.register(Sale)
class SaleAdmin(admin.ModelAdmin):
    form = SaleForm
    list_display = (
        "external_id",
        "customer",
        "ordered_at",
        "channel",
        "total",
        "currency",
        "delivery__status",
    )
    # A date filter rather than a date hierarchy: its links are ranges on the index, where the
    # hierarchy first reads the distinct years of every sale.
    list_filter = ("ordered_at", "channel", "delivery__status")
    list_select_related = ("customer", "delivery")
    search_fields = ("external_id__exact", "customer__external_id__exact", "delivery__tracking_number__exact")
    search_help_text = _("Exact order id, customer external id or tracking number.")
    autocomplete_fields = ("customer",)
    readonly_fields = ("total", "created_at")
    inlines = (SaleLineInline, DeliveryInline)
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # The delivery copies the order time for its "not delivered before ordered" check;
        # a corrected order time comes from the shop through sale_record.
        return (*self.readonly_fields, "ordered_at") if obj else self.readonly_fields

    def save_formset(self, request, form, formset, change):
        if formset.model is not Delivery:
            return super().save_formset(request, form, formset, change)
        # What the admin's change message reads; the services did the writing.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for delivery_form in formset.forms:
            if delivery_form.has_changed() and not delivery_form.cleaned_data.get("DELETE"):
                _delivery_save(request, delivery_form, delivery_form.instance, sale=form.instance)
        return None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.sale_lines_changed(sale=form.instance)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    form = DeliveryForm
    list_display = (
        "sale",
        "customer",
        "carrier",
        "tracking_number",
        "status",
        "delay_reason",
        "promised_date",
        "estimated_date",
        "delivered_at",
    )
    list_filter = ("status", "delay_reason")
    list_select_related = ("sale__customer",)
    search_fields = ("tracking_number__exact", "sale__external_id__exact")
    search_help_text = _("Exact tracking number or order id.")
    raw_id_fields = ("sale",)
    readonly_fields = ("ordered_at", "status_changed_at", "updated_at")
    show_full_result_count = False

    @admin.display(description=_("customer"), ordering="sale__customer__name")
    def customer(self, delivery):
        return delivery.sale.customer

    def save_model(self, request, obj, form, change):
        _delivery_save(request, form, obj if change else Delivery(), sale=obj.sale)


@admin.register(Complaint)
class ComplaintAdmin(SimpleHistoryAdmin):
    list_display = (
        "__str__",
        "customer",
        "sale",
        "severity",
        "status",
        "source",
        "assignee",
        "opened_at",
        "sla_due_at",
        "resolved_at",
    )
    list_filter = ("status", "severity", "reason", "source", "compensation_kind")
    list_select_related = ("customer", "sale", "assignee")
    search_fields = (
        "customer__external_id__exact",
        "customer__email",
        "customer__name",
        "sale__external_id__exact",
    )
    search_help_text = _("Customer external id, e-mail or name, or exact order id.")
    date_hierarchy = "opened_at"
    autocomplete_fields = ("customer", "assignee")
    raw_id_fields = ("sale",)
    # The clocks are the services' to keep.
    readonly_fields = ("opened_at", "first_response_at", "resolved_at", "sla_due_at")

    def save_model(self, request, obj, form, change):
        data, user = form.cleaned_data, request.user
        if not change:
            opened = services.complaint_open(
                customer=data["customer"],
                sale=data.get("sale"),
                reason=data["reason"],
                severity=data["severity"],
                source=data["source"],
                description=data.get("description", ""),
                author=user,
            )
            obj.pk = opened.pk
            return
        case = Complaint.objects.select_related("customer").get(pk=obj.pk)
        changed = set(form.changed_data)
        if "assignee" in changed:
            case = services.complaint_assign(complaint=case, assignee=data["assignee"], author=user)
        if "severity" in changed:
            case = services.complaint_severity_set(complaint=case, severity=data["severity"], author=user)
        if changed & {"compensation_kind", "compensation_amount"}:
            case = services.complaint_compensate(
                complaint=case,
                author=user,
                kind=data.get("compensation_kind", ""),
                amount=data.get("compensation_amount"),
            )
        if "status" in changed:
            case = services.complaint_status_set(
                complaint=case, status=data["status"], author=user, note=data.get("resolution_note", "")
            )
        plain = changed & {"reason", "description", "sale", "resolution_note", "source"}
        if plain:
            for name in plain:  # a save, not an UPDATE, so the change is in the history
                setattr(case, name, data[name])
            case.save(update_fields=sorted(plain))


@admin.register(TimelineEntry)
class TimelineEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "customer", "kind", "what", "author")
    list_filter = ("kind",)
    list_select_related = ("customer", "author")
    search_fields = ("customer__external_id__exact", "customer__email__exact", "sale__external_id__exact")
    search_help_text = _("Exact customer external id, customer e-mail or order id.")
    # The model orders by time, which only the per-customer index serves; the newest rows by id
    # come straight from the primary key.
    ordering = ("-id",)
    raw_id_fields = ("customer", "sale", "complaint")
    autocomplete_fields = ("author",)
    show_full_result_count = False

    @admin.display(description=_("what happened"))
    def what(self, entry):
        return entry.text
