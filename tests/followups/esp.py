"""An ESP for tests: anymail's test backend, which raises what an ESP's API raises while down."""

from anymail.backends.test import EmailBackend
from anymail.exceptions import AnymailAPIError


class FlakyESP(EmailBackend):
    """While `FlakyESP.down` holds an error text, every send raises AnymailAPIError with it (as
    anymail does for an ESP's 5xx); otherwise mail lands in django.core.mail.outbox."""

    down = ""

    def post_to_esp(self, payload, message):
        if FlakyESP.down:
            raise AnymailAPIError(FlakyESP.down, backend=self, email_message=message, payload=payload)
        return super().post_to_esp(payload, message)
