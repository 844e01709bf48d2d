"""The deployment kit (issue 24): the Dockerfile, the compose example and the systemd unit say
what the program really is, and would run it as README says.

No container daemon runs here (nor can a base image be fetched), so the Dockerfile is checked
against the tree and the program rather than built; the unit is checked by systemd itself."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from commands.parser import parse

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()
UNIT = ROOT / "deploy" / "pm-trader.service"
COMPOSE = (ROOT / "deploy" / "compose.yaml").read_text()


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined, comments left out."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    lines = [line.strip() for line in text.splitlines()]
    return [
        (word.upper(), rest.strip())
        for word, _, rest in (line.partition(" ") for line in lines if line and line[0] != "#")
    ]


def test_the_image_copies_every_package_of_the_program_and_installs_from_the_lock() -> None:
    steps = instructions()
    copied = {src for kind, args in steps if kind == "COPY" for src in args.split()[:-1]}
    for source in copied:
        assert (ROOT / source).exists(), f"COPY {source}: no such file in the tree"
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = {p.rstrip("*") for p in setuptools["packages"]["find"]["include"]}
    assert packages <= copied, f"packages the image leaves out: {packages - copied}"
    assert {f"{m}.py" for m in setuptools["py-modules"]} <= copied
    runs = " ".join(args for kind, args in steps if kind == "RUN")
    assert "--require-hashes -r requirements.lock" in runs
    assert "--no-deps" in runs


def test_the_bot_runs_as_a_user_of_its_own_with_its_book_on_the_volume() -> None:
    steps = instructions()
    kinds = [kind for kind, _ in steps]
    user = [args for kind, args in steps if kind == "USER"]
    assert user == ["pmtrader"]
    assert kinds.index("USER") > max(i for i, kind in enumerate(kinds) if kind == "RUN")
    assert ("VOLUME", '["/data"]') in steps
    env = " ".join(args for kind, args in steps if kind == "ENV")
    assert "PMT_DB=/data/" in env
    entry = next(args for kind, args in steps if kind == "ENTRYPOINT")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert entry == f'["{next(iter(scripts))}"]'


def test_every_command_in_the_kit_is_one_the_program_takes() -> None:
    commands = [re.findall(r'"([^"]*)"', args) for kind, args in instructions() if kind == "CMD"]
    commands += [re.findall(r'"([^"]*)"', m) for m in re.findall(r"command: \[(.*)\]", COMPOSE)]
    unit_exec = re.search(r"^ExecStart=\S+ (.*)$", UNIT.read_text(), re.MULTILINE)
    assert unit_exec is not None
    commands.append(unit_exec.group(1).split())
    assert len(commands) >= 3
    for argv in commands:
        parse(argv)  # a flag or command the program does not take exits here (SystemExit)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_accepts_the_unit_with_every_key_known(tmp_path: Path) -> None:
    program = ROOT / ".venv" / "bin" / "pm-trader"
    unit = UNIT.read_text()
    unit = unit.replace("/opt/pm-trader/.venv/bin/pm-trader", str(program))
    unit = re.sub(r"^(User|Group)=.*$", r"\1=root", unit, flags=re.MULTILINE)
    copy = tmp_path / "pm-trader.service"
    copy.write_text(unit)
    checked = subprocess.run(
        ["systemd-analyze", "verify", str(copy)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.strip() == "", checked.stderr  # an unknown key is only a warning
    assert "RestartPreventExitStatus=2" in unit  # a configuration error is not restarted
