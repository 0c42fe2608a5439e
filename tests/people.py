"""People and mail scanners on the customers' public pages, as the tests play them.

A person opens the page some minutes after the mail arrived, with a browser's user agent from
an ordinary address, and touches the page (the page's script reports it) before pressing a
button. Scanners do one or more of: no page load, a scanner's agent or network, a POST seconds
after delivery, no interaction.
"""

import datetime as dt
import re
import secrets

import time_machine
from django.test import Client
from django.utils import timezone

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
PROOFPOINT = "Mozilla/5.0 (compatible; Proofpoint URL Defense)"
PROOFPOINT_IP = "148.163.130.7"  # in Proofpoint's published range (settings.SCANNER_NETWORKS)
STAMP = re.compile(r'name="stamp" value="([^"]+)"')
MAIL_READ_AFTER = dt.timedelta(minutes=3)


def person_client(**extra) -> Client:
    """A browser of its own: its own IP (rate limits count per IP) and a person's user agent."""
    ip = "10.{}.{}.{}".format(*(secrets.randbelow(250) + 1 for _ in range(3)))
    return Client(**{"REMOTE_ADDR": ip, "HTTP_USER_AGENT": FIREFOX, **extra})


def stamp_of(response) -> str:
    match = STAMP.search(response.content.decode())
    assert match, "the page's form carries a page-served stamp"
    return match.group(1)


def person_posts(
    client: Client,
    path: str,
    data: dict,
    *,
    after_seconds: float = 2.0,
    interaction: str = "pointerdown",
    read_after: dt.timedelta = MAIL_READ_AFTER,
    stamp: bool = True,
    **headers,
):
    """Open the page `read_after` the mail went out, take `after_seconds`, press the button."""
    moment = timezone.now() + read_after
    with time_machine.travel(moment, tick=False):
        page = client.get(path)
    data = {**data, "interaction": interaction}
    if stamp:
        data["stamp"] = stamp_of(page)
    with time_machine.travel(moment + dt.timedelta(seconds=after_seconds), tick=False):
        return client.post(path, data, **headers)
