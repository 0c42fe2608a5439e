"""Reads compiled once per process (postsale/lib/compiled.py) return what their querysets return:
the same rows, the same loaded fields, the same related objects attached."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from customers.choices import DeliveryStatus
from customers.models import Customer, Sale
from followups import outbox
from followups.models import Kind, SendMark, State
from postsale.lib.compiled import CompiledRead
from surveys import selectors
from tests.customers.factories import ComplaintFactory, CustomerFactory, DeliveryFactory
from tests.surveys.conftest import Surveyed, delivered_sale, sent_message

pytestmark = pytest.mark.django_db


def snapshot(obj, seen=()):
    """A row as the caller sees it: its loaded fields and, recursively, the objects attached."""
    if obj is None:
        return None
    deferred = obj.get_deferred_fields()
    fields = [f.attname for f in obj._meta.concrete_fields if f.attname not in deferred]
    values = {name: getattr(obj, name) for name in fields}
    attached = {
        name: snapshot(related, (*seen, obj)) if related not in seen else "…"
        for name, related in obj._state.fields_cache.items()
    }
    return type(obj).__name__, values, attached


def same_as_queryset(read: CompiledRead, *values):
    compiled = [snapshot(row) for row in read(*values)]
    expected = [snapshot(row) for row in read._build(*values)]
    assert compiled == expected
    return compiled


@pytest.fixture
def shop(db):
    """A late order with two surveys (one answered), an open and a closed case, a delay notice
    answered and one not, and a mail the ESP has accepted but whose batch has not recorded it."""
    customer = CustomerFactory(name="Lucía Fernández Ruiz", language="es")
    delivery = DeliveryFactory(
        sale__customer=customer,
        status=DeliveryStatus.DELAYED,
        estimated_date=timezone.localdate() + dt.timedelta(days=9),
    )
    sale = delivery.sale
    answered = Surveyed(sent_message(sale=sale))
    pending = Surveyed(sent_message(sale=sale))
    answered.invitation.answered_at = timezone.now()
    answered.invitation.save()
    closed = ComplaintFactory(
        customer=customer,
        sale=sale,
        status="resolved",
        opened_at=timezone.now() - dt.timedelta(days=3),
        resolved_at=timezone.now() - dt.timedelta(days=1),
    )
    opened = ComplaintFactory(customer=customer, sale=sale, status="in_progress")
    sent_message(kind=Kind.DELAY_NOTICE, sale=sale, data={"choice": "accept"})
    notice = sent_message(kind=Kind.DELAY_NOTICE, sale=sale)
    marked = sent_message(kind=Kind.THANK_YOU, sale=sale)
    marked.state, marked.sent_at = State.SENDING, None
    marked.save()
    SendMark.objects.create(message=marked, accepted_at=timezone.now())
    return {
        "sale": sale,
        "answered": answered,
        "pending": pending,
        "closed": closed,
        "opened": opened,
        "notice": notice,
        "marked": marked,
    }


def test_the_survey_link_read_matches_its_queryset(shop):
    for survey in (shop["answered"], shop["pending"]):
        digest = selectors.token_hash(survey.token)
        (row,) = same_as_queryset(selectors._LINK, digest)
        assert row[2]["invitation"][1]["id"] == survey.invitation.pk
    assert same_as_queryset(selectors._LINK, "no-such-hash") == []


def test_the_message_link_read_matches_its_queryset_sent_or_only_marked(shop):
    for message in (shop["notice"], shop["marked"]):
        (row,) = same_as_queryset(outbox._BY_TOKEN, message.token_hash)
        assert row[1]["id"] == message.pk and row[2]["customer"][1]["name"] == "Lucía Fernández Ruiz"
    assert outbox.message_by_token(shop["marked"].token_hash).sent_at is not None  # the mark's time
    assert same_as_queryset(outbox._BY_TOKEN, "no-such-hash") == []


def test_the_order_page_reads_match_their_querysets(shop):
    sale, now = shop["sale"], timezone.now()
    (pending,) = same_as_queryset(selectors._PENDING, sale.pk, now)
    assert pending[1]["id"] == shop["pending"].invitation.pk
    (case,) = same_as_queryset(selectors._OPEN_CASE, sale.pk)
    assert case[1]["id"] == shop["opened"].pk
    (last,) = same_as_queryset(selectors._LAST_CASE, sale.pk)
    (notice,) = same_as_queryset(selectors._DELAY_NOTICE, sale.pk)
    assert notice[1]["id"] == shop["notice"].pk
    other = Sale.objects.exclude(pk=sale.pk).values_list("pk", flat=True).first() or -1
    for read in (selectors._OPEN_CASE, selectors._LAST_CASE, selectors._DELAY_NOTICE):
        assert same_as_queryset(read, other) == []


def test_a_time_argument_is_the_callers_not_the_first_calls(shop):
    sale, invitation = shop["sale"], shop["pending"].invitation
    assert selectors._PENDING.first(sale.pk, timezone.now()).pk == invitation.pk
    after_expiry = invitation.expires_at + dt.timedelta(seconds=1)
    assert same_as_queryset(selectors._PENDING, sale.pk, after_expiry) == []
    before_expiry = invitation.expires_at - dt.timedelta(seconds=1)
    assert selectors._PENDING.first(sale.pk, before_expiry).pk == invitation.pk


def test_attached_objects_cost_no_further_query(shop, django_assert_num_queries):
    digest = selectors.token_hash(shop["answered"].token)
    with django_assert_num_queries(1):
        invitation = selectors._LINK.first(digest).invitation
        assert invitation.customer.first_name == "Lucía"
        assert invitation.sale.external_id == shop["sale"].external_id
        assert getattr(invitation, "answer", None) is None  # attached as "none", not queried
    with django_assert_num_queries(1):
        message = outbox._BY_TOKEN.first(shop["notice"].token_hash)
        assert message.sale.delivery.status == DeliveryStatus.DELAYED
        assert message.complaint is None


def test_a_read_is_built_and_compiled_once(db):
    CustomerFactory(name="Ana")
    builds = []

    def build(name):
        builds.append(name)
        return Customer.objects.filter(name=name).order_by("pk")

    read = CompiledRead(build, str)
    assert [c.name for c in read("Ana")] == ["Ana"]
    first = len(builds)
    assert read("Nadie") == [] and read("Ana")[0].name == "Ana"
    assert len(builds) == first <= 2


def test_a_value_that_does_not_reach_the_sql_is_refused(db):
    read = CompiledRead(lambda name, pk: Customer.objects.filter(name=name), str, int)
    with pytest.raises(ImproperlyConfigured, match=r"arguments \[1\] do not reach"):
        read("Ana", 1)


def test_wrong_arguments_and_kinds_are_refused(db):
    with pytest.raises(ImproperlyConfigured, match="arguments, not"):
        CompiledRead(lambda x: Customer.objects.filter(pk=x), float)
    read = CompiledRead(lambda pk: Customer.objects.filter(pk=pk), int)
    with pytest.raises(TypeError, match="takes 1 values, got 2"):
        read(1, 2)
    prefetching = CompiledRead(lambda pk: Customer.objects.filter(pk=pk).prefetch_related("sales"), int)
    with pytest.raises(ImproperlyConfigured, match="cannot prefetch"):
        prefetching(1)


def test_json_and_dates_come_back_converted(db):
    sale = delivered_sale()
    notice = sent_message(kind=Kind.DELAY_NOTICE, sale=sale, data={"reason": "huelga", "n": 2})
    read = CompiledRead(lambda pk: type(notice).objects.filter(pk=pk), int)
    row = read.first(notice.pk)
    assert row.data == {"reason": "huelga", "n": 2}
    assert row.sent_at == type(notice).objects.get(pk=notice.pk).sent_at and row.sent_at.tzinfo is not None
