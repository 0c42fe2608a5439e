"""The customers' pages read through prepared statements on PostgreSQL (postsale/lib/prepared.py):
planned once per connection, the same page served."""

import re

import pytest
from django.db import connection, connections
from django.test import override_settings

from postsale.lib import prepared
from tests.services import require_postgres
from tests.surveys.conftest import answer_as_person
from tests.surveys.test_order_page import order_path


def test_placeholders_are_numbered_and_literal_percent_signs_kept():
    sql = "SELECT a FROM t WHERE b = %s AND c LIKE 'x%%' AND d IN (%s, %s)"
    assert prepared.numbered(sql) == ("SELECT a FROM t WHERE b = $1 AND c LIKE 'x%' AND d IN ($2, $3)", 3)
    assert prepared.statement_name(sql) == prepared.statement_name(sql)
    assert prepared.statement_name(sql) != prepared.statement_name(sql + " ")
    assert len(prepared.statement_name(sql)) <= 63  # PostgreSQL's identifier limit


@pytest.fixture
def fresh_statements(db):
    """A connection that has prepared nothing yet (pytest keeps one connection across tests)."""
    require_postgres()
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    connections["default"].__dict__.pop("_postsale_prepared", None)  # the wrapper, not the proxy


def ours() -> dict[str, dict]:
    """This connection's prepared statements of ours: name -> text and how often each plan kind ran."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, statement, generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE name LIKE 'ps\\_%%'"
        )
        return {name: {"sql": sql, "generic": g, "custom": c} for name, sql, g, c in cursor.fetchall()}


@pytest.mark.integration
def test_a_survey_page_is_planned_once_then_reuses_its_plan(fresh_statements, browser, nps_survey):
    require_postgres()
    first = browser.get(nps_survey.answer_path)
    assert first.status_code == 200
    after_first = ours()
    assert after_first, "the page's reads were prepared"
    assert all(s["sql"].lstrip().upper().startswith("PREPARE PS_") for s in after_first.values())
    assert any("surveys_invitationtoken" in s["sql"] for s in after_first.values())
    for _ in range(8):
        assert browser.get(nps_survey.answer_path).status_code == 200
    after_more = ours()
    assert set(after_more) == set(after_first), "no new statement for the same page"
    link = next(s for s in after_more.values() if "surveys_invitationtoken" in s["sql"])
    # One generic plan, kept (settings: plan_cache_mode=force_generic_plan on these connections).
    assert (link["generic"], link["custom"]) == (9, 0)


@pytest.mark.integration
def test_prepared_and_plain_pages_are_the_same(fresh_statements, browser, nps_survey):
    require_postgres()
    served = browser.get(nps_survey.score_path(9)).content.decode()
    saved = prepared.enabled
    prepared.enabled = lambda: False
    try:
        before = set(ours())
        plain = browser.get(nps_survey.score_path(9)).content.decode()
        assert set(ours()) == before  # nothing prepared meanwhile
    finally:
        prepared.enabled = saved

    def without_per_request_bits(body: str) -> str:  # the CSRF token and the page stamp differ
        return re.sub(r'name="(csrfmiddlewaretoken|stamp)" value="[^"]*"', "", body)

    assert without_per_request_bits(served) == without_per_request_bits(plain)
    order = browser.get(order_path(nps_survey.message))
    assert order.status_code == 200 and nps_survey.invitation.sale.external_id in order.content.decode()


@pytest.mark.integration
def test_an_answer_posts_and_only_selects_are_prepared(fresh_statements, browser, nps_survey):
    require_postgres()
    response = answer_as_person(browser, nps_survey, score=3, comment="Tarde", would_buy_again="no")
    assert response.status_code == 303
    assert browser.get(response["Location"]).status_code == 200
    statements = ours().values()
    assert statements
    assert all(s["sql"].split(" AS ", 1)[1].lstrip().upper().startswith("SELECT") for s in statements)
    assert nps_survey.invitation.__class__.objects.get(pk=nps_survey.invitation.pk).answered_at is not None


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again(fresh_statements, browser, nps_survey):
    require_postgres()
    assert browser.get(nps_survey.answer_path).status_code == 200
    assert ours()
    # What a failover or CONN_MAX_AGE does: the server connection is replaced under the wrapper.
    connection.close()
    connection.ensure_connection()
    assert ours() == {}
    assert browser.get(nps_survey.answer_path).status_code == 200
    assert ours()


@pytest.mark.integration
@override_settings(DATABASE_POOLER="pgbouncer")
def test_behind_pgbouncer_nothing_is_prepared(fresh_statements, browser, nps_survey):
    require_postgres()
    assert browser.get(nps_survey.answer_path).status_code == 200
    assert ours() == {}


@pytest.mark.integration
def test_a_connection_keeps_at_most_the_cap(fresh_statements, browser, nps_survey, monkeypatch):
    require_postgres()
    monkeypatch.setattr(prepared, "MAX_PER_CONNECTION", 1)
    assert browser.get(nps_survey.answer_path).status_code == 200
    assert browser.get(order_path(nps_survey.message)).status_code == 200
    assert len(ours()) == 1


@pytest.mark.integration
def test_the_order_page_keeps_its_plan_too(fresh_statements, browser, nps_survey):
    """Its lookup by a mail's token hash: at a million messages PostgreSQL guessed the generic
    plan dearer and planned every request anew (3 ms) until the connection forced generic plans."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_generic_plan"
    for _ in range(7):
        assert browser.get(order_path(nps_survey.message)).status_code == 200
    by_token = next(s for s in ours().values() if '"followups_message"."token_hash" =' in s["sql"])
    assert (by_token["generic"], by_token["custom"]) == (7, 0)
