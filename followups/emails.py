"""Every follow-up mail is built here: one renderer over per-kind templates, one builder.

Templates: templates/emails/<language>/<kind>.subject.txt, .txt and .html (the HTML extends
emails/base.html), unless a manager saved an override (MessageTemplate) for that kind and
language. Every mail carries List-Unsubscribe with one-click POST (RFC 8058), a reply-to that
reaches support and a Message-ID of its own that stays the same on a retried send.
"""

import json
from dataclasses import dataclass, field
from email.mime.image import MIMEImage

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, Template, engines
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import linebreaks, urlize

from customers.choices import Language
from followups import kinds
from followups.models import Kind, Message, MessageTemplate
from followups.tips import tips_for

LANGUAGES = tuple(Language.values)


@dataclass
class Rendered:
    subject: str
    text: str
    html: str
    images: dict[str, bytes] = field(default_factory=dict)  # inline images by content id


def language_of(message: Message) -> str:
    if message.for_staff:
        return Language.of(message.language)
    return Language.of(message.customer.language)


def absolute(name: str, token: str) -> str:
    return settings.SITE_URL + reverse(name, args=[token])


def context_for(message: Message, token: str, *, preview: bool = False) -> dict:
    customer, sale = message.customer, message.sale
    context = {
        "message": message,
        "kind": message.kind,
        "customer": customer,
        "first_name": customer.first_name,
        "sale": sale,
        "delivery": getattr(sale, "delivery", None) if sale else None,
        "complaint": message.complaint,
        "data": message.data,
        "unsubscribe_url": absolute("mail:unsubscribe", token),
        "preferences_url": absolute("mail:preferences", token),
        "site_url": settings.SITE_URL,
        "LANGUAGE_CODE": translation.get_language(),
    }
    if sale is not None:
        context["order_url"] = absolute("survey:order", token)
    if message.kind == Kind.DELAY_NOTICE:
        context["delay_url"] = absolute("mail:delay", token)
    if message.kind == Kind.USAGE_TIPS:  # the tips for the sale's product category
        context["tips"] = tips_for(message.data.get("category", ""), translation.get_language())
    context.update(kinds.extra_context(message, preview=preview))  # e.g. the survey's part
    return context


def shipped_template(kind: str, language: str) -> dict:
    """The shipped files' source, as the starting point of a manager's override."""
    prefix = f"emails/{language}/{kind}"
    return {
        "subject": get_template(f"{prefix}.subject.txt").template.source.strip(),
        "text_body": get_template(f"{prefix}.txt")
        .template.source.replace('{% include "emails/footer.txt" %}', "")
        .strip(),
        "html_body": "",
    }


def preview(message: Message, language: str, override: MessageTemplate | None) -> Rendered:
    """The mail `message` would be sent as, in `language`, with this override (None: the shipped
    files): the sending path with sample links and survey. Nothing is stored or sent."""
    with translation.override(language):
        return render_kind(message.kind, language, context_for(message, "preview", preview=True), override)


def load_overrides() -> dict[tuple[str, str], MessageTemplate]:
    """Managers' templates by (kind, language): loaded once per batch, not once per mail."""
    return {(t.kind, t.language): t for t in MessageTemplate.objects.all()}


def render(
    message: Message, token: str, *, overrides: dict | None = None, cache: dict | None = None
) -> Rendered:
    """The mail as it will be sent. A kind that renders itself (staff mail) is rendered once per
    batch for the same data and language (`cache`, kept by the batch): a digest's charts cost
    half a second, and every manager of one language gets the same mail."""
    language = language_of(message)
    if (own := kinds.own_renderer(message.kind)) is not None:
        key = (message.kind, language, json.dumps(message.data, sort_keys=True, default=str))
        cache = {} if cache is None else cache
        if key not in cache:
            with translation.override(language):
                cache[key] = own(message)
        return cache[key]
    if overrides is None:
        overrides = load_overrides()
    with translation.override(language):
        return render_kind(
            message.kind, language, context_for(message, token), overrides.get((message.kind, language))
        )


def render_kind(kind: str, language: str, context: dict, override: MessageTemplate | None) -> Rendered:
    """The one render path, for sending and for every preview: a manager's override when there
    is one, else the shipped files."""
    if override is not None:
        return render_override(override, context)
    prefix = f"emails/{language}/{kind}"
    subject = plain(get_template(f"{prefix}.subject.txt").template, context)
    return Rendered(
        subject=" ".join(subject.split()),
        text=plain(get_template(f"{prefix}.txt").template, context).strip() + "\n",
        html=render_to_string(f"{prefix}.html", context),
    )


def plain(template: Template, context: dict) -> str:
    """Subjects and text bodies are not HTML: "A&B" must reach the reader as "A&B", not
    "A&amp;B". Only the HTML part escapes (and it does, through the engine's autoescape)."""
    return template.render(Context(context, autoescape=False))


def render_override(template: MessageTemplate, context: dict) -> Rendered:
    engine = engines["django"].engine
    own_text = plain(Template(template.text_body, engine=engine), context).strip()
    footer = plain(get_template("emails/footer.txt").template, context).strip()
    text = own_text + "\n\n" + footer + "\n"
    if template.html_body:
        body = Template(template.html_body, engine=engine).render(Context(context))
    else:
        # The text is raw now: escape it here, and make its links clickable.
        body = linebreaks(urlize(own_text, autoescape=True))
    html = render_to_string("emails/override.html", {**context, "body": body})
    subject = plain(Template(template.subject, engine=engine), context)
    return Rendered(subject=" ".join(subject.split()), text=text, html=html)


def message_id_header(message: Message) -> str:
    domain = settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"<postsale-{message.pk}@{domain or 'postsale.local'}>"


def build(message: Message, rendered: Rendered, token: str) -> EmailMultiAlternatives:
    if message.for_staff:
        return build_staff(message, rendered)
    unsubscribe = absolute("mail:unsubscribe", token)
    mail = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        # A reply on a case says which case in its Reply-To (followups/threading.py).
        to=[message.customer.email],
        reply_to=[message.data.get("reply_to") or settings.SUPPORT_REPLY_TO],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": message_id_header(message),
        },
    )
    mail.attach_alternative(rendered.html, "text/html")
    mail.tags = [message.kind]
    mail.metadata = {"postsale_message": str(message.pk)}
    return mail


def build_staff(message: Message, rendered: Rendered) -> EmailMultiAlternatives:
    """Mail to a member of staff: no customer's unsubscribe link (the mail's own footer says
    where to turn it off), replies to nobody in particular, images inline in the HTML."""
    mail = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.staff_recipient.email],
        headers={"Message-ID": message_id_header(message), "Auto-Submitted": "auto-generated"},
    )
    mail.attach_alternative(rendered.html, "text/html")
    if rendered.images:
        mail.mixed_subtype = "related"  # the images belong to the HTML, not beside it
        for name, png in rendered.images.items():
            image = MIMEImage(png, "png")
            image.add_header("Content-ID", f"<{name}>")
            image.add_header("Content-Disposition", "inline", filename=f"{name}.png")
            mail.attach(image)
    mail.tags = [message.kind]
    mail.metadata = {"postsale_message": str(message.pk)}
    return mail
