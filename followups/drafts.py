"""A manager's template before it goes live: the sample mails it is rendered for, and the checks
it must pass to be saved.

A template that saves must render: a broken one would make every mail of its kind fail at send
time. So a draft is rendered through the sending path (emails.render_override) for one customer
of each shape the database holds (with a sale and its delivery, a sale without one, a case, no
sale at all) and for two made-up ones, so an empty database checks as much as a full one.
"""

import datetime as dt
import difflib
from dataclasses import dataclass, field
from decimal import Decimal

from django.template import Context, Engine, Template, TemplateDoesNotExist, Variable
from django.template.base import FilterExpression, Node, TokenType, VariableDoesNotExist
from django.template.defaulttags import ForNode, WithNode
from django.template.smartif import TokenBase
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from customers.models import Complaint, Customer, Delivery, Sale
from followups import emails
from followups.models import Kind, Message, MessageTemplate

FIELDS = ("subject", "text_body", "html_body")
# Names a template may use without the context holding them (Django's own).
BUILTINS = {"True", "False", "None", "forloop", "block"}
# In every context for emails/base.html, not for managers to write.
INTERNAL = {"LANGUAGE_CODE"}
# Kinds the planner only ever plans about a sale: a sample without one is not a real case for them.
ABOUT_A_SALE = {Kind.THANK_YOU, Kind.DELAY_NOTICE, Kind.USAGE_TIPS, Kind.SURVEY}
# Attributes under which Django's tags keep a name they bind ({% url ... as x %}, {% cycle %}...).
BINDING_ATTRIBUTES = ("asvar", "var_name", "variable", "variable_name", "target", "countervar")


@dataclass
class Sample:
    label: str
    message: Message


@dataclass
class Check:
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def error(self, name: str, text: str) -> None:
        self.errors.setdefault(name, []).append(text)


def engine() -> Engine:
    from django.template import engines

    return engines["django"].engine


# Samples ------------------------------------------------------------------------------------


def sample_message(
    kind: str, customer: Customer, *, sale: Sale | None = None, complaint: Complaint | None = None
) -> Message:
    """The message a customer would get, never saved (pk 0, so its links can be built)."""
    return Message(pk=0, kind=kind, customer=customer, sale=sale, complaint=complaint, data=sample_data(sale))


def sample_data(sale: Sale | None) -> dict:
    delivery = getattr(sale, "delivery", None) if sale else None
    new_date = delivery.estimated_date if delivery and delivery.estimated_date else None
    return {
        "new_date": new_date.isoformat() if new_date else None,
        "offer": "",
        "promised_date": delivery.promised_date.isoformat() if delivery and delivery.promised_date else None,
        "reason": delivery.delay_reason if delivery else "",
        "category": "",
        # a case reply carries the agent's words (support.services)
        "body": _("(The agent's reply goes here.)"),
        # a one-off message from support may carry the agent's own subject (followups.oneoff)
        "subject": _("(The agent's subject goes here.)"),
        "signature": "",
    }


def for_customer(kind: str, customer: Customer) -> Message:
    """A real customer's latest sale and case, as the preview's sample."""
    sale = customer.sales.select_related("delivery").order_by("-ordered_at").first()
    complaint = customer.complaints.order_by("-opened_at").first()
    return sample_message(kind, customer, sale=sale, complaint=complaint)


def made_up(kind: str, language: str, *, bare: bool = False) -> Message:
    """A customer who is not in the database: with an order delayed and a case, or with nothing."""
    customer = Customer(
        pk=0, external_id="sample", name="Ana Pérez", language=language, email="ana@example.com"
    )
    if bare:
        return sample_message(kind, customer)
    today, now = timezone.localdate(), timezone.now()
    sale = Sale(
        pk=0,
        external_id="PED-1042",
        customer=customer,
        total=Decimal("89.90"),
        ordered_at=now - dt.timedelta(days=3),
    )
    sale.delivery = Delivery(
        pk=0,
        sale=sale,
        ordered_at=sale.ordered_at,
        carrier="Correos",
        tracking_number="PK123456789ES",
        status="delayed",
        promised_date=today,
        estimated_date=today + dt.timedelta(days=3),
        delay_reason="weather",
    )
    complaint = Complaint(
        pk=0, customer=customer, sale=sale, reason="delivery_late", opened_at=now - dt.timedelta(days=1)
    )
    return sample_message(kind, customer, sale=sale, complaint=complaint)


def samples(kind: str, language: str) -> list[Sample]:
    """One customer of each shape found in the database, then the two made-up ones; only those
    with a sale for the kinds that are always about one."""
    found = _samples(kind, language)
    if kind in ABOUT_A_SALE:
        return [sample for sample in found if sample.message.sale is not None]
    return found


def _samples(kind: str, language: str) -> list[Sample]:
    found: list[Sample] = []
    sale = (
        Sale.objects.filter(delivery__isnull=False)
        .select_related("customer", "delivery")
        .order_by("-pk")
        .first()
    )
    if sale:
        found.append(Sample(_("a customer with a delivery"), sample_message(kind, sale.customer, sale=sale)))
    sale = Sale.objects.filter(delivery__isnull=True).select_related("customer").order_by("-pk").first()
    if sale:
        found.append(
            Sample(
                _("a customer with a sale and no delivery"), sample_message(kind, sale.customer, sale=sale)
            )
        )
    complaint = Complaint.objects.select_related("customer", "sale", "sale__delivery").order_by("-pk").first()
    if complaint:
        found.append(
            Sample(
                _("a customer with a case"),
                sample_message(kind, complaint.customer, sale=complaint.sale, complaint=complaint),
            )
        )
    customer = Customer.objects.filter(sales__isnull=True).order_by("-pk").first()
    if customer:
        found.append(Sample(_("a customer without sales"), sample_message(kind, customer)))
    return [
        *found,
        Sample(_("a sample customer with a late order and a case"), made_up(kind, language)),
        Sample(_("a sample customer without sales"), made_up(kind, language, bare=True)),
    ]


def context_of(message: Message) -> dict:
    return emails.context_for(message, "preview", preview=True)


def variables(kind: str) -> list[str]:
    """The names a manager may use in this kind's templates."""
    return sorted(set(context_of(made_up(kind, "es"))) - INTERNAL)


# Checks -------------------------------------------------------------------------------------


def check(template: MessageTemplate) -> Check:
    """What stops a draft from going live (errors, by field) and what looks wrong (warnings)."""
    result = Check()
    parsed = {}
    for name in FIELDS:
        try:
            parsed[name] = Template(getattr(template, name) or "", engine=engine())
        except Exception as exc:  # TemplateSyntaxError, or a {% load %} of an unknown library
            result.error(name, _("This template has an error: %(error)s") % {"error": exc})
    if result.errors:
        return result
    # Mails render in the template's language; what the manager reads stays in theirs.
    found = samples(template.kind, template.language)
    with translation.override(template.language):
        contexts = [(sample.label, context_of(sample.message)) for sample in found]
    _check_rendering(template, contexts, result)
    _check_variables(parsed, contexts, result)
    return result


def _check_rendering(template: MessageTemplate, contexts: list, result: Check) -> None:
    for label, context in contexts:
        try:
            with translation.override(template.language):
                rendered = emails.render_override(template, context)
        except Exception as exc:  # anything a tag or filter raises would fail the real send
            with translation.override(template.language):
                failing = _failing_field(template, context)
            result.error(
                failing,
                _("This template cannot be rendered for %(sample)s: %(error)s")
                % {"sample": label, "error": describe(exc)},
            )
            return
        if not rendered.subject:
            result.error("subject", _("The subject is empty for %(sample)s.") % {"sample": label})
            return
        if template.kind == Kind.DELAY_NOTICE and not _has_delay_link(template, rendered, context):
            return _missing_delay_link(template, rendered, context, result)


def _has_delay_link(template, rendered, context) -> bool:
    return context["delay_url"] in rendered.text and (
        not template.html_body or context["delay_url"] in rendered.html
    )


def _missing_delay_link(template, rendered, context, result: Check) -> None:
    if context["delay_url"] not in rendered.text:
        result.error(
            "text_body",
            _(
                "A delay notice must give the customer the link to choose what happens next: "
                "put {{ delay_url }} in the text body."
            ),
        )
    if template.html_body and context["delay_url"] not in rendered.html:
        result.error(
            "html_body",
            _(
                "A delay notice must give the customer the link to choose what happens next: "
                "put {{ delay_url }} in the HTML body (or leave it empty)."
            ),
        )


def _failing_field(template: MessageTemplate, context: dict) -> str:
    """Which of the three parts raised: each is rendered again on its own."""
    for name in FIELDS:
        try:
            Template(getattr(template, name) or "", engine=engine()).render(
                Context(context, autoescape=name == "html_body")
            )
        except Exception:  # the part that raises is the one to report
            return name
    return "__all__"


def describe(exc: Exception) -> str:
    """A render error as a manager can act on it (never the whole context it failed in)."""
    if isinstance(exc, TemplateDoesNotExist):
        return _("there is no template called “%(name)s”") % {"name": exc}
    if isinstance(exc, VariableDoesNotExist) and exc.params:
        return _("there is no variable “%(name)s”") % {"name": exc.params[0]}
    return Truncator(f"{exc.__class__.__name__}: {exc}").chars(300)


def _check_variables(parsed: dict, contexts: list, result: Check) -> None:
    known = set().union(*(context.keys() for _label, context in contexts)) | BUILTINS
    for name, template in parsed.items():
        bound, lookups = _names(template)
        for path in sorted(lookups):
            root = path[0]
            if root in bound:
                continue
            if root not in known:
                result.error(name, _unknown(root, known))
            elif len(path) > 1 and not any(_resolves(path, c) for _label, c in contexts):
                result.warnings.append(
                    _("{{ %(name)s }} is empty for every sample customer: is it spelt right?")
                    % {"name": ".".join(path)}
                )


def _unknown(root: str, known: set[str]) -> str:
    close = difflib.get_close_matches(root, sorted(known - BUILTINS - INTERNAL), n=1)
    if close:
        return _("Unknown variable {{ %(name)s }}: did you mean {{ %(close)s }}?") % {
            "name": root,
            "close": close[0],
        }
    return _("Unknown variable {{ %(name)s }}. This kind of mail has: %(names)s.") % {
        "name": root,
        "names": ", ".join(sorted(known - BUILTINS - INTERNAL)),
    }


def _resolves(path: tuple[str, ...], context: dict) -> bool:
    try:
        return Variable(".".join(path)).resolve(Context(context)) is not None
    except VariableDoesNotExist:
        return False
    except Exception:  # a property that raises: the render check already passed, so not fatal
        return False


def _names(template: Template) -> tuple[set[str], set[tuple[str, ...]]]:
    """The names a template binds itself (loop variables, `with`, `as x`) and the lookups it
    reads, as tuples ("customer", "name")."""
    bound: set[str] = set()
    lookups: set[tuple[str, ...]] = set()
    for node in template.nodelist.get_nodes_by_type(Node):
        if isinstance(node, ForNode):
            bound.update(node.loopvars)
        if isinstance(node, WithNode) or hasattr(node, "extra_context"):
            bound.update(getattr(node, "extra_context", {}) or {})
        bound.update(
            value for attr in BINDING_ATTRIBUTES if isinstance(value := getattr(node, attr, None), str)
        )
        for token in [*getattr(node, "singular", []), *(getattr(node, "plural", None) or [])]:
            if getattr(token, "token_type", None) == TokenType.VAR:  # {% blocktranslate %}
                lookups.add(tuple(token.contents.split(".")))
        for value in vars(node).values():
            lookups.update(tuple(v.lookups) for v in _variables(value) if v.lookups)
    return bound, lookups


def _variables(value, depth: int = 0):
    """The Variables inside one attribute of a node (expressions, filter arguments, `if`
    conditions); child nodes are walked by get_nodes_by_type, not here."""
    if depth > 8 or isinstance(value, Node):
        return
    if isinstance(value, Variable):
        yield value
    elif isinstance(value, FilterExpression):
        yield from _variables(value.var, depth + 1)
        for _func, args in value.filters:
            for is_variable, arg in args:
                if is_variable:
                    yield arg
    elif isinstance(value, TokenBase):  # an {% if %} condition: operators and literals
        for attr in ("value", "first", "second"):
            yield from _variables(getattr(value, attr, None), depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _variables(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _variables(item, depth + 1)
