"""Customers' survey and order pages (public, reached from a mail's link; no login).

GET only renders: mail scanners follow every link, so an answer is recorded by the page's POST.
Unknown and expired links get the same "link not valid" page in the shop's language, so the page
tells a guesser nothing.
"""

from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from customers.choices import ComplaintStatus
from followups.dispatch import message_token
from followups.outbox import message_by_token
from postsale.lib.public import (
    client_ip,
    link_not_valid,
    page_language,
    public_page,
    render_public,
)
from postsale.lib.tokens import token_hash
from surveys import invitations, selectors, services
from surveys.definitions import CES
from surveys.forms import AnswerForm, initial_for
from surveys.scanners import page_stamp

# A case still open, as the customer reads it: "Your case #51: we are looking into it."
CASE_WORDS = {
    ComplaintStatus.OPEN: gettext_lazy("we are looking into it"),
    ComplaintStatus.IN_PROGRESS: gettext_lazy("we are working on it"),
    ComplaintStatus.WAITING_CUSTOMER: gettext_lazy("we are waiting for your reply"),
}


@public_page
@require_http_methods(["GET", "POST"])
def answer(request, token: str):
    invitation = selectors.invitation_by_token(token)
    if invitation is None:
        return link_not_valid(request)
    if request.method == "POST":
        form = AnswerForm(request.POST, invitation=invitation)
        if form.is_valid() and _submitted(request, form, invitation):
            return _see_other(reverse("survey:thanks", args=[token]))
    else:
        form = AnswerForm(invitation=invitation, initial=initial_for(invitation, request.GET.get("score")))
    return _answer_page(request, form, invitation)


def _see_other(url: str) -> HttpResponseRedirect:
    """303: the browser GETs the thank-you page, and a reload there does not post again."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _submitted(request, form: AnswerForm, invitation) -> bool:
    try:
        services.answer_submit(
            invitation=invitation,
            ip=client_ip(request) or None,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            mail_sent_at=getattr(invitation, "link_sent_at", None),
            **form.submission(),
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
        return False
    return True


def _answer_page(request, form: AnswerForm, invitation):
    answer = getattr(invitation, "answer", None)
    # Every render stamps the form anew: the clock starts when this page was served.
    context = {
        "form": form,
        "invitation": invitation,
        "scale": invitation.scale,
        "stamp": page_stamp(invitation.pk),
        "first_name": invitation.customer.first_name,
        "order": invitation.sale.external_id if invitation.sale_id else "",
        "changing": answer is not None and not answer.flagged,
        "ces": CES,
        "chosen": form.chosen(),
    }
    return render_public(request, "surveys/answer.html", context, language=invitation.customer.language)


@public_page
@require_GET
def thanks(request, token: str):
    invitation = selectors.invitation_by_token(token)
    if invitation is None:
        return link_not_valid(request)
    answer = getattr(invitation, "answer", None)
    context = {
        "invitation": invitation,
        "first_name": invitation.customer.first_name,
        "answered": answer is not None and not answer.flagged,
        "case_opened": answer is not None and answer.complaint_id is not None,
        "answer_url": reverse("survey:answer", args=[token]),
    }
    return render_public(request, "surveys/thanks.html", context, language=invitation.customer.language)


@public_page
@require_GET
def order(request, token: str):
    message = message_by_token(token_hash(token))
    sale = selectors.sale_of(message)
    if sale is None:
        return link_not_valid(request)
    page = selectors.order_page(sale)
    survey_url = ""
    if page.pending_invitation is not None:
        survey_url = reverse(
            "survey:answer",
            args=[invitations.invitation_link_for_page(invitation=page.pending_invitation, page_token=token)],
        )
    context = {
        "page": page,
        "sale": page.sale,
        "delivery": getattr(page.sale, "delivery", None),
        "first_name": message.customer.first_name,
        "survey_url": survey_url,
        "delay_url": _delay_url(page.delay_notice) if page.delay_notice else "",
        "case_status": _case_status(page.case, page_language(request, message.customer.language))
        if page.case
        else "",
    }
    return render_public(request, "surveys/order.html", context, language=message.customer.language)


def _case_status(case, language: str) -> str:
    """The case's status as the customer would say it (staff read ComplaintStatus's labels)."""
    with translation.override(language):
        return _case_words(case)


def _case_words(case) -> str:
    if case.is_unresolved:
        return str(CASE_WORDS.get(case.status, CASE_WORDS[ComplaintStatus.OPEN]))
    day = date_format(timezone.localtime(case.resolved_at), "DATE_FORMAT") if case.resolved_at else ""
    if case.status == ComplaintStatus.RESOLVED:
        return _("solved on %(day)s") % {"day": day} if day else _("solved")
    return _("closed on %(day)s") % {"day": day} if day else _("closed")


def _delay_url(notice) -> str:
    """The engine's delay-choice page for that notice (its links' token is derived from the row,
    so any mail about the order can lead there)."""
    return reverse("mail:delay", args=[message_token(notice)])
