"""requirements.lock pins every dependency pyproject.toml declares, at a version it allows, each
with its hashes: `make` installs from the lock alone, so a dependency added without `make lock`
would be missing from every fresh venv."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$")


def locked() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins = {}
    for block in re.split(r"\n(?=\S)", text):
        found = PIN.match(block.splitlines()[0])
        if found is None:
            continue
        assert "--hash=sha256:" in block, f"{found.group(1)} is pinned without a hash"
        pins[canonicalize_name(found.group(1))] = found.group(2)
    return pins


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    venv = (ROOT / "requirements-venv.in").read_text(encoding="utf-8").splitlines()
    lines = [*project["dependencies"], *project["optional-dependencies"]["dev"], *venv]
    return [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]


def test_the_lock_pins_every_declared_dependency_at_an_allowed_version_with_hashes() -> None:
    pins = locked()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name}=={pins[name]}, outside {requirement}: run `make lock`"
        )
