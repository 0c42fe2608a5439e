"""One writer per invitation: a submission reads "answered yet?" and then the current answer under
the invitation's row lock (surveys.services.answer_submit).

The two reads stay two statements: read in the locking statement (a LEFT JOIN ... FOR UPDATE OF
the invitation), the answer would come from the snapshot taken before the wait, so the second of
two submissions at once missed the first one's answer and failed on its unique invitation. The
second test caught that in a change that tried it."""

import threading

import psycopg2
import pytest
from django.db import connection, connections

from surveys import services
from surveys.models import Answer, AnswerRevision
from tests.services import require_postgres
from tests.surveys.conftest import Surveyed, delivered_sale, sent_message

LOCK = "SELECT 1 FROM surveys_invitation WHERE id = %s FOR UPDATE"


def submit(survey: Surveyed, score: int, done: list) -> None:
    try:
        services.answer_submit(invitation=survey.invitation, score=score, comment="vía hilo")
        done.append(score)
    finally:
        connections.close_all()  # this thread's own connection


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_submission_waits_for_the_invitations_lock_then_sees_the_answer_written_meanwhile():
    require_postgres()
    survey = Surveyed(sent_message(sale=delivered_sale()))
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        with other.cursor() as cursor:  # another writer holds the invitation
            cursor.execute(LOCK, [survey.invitation.pk])
        done: list = []
        waiting = threading.Thread(target=submit, args=(survey, 3, done))
        waiting.start()
        waiting.join(1.0)
        assert waiting.is_alive() and not done, "the submission waits for the lock"
        assert not Answer.objects.filter(invitation=survey.invitation).exists()
        other.commit()  # the other writer leaves; a first answer was not written by it
        waiting.join(10)
        assert done == [3]
    finally:
        other.close()
    answer = Answer.objects.get(invitation=survey.invitation)
    assert answer.score == 3 and AnswerRevision.objects.filter(answer=answer).count() == 1


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_make_one_answer_and_two_revisions():
    require_postgres()
    survey = Surveyed(sent_message(sale=delivered_sale()))
    done: list = []
    threads = [threading.Thread(target=submit, args=(survey, score, done)) for score in (2, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert sorted(done) == [2, 9], "neither failed on the answer's unique invitation"
    answer = Answer.objects.get(invitation=survey.invitation)
    assert AnswerRevision.objects.filter(answer=answer).count() == 2
    assert answer.score == AnswerRevision.objects.filter(answer=answer).latest("pk").score
