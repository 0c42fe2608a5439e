"""Pages a customer reaches from a mail, by the token in its links; no login."""

from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from followups import services
from followups.models import Category, Kind
from followups.outbox import message_by_token
from postsale.lib.public import link_not_valid, public_page, render_public
from postsale.lib.tokens import token_hash


def _message(token: str):
    message = message_by_token(token_hash(token))
    if message is None or not message.customer.email:
        return None
    return message


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs without cookies or a form token
@public_page
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    message = _message(token)
    if message is None:
        return link_not_valid(request)
    language = message.customer.language
    if request.method == "POST":
        left = services.unsubscribe(message=message)
        return render_public(request, "followups/public/unsubscribed.html",
                             {"message": message, "token": token,
                              "left": [Category(c).label for c in left]}, language=language)
    return render_public(request, "followups/public/unsubscribe.html",
                         {"message": message, "token": token}, language=language)


@public_page
@require_http_methods(["GET", "POST"])
def preferences(request, token):
    message = _message(token)
    if message is None:
        return link_not_valid(request)
    if request.method == "POST":
        keep = [c for c in services.OPTIONAL if request.POST.get(c) == "on"]
        services.preferences_save(message=message, keep=keep)
        return redirect(request.path + "?saved=1")
    out = services.opted_out(message.customer.email)
    choices = [(c, Category(c).label, c not in out and (c != Category.PROMOTIONAL
                                                       or message.customer.marketing_consent))
               for c in services.OPTIONAL]
    return render_public(request, "followups/public/preferences.html",
                         {"choices": choices, "saved": request.GET.get("saved") == "1",
                          "first_name": message.customer.first_name},
                         language=message.customer.language)


@public_page
@require_http_methods(["GET", "POST"])
def delay(request, token):
    message = _message(token)
    if message is None or message.kind != Kind.DELAY_NOTICE or message.sale is None:
        return link_not_valid(request)
    if request.method == "POST":
        choice = request.POST.get("choice", "")
        if choice in services.DELAY_CHOICES:
            message = services.delay_choice_record(message=message, choice=choice)
        return redirect(request.path + "?answered=1")
    delivery = getattr(message.sale, "delivery", None)
    return render_public(request, "followups/public/delay.html",
                         {"message": message, "sale": message.sale, "delivery": delivery,
                          "first_name": message.customer.first_name,
                          "choice": message.data.get("choice"),
                          "answered": request.GET.get("answered") == "1"},
                         language=message.customer.language)
