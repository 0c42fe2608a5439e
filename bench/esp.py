"""The benchmarks' ESP: anymail's test backend with an outbox of bounded length.

The test backend numbers each mail by its place in django.core.mail.outbox (`list.index`), so a
hand-off costs more the longer the outbox grows: 5,000 mails sent without clearing it spent
over a tenth of the worker's time in that lookup alone, a cost no real ESP has. Here the outbox is
emptied each time it holds KEEP mails; the reference and the workers in bench/run.py send through this same
backend, so both pay the same for a hand-off."""

from anymail.backends.test import EmailBackend as TestBackend
from django.core import mail

KEEP = 100


class EmailBackend(TestBackend):
    def post_to_esp(self, payload, message):
        outbox = getattr(mail, "outbox", None)
        if outbox is not None and len(outbox) >= KEEP:
            del outbox[:]
        return super().post_to_esp(payload, message)
