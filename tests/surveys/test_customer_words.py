"""What customers read is in their words: the order page's case sentence, the case survey that
asks, the survey's reasons, the unsubscribe page that says what stops and what does not, amounts
by locale, and pages in the customer's (else the browser's) language. Staff keep their wording."""

import re
import secrets
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from bench.showcase import seed
from customers.choices import Reason, TimelineKind
from customers.models import TimelineEntry
from followups.models import Category, Kind, Message, Suppression
from postsale.lib.money import money
from surveys.definitions import CUSTOMER_REASONS
from tests.people import person_client

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.parametrize("language", ["es", "en"])
def test_every_reason_has_the_customers_own_phrasing_in_both_languages(language):
    assert set(CUSTOMER_REASONS) == set(Reason)
    with translation.override(language):
        for reason in Reason:
            assert str(CUSTOMER_REASONS[reason]) != str(reason.label)
    with translation.override("es"):
        spanish = {str(label) for label in CUSTOMER_REASONS.values()}
    with translation.override("en"):
        english = {str(label) for label in CUSTOMER_REASONS.values()}
    assert not spanish & english  # every one translated


@pytest.mark.parametrize(
    ("language", "theirs", "staffs"),
    [
        ("es", "Tenía prisa", "Cliente inquieto o con prisa"),
        ("en", "The advice I got was not helpful", "Advice felt unprofessional"),
    ],
)
def test_the_survey_lists_reasons_as_the_customer_says_them(language, theirs, staffs):
    page = text(person_client().get(seed(language).survey))
    assert theirs in page and staffs not in page


def test_the_order_page_tells_an_open_case_in_a_sentence_that_agrees():
    show = seed("es")
    page = text(person_client().get(show.order))
    assert f"Tu caso n.º {show.case_id}: lo estamos revisando." in page
    assert "Abierta" not in page


def test_the_order_page_tells_when_a_case_was_solved():
    show = seed("en", case_solved=True)
    page = text(person_client().get(show.order))
    assert re.search(rf"Your case #{show.case_id}: solved on \w+\.? \d+, \d{{4}}\.", page), page


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_case_survey_asks_and_does_not_presume(language):
    context = {"first_name": "Lucía", "complaint": None, "survey": {"question": "?", "scale": [(1, "#")]}}
    body = render_to_string(f"emails/{language}/case_survey.txt", context)
    assert "satisfecho" not in body and "whether you are satisfied" not in body
    assert ("¿Qué tal lo hicimos?" if language == "es" else "How did we do?") in body


def test_unsubscribing_from_a_delay_notice_says_what_stops_then_what_does_not():
    show = seed("es")
    client = person_client()
    page = text(client.get(show.unsubscribe))
    stops, stays = page.index("dejarás de recibir"), page.index("Estos seguirán llegando")
    assert stops < stays
    for label in ("Consejos y felicitaciones", "Encuestas", "Ofertas"):
        label_at = page.find(label, stops)
        assert stops < label_at < stays, label
    assert page.find("Avisos de pedidos", stays) > stays
    done = text(client.post(show.unsubscribe, {"List-Unsubscribe": "One-Click"}))
    assert "Ya no recibirás" in done and "Seguirás recibiendo: Avisos de pedidos" in done
    # and it does what the page said: every optional category, never the order updates
    assert set(Suppression.objects.values_list("category", flat=True)) == {
        Category.RELATIONSHIP,
        Category.SURVEY,
        Category.PROMOTIONAL,
    }


def test_unsubscribing_from_a_survey_stops_surveys_only_and_says_tips_still_come():
    seed("en")
    survey = Message.objects.get(kind=Kind.SURVEY)
    from followups.dispatch import message_token

    path = f"/c/u/{message_token(survey)}/"
    page = text(person_client().get(path))
    assert page.index("Surveys") < page.index("These will not stop") < page.index("Order updates")
    assert page.index("Tips and greetings") > page.index("These will not stop")
    person_client().post(path, {"List-Unsubscribe": "One-Click"})
    assert list(Suppression.objects.values_list("category", flat=True)) == [Category.SURVEY]


def test_a_second_one_click_unsubscribe_records_nothing():
    show = seed("es")
    consent_entries = TimelineEntry.objects.filter(kind=TimelineKind.CONSENT)
    person_client().post(show.unsubscribe, {"List-Unsubscribe": "One-Click"})
    after_first = consent_entries.count()
    assert after_first == 1
    second = person_client().post(show.unsubscribe, {"List-Unsubscribe": "One-Click"})
    assert second.status_code == 200
    assert consent_entries.count() == after_first


@pytest.mark.parametrize(("language", "expected"), [("es", f"1{NBSP}375,90{NBSP}€"), ("en", "€1,375.90")])
def test_money_reads_by_locale(language, expected):
    assert money(Decimal("1375.9"), "EUR", language=language) == expected
    assert money(None) == ""


def test_the_sales_table_and_the_timeline_write_the_amount_alike(manager_client):
    with translation.override("es"):
        show = seed("es")
    from customers.models import Customer

    customer = Customer.objects.get(external_id=f"SHOW-{show.language}")
    amount = money(Decimal("1375.90"), "EUR", language="es")
    entry = TimelineEntry.objects.get(customer=customer, kind=TimelineKind.SALE)
    with translation.override("es"):
        assert entry.text.endswith(amount)
    page = manager_client.get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="es")
    assert page.content.decode().count(amount) >= 2  # the sales table and the timeline


@pytest.mark.parametrize(("language", "amount"), [("es", f"1{NBSP}375,90{NBSP}€"), ("en", "€1,375.90")])
def test_the_thank_you_mail_shows_the_total_in_the_customers_format(language, amount):
    from followups import emails
    from followups.outbox import message_plan

    seed(language)
    sale = Message.objects.get(kind=Kind.SURVEY).sale
    message = message_plan(
        kind=Kind.THANK_YOU,
        customer_id=sale.customer_id,
        sale_id=sale.pk,
        dedupe_key="thanks",
        planned_at=sale.ordered_at,
        expires_at=sale.ordered_at,
    )
    rendered = emails.render(message, "t" * 32)
    assert amount in rendered.text and amount in rendered.html


@pytest.mark.parametrize(("language", "name"), [("es", "Reglas de seguimiento"), ("en", "Follow-up rules")])
def test_the_navigation_and_the_rules_page_use_one_name(manager_client, language, name):
    page = manager_client.get("/followups/rules/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'/followups/rules/">{name}</a>' in page and f"<h1>{name}</h1>" in page
    assert ">Ajustes<" not in page and ">Settings<" not in page


@pytest.mark.parametrize(
    ("accept", "title", "code"),
    [
        ("en-GB,en;q=0.9", "This link is not valid", "en"),
        ("es-ES,es;q=0.9", "Este enlace no es válido", "es"),
    ],
)
def test_the_not_valid_page_speaks_the_browsers_language(accept, title, code):
    response = person_client().get(f"/c/s/{secrets.token_urlsafe(24)}/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 404 and response["Content-Language"] == code
    assert title in response.content.decode()


def test_a_customers_own_page_keeps_their_language_whatever_the_browser():
    show = seed("en")
    response = person_client().get(show.order, HTTP_ACCEPT_LANGUAGE="es")
    assert response["Content-Language"] == "en" and "Hello Emma" in response.content.decode()
