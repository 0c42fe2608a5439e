"""Which case a customer's e-mail answers.

A reply to a case goes out with a plus-addressed Reply-To, soporte+case-<id>-<signature>@..., and
a Message-ID of its own (<postsale-<message id>@...>). Whichever the inbound ESP passes on (the
address it was delivered to, or the In-Reply-To / References headers) leads back to the case; the
signature stops a made-up address from reaching another customer's case.
"""

import hashlib
import hmac
import re

from django.conf import settings

from customers.models import Complaint
from followups.models import Message

PLUS = re.compile(r"\+case-(\d+)-([0-9a-f]{12})@", re.IGNORECASE)
OWN_MESSAGE_ID = re.compile(r"<postsale-(\d+)@")


def _signature(case_id: int) -> str:
    key = f"{settings.SECRET_KEY}:case-reply".encode()
    return hmac.new(key, str(case_id).encode(), hashlib.sha256).hexdigest()[:12]


def case_reply_address(case_id: int) -> str:
    """The Reply-To of a mail about this case: the support address, plus-addressed."""
    local, _at, domain = settings.SUPPORT_REPLY_TO.rpartition("<")[-1].rstrip(">").partition("@")
    return f"{local}+case-{case_id}-{_signature(case_id)}@{domain}"


def case_from_addresses(addresses: list[str]) -> int | None:
    for address in addresses:
        match = PLUS.search(address or "")
        if match and hmac.compare_digest(match[2].lower(), _signature(int(match[1]))):
            return int(match[1])
    return None


def case_from_headers(*values: str) -> int | None:
    """The case of our own mail that In-Reply-To / References name (newest first)."""
    ids = [int(pk) for value in values for pk in OWN_MESSAGE_ID.findall(value or "")]
    for pk in reversed(ids):
        complaint_id = Message.objects.filter(pk=pk).values_list("complaint_id", flat=True).first()
        if complaint_id:
            return complaint_id
    return None


def case_answered(
    *, customer_id: int, addresses: list[str], in_reply_to: str = "", references: str = ""
) -> Complaint | None:
    """The customer's case this mail answers, if it names one of theirs."""
    case_id = case_from_addresses(addresses) or case_from_headers(references, in_reply_to)
    if case_id is None:
        return None
    return Complaint.objects.filter(pk=case_id, customer_id=customer_id).first()
