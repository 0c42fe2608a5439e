""".env.example lists every variable the settings read, and nothing they don't.

The reads are found in the code (ast), so a new envstr("X", ...) in settings.py without a line in
.env.example fails here, and so does a line left behind for a variable nobody reads any more.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READERS = {"envstr", "envint", "envbool", "envlist", "envcidrs"}
SOURCES = ["postsale/settings.py", "postsale/lib/env.py"]
# "NAME=value" or "# NAME=value", then optionally "  # what it is".
LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")


def _is_os_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def settings_reads() -> tuple[set[str], set[str]]:
    """(names read, prefixes passed through from os.environ) in SOURCES."""
    names, prefixes = set(), set()
    for source in SOURCES:
        tree = ast.parse((ROOT / source).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args:
                func, first = node.func, _literal(node.args[0])
                if isinstance(func, ast.Name) and func.id in READERS and first:
                    names.add(first)  # envstr("NAME", ...)
                elif (
                    isinstance(func, ast.Attribute)
                    and func.attr == "get"
                    and _is_os_environ(func.value)
                    and first
                ):
                    names.add(first)  # os.environ.get("NAME")
                elif (
                    isinstance(func, ast.Attribute)
                    and func.attr == "getenv"
                    and isinstance(func.value, ast.Name)
                    and func.value.id == "os"
                    and first
                ):
                    names.add(first)  # os.getenv("NAME")
            elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
                if name := _literal(node.slice):
                    names.add(name)  # os.environ["NAME"]
            elif (
                isinstance(node, ast.comprehension)
                and isinstance(node.iter, ast.Call)
                and isinstance(node.iter.func, ast.Attribute)
                and _is_os_environ(node.iter.func.value)
            ):
                # {key: ... for key, value in os.environ.items() if key.startswith("PREFIX_")}
                for condition in node.ifs:
                    for call in ast.walk(condition):
                        if (
                            isinstance(call, ast.Call)
                            and isinstance(call.func, ast.Attribute)
                            and call.func.attr == "startswith"
                            and call.args
                        ):
                            prefixes.add(_literal(call.args[0]))
    return names, prefixes - {None}


def compose_variables() -> set[str]:
    """Variables docker-compose.yml interpolates from .env (${NAME...})."""
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "docker-compose.yml").read_text()))


def example_lines() -> dict[str, tuple[bool, str]]:
    """NAME -> (uncommented, rest of the line) for each variable line of .env.example."""
    found = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if match := LINE.match(line):
            found[match.group(1)] = (not line.startswith("#"), match.group(2))
    return found


def test_the_reader_finds_what_settings_read():
    names, prefixes = settings_reads()
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "SECURE_HSTS_SECONDS", "CACHE_URL"} <= names
    assert prefixes == {"ANYMAIL_"}


def test_every_variable_the_settings_read_is_in_env_example():
    names, _prefixes = settings_reads()
    missing = sorted(names - set(example_lines()))
    assert missing == [], f"add to .env.example: {missing}"


def test_env_example_lists_nothing_that_nobody_reads():
    names, prefixes = settings_reads()
    known = names | compose_variables()
    stale = sorted(
        name for name in example_lines() if name not in known and not name.startswith(tuple(prefixes))
    )
    assert stale == [], f"read by neither the settings nor docker-compose.yml: {stale}"


def test_what_compose_requires_is_uncommented_and_every_line_says_what_it_is():
    lines = example_lines()
    required = compose_variables()
    assert required and all(lines.get(name, (False,))[0] for name in required), required
    unexplained = sorted(name for name, (_active, rest) in lines.items() if not re.search(r"\s#\s*\S", rest))
    assert unexplained == []
