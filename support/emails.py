"""Mail to staff (not customers, so not the outbox): an SLA breach to the people who must act."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from customers.models import Complaint


def breach_mail_send(*, complaint_id: int, recipients: list[str]) -> None:
    if not recipients:
        return
    complaint = Complaint.objects.select_related("customer", "assignee").get(pk=complaint_id)
    context = {"case": complaint, "url": settings.SITE_URL + reverse("support:case", args=[complaint.pk])}
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("support/emails/breach.subject.txt", context).split())
        body = render_to_string("support/emails/breach.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
