"""The embedded default's mail: an anymail backend that keeps each message in the database.

Being an anymail backend, it sets message.anymail_status like a real ESP does, so the sending code
is the same whichever ESP the settings choose.
"""

import time
import uuid

from anymail.backends.base import AnymailBaseBackend
from anymail.backends.test import TestPayload
from anymail.message import AnymailRecipientStatus
from django.conf import settings


class KeptMailBackend(AnymailBaseBackend):
    esp_name = "Postsale mailbox"

    def build_message_payload(self, message, defaults):
        return TestPayload(message=message, defaults=defaults, backend=self)

    def post_to_esp(self, payload, message):
        from followups.models import KeptMail

        if settings.KEPT_MAIL_LATENCY_MS:  # stand-in for an ESP's round trip in fault tests
            time.sleep(settings.KEPT_MAIL_LATENCY_MS / 1000)
        html = next((body for body, mime in getattr(message, "alternatives", []) if mime == "text/html"), "")
        headers = {k: str(v) for k, v in message.extra_headers.items()}
        if message.reply_to:
            headers["Reply-To"] = ", ".join(message.reply_to)
        mail = KeptMail.objects.create(
            message_id=str(uuid.uuid4()),
            from_email=message.from_email,
            to=", ".join(message.to),
            subject=message.subject,
            text_body=message.body,
            html_body=html,
            headers=headers,
        )
        return mail.message_id

    def parse_recipient_status(self, response, payload, message):
        return {
            email: AnymailRecipientStatus(message_id=response, status="sent")
            for email in payload.recipient_emails
        }
