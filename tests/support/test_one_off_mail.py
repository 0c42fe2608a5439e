"""A one-off mail from the customer page: preview in the customer's language, then send through
the outbox; the engine's rules are asked first and a blocked send names its rule."""

import re
import uuid

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone, translation

from customers import services
from customers.choices import TimelineKind
from followups.dispatch import dispatch_due
from followups.models import Category, Kind, Message, Reason, State, Suppression
from tests.browser import chromium_page
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


def preview_url(customer):
    return reverse("customers:one_off_preview", args=[customer.pk])


def send_url(customer):
    return reverse("customers:one_off_send", args=[customer.pk])


def form(kind=Kind.SUPPORT_MESSAGE, **values):
    return {"kind": kind, "nonce": uuid.uuid4().hex, "subject": "", "text": "", "sale": "", **values}


def label(reason: str, language: str = "es") -> str:
    with translation.override(language):
        return str(Reason(reason).label)


@pytest.mark.parametrize(
    ("language", "greeting", "subject"),
    [
        ("es", "Hola, Zoë:", "Zoë, un mensaje de nuestro equipo"),
        ("en", "Hello Zoë,", "Zoë, a message from our team"),
    ],
)
def test_the_preview_renders_the_customer_name_in_their_language(
    support_client, shop, language, greeting, subject
):
    customer = shop.customer(name="Zoë Martín", language=language)
    response = support_client.post(preview_url(customer), form(text="Tu pedido sale mañana."))
    assert response.status_code == 200
    rendered = response.context["rendered"]
    assert rendered.subject == subject
    assert rendered.text.startswith(greeting) and "Tu pedido sale mañana." in rendered.text
    assert "Zoë" in rendered.html and "Tu pedido sale mañana." in rendered.html
    assert response.context["verdict"].blocked is False
    assert 'data-verdict="send"' in response.content.decode()
    assert not Message.objects.filter(kind=Kind.SUPPORT_MESSAGE).exists()


def test_the_agent_subject_replaces_the_template_subject(support_client, shop):
    customer = shop.customer(name="Ana Díaz")
    response = support_client.post(preview_url(customer), form(text="Hola", subject="Tu devolución"))
    assert response.context["rendered"].subject == "Tu devolución"


def test_a_send_queues_one_outbox_message_that_the_workers_send(support_client, support, shop, outbox_mail):
    customer = shop.customer(name="Ana Díaz", email="ana@example.com")
    posted = form(text="Hemos recibido tu devolución.")
    response = support_client.post(send_url(customer), posted)
    assert response.status_code == 302 and response.url == reverse("customers:detail", args=[customer.pk])
    # the same form again (a double click) queues nothing more
    support_client.post(send_url(customer), posted)
    (message,) = Message.objects.filter(kind=Kind.SUPPORT_MESSAGE)
    assert (message.customer, message.category, message.state) == (
        customer,
        Category.TRANSACTIONAL,
        State.PLANNED,
    )
    entry = customer.timeline.get(kind=TimelineKind.MESSAGE)
    assert entry.author == support and entry.data == {
        "message_id": message.pk,
        "message_kind": "support_message",
    }

    dispatch_due()
    message.refresh_from_db()
    assert message.state == State.SENT
    (mail,) = outbox_mail
    assert mail.to == ["ana@example.com"]
    assert "Hemos recibido tu devolución." in mail.body and "Hola, Ana:" in mail.body
    page = support_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert '<span class="hint">· Sergio</span>' in page  # the timeline names the author


def test_an_htmx_send_redirects_the_page_in_place(support_client, shop):
    customer = shop.customer()
    response = support_client.post(send_url(customer), form(text="Hola"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("customers:detail", args=[customer.pk])
    assert Message.objects.filter(kind=Kind.SUPPORT_MESSAGE).count() == 1


def _no_consent(shop):
    return shop.customer(), form(Kind.WINBACK, text="10% en tu próxima compra")


def _paused(shop):
    customer = shop.customer()
    services.do_not_contact_set(customer=customer, value=True)
    return customer, form(text="Hola")


def _hard_bounce(shop):
    customer = shop.customer(email="gone@example.com")
    Suppression.objects.create(email="gone@example.com", category="", reason="hard_bounce")
    return customer, form(text="Hola")


def _open_case(shop):
    customer = shop.customer()
    services.consent_change(customer=customer, marketing_consent=True, source="test")
    shop.open_case(customer)
    return customer, form(Kind.WINBACK)


def _moments_ago(shop):
    customer = shop.customer()
    sale = shop.sale(customer)
    now = timezone.now()
    Message.objects.create(
        kind=Kind.THANK_YOU,
        category=Category.TRANSACTIONAL,
        customer=customer,
        sale=sale,
        dedupe_key="test:sent",
        planned_at=now,
        expires_at=now,
        state=State.SENT,
        sent_at=now,
    )
    return customer, form(Kind.USAGE_TIPS, sale=str(sale.pk))


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (_no_consent, Reason.NO_CONSENT),
        (_paused, Reason.DO_NOT_CONTACT),
        (_hard_bounce, Reason.HARD_BOUNCE),
        (_open_case, Reason.OPEN_COMPLAINT),
        (_moments_ago, Reason.MIN_GAP),
    ],
)
def test_a_send_a_rule_blocks_queues_nothing_and_names_the_rule(support_client, shop, setup, reason):
    customer, posted = setup(shop)
    before = Message.objects.count()
    preview = support_client.post(preview_url(customer), posted)
    assert preview.status_code == 200 and preview.context["verdict"].reason == reason
    response = support_client.post(send_url(customer), posted)
    assert response.status_code == 409
    page = response.content.decode()
    assert f'data-blocked="{reason}"' in page and label(reason) in page
    assert Message.objects.count() == before
    assert not customer.timeline.filter(kind=TimelineKind.MESSAGE).exists()
    # inline (htmx): the section alone, answered 200 so that htmx swaps it in
    htmx = support_client.post(send_url(customer), posted, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and f'data-blocked="{reason}"' in htmx.content.decode()
    assert "<html" not in htmx.content.decode()
    assert Message.objects.count() == before


def test_quiet_hours_do_not_block_a_mail_they_only_delay(support_client, shop):
    from followups.models import FollowupRules

    rules = FollowupRules.current()
    hour = timezone.localtime().hour
    rules.quiet_hours_start, rules.quiet_hours_end = hour, (hour + 2) % 24
    rules.save()
    customer = shop.customer(time_zone="Europe/Madrid")
    support_client.post(send_url(customer), form(text="Hola"))
    assert Message.objects.filter(kind=Kind.SUPPORT_MESSAGE, state=State.PLANNED).count() == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"text": "  "}, "text"),
        ({"kind": Kind.SURVEY, "text": "x"}, "kind"),
        ({"kind": Kind.USAGE_TIPS}, "sale"),
        ({"kind": Kind.USAGE_TIPS, "sale": "999999"}, "sale"),
        ({"kind": Kind.USAGE_TIPS, "sale": "not-a-number"}, "sale"),
        ({"text": "x", "nonce": "../../etc"}, "nonce"),
        ({"text": "x" * 10001}, "text"),
    ],
)
def test_bad_input_is_a_clear_error_never_a_500(support_client, shop, values, field):
    customer = shop.customer()
    other_sale = shop.sale(shop.customer())
    if values.get("sale") == "999999":
        values = {**values, "sale": str(other_sale.pk)}  # someone else's order
    sent = support_client.post(send_url(customer), form(**values))
    assert sent.status_code == 400 and field in sent.context["one_off_form"].errors
    previewed = support_client.post(preview_url(customer), form(**values))
    assert previewed.status_code == 400 and field in previewed.context["form"].errors
    assert not Message.objects.filter(customer=customer).exclude(kind=Kind.THANK_YOU).exists()


def test_an_unknown_customer_is_a_404(support_client):
    assert support_client.post("/customers/999999/one-off/send/", form(text="x")).status_code == 404


def test_support_and_managers_may_send_a_user_with_no_role_may_not(client, shop):
    customer = shop.customer()
    for user, status in (
        (make_staff("sergio", "Support"), 200),
        (make_staff("marta", "Manager"), 200),
        (User.objects.create_user("nadie", password="pw-nadie"), 403),
    ):
        client.force_login(user)
        assert client.post(preview_url(customer), form(text="Hola")).status_code == status
        sent = client.post(send_url(customer), form(text="Hola"))
        assert sent.status_code == (302 if status == 200 else 403)
    assert Message.objects.filter(kind=Kind.SUPPORT_MESSAGE).count() == 2


def test_the_page_shows_the_form_and_a_manager_override_is_what_is_previewed(manager_client, shop):
    from followups.models import MessageTemplate

    customer = shop.customer(name="Ana Díaz")
    page = manager_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'data-form="one-off"' in page and re.search(r'name="nonce" value="[0-9a-f]{32}"', page)
    MessageTemplate.objects.create(
        kind=Kind.SUPPORT_MESSAGE,
        language="es",
        subject="Nota para {{ first_name }}",
        text_body="Querida {{ first_name }}: {{ data.body }}",
    )
    response = manager_client.post(preview_url(customer), form(text="todo listo"))
    assert response.context["rendered"].subject == "Nota para Ana"
    assert response.context["rendered"].text.startswith("Querida Ana: todo listo")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_the_browser_preview_then_send(site, settings):
    from followups.models import FollowupRules

    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    rules = FollowupRules.current()
    rules.quiet_hours_start = rules.quiet_hours_end = 0
    rules.save()
    customer, _ = services.customer_upsert(
        external_id="C-1", name="Lucía Pérez", email="lucia@example.com", language="en"
    )
    make_staff("sergio", "Support")
    url = site + reverse("customers:detail", args=[customer.pk])

    with chromium_page() as page:
        page.goto(site + "/accounts/login/")
        page.fill("#id_username", "sergio")
        page.fill("#id_password", "pw-sergio")
        page.click("button.primary")
        page.wait_for_url(re.compile(r".*/support/$"))
        page.goto(url)
        page.fill('[data-form="one-off"] textarea', "Your refund is on its way.")
        page.click('[data-action="one-off-preview"]')
        page.wait_for_selector("[data-preview] [data-subject]")
        assert page.inner_text("[data-subject]") == "Lucía, a message from our team"
        assert "Hello Lucía," in page.inner_text("[data-text]")
        assert page.is_visible('[data-verdict="send"]')
        page.click('[data-action="one-off-send"]')
        page.wait_for_selector(".msg-success")
        assert "Your refund is on its way." in page.inner_text(".timeline")

    (message,) = Message.objects.filter(kind=Kind.SUPPORT_MESSAGE)
    assert message.data["body"] == "Your refund is on its way."
