"""The managers' pages: create a draft, see its audience and mail, launch and stop it."""

import pytest

from campaigns.models import Campaign, Status
from followups.models import Message, Reason, State
from tests.campaigns.conftest import buyer, make_campaign
from tests.customers.factories import ComplaintFactory, CustomerFactory

FORM = {
    "name": "Vuelve",
    "schedule": "winback",
    "last_purchase_days": "60",
    "subject_es": "{{ first_name }}, vuelve",
    "text_es": "Hola {{ first_name }}",
    "subject_en": "{{ first_name }}, come back",
    "text_en": "Hi {{ first_name }}",
    "offer_code": "VUELVE10",
    "holdout_percent": "10",
    "window_hours": "24",
    "consent_only": "",
}


def test_a_manager_creates_a_draft(manager_client, manager):
    response = manager_client.post("/campaigns/new/", FORM)
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response.url == f"/campaigns/{campaign.pk}/"
    assert (campaign.status, campaign.created_by, campaign.last_purchase_days) == (Status.DRAFT, manager, 60)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"last_purchase_days": ""}, "last_purchase_days"),
        ({"holdout_percent": "0"}, "holdout_percent"),
        ({"holdout_percent": "99"}, "holdout_percent"),
        ({"text_es": "Hola {% if %}"}, "text_es"),
        ({"min_purchases": "5", "max_purchases": "2"}, "max_purchases"),
        ({"window_hours": "100000"}, "window_hours"),
        ({"schedule": "birthday", "offer_code": ""}, "offer_code"),
    ],
)
def test_bad_input_is_a_form_error_not_a_500(manager_client, change, field):
    response = manager_client.post("/campaigns/new/", {**FORM, **change})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Campaign.objects.exists()


def test_the_detail_page_shows_the_audience_held_back_and_the_mail(
    manager_client, rules, django_assert_max_num_queries
):
    campaign = make_campaign(last_purchase_days=30)
    lapsed = buyer(days_ago=40, marketing_consent=True)
    ComplaintFactory(customer=buyer(days_ago=50))
    buyer(days_ago=5)
    with django_assert_max_num_queries(25):
        response = manager_client.get(f"/campaigns/{campaign.pk}/")
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview["size"] == 2
    assert {h.code: h.count for h in preview["held_back"]}["open_case"] == 1
    page = response.content.decode()
    assert lapsed.name in page
    assert f"{lapsed.first_name}, vuelve" in page  # the mail preview, in Spanish


def test_launch_and_stop_through_the_pages(manager_client):
    CustomerFactory.create_batch(20)
    campaign = make_campaign(holdout_percent=10)
    response = manager_client.post(f"/campaigns/{campaign.pk}/launch/")
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Status.RUNNING
    page = manager_client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert 'id="sent-group"' in page and 'id="holdout-group"' in page
    planned = Message.objects.filter(state=State.PLANNED).count()
    assert planned > 0
    manager_client.post(f"/campaigns/{campaign.pk}/stop/")
    assert Message.objects.filter(state=State.CANCELLED, reason=Reason.STOPPED).count() == planned
    # A second launch or stop is refused with a message, not an error page.
    again = manager_client.post(f"/campaigns/{campaign.pk}/launch/", follow=True)
    assert again.status_code == 200
    assert [str(m) for m in again.context["messages"]][-1] == (
        "Solo se puede lanzar una campaña en borrador."
    )


def test_a_launched_campaign_cannot_be_edited(manager_client):
    campaign = make_campaign(status=Status.RUNNING)
    assert manager_client.get(f"/campaigns/{campaign.pk}/edit/").status_code == 404


def test_support_staff_cannot_see_campaigns(support_client):
    campaign = make_campaign()
    assert support_client.get(f"/campaigns/{campaign.pk}/").status_code == 403
    assert support_client.post(f"/campaigns/{campaign.pk}/launch/").status_code == 403
