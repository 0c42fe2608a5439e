"""The survey answer page's side of the shared scanner rule (postsale/lib/scanners.py).

A survey page's stamp is bound to its invitation, and "right after delivery" counts from the mail
whose link was followed (the first mail or its reminder).
"""

from postsale.lib import scanners
from postsale.lib.scanners import automation_reason  # noqa: F401  (the shared rule, re-exported)


def stamp_subject(invitation_id: int) -> str:
    return f"survey:{invitation_id}"


def page_stamp(invitation_id: int, *, served_at: float | None = None) -> str:
    """A signed "this answer page was served for this invitation at this time"."""
    return scanners.page_stamp(stamp_subject(invitation_id), served_at=served_at)


def seconds_since_served(stamp: str, invitation_id: int) -> float | None:
    """None when the stamp is missing, forged, or belongs to another invitation."""
    return scanners.seconds_since_served(stamp, stamp_subject(invitation_id))
