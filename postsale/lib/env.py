"""Typed readers for settings that come from the environment.

Each raises ImproperlyConfigured on a value it cannot read, so a typo in a deployment fails at
start-up with the variable's name instead of behaving like the default.
"""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def envcidrs(name: str, default: list[str]) -> list[str]:
    """A comma-separated list of networks (10.0.0.0/8, 2001:db8::/32); a bad one fails start-up."""
    import ipaddress

    cidrs = envlist(name, default)
    for cidr in cidrs:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{name} must list IP addresses or networks like 10.0.0.0/8, not {cidr!r}"
            ) from exc
    return cidrs


def secret_key(*, debug: bool, var_dir: Path) -> str:
    """SECRET_KEY from the environment; outside DEBUG it is required.

    In DEBUG a key is generated once and kept in var/secret_key, so sessions survive restarts
    without anyone having to invent a key on a new machine.
    """
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if not debug:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off.")
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()
