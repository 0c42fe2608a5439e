"""Files uploaded for import, kept under VAR_DIR/imports between the preview and the confirm.

The browser only ever holds a random token; the path is rebuilt from it here, so a client can
never point the import at a file of its choosing.
"""

import re
import secrets
import time
from pathlib import Path

from django.conf import settings

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32}")
KEEP_SECONDS = 24 * 3600  # an upload nobody confirmed within a day is deleted


def _directory() -> Path:
    directory = Path(settings.VAR_DIR) / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def upload_store(uploaded) -> str:
    """Write an uploaded file (a Django UploadedFile) to disk; returns its token."""
    _forget_old()
    token = secrets.token_urlsafe(24)
    with open(_directory() / f"{token}.csv", "wb") as out:
        for chunk in uploaded.chunks():
            out.write(chunk)
    return token


def upload_path(token: str) -> Path | None:
    if not TOKEN_RE.fullmatch(token or ""):
        return None
    path = _directory() / f"{token}.csv"
    return path if path.is_file() else None


def upload_discard(token: str) -> None:
    path = upload_path(token)
    if path is not None:
        path.unlink(missing_ok=True)


def _forget_old() -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in _directory().glob("*.csv"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:  # removed by a concurrent request
            pass
