"""A manager creates a win-back campaign in a real browser (headless Chromium), sees its audience
and who is held back, launches it, and after the worker runs sees the sent and holdout counts.
With SHOTS=<dir> it also saves screenshots of the form, the audience and the results."""

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from campaigns.models import Campaign, CampaignMember, Group
from customers.choices import ComplaintStatus
from followups.dispatch import dispatch_due
from followups.models import Category, FollowupRules, Message, State, Suppression
from tests.browser import chromium_page
from tests.customers.factories import ComplaintFactory, CustomerFactory, SaleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SHOTS", "")


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def shop():
    rules = FollowupRules.current()
    rules.quiet_hours_start = rules.quiet_hours_end = 0
    rules.save()
    lapsed = []
    for n in range(40):
        person = CustomerFactory(marketing_consent=True, language="en" if n % 4 == 0 else "es")
        SaleFactory(
            customer=person,
            ordered_at=timezone.now() - dt.timedelta(days=120),
            lines__unit_price=Decimal("35.00"),
        )
        lapsed.append(person)
    SaleFactory(customer=CustomerFactory(marketing_consent=True))  # bought yesterday: not lapsed
    ComplaintFactory(customer=lapsed[1], status=ComplaintStatus.OPEN)
    Suppression.objects.create(email=lapsed[2].email, category=Category.PROMOTIONAL, reason="unsubscribed")
    return lapsed


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def logged_in(page, site, session):
    page.context.add_cookies(
        [
            {"name": "sessionid", "value": session, "url": site},
            {"name": "django_language", "value": "es", "url": site},
        ]
    )


def test_a_manager_launches_a_winback_campaign_and_sees_the_groups(site, settings, manager):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    mail.outbox = []
    shop()
    session = session_of(manager)
    with chromium_page(viewport={"width": 1200, "height": 900}) as page:
        logged_in(page, site, session)
        page.goto(site + "/campaigns/")
        page.click("text=Nueva campaña")
        page.fill("#id_name", "Te echamos de menos")
        page.select_option("#id_schedule", "winback")
        page.fill("#id_last_purchase_days", "90")
        page.fill("#id_subject_es", "{{ first_name }}, te echamos de menos")
        page.fill("#id_text_es", "Hola, {{ first_name }}: vuelve con un 15% de descuento.")
        page.fill("#id_subject_en", "{{ first_name }}, we miss you")
        page.fill("#id_text_en", "Hi {{ first_name }}: come back for 15% off.")
        page.fill("#id_offer_code", "VUELVE15")
        page.fill("#id_offer_discount", "15%")
        page.fill("#id_holdout_percent", "20")
        page.fill("#id_window_hours", "1")
        shot(page, "form-es")
        with page.expect_navigation():
            # requestSubmit(): the browser's own validation and submit, as the button does.
            page.evaluate("document.querySelector('form.campaign-form').requestSubmit()")
        page.wait_for_selector("#audience-size")
        size = page.inner_text("#audience-size")
        held = {
            row.get_attribute("data-code"): row.inner_text()
            for row in page.query_selector_all("#held-back tbody tr")
        }
        shot(page, "audience-es")
        page.click("#launch")
        page.wait_for_selector("#sent-group")
    assert size == "40"
    assert held["open_case"].endswith("1") and held["unsubscribed"].endswith("1")
    assert held["late_order"].endswith("0")

    dispatch_due(now=timezone.now() + dt.timedelta(hours=2))  # the worker, in-process
    campaign = Campaign.objects.get()
    sent_group = CampaignMember.objects.filter(campaign=campaign, group=Group.SENT).count()
    holdout = CampaignMember.objects.filter(campaign=campaign, group=Group.HOLDOUT).count()
    mailed = Message.objects.filter(campaign_member__campaign=campaign, state=State.SENT).count()
    assert sent_group + holdout == 40 and holdout > 0
    assert len(mail.outbox) == mailed > 0
    held_emails = set(
        CampaignMember.objects.filter(group=Group.HOLDOUT).values_list("customer__email", flat=True)
    )
    assert not held_emails & {m.to[0] for m in mail.outbox}

    with chromium_page(viewport={"width": 1200, "height": 900}) as page:
        logged_in(page, site, session)
        page.goto(f"{site}/campaigns/{campaign.pk}/")
        shown = (page.inner_text("#sent-group"), page.inner_text("#holdout-group"))
        page.goto(f"{site}/campaigns/{campaign.pk}/results/")
        results = page.inner_text("#comparison")
        outcomes = page.inner_text("#mail-outcomes")
        shot(page, "results-es")
        if SHOTS:
            page.context.add_cookies([{"name": "django_language", "value": "en", "url": site}])
            for path, name in (
                (f"/campaigns/{campaign.pk}/results/", "results-en"),
                (f"/campaigns/{campaign.pk}/", "audience-en"),
                ("/campaigns/new/", "form-en"),
            ):
                page.goto(site + path)
                shot(page, name)
    assert shown == (str(sent_group), str(holdout))
    assert str(sent_group) in results and str(holdout) in results
    assert str(mailed) in outcomes
