"""The two dependency lists (pyproject.toml for pip, environment.yml for conda/Binder) must agree."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def _name(req: str) -> str:
    return re.split(r"[<>=!~;\[ ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pin(req: str) -> str:
    m = re.search(r"==\s*([^;\s]+)", req)
    return m.group(1) if m else ""


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text())
    reqs = list(data["project"]["dependencies"])
    for extra in data["project"].get("optional-dependencies", {}).values():
        reqs += extra
    return {_name(r): _pin(r) for r in reqs}


def _environment() -> dict[str, str]:
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return {_name(r): _pin(r) for r in pip if not r.startswith("-")}


def test_same_packages():
    py, env = _pyproject(), _environment()
    assert set(py) == set(env), (
        f"only in pyproject.toml: {sorted(set(py) - set(env))}; "
        f"only in environment.yml: {sorted(set(env) - set(py))}")


def test_same_pins():
    py, env = _pyproject(), _environment()
    diff = {k: (py[k], env[k]) for k in py.keys() & env.keys() if py[k] != env[k]}
    assert not diff, f"pins differ (pyproject, environment.yml): {diff}"


def test_torch_is_pinned_to_the_cpu_build_version():
    assert _pyproject()["torch"] == "2.13.0"


def test_jupyter_book_is_1x():
    assert _pyproject()["jupyter-book"].startswith("1.")


def test_binder_postbuild_installs_the_package_without_deps():
    post = (REPO / "postBuild").read_text()
    assert "pip install --no-deps -e ." in post
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert not [r for r in pip if r.startswith("-e")], "environment.yml must not install the package itself"
