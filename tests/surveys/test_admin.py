import pytest
from django.contrib.auth.models import User

from surveys.models import Answer
from tests.surveys.conftest import answer_as_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "x"))
    return client


def test_staff_read_answers_with_their_revisions_in_the_admin(admin_client, browser, nps_survey):
    answer_as_person(browser, nps_survey, score=4, comment="Flojo")
    answer = Answer.objects.get()
    for url in (
        "/admin/surveys/answer/",
        "/admin/surveys/invitation/",
        "/admin/surveys/answerrevision/?flagged__exact=0",
    ):
        assert admin_client.get(url).status_code == 200
    page = admin_client.get(f"/admin/surveys/answer/{answer.pk}/change/").content.decode()
    assert "Flojo" in page and "Mozilla" in page  # the revision, with its user agent


def test_answers_cannot_be_added_or_edited_in_the_admin(admin_client, browser, nps_survey):
    answer_as_person(browser, nps_survey, score=9)
    answer = Answer.objects.get()
    assert admin_client.get("/admin/surveys/answer/add/").status_code == 403
    admin_client.post(f"/admin/surveys/answer/{answer.pk}/change/", {"score": 0})
    answer.refresh_from_db()
    assert answer.score == 9
