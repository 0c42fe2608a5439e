"""Tokens in customers' links: 192 random bits, only their SHA-256 kept in the database.

A copy of the database therefore hands out no working link. Lookups go by the hash, an indexed
equality, so a valid and an invalid token cost the same and answer the same way when not found.
"""

import hashlib
import secrets

TOKEN_BYTES = 24


def token_new() -> tuple[str, str]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
