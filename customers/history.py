"""Who changed what on customers and cases: django-simple-history keeps one row per save, with
the author taken from the request by its middleware (HistoryRequestMiddleware; none for the
workers and commands), and this module reads those rows as changes: field, before, after.

Only saves are recorded: bulk_create and queryset.update() send no signal, so the import's
set-based merge, the purchase model's verdicts and the lifecycle sweep write no history (they are
the shop's data and the machine's verdicts, not a person's edit, and at a million customers they
must stay set-based). A save that writes only untracked fields (the SLA clocks a case keeps, the
search keys) leaves no row either.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import models
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

LATEST = 10  # changes shown on a page; the rest behind a link


class TrackedHistory(HistoricalRecords):
    """HistoricalRecords for saves of some fields (save(update_fields=...), as the services do):

    - a save of untracked fields only (the SLA clocks) leaves no row;
    - the row is the object as stored, read back by its primary key, not the instance in
      memory: an instance loaded before another edit would otherwise record that edit undone
      (its other fields are stale, and only `update_fields` reached the database)."""

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if created or update_fields is None or hasattr(instance, "skip_history_when_saving"):
            return super().post_save(instance, created, using=using, **kwargs)
        if set(update_fields) <= set(self.excluded_fields):
            return None
        stored = type(instance)._base_manager.using(using).filter(pk=instance.pk).first()
        if stored is None:
            return None
        if hasattr(instance, "_history_user"):
            stored._history_user = instance._history_user
        return super().post_save(stored, created, using=using, **kwargs)


@dataclass
class FieldChange:
    name: str
    label: str
    before: str
    after: str


@dataclass
class Change:
    at: dt.datetime
    author: object  # a user, or None (a worker, a command, the API without a person)
    kind: str  # created | changed | deleted
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def author_name(self) -> str:
        if self.author is None:
            return _("the system")
        return self.author.get_full_name() or self.author.get_username()


def shown(record, name: str) -> str:
    """A field's value as staff read it: choice labels, yes/no, local times, "—" for empty."""
    model_field = record._meta.get_field(name)
    if isinstance(model_field, models.ForeignKey):
        value = getattr(record, name, None)
    else:
        value = getattr(record, model_field.attname)
    if value in (None, ""):
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, models.Model) and hasattr(value, "get_username"):
        return value.get_full_name() or value.get_username()
    return Truncator(str(value)).chars(200)


def _tracked(record) -> list[str]:
    return [f.name for f in record.instance_type._meta.concrete_fields if f.name in _fields_of(record)]


def _fields_of(record) -> set[str]:
    excluded = {"id"}
    return {f.name for f in record.tracked_fields if f.editable} - excluded


def changes(history, *, start: int = 0, stop: int = LATEST) -> list[Change]:
    """The changes recorded from the `start`-th newest to before the `stop`-th, newest first.
    `history` is an object's history queryset (with select_related for its foreign keys): one
    query, whatever the fields."""
    records = list(
        history.select_related("history_user").order_by("-history_date", "-history_id")[start : stop + 1]
    )
    found = []
    for index, record in enumerate(records[: stop - start]):
        older = records[index + 1] if index + 1 < len(records) else None
        kind = {"+": "created", "-": "deleted"}.get(record.history_type, "changed")
        if kind == "changed" and older is None:
            kind = "recorded"  # the first state kept of an object older than its history
        change = Change(at=record.history_date, author=record.history_user, kind=kind)
        if older is not None and kind == "changed":
            delta = record.diff_against(older)
            names = set(delta.changed_fields) & _fields_of(record)
            for name in _tracked(record):
                if name in names:
                    label = str(record.instance_type._meta.get_field(name).verbose_name)
                    change.fields.append(FieldChange(name, label, shown(older, name), shown(record, name)))
            if not change.fields:
                continue  # a save that changed nothing tracked
        found.append(change)
    return found
