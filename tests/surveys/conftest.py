import datetime as dt
import secrets
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from followups.dispatch import message_token
from followups.models import Kind, State
from followups.outbox import message_plan
from postsale.lib.tokens import token_hash
from surveys.invitations import invitation_for_message
from surveys.models import InvitationToken
from tests.customers.factories import ComplaintFactory, CustomerFactory, DeliveryFactory
from tests.people import FIREFOX, STAMP, person_client  # noqa: F401  (used by the survey tests)

# A survey mail is read a while after it went out (a POST seconds after delivery is a scanner's).
READ_AFTER = dt.timedelta(hours=1)


@pytest.fixture
def browser(db):
    return person_client()


def sent_message(
    *,
    kind=Kind.SURVEY,
    customer=None,
    sale=None,
    complaint=None,
    data=None,
    key=None,
    sent_ago: dt.timedelta = READ_AFTER,
):
    """An outbox row as the engine's dispatch left it `sent_ago`: its links' token set."""
    now = timezone.now()
    customer = customer or (sale.customer if sale else complaint.customer)
    message = message_plan(
        kind=kind,
        customer_id=customer.pk,
        sale_id=sale.pk if sale else None,
        complaint_id=complaint.pk if complaint else None,
        dedupe_key=key or f"{kind}:test:{secrets.token_hex(4)}",
        planned_at=now,
        expires_at=now + dt.timedelta(days=7),
        data=data,
    )
    token = message_token(message)
    message.state, message.sent_at, message.token_hash = (State.SENT, now - sent_ago, token_hash(token))
    message.save()
    message.page_token = token  # the raw token of the mail's links (order page, delay choice)
    return message


def delivered_sale(customer=None, **values):
    delivery = DeliveryFactory(delivered=True, sale__customer=customer or CustomerFactory(), **values)
    return delivery.sale


def token_of(url: str) -> str:
    return urlsplit(url).path.rstrip("/").split("/")[-1]


class Surveyed:
    """One sent survey mail: its message, the survey context it got and the link's token."""

    def __init__(self, message):
        self.message = message
        self.context = invitation_for_message(message)
        self.token = token_of(self.context["answer_url"])
        self.invitation = InvitationToken.objects.get(token_hash=token_hash(self.token)).invitation

    @property
    def answer_path(self) -> str:
        return urlsplit(self.context["answer_url"]).path

    def score_path(self, score: int) -> str:
        url = dict(self.context["scale"])[score]
        return f"{urlsplit(url).path}?{urlsplit(url).query}"


@pytest.fixture
def nps_survey(db):
    """An NPS survey about a delivered order of a Spanish customer."""
    sale = delivered_sale(customer=CustomerFactory(name="Lucía Fernández Ruiz", language="es"))
    return Surveyed(sent_message(sale=sale))


@pytest.fixture
def case_survey(db):
    """A case survey (CSAT and CES) about a resolved case of an English-speaking customer."""
    sale = delivered_sale(customer=CustomerFactory(name="Oliver Smith", language="en"))
    complaint = ComplaintFactory(
        customer=sale.customer,
        sale=sale,
        status="resolved",
        opened_at=timezone.now() - dt.timedelta(days=2),
        resolved_at=timezone.now() - dt.timedelta(days=1),
    )
    return Surveyed(sent_message(kind=Kind.CASE_SURVEY, complaint=complaint))


def page_stamp_from(response) -> str:
    match = STAMP.search(response.content.decode())
    assert match, "the answer page carries a page-served stamp"
    return match.group(1)


def answer_as_person(client: Client, survey: Surveyed, *, score: int, think_seconds: float = 8, **fields):
    """Load the page from the mail's score button, take a few seconds, submit."""
    page = client.get(survey.score_path(score))
    assert page.status_code == 200
    data = {"score": score, "stamp": page_stamp_from(page), **fields}
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=think_seconds), tick=False):
        return client.post(survey.answer_path, data)
