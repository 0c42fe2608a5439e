import datetime as dt
import secrets
import statistics
import time

import pytest

from postsale.lib import public
from postsale.lib.tokens import token_new
from surveys.models import Answer, InvitationToken
from tests.surveys.conftest import (
    Surveyed,
    answer_as_person,
    delivered_sale,
    person_client,
    sent_message,
)

pytestmark = pytest.mark.django_db


def test_one_customers_link_never_reaches_another_customers_answer(browser, nps_survey):
    other = Surveyed(sent_message(sale=delivered_sale()))
    answer_as_person(browser, nps_survey, score=9, comment="Mío")
    answer_as_person(browser, other, score=2, comment="Del otro")
    mine = browser.get(nps_survey.answer_path).content.decode()
    assert "Mío" in mine and "Del otro" not in mine
    assert other.invitation.sale.external_id not in mine
    answers = {a.invitation_id: a.comment for a in Answer.objects.all()}
    assert answers == {nps_survey.invitation.pk: "Mío", other.invitation.pk: "Del otro"}


def test_unknown_and_expired_links_answer_alike(browser, nps_survey):
    nps_survey.invitation.expires_at = nps_survey.invitation.created_at - dt.timedelta(seconds=1)
    nps_survey.invitation.save()
    expired = browser.get(nps_survey.answer_path)
    unknown = browser.get(f"/c/s/{secrets.token_urlsafe(24)}/")
    assert expired.status_code == unknown.status_code == 404
    assert expired.content == unknown.content
    assert expired["Content-Language"] == unknown["Content-Language"]


def test_timing_does_not_tell_an_expired_link_from_an_unknown_one(nps_survey, monkeypatch):
    """50 requests each, interleaved; the fastest of each equal within a generous factor. The
    fastest is what the code costs; a median drifts with whatever else the machine runs."""
    monkeypatch.setattr(public, "PER_IP_PER_MINUTE", 10_000)
    invitation = nps_survey.invitation
    invitation.expires_at = invitation.created_at - dt.timedelta(seconds=1)
    invitation.save()
    expired_tokens = []
    for _ in range(50):
        token, hashed = token_new()
        InvitationToken.objects.create(invitation=invitation, token_hash=hashed)
        expired_tokens.append(token)
    unknown_tokens = [token_new()[0] for _ in range(50)]
    client = person_client()
    for token in unknown_tokens[:5] + expired_tokens[:5]:  # warm up (templates, connections)
        client.get(f"/c/s/{token}/thanks/")

    def timed(token: str) -> float:
        start = time.perf_counter()
        response = client.get(f"/c/s/{token}/")
        elapsed = time.perf_counter() - start
        assert response.status_code == 404
        return elapsed

    unknown, expired = [], []
    for unknown_token, expired_token in zip(unknown_tokens, expired_tokens, strict=True):
        unknown.append(timed(unknown_token))
        expired.append(timed(expired_token))
    ratio = min(expired) / min(unknown)
    print(
        f"fastest unknown {min(unknown) * 1000:.2f} ms, expired {min(expired) * 1000:.2f} ms, "
        f"ratio {ratio:.2f}; medians {statistics.median(unknown) * 1000:.2f} / "
        f"{statistics.median(expired) * 1000:.2f} ms"
    )
    assert 0.5 < ratio < 2
