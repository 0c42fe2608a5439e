"""Usage tips by product category: shipped per language, editable by managers, generic fallback."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from followups import dispatch
from followups.models import Kind, UsageTip
from followups.tips import category_key, tips_for, usage_tip_save
from tests.followups.conftest import days

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=MADRID)
ES_ELECTRONICS = "Carga la batería por completo"
EN_ELECTRONICS = "Charge the battery fully"
ES_GENERIC = "Guarda el ticket o este correo"
EN_GENERIC = "Keep the receipt or this e-mail"


@pytest.mark.parametrize(
    ("category", "key"),
    [
        ("electronica", "electronica"),
        ("Electrónica ", "electronica"),
        ("electronics", "electronica"),
        ("textil", "moda"),
        ("Deportes", "deporte"),
        ("Libros de viaje", "libros-de-viaje"),
        ("", "generic"),
        ("¿?", "generic"),
    ],
)
def test_a_sales_category_is_reduced_to_its_tips_key(category, key):
    assert category_key(category) == key


@pytest.mark.django_db
def test_each_shipped_category_has_its_own_tips_in_each_language():
    assert ES_ELECTRONICS in tips_for("electrónica", "es")
    assert EN_ELECTRONICS in tips_for("electronics", "en")
    texts = {
        tips_for(category, "es")
        for category in ("electronica", "electrodomesticos", "hogar", "deporte", "moda", "belleza", "libros")
    }
    assert len(texts) == 7  # six categories and the generic text, all different
    assert ES_GENERIC in tips_for("libros", "es") and EN_GENERIC in tips_for("libros", "en")
    assert ES_GENERIC in tips_for("libros", "fr")  # a language we do not speak: Spanish


@pytest.mark.django_db
def test_a_managers_text_wins_for_its_category_and_language_only():
    usage_tip_save(category="Electrónica", language="en", text="Mind the charger.")
    usage_tip_save(category="generic", language="es", text="Consejo general de la tienda.")
    assert tips_for("electronics", "en") == "Mind the charger."
    assert ES_ELECTRONICS in tips_for("electronica", "es")
    assert tips_for("libros", "es") == "Consejo general de la tienda."  # no tips of its own
    assert ES_ELECTRONICS in tips_for("electronica", "es")  # shipped beats the generic override


@pytest.mark.django_db
def test_tips_cost_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        tips_for("electronica", "es")


def delivered_sale(shop, *, category, language):
    customer = shop.customer(name="Ana Pérez", language=language)
    with time_machine.travel(NOON, tick=False):
        return shop.sale(customer, category=category, delivery={"status": "delivered", "delivered_at": NOON})


def sent_tips(outbox_mail):
    with time_machine.travel(NOON + days(7), tick=False):
        dispatch.dispatch_due()
    (mail,) = [m for m in outbox_mail if m.tags == [Kind.USAGE_TIPS]]
    return mail.subject, mail.body, mail.alternatives[0][0]


@pytest.mark.parametrize(
    ("language", "category", "expected", "not_expected"),
    [
        ("es", "electronica", ES_ELECTRONICS, ES_GENERIC),
        ("en", "electrónica", EN_ELECTRONICS, EN_GENERIC),
        ("es", "libros", ES_GENERIC, ES_ELECTRONICS),
        ("en", "libros", EN_GENERIC, EN_ELECTRONICS),
    ],
)
def test_the_usage_tips_mail_carries_the_tips_of_the_sales_category(
    shop, outbox_mail, language, category, expected, not_expected
):
    sale = delivered_sale(shop, category=category, language=language)
    subject, text, html = sent_tips(outbox_mail)
    assert "Ana" in subject
    for part in (text, html):
        assert expected in part and not_expected not in part and sale.external_id in part


def test_a_managers_tips_reach_the_mail_as_written_in_text_and_escaped_in_html(shop, outbox_mail):
    usage_tip_save(category="hogar", language="en", text="- Don't <iron> it.\n- Air it & fluff it.")
    delivered_sale(shop, category="hogar", language="en")
    _subject, text, html = sent_tips(outbox_mail)
    assert "- Don't <iron> it.\n- Air it & fluff it." in text
    assert "- Don&#x27;t &lt;iron&gt; it.<br>- Air it &amp; fluff it." in html


def test_managers_list_edit_and_reset_tips(manager_client):
    page = manager_client.get("/followups/tips/")
    assert page.status_code == 200
    assert [row[0] for row in page.context["rows"]][:3] == ["generic", "electronica", "electrodomesticos"]
    url = "/followups/tips/electronica/es/"
    assert ES_ELECTRONICS in manager_client.get(url).content.decode()
    response = manager_client.post(url, {"text": "Cárgalo antes de usarlo."})
    assert response.status_code == 302
    assert UsageTip.objects.get(category="electronica", language="es").text == "Cárgalo antes de usarlo."
    assert tips_for("electronica", "es") == "Cárgalo antes de usarlo."
    rows = manager_client.get("/followups/tips/").context["rows"]
    assert ("electronica", True, [("es", True), ("en", False)]) in rows
    manager_client.post(url, {"reset": "1"})
    assert not UsageTip.objects.exists() and ES_ELECTRONICS in tips_for("electronica", "es")


def test_managers_add_tips_for_a_category_nothing_ships_for(manager_client):
    response = manager_client.get("/followups/tips/", {"category": "Libros", "language": "en"})
    assert response.status_code == 302 and response.url == "/followups/tips/libros/en/"
    page = manager_client.get(response.url)
    assert EN_GENERIC in page.content.decode()  # starts from the generic text
    manager_client.post(response.url, {"text": "Keep books away from damp."})
    assert tips_for("libros", "en") == "Keep books away from damp."
    rows = dict(
        (key, langs) for key, _shipped, langs in manager_client.get("/followups/tips/").context["rows"]
    )
    assert rows["libros"] == [("es", False), ("en", True)]


@pytest.mark.parametrize(
    ("url", "data", "status"),
    [
        ("/followups/tips/", {"category": "", "language": "es"}, 400),
        ("/followups/tips/", {"category": "¿?", "language": "es"}, 400),
        ("/followups/tips/", {"category": "libros", "language": "fr"}, 400),
        ("/followups/tips/electronica/fr/", None, 404),
        ("/followups/tips/Electrónica/es/", None, 404),
    ],
)
def test_bad_tips_addresses_are_refused(manager_client, url, data, status):
    assert manager_client.get(url, data).status_code == status


def test_empty_or_huge_tips_are_refused_with_a_message(manager_client):
    for text in ("", " ", "x" * 4001):
        response = manager_client.post("/followups/tips/hogar/es/", {"text": text})
        assert response.status_code == 200 and response.context["form"].errors["text"]
    assert not UsageTip.objects.exists()


def test_support_cannot_edit_tips(support_client):
    assert support_client.get("/followups/tips/").status_code == 403
    assert support_client.post("/followups/tips/hogar/es/", {"text": "x"}).status_code == 403
    assert not UsageTip.objects.exists()


def test_the_tips_page_runs_a_fixed_number_of_queries(manager_client, django_assert_max_num_queries):
    for n in range(20):
        usage_tip_save(category=f"cat-{n}", language="es", text="x")
    with django_assert_max_num_queries(8):
        assert manager_client.get("/followups/tips/").status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_manager_edits_tips_in_a_real_browser(site):
    import os

    from tests.browser import chromium_page
    from tests.conftest import make_staff

    make_staff("marta", "Manager")
    shots = os.environ.get("SHOTS_DIR")  # set it to keep screenshots of the pages
    with chromium_page() as page:
        page.goto(f"{site}/accounts/login/?next=/followups/tips/")
        page.fill('input[name="username"]', "marta")
        page.fill('input[name="password"]', "pw-marta")
        page.click('button[type="submit"]')
        page.wait_for_url(f"{site}/followups/tips/")
        if shots:
            page.screenshot(path=f"{shots}/tips-es.png", full_page=True)
        page.click('a[href="/followups/tips/deporte/es/"]')
        page.fill('textarea[name="text"]', "- Estira antes y después.")
        page.click("button.primary")
        page.wait_for_load_state()
        saved = page.inner_text("main")
        assert "Tips saved." in saved or "Consejos guardados." in saved
        if shots:
            page.screenshot(path=f"{shots}/tip-edit-es.png", full_page=True)
        page.goto(f"{site}/followups/tips/")
        row = page.inner_text("tr:has-text('deporte')")
    assert "Editado" in row or "Edited" in row
    assert UsageTip.objects.get(category="deporte", language="es").text == "- Estira antes y después."
