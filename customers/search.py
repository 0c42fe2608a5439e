"""Search text folded the same way on every database: lower case, accents removed.

The services store `Customer.search_name = fold(name)`; a query is folded the same way, so
"diaz", "DIAZ" and "Díaz" all find "Díaz" with a plain LIKE (a trigram index on PostgreSQL).
"""

import unicodedata


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()
