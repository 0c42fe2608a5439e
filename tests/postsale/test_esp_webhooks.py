"""ESP webhooks: only the configured ESP answers; a body it cannot read is a 400 and stores nothing."""

import base64
import json
import logging

import pytest
from anymail import urls as anymail_urls
from django.core.exceptions import ImproperlyConfigured

from customers import services
from customers.models import TimelineEntry
from followups.models import MessageEvent, Suppression
from postsale.lib.esp_webhooks import esp_of

SECRET = "postsale:change-me"
AUTH = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}
# what each ESP's own checks need before they look at a body (signing keys, API keys)
ESP_KEYS = {
    "MAILGUN_WEBHOOK_SIGNING_KEY": "k",
    "POSTAL_WEBHOOK_KEY": "k",
    "MAILERSEND_INBOUND_SECRET": "k",
    "MAILERSEND_SIGNING_SECRET": "k",
    "BREVO_API_KEY": "k",
    "SENDINBLUE_API_KEY": "k",
    "UNISENDER_GO_API_KEY": "k",
}
ENDPOINTS = [
    (esp_of(p), "/anymail/" + str(p.pattern).lstrip("^").replace("(_mime)?/$", "/"))
    for p in anymail_urls.urlpatterns
]
ESPS = sorted({esp for esp, _url in ENDPOINTS})
JUNK = {
    "binary": ("text/plain", b"\x00\xffgarbage{"),
    "empty object": ("application/json", b"{}"),
    "list of junk": ("application/json", b'[1, "x", {"event": null}]'),
    "string": ("application/json", b'"x"'),
    "form": ("application/x-www-form-urlencoded", b"a=1"),
    "truncated": ("application/json", b'{"RecordType": "Bounce", "Email": '),
}


def stored():
    return MessageEvent.objects.count(), Suppression.objects.count(), TimelineEntry.objects.count()


@pytest.fixture
def secret(settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET, **ESP_KEYS}


def test_anymail_still_offers_the_endpoints_we_guard():
    assert len(ESPS) >= 13 and {"postmark", "mailgun", "amazon_ses", "mailjet"} <= set(ESPS)


@pytest.mark.django_db
@pytest.mark.parametrize(("esp", "url"), ENDPOINTS)
def test_the_endpoints_of_esps_we_do_not_use_are_404_without_a_traceback(
    client, settings, secret, caplog, esp, url
):
    settings.WEBHOOK_ESPS = ["postmark"] if esp != "postmark" else ["mailjet"]
    client.raise_request_exception = False

    with caplog.at_level(logging.WARNING):
        anonymous = client.post(url, b"{}", content_type="application/json")
        with_secret = client.post(url, b"{}", content_type="application/json", **AUTH)

    assert (anonymous.status_code, with_secret.status_code) == (404, 404)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.django_db
@pytest.mark.parametrize(("esp", "url"), [(esp, url) for esp, url in ENDPOINTS if esp != "amazon_ses"])
@pytest.mark.parametrize("junk", JUNK)
def test_a_malformed_body_is_a_400_or_ignored_and_stores_nothing(client, settings, secret, esp, url, junk):
    settings.WEBHOOK_ESPS = [esp]
    client.raise_request_exception = False
    before = stored()
    content_type, body = JUNK[junk]

    response = client.post(url, body, content_type=content_type, **AUTH)

    # an empty object is a valid (empty) batch for some ESPs; nothing of it may be stored either
    assert response.status_code == 400 or (junk == "empty object" and response.status_code == 200)
    assert stored() == before


@pytest.mark.django_db
def test_a_batch_with_one_unreadable_event_stores_none_of_it(client, settings, secret):
    settings.WEBHOOK_ESPS = ["mailjet"]
    services.customer_upsert(external_id="C1", name="Ana", email="ana@example.com")
    good = {
        "event": "spam",
        "time": 1773144000,
        "MessageID": 1,
        "email": "ana@example.com",
        "source": "JMRPP",
    }
    bad = {**good, "email": {"not": "an address"}}  # parses, then trips our receiver

    response = client.post(
        "/anymail/mailjet/tracking/", json.dumps([good, bad]), content_type="application/json", **AUTH
    )

    assert response.status_code == 400
    assert not Suppression.objects.exists()


@pytest.mark.django_db
def test_an_inbound_mail_without_a_sender_is_nobodys_reply(client, settings, secret):
    settings.WEBHOOK_ESPS = ["postmark"]
    nobody, _created = services.customer_upsert(external_id="C2", name="Sin correo", email="")
    payload = {
        "To": "soporte@postsale.example",  # no From at all
        "Subject": "Re: Tu pedido",
        "TextBody": "hola",
        "Headers": [],
        "Attachments": [],
    }

    response = client.post(
        "/anymail/postmark/inbound/", json.dumps(payload), content_type="application/json", **AUTH
    )

    assert response.status_code == 200
    assert not nobody.timeline.filter(kind="reply").exists()


def test_an_unknown_esp_or_one_without_its_package_fails_at_start_up(monkeypatch):
    import importlib

    import postsale.settings as live

    monkeypatch.setenv("WEBHOOK_ESPS", "mailgn")
    with pytest.raises(ImproperlyConfigured, match="mailgn"):
        importlib.reload(live)
    if importlib.util.find_spec("boto3") is None:
        monkeypatch.setenv("WEBHOOK_ESPS", "amazon_ses")
        with pytest.raises(ImproperlyConfigured, match="boto3"):
            importlib.reload(live)
    monkeypatch.delenv("WEBHOOK_ESPS")
    importlib.reload(live)
