"""environment.yml (conda route) must list the same runtime dependencies as pyproject.toml."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
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


ARRIVES_THROUGH = {
    "IPython": "ipywidgets",  # ipywidgets requires ipython: the widgets' display hooks
    "jwt": "stream-chat",  # the SDK signs with PyJWT; the stand-in checks those tokens
    "urllib3": "requests",  # requests' own transport, for its retry settings
    "polars": None,  # optional: only LoadResult.to_polars(), which says it needs polars
}
"""Modules the package imports without declaring them, and the declared dependency that
guarantees them (None: imported only inside an optional helper)."""


def _imported_modules() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "streamhook_nb").rglob("*.py*"):
        if path.suffix not in (".py", ".pyi"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"__future__", "streamhook_nb"}


def test_every_imported_package_is_a_declared_dependency() -> None:
    """A module the package imports is declared, not left to arrive through another one
    (numpy came only through pandas)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = [*project["dependencies"], *project["optional-dependencies"]["dask"]]
    declared = {_normalize(_without_extras(spec))[0] for spec in specs}
    distributions = importlib.metadata.packages_distributions()
    undeclared = {
        module
        for module in _imported_modules()
        if not any(_normalize(d)[0] in declared for d in distributions.get(module, [module]))
    }
    assert undeclared == set(ARRIVES_THROUGH)
    assert {through for through in ARRIVES_THROUGH.values() if through} <= declared
