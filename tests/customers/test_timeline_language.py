"""The timeline stores what happened and reads in the reader's language (issue 14).

Every registered event has a sample here: a new event without one fails the first test, so no
kind of entry ships untested in either language.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from customers import timeline
from customers.models import TimelineEntry
from customers.services import (
    LineData,
    complaint_assign,
    complaint_compensate,
    complaint_open,
    complaint_resolve,
    complaint_severity_set,
    consent_change,
    note_add,
    sale_record,
)
from tests.customers.factories import CustomerFactory

# event -> (data, English, Spanish)
SAMPLES = {
    "consent.given": (
        {"source": "preferences page"},
        "Marketing consent given (preferences page)",
        "Consentimiento de marketing otorgado (página de preferencias)",
    ),
    "consent.withdrawn": (
        {"source": "one-click unsubscribe"},
        "Marketing consent withdrawn (one-click unsubscribe)",
        "Consentimiento de marketing retirado (baja en un clic)",
    ),
    "contact.blocked": ({}, "Do not contact: on", "No contactar: activado"),
    "contact.allowed": ({}, "Do not contact: off", "No contactar: desactivado"),
    "sale.recorded": (
        {"order": "A-1", "total": "1375.90", "currency": "EUR"},
        "Order A-1: €1,375.90",
        "Pedido A-1: 1\xa0375,90\xa0€",
    ),
    "delivery.changed": (
        {"order": "A-1", "status": "delivered"},
        "Delivery of A-1: Delivered",
        "Entrega de A-1: Entregada",
    ),
    "case.opened": (
        {"id": 7, "reason": "delivery_late"},
        "Case #7 opened: Delivery late",
        "Caso #7 abierto: Entrega con retraso",
    ),
    "case.assigned": (
        {"id": 7, "before": None, "after": "sergio"},
        "Case #7 assigned to sergio",
        "Caso #7 asignado a sergio",
    ),
    "case.answered": ({"id": 7}, "Case #7 answered", "Caso #7 respondido"),
    "case.customer_replied": (
        {"id": 7},
        "Case #7 back to support: the customer replied",
        "Caso #7 vuelve a soporte: el cliente ha respondido",
    ),
    "case.reopened": (
        {"id": 7, "why": "Sigue roto", "cause": "customer_replied"},
        "Case #7 reopened: the customer replied · Sigue roto",
        "Caso #7 reabierto: el cliente ha respondido · Sigue roto",
    ),
    "case.withdrawn": (
        {"id": 7, "cause": "delay_accept"},
        "Case #7 withdrawn by the customer: accepts the new date",
        "Caso #7 retirado por el cliente: acepta la nueva fecha",
    ),
    "case.compensation": (
        {"id": 7, "kind": "refund", "amount": "10.00", "currency": "EUR", "before": ["", ""]},
        "Compensation on case #7: Refund €10.00",
        "Compensación en el caso #7: Reembolso 10,00\xa0€",
    ),
    "case.resolved": ({"id": 7}, "Case #7 resolved", "Caso #7 resuelto"),
    "case.severity": (
        {"id": 7, "before": "low", "after": "high"},
        "Case #7 severity: High",
        "Gravedad del caso #7: Alta",
    ),
    "case.status": (
        {"id": 7, "before": "open", "after": "waiting_customer"},
        "Case #7: Waiting for customer",
        "Caso #7: Esperando al cliente",
    ),
    "case.breached": (
        {"id": 7, "clock": "resolution"},
        "Case #7 breached its Resolution target",
        "El caso #7 incumplió su objetivo de Resolución",
    ),
    "note": ({}, "Note", "Nota"),
    "call": ({}, "Call logged", "Llamada registrada"),
    "message.sent": (
        {"message_id": 1, "message_kind": "thank_you", "subject": "Gracias, Ana"},
        "Thank-you note: Gracias, Ana",
        "Mensaje de agradecimiento: Gracias, Ana",
    ),
    "message.queued_by_hand": (
        {"message_id": 1, "message_kind": "support_message"},
        "One-off mail queued: Message from support",
        "Correo puntual en cola: Mensaje de soporte",
    ),
    "consent.unsubscribed": (
        {"source": "unsubscribe page", "categories": ["promotional", "survey"]},
        "Unsubscribed (unsubscribe page) from Offers, Surveys",
        "Baja (página de baja) de Ofertas, Encuestas",
    ),
    "consent.preferences": (
        {"source": "preferences page", "categories": ["promotional"]},
        "E-mail preferences: opted out of Offers",
        "Preferencias de correo: se ha dado de baja de Ofertas",
    ),
    "delay.choice": (
        {"order": "A-1", "choice": "call"},
        "Delay of A-1: the customer asks for a call",
        "Retraso de A-1: el cliente pide que le llamen",
    ),
    "case.delay_choice": (
        {"id": 7, "choice": "cancel"},
        "Case #7: the customer now wants to cancel the order",
        "Caso #7: ahora el cliente quiere cancelar el pedido",
    ),
    # The customer's own words stay as written; only our part is translated.
    "reply.received": ({"subject": ""}, "(no subject)", "(sin asunto)"),
    "answer.recorded": (
        {"survey_type": "nps", "score": 9, "ces_score": None, "comment": "Muy bien", "changed": True},
        "Answer changed: NPS 9 — 'Muy bien'",
        "Respuesta cambiada: NPS 9 — 'Muy bien'",
    ),
}


def test_every_registered_event_has_a_sample_here():
    assert sorted(SAMPLES) == timeline.events()


@pytest.mark.parametrize("event", sorted(SAMPLES))
def test_each_kind_of_entry_reads_in_english_and_in_spanish(event):
    data, english, spanish = SAMPLES[event]

    with translation.override("en"):
        assert timeline.entry_text(event=event, data=data) == english
    with translation.override("es"):
        assert timeline.entry_text(event=event, data=data) == spanish


def test_an_entry_from_before_events_shows_its_stored_sentence():
    assert timeline.entry_text(event="", data={}, summary="Pedido A-1: 10 €") == "Pedido A-1: 10 €"


def test_data_that_no_longer_fits_falls_back_instead_of_failing():
    text = timeline.entry_text(event="case.opened", data={"id": 1}, summary="Caso #1 abierto")
    assert text == "Caso #1 abierto"
    with translation.override("en"):
        assert timeline.entry_text(event="case.opened", data={"id": 1, "reason": "gone"}) == (
            "Case #1 opened: gone"
        )


def test_writing_an_unregistered_event_is_refused(db):
    from customers.services import timeline_add

    with pytest.raises(ValueError, match="unknown timeline event"):
        timeline_add(customer=CustomerFactory(), kind="note", event="no.such.event")


@pytest.fixture
def history_written_in_spanish(support):
    """A customer's history as the services write it, with Spanish active while writing."""
    with translation.override("es"):
        customer = CustomerFactory(name="Ana Díaz")
        sale = sale_record(
            external_id="ES-1",
            customer=customer,
            ordered_at=timezone.now() - dt.timedelta(days=3),
            lines=[LineData(name="Zapatillas", quantity=1, unit_price=Decimal("89.90"))],
        ).sale
        consent_change(customer=customer, marketing_consent=True, source="preferences page")
        case = complaint_open(customer=customer, sale=sale, reason="delivery_late", severity="low")
        complaint_assign(complaint=case, assignee=support, author=support)
        complaint_severity_set(complaint=case, severity="high", author=support)
        complaint_compensate(complaint=case, kind="voucher", amount=Decimal("5"), author=support)
        complaint_resolve(complaint=case, resolution_note="Cupón enviado", author=support)
        note_add(customer=customer, text="Llamar el lunes", author=support)
    return customer, case


ENGLISH = [
    "Order ES-1: €89.90",
    "Marketing consent given (preferences page)",
    "opened: Delivery late",
    "assigned to sergio",
    "severity: High",
    "Voucher €5.00",
    "resolved",
]
SPANISH = [
    "Pedido ES-1: 89,90\xa0€",
    "Consentimiento de marketing otorgado (página de preferencias)",
    "abierto: Entrega con retraso",
    "asignado a sergio",
    "Gravedad del caso",
    "Vale 5,00\xa0€",
    "resuelto",
]


def test_the_customer_page_reads_fully_in_the_readers_language(support_client, history_written_in_spanish):
    customer, _case = history_written_in_spanish
    url = f"/customers/{customer.pk}/"

    english = support_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    spanish = support_client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    for phrase in ENGLISH:
        assert phrase in english
        assert phrase not in spanish
    for phrase in SPANISH:
        assert phrase in spanish
        assert phrase not in english
    # The people's own words are shown as written, in both.
    assert "Llamar el lunes" in english and "Llamar el lunes" in spanish


def test_the_case_page_thread_reads_in_the_readers_language(support_client, history_written_in_spanish):
    _customer, case = history_written_in_spanish

    english = support_client.get(f"/support/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f"Case #{case.pk} assigned to sergio" in english
    assert f"Caso #{case.pk}" not in english


def test_entries_store_facts_not_sentences(history_written_in_spanish):
    customer, case = history_written_in_spanish

    stored = {e.event: e for e in TimelineEntry.objects.filter(customer=customer)}

    assert stored["sale.recorded"].data == {"order": "ES-1", "total": "89.90", "currency": "EUR"}
    assert stored["case.severity"].data == {"id": case.pk, "before": "low", "after": "high"}
    assert all(entry.summary == "" for entry in stored.values())
