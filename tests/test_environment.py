"""environment.yml (conda route) must list the same runtime dependencies as pyproject.toml."""

from __future__ import annotations

import re
import tomllib

import yaml
from helpers import ROOT


def _normalize(spec: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec)
    assert match, spec
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


EXTRAS_IN_ENVIRONMENT = ("dask",)
"""Optional extras the conda environment installs too (notebook 06 runs on Dask)."""


def _without_extras(spec: str) -> str:
    return re.sub(r"\[[^\]]*\]", "", spec)  # dask[dataframe] is conda's dask


def test_environment_yml_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_normalize(d) for d in project["dependencies"])
    for extra in EXTRAS_IN_ENVIRONMENT:
        wanted.update(
            _normalize(_without_extras(d)) for d in project["optional-dependencies"][extra]
        )
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed: dict[str, str] = {}
    for item in environment["dependencies"]:
        if isinstance(item, dict):
            listed.update(_normalize(d) for d in item["pip"] if not d.startswith("-e"))
        elif not item.startswith(("python", "pip")) or item.startswith("python-"):
            name, version = _normalize(item)
            listed[name] = version
    assert listed == wanted
    python = next(d for d in environment["dependencies"] if str(d).startswith("python>"))
    assert python == f"python{project['requires-python']}"


def test_environment_installs_the_package_itself() -> None:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
