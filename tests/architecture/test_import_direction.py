"""Apps import only the apps below them: customers (the domain) <- followups (the outbox) <-
surveys, support, campaigns, reports. postsale/ (the project: settings, URLs, the API router)
sits on top and may import anything. A kind's owner tells the engine what it needs through
followups.kinds, so the engine never imports it."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What each app may import, besides itself, Django and the libraries.
ALLOWED = {
    "accounts": set(),
    "customers": {"accounts"},
    "followups": {"customers", "accounts"},
    "surveys": {"followups", "customers", "accounts"},
    "support": {"followups", "customers", "accounts", "surveys"},
    "campaigns": {"followups", "customers", "accounts", "reports"},
    "reports": {"followups", "customers", "accounts", "surveys", "support"},
}
FIRST_PARTY = {*ALLOWED, "postsale"}


def imports_of(path: Path) -> set[str]:
    """The first-party modules a file imports (dotted names), wherever the import stands."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] in FIRST_PARTY}


def allowed(app: str, module: str) -> bool:
    top = module.split(".")[0]
    # postsale.lib holds helpers named by concept that import no app; celery is the app object;
    # the API filter backend and schema class are the API edge's shared pieces.
    return (
        top == app
        or top in ALLOWED[app]
        or module.startswith(
            ("postsale.lib", "postsale.celery", "postsale.api_filters", "postsale.api_schema")
        )
    )


@pytest.mark.parametrize("app", [app for app in ALLOWED if (ROOT / app).is_dir()])
def test_no_app_imports_one_above_it(app):
    wrong = {}
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        above = sorted(module for module in imports_of(path) if not allowed(app, module))
        if above:
            wrong[str(path.relative_to(ROOT))] = above
    assert not wrong


def test_postsale_lib_imports_no_app():
    for path in (ROOT / "postsale" / "lib").rglob("*.py"):
        assert all(module.startswith("postsale.lib") for module in imports_of(path)), path


def test_settings_speak_the_domains_languages(settings):
    from customers.choices import Language

    assert [code for code, _name in settings.LANGUAGES] == Language.values
