"""Tokens in customers' links. The database keeps only their SHA-256 (`token_hash`).

A copy of the database therefore hands out no working link. Lookups go by the hash, an indexed
equality, so a valid and an invalid token cost the same and answer the same way when not found.
Three kinds of token end up hashed here, each made where it is used:

- Survey invitation links (surveys/invitations.py `invitation_for_message`): `token_new()`, 192
  random bits, a fresh one for every survey or reminder mail; one InvitationToken row each.
- Message links (followups/dispatch.py `message_token`): order page, delay notice, unsubscribe
  and preferences. An HMAC-SHA256 of the message's id under SECRET_KEY, cut to 192 bits, so a
  retried send renders the same links; Message.token_hash keeps its hash once the mail is sent
  (for survey kinds, before it goes out).
- Survey links on the order page (surveys/invitations.py `invitation_link_for_page`): Django's
  salted_hmac (SECRET_KEY, salt "surveys.order-page-link") of the invitation id and the page's
  own message token, 256 bits, so reloading the page shows the same link and adds no row.

The two derived kinds also need SECRET_KEY to be recomputed; a link already mailed keeps working
after a key change because its hash was stored when it was made.
"""

import hashlib
import secrets

TOKEN_BYTES = 24


def token_new() -> tuple[str, str]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
