import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from followups.models import Kind, Message
from surveys.invitations import invitation_for_message, reminders_plan
from surveys.models import Invitation, InvitationToken
from surveys.selectors import reminders_unwanted
from surveys.tasks import survey_reminders_sweep_task
from tests.surveys.conftest import Surveyed, answer_as_person, delivered_sale, sent_message

pytestmark = pytest.mark.django_db


def reminders():
    return Message.objects.filter(dedupe_key__startswith="survey_reminder:")


def days_later(n: float):
    return time_machine.travel(timezone.now() + dt.timedelta(days=n), tick=False)


def test_an_unanswered_survey_gets_one_reminder_after_three_days(nps_survey):
    with days_later(2.9):
        assert reminders_plan() == 0
    with days_later(3.1):
        assert reminders_plan() == 1
        assert reminders_plan() == 0
    reminder = reminders().get()
    invitation = nps_survey.invitation
    assert reminder.dedupe_key == f"survey_reminder:{invitation.pk}"
    assert reminder.data == {"reminder_of_invitation": invitation.pk}
    assert (reminder.kind, reminder.customer_id, reminder.sale_id) == (
        Kind.SURVEY,
        invitation.customer_id,
        invitation.sale_id,
    )
    assert reminder.expires_at < invitation.expires_at
    with days_later(10):
        assert reminders_plan() == 0  # one reminder, ever


def test_an_answered_survey_gets_no_reminder(browser, nps_survey):
    answer_as_person(browser, nps_survey, score=8)
    with days_later(4):
        assert reminders_plan() == 0


def test_a_case_survey_is_reminded_as_a_case_survey(case_survey):
    with days_later(4):
        reminders_plan()
    reminder = reminders().get()
    assert reminder.kind == Kind.CASE_SURVEY
    assert reminder.complaint_id == case_survey.invitation.complaint_id


def test_the_reminder_mail_links_the_same_invitation(nps_survey):
    with days_later(4):
        reminders_plan()
        reminder = reminders().get()
        context = invitation_for_message(reminder)
    link = InvitationToken.objects.get(message=reminder)
    assert link.invitation_id == nps_survey.invitation.pk
    assert context["answer_url"] != nps_survey.context["answer_url"]
    assert Invitation.objects.count() == 1


def test_a_reminder_is_moot_once_answered(browser, nps_survey):
    with days_later(4):
        reminders_plan()
    reminder = reminders().get()
    assert reminders_unwanted([reminder]) == {}
    answer_as_person(browser, nps_survey, score=9)
    assert reminders_unwanted([reminder]) == {reminder.pk: "survey_answered"}


def test_the_moot_check_is_one_query_for_a_whole_batch(browser, django_assert_num_queries):
    surveys = [Surveyed(sent_message(sale=delivered_sale())) for _ in range(5)]
    with days_later(4):
        reminders_plan()
    answer_as_person(browser, surveys[0], score=9)
    batch = list(reminders())
    with django_assert_num_queries(1):
        moot = reminders_unwanted(batch)
    assert set(moot) == {m.pk for m in batch if m.data["reminder_of_invitation"] == surveys[0].invitation.pk}


def test_the_sweep_works_in_batches_with_a_fixed_number_of_queries(django_assert_max_num_queries):
    for _ in range(7):
        Surveyed(sent_message(sale=delivered_sale()))
    # Per batch: SELECT, INSERT, UPDATE (+ the savepoint pair of its transaction in a test).
    with days_later(4), django_assert_max_num_queries(3 * 5 + 3):  # 3 batches, then an empty one
        assert reminders_plan(batch_size=3) == 7
    assert reminders().count() == 7


def test_the_task_is_on_the_beat_schedule(nps_survey, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["survey-reminders"]
    assert entry["task"] == survey_reminders_sweep_task.name
    assert entry["schedule"] > 0
    with days_later(4):
        survey_reminders_sweep_task.delay()
    assert reminders().count() == 1
