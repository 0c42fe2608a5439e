"""The benchmarks' ESP (bench/esp.py) keeps the outbox short, and still accepts every mail with an id
as anymail's test backend does."""

from django.core import mail
from django.core.mail import EmailMessage, get_connection


def test_the_bench_esp_accepts_every_mail_and_keeps_its_outbox_short(settings):
    from bench.esp import KEEP

    settings.EMAIL_BACKEND = "bench.esp.EmailBackend"
    mail.outbox = []
    sent = [
        EmailMessage(f"n{i}", "body", "shop@example.com", [f"c{i}@example.com"]) for i in range(KEEP * 2 + 5)
    ]
    with get_connection() as esp:
        for message in sent:
            esp.send_messages([message])
    assert len(mail.outbox) == 5, "emptied each time it held KEEP mails"
    assert [m.subject for m in mail.outbox] == [f"n{i}" for i in range(KEEP * 2, KEEP * 2 + 5)]
    assert all(m.anymail_status.status == {"sent"} and m.anymail_status.message_id is not None for m in sent)
