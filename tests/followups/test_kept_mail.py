import pytest
from django.core.mail import EmailMultiAlternatives, get_connection

from followups.models import KeptMail


@pytest.mark.django_db
def test_the_default_backend_keeps_mail_for_a_person_to_read(settings):
    connection = get_connection("followups.mailbox.KeptMailBackend")
    message = EmailMultiAlternatives(
        "Gracias",
        "Texto",
        "shop@example.com",
        ["ana@example.com"],
        reply_to=["soporte@example.com"],
        headers={"List-Unsubscribe": "<https://x/u>"},
        connection=connection,
    )
    message.attach_alternative("<p>Texto</p>", "text/html")
    message.send()
    kept = KeptMail.objects.get()
    assert kept.to == "ana@example.com"
    assert kept.html_body == "<p>Texto</p>"
    assert kept.headers["List-Unsubscribe"] == "<https://x/u>"
    assert kept.headers["Reply-To"] == "soporte@example.com"
    assert message.anymail_status.message_id == kept.message_id
    assert message.anymail_status.status == {"sent"}
