"""The runtime dependencies are declared twice, for pip (requirements.txt) and for packaging
(pyproject.toml): the same packages at the same pins, so they cannot drift apart."""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pins(lines) -> dict[str, str]:
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name, _, version = line.partition("==")
        assert version, f"'{line}' is not pinned with =="
        pins[name.strip().lower()] = version.strip()
    return pins


def test_pyproject_declares_the_requirements_at_the_same_pins():
    requirements = _pins((ROOT / "requirements.txt").read_text().splitlines())
    declared = _pins(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
    assert declared == requirements
    assert requirements, "requirements.txt lists the runtime dependencies"


def test_every_development_tool_is_pinned():
    tools = _pins((ROOT / "requirements-dev.txt").read_text().splitlines())
    assert {"pytest", "playwright", "ruff", "import-linter"} <= set(tools)
