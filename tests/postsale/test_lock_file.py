"""The locks still satisfy pyproject.toml: requirements.lock (runtime + test extras), which `make`
and CI install, and requirements-prod.lock (runtime only), which the Docker image installs.

A dependency added to pyproject.toml without `make lock` would be missing from every install.
"""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


LOCKS = ["requirements.lock", "requirements-prod.lock"]


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text()
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def wanted(lock: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"]
    if lock == "requirements.lock":
        lines = [*lines, *project["optional-dependencies"]["test"]]
    return [Requirement(line) for line in lines]


@pytest.mark.parametrize("lock", LOCKS)
def test_every_dependency_is_pinned_at_a_version_pyproject_allows(lock):
    locked = pins(lock)
    stale = []
    for requirement in wanted(lock):
        version = locked.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            stale.append(f"{requirement} (locked: {version})")
    assert stale == [], f"run `make lock`: {stale}"


@pytest.mark.parametrize("lock", LOCKS)
def test_every_pin_carries_hashes(lock):
    blocks = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / lock).read_text())
    unhashed = [block.split()[0] for block in blocks if PIN.match(block) and "--hash=sha256:" not in block]
    assert pins(lock) and unhashed == []


def test_the_image_gets_the_versions_ci_tested():
    tested = pins("requirements.lock")
    prod = pins("requirements-prod.lock")
    assert {name: tested.get(name) for name in prod} == prod


def test_make_and_the_dockerfile_install_from_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --quiet -r $(LOCK)" in makefile and "LOCK := requirements.lock" in makefile
    assert re.search(r"^\$\(STAMP\): .*\$\(LOCK\)", makefile, re.MULTILINE)
    assert re.search(r"pip install .*-r requirements-prod\.lock", dockerfile)
