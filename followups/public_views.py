"""Pages a customer reaches from a mail, by the token in its links; no login.

GET only renders. Every POST but the RFC 8058 one-click unsubscribe is judged by the shared
scanner rule (postsale/lib/scanners.py): one that looks like a mail scanner's is kept on the
message as an event, changes nothing, and the page asks the visitor to confirm again.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from followups import services
from followups.models import Category, Kind
from followups.outbox import message_by_token
from postsale.lib.public import link_not_valid, public_page, render_public
from postsale.lib.scanners import Submission, page_stamp, submission_check
from postsale.lib.tokens import token_hash


def _message(token: str):
    message = message_by_token(token_hash(token))
    if message is None or not message.customer.email:
        return None
    return message


def _subject(page: str, message) -> str:
    return f"{page}:{message.pk}"


def _judged(request, page: str, message, **data) -> Submission:
    """The scanner rule's verdict on this POST; an automated one is kept on the message."""
    submission = submission_check(request, subject=_subject(page, message), mail_sent_at=message.sent_at)
    if submission.automated:
        services.automated_post_record(message=message, action=page, submission=submission, data=data)
    return submission


def _is_one_click(request) -> bool:
    # RFC 8058: the mail client POSTs exactly this body, without cookies, a page or a form token.
    return request.POST.get("List-Unsubscribe") == "One-Click"


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs without cookies or a form token
@public_page
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    message = _message(token)
    if message is None:
        return link_not_valid(request)
    if request.method == "POST" and _is_one_click(request):
        return _unsubscribed(
            request, message, token, services.unsubscribe(message=message, source="one-click unsubscribe")
        )
    confirm_again = request.method == "POST" and _judged(request, "unsubscribe", message).automated
    if request.method == "POST" and not confirm_again:
        return _unsubscribed(
            request, message, token, services.unsubscribe(message=message, source="unsubscribe page")
        )
    stopping = services.unsubscribe_scope(message)
    return render_public(
        request,
        "followups/public/unsubscribe.html",
        {
            "message": message,
            "token": token,
            "confirm_again": confirm_again,
            "stopping": _labels(stopping),
            "staying": _labels(_still_received(message, stopping)),
            "stamp": page_stamp(_subject("unsubscribe", message)),
        },
        language=message.customer.language,
    )


def _still_received(message, stopping) -> list[str]:
    """What keeps coming after leaving `stopping`: order updates always, and the optional
    categories the customer still gets."""
    out = services.opted_out(message.customer.email)
    return [
        Category.TRANSACTIONAL,
        *(
            c
            for c in services.OPTIONAL
            if c not in stopping
            and c not in out
            and (c != Category.PROMOTIONAL or message.customer.marketing_consent)
        ),
    ]


def _labels(categories) -> list:
    return [Category(c).label for c in categories]


def _unsubscribed(request, message, token, left):
    message.customer.refresh_from_db(fields=["marketing_consent"])
    return render_public(
        request,
        "followups/public/unsubscribed.html",
        {
            "message": message,
            "token": token,
            "left": _labels(left),
            "staying": _labels(_still_received(message, left)),
        },
        language=message.customer.language,
    )


@public_page
@require_http_methods(["GET", "POST"])
def preferences(request, token):
    message = _message(token)
    if message is None:
        return link_not_valid(request)
    confirm_again = False
    if request.method == "POST":
        keep = [c for c in services.OPTIONAL if request.POST.get(c) == "on"]
        confirm_again = _judged(request, "preferences", message, keep=keep).automated
        if not confirm_again:
            services.preferences_save(message=message, keep=keep)
            return redirect(request.path + "?saved=1")
    out = services.opted_out(message.customer.email)
    choices = [
        (
            c,
            Category(c).label,
            c not in out and (c != Category.PROMOTIONAL or message.customer.marketing_consent),
        )
        for c in services.OPTIONAL
    ]
    return render_public(
        request,
        "followups/public/preferences.html",
        {
            "choices": choices,
            "saved": request.GET.get("saved") == "1",
            "first_name": message.customer.first_name,
            "confirm_again": confirm_again,
            "stamp": page_stamp(_subject("preferences", message)),
        },
        language=message.customer.language,
    )


@public_page
@require_http_methods(["GET", "POST"])
def delay(request, token):
    message = _message(token)
    if message is None or message.kind != Kind.DELAY_NOTICE or message.sale is None:
        return link_not_valid(request, message.customer.language if message else None)
    if request.method == "GET":
        return _delay_page(request, message, answered=request.GET.get("answered") == "1")
    choice = request.POST.get("choice", "")
    if choice not in services.DELAY_CHOICES:
        return _delay_page(request, message, status=400)
    if _judged(request, "delay", message, choice=choice).automated:
        return _delay_page(request, message, confirm_again=True)
    # Cancelling cannot be undone by the shop once done: one tap only asks, the second decides.
    if choice == "cancel" and request.POST.get("confirm") != "yes":
        return _delay_page(request, message, step="confirm_cancel")
    phone = request.POST.get("phone", "").strip()
    if choice == "call" and not phone and not message.customer.phone:
        return _delay_page(request, message, step="ask_phone")
    try:
        with translation.override(message.customer.language or None):  # the error is theirs
            services.delay_choice_record(message=message, choice=choice, phone=phone)
    except ValidationError as exc:
        return _delay_page(
            request,
            message,
            step="ask_phone",
            phone=phone,
            error=" ".join(exc.message_dict.get("phone", exc.messages)),
        )
    return redirect(request.path + "?answered=1")


def _delay_page(
    request,
    message,
    *,
    step: str = "",
    answered: bool = False,
    confirm_again: bool = False,
    phone: str = "",
    error: str = "",
    status: int = 200,
):
    delivery = getattr(message.sale, "delivery", None)
    return render_public(
        request,
        "followups/public/delay.html",
        {
            "message": message,
            "sale": message.sale,
            "delivery": delivery,
            "first_name": message.customer.first_name,
            "choice": message.data.get("choice"),
            "answered": answered,
            "step": step,
            "confirm_again": confirm_again,
            "phone": phone,
            "error": error,
            "stamp": page_stamp(_subject("delay", message)),
        },
        language=message.customer.language,
        status=status,
    )
