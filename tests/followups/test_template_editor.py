"""The template editor saves only templates that render, previews drafts exactly as they would
be sent, and survives a broken template saved before these checks existed."""

import datetime as dt
import html

import pytest
from django.utils import timezone

from followups import drafts, emails
from followups.dispatch import dispatch_due, message_token
from followups.models import CUSTOMER_KINDS, Kind, Message, MessageTemplate

THANK_YOU = "/followups/templates/thank_you/en/"
DELAY_NOTICE = "/followups/templates/delay_notice/en/"


def draft(**values):
    return {
        "subject": "Thanks, {{ first_name }}",
        "text_body": "Order {{ sale.external_id }}",
        "html_body": "",
        **values,
    }


@pytest.fixture
def customers(shop):
    """One customer of each shape: with a late delivery and a case, with nothing."""
    late = shop.sale(
        shop.customer("Ana Pérez", language="en"),
        delivery={"promised_date": timezone.localdate() + dt.timedelta(days=2)},
    )
    shop.open_case(late.customer, late)
    shop.customer("Bea Ruiz")
    return late.customer


@pytest.mark.parametrize("field", ["subject", "text_body", "html_body"])
def test_a_template_that_cannot_render_is_refused_with_the_reason(manager_client, field):
    # An empty database: the made-up sample customers still render the draft.
    response = manager_client.post(
        THANK_YOU, draft(**{field: '{% include "missing.txt" %}'}), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    (error,) = response.context["form"].errors[field]
    assert "cannot be rendered" in error and "missing.txt" in error
    assert not MessageTemplate.objects.exists()


def test_an_unknown_filter_argument_fails_rendering_and_is_named_briefly(manager_client):
    response = manager_client.post(
        THANK_YOU, draft(text_body="{{ first_name|default:nombre }}"), HTTP_ACCEPT_LANGUAGE="en"
    )
    errors = response.context["form"].errors["text_body"]
    assert "there is no variable “nombre”" in errors[0] and len(errors[0]) < 200


def test_a_kind_always_about_a_sale_is_not_checked_against_customers_without_one(manager_client, customers):
    body = (
        "{% load i18n %}{% blocktranslate count n=sale.lines.count %}{{ n }} item{% plural %}"
        "{{ n }} items{% endblocktranslate %}"
    )
    assert manager_client.post(THANK_YOU, draft(text_body=body)).status_code == 302
    birthday = manager_client.post("/followups/templates/birthday/en/", draft(text_body=body))
    assert "must be a number" in birthday.context["form"].errors["text_body"][0]


def test_a_template_that_fails_only_for_some_customers_is_refused(manager_client):
    # Only the made-up customer's case is about an order: the branch fails for them alone.
    response = manager_client.post(
        "/followups/templates/case_survey/en/",
        draft(text_body="{% if complaint.sale %}{% url 'no-such-page' %}{% endif %}Hi"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    (error,) = response.context["form"].errors["text_body"]
    assert "for a sample customer with a late order and a case: NoReverseMatch" in error
    assert not MessageTemplate.objects.exists()


def test_the_page_of_a_broken_template_saved_earlier_opens_and_says_what_is_wrong(manager_client, customers):
    MessageTemplate.objects.create(
        kind=Kind.THANK_YOU, language="en", subject="Hi", text_body='{% include "missing.txt" %}'
    )
    page = manager_client.get(THANK_YOU, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "every mail of this kind fails" in page.content.decode()
    assert "missing.txt" in page.context["preview_error"]
    assert "include &quot;missing.txt&quot;" in page.content.decode()  # the form holds it to fix
    fixed = manager_client.post(THANK_YOU, draft(), follow=True)
    assert fixed.redirect_chain and not fixed.context["preview_error"]
    assert MessageTemplate.objects.get().text_body == "Order {{ sale.external_id }}"


def test_preview_renders_the_draft_without_saving_it(manager_client, customers):
    response = manager_client.post(
        THANK_YOU, {**draft(html_body="<p>Hi <b>{{ first_name }}</b></p>"), "preview": "1"}
    )
    assert response.status_code == 200 and response.context["draft"]
    preview = response.context["preview"]
    assert preview.subject == "Thanks, Ana"
    assert preview.text.startswith("Order S")
    assert not MessageTemplate.objects.exists()
    page = response.content.decode()
    assert '<iframe class="mail-html" sandbox=""' in page
    assert f'srcdoc="{html.escape(preview.html)}"' in page
    assert "<b>Ana</b>" not in page  # the mail's HTML is one attribute value, not the page's
    assert "<p>Hi <b>Ana</b></p>" in preview.html


def test_preview_of_a_refused_draft_shows_the_errors_and_saves_nothing(manager_client):
    response = manager_client.post(THANK_YOU, {**draft(subject="{{ frist_name }}"), "preview": "1"})
    assert response.context["form"].errors["subject"] and not response.context["draft"]
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize("override", [False, True])
def test_the_preview_is_the_mail_that_is_sent(manager_client, customers, outbox_mail, override):
    if override:
        manager_client.post(THANK_YOU, draft(html_body="<p>{{ first_name }} · {{ order_url }}</p>"))
    preview = manager_client.get(THANK_YOU + f"?customer={customers.pk}").context["preview"]
    dispatch_due()
    message = Message.objects.get(kind=Kind.THANK_YOU, customer=customers)
    (sent,) = [m for m in outbox_mail if m.to == [customers.email]]
    token = message_token(message)
    assert sent.subject == preview.subject
    assert sent.body.replace(token, "preview") == preview.text
    assert sent.alternatives[0][0].replace(token, "preview") == preview.html


def test_an_unknown_variable_is_refused_with_a_suggestion(manager_client):
    response = manager_client.post(
        THANK_YOU, draft(text_body="Hi {{ frist_name }}"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.context["form"].errors["text_body"] == [
        "Unknown variable {{ frist_name }}: did you mean {{ first_name }}?"
    ]


@pytest.mark.parametrize(
    "body",
    [
        "{% load i18n %}{% blocktranslate %}Hi {{ frist_name }}{% endblocktranslate %}",
        "{% if sale and delay_url %}x{% endif %}",  # thank-you notes have no delay link
        "{{ first_name|default:nombre }}",
    ],
)
def test_unknown_names_are_found_inside_tags_and_filters(manager_client, body):
    response = manager_client.post(THANK_YOU, draft(text_body=body))
    assert response.context["form"].errors["text_body"], body


def test_a_misspelt_attribute_is_a_warning_and_names_the_template_binds_are_known(manager_client, customers):
    body = (
        "{% for line in sale.lines.all %}{{ line.name }}{% endfor %}{% with n=first_name %}"
        "{{ n }}{% endwith %}{% url 'home' as home %}{{ home }} {{ customer.nmae }}"
    )
    response = manager_client.post(THANK_YOU, draft(text_body=body), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert MessageTemplate.objects.get().text_body == body
    notes = [str(m) for m in response.context["messages"]]
    assert "{{ customer.nmae }} is empty for every sample customer: is it spelt right?" in notes


@pytest.mark.parametrize(
    "text_body",
    [
        "Your order is late.",
        "Your order is late. {% if False %}{{ delay_url }}{% endif %}",
    ],
)
def test_a_delay_notice_without_its_choice_link_cannot_be_saved(manager_client, text_body):
    response = manager_client.post(DELAY_NOTICE, draft(text_body=text_body), HTTP_ACCEPT_LANGUAGE="en")
    assert "put {{ delay_url }} in the text body" in response.context["form"].errors["text_body"][0]
    assert not MessageTemplate.objects.exists()


def test_a_delay_notice_with_an_html_body_needs_the_link_there_too(manager_client):
    response = manager_client.post(
        DELAY_NOTICE, draft(text_body="Choose: {{ delay_url }}", html_body="<p>Late</p>")
    )
    assert response.context["form"].errors["html_body"]
    saved = manager_client.post(DELAY_NOTICE, draft(text_body="Choose: {{ delay_url }}"))
    assert saved.status_code == 302 and MessageTemplate.objects.get(kind=Kind.DELAY_NOTICE)


@pytest.mark.parametrize("language", emails.LANGUAGES)
@pytest.mark.parametrize("kind", [k.value for k in CUSTOMER_KINDS])
def test_every_shipped_template_passes_the_checks_as_a_starting_point(customers, kind, language):
    result = drafts.check(
        MessageTemplate(kind=kind, language=language, **emails.shipped_template(kind, language))
    )
    assert result.errors == {} and result.warnings == []


def test_the_editor_page_works_on_an_empty_database(manager_client):
    page = manager_client.get(DELAY_NOTICE)
    assert page.status_code == 200 and "PED-1042" in page.context["preview"].subject
    assert "/c/d/preview/" in page.context["preview"].text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_preview_shows_the_html_in_a_frame_where_scripts_do_not_run(site, manager):
    from django.test import Client

    from tests.browser import chromium_page

    client = Client()
    client.force_login(manager)
    session = client.cookies["sessionid"].value
    with chromium_page() as page:
        page.context.add_cookies([{"name": "sessionid", "value": session, "url": site}])
        page.goto(site + THANK_YOU)
        page.fill(
            "#id_html_body",
            "<h2>Hola {{ first_name }}</h2><script>document.body.innerHTML = 'scripted'</script>",
        )
        page.click("button[name=preview]")
        page.wait_for_load_state()
        framed = page.frame_locator("iframe.mail-html").locator("body").inner_text()
        outside = page.inner_text("main")
    assert "Hola Ana" in framed and "scripted" not in framed
    assert "Hola Ana" not in outside  # the mail is inside the frame, not part of the page
