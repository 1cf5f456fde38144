"""Fixtures: the demo project (project-template/, as `dpf init` copies it) built with this
checkout's dpf (bin/dpf.js, after `node scripts/build.mjs`) into a temporary folder, once per
session; small projects of the tests' own; and dpf itself, run as a user runs it."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DPF = REPO / "bin" / "dpf.js"


def run_dpf(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`dpf ARGS` in cwd, with HOME there too (no ~/.dpf/profiles.yml of this machine's user)."""
    full_env = {**os.environ, "HOME": str(cwd), "NO_COLOR": "1", **(env or {})}
    full_env.pop("DPF_PROFILES_DIR", None)
    result = subprocess.run(["node", str(DPF), *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"dpf {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Path:
    """The demo project, built and with `dpf grants apply` (DuckDB's masked views per role) run."""
    root = tmp_path_factory.mktemp("demo")
    run_dpf("init", "shop", cwd=root)
    project = root / "shop"
    run_dpf("build", cwd=project)
    run_dpf("grants", "apply", cwd=project)
    return project


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """No DPF_PROFILES_DIR nor ~/.dpf of the machine's user reaches a test."""
    monkeypatch.delenv("DPF_PROFILES_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def write_files(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def duckdb_profile(path: str = "target/dev.duckdb") -> str:
    return f"proj:\n  target: dev\n  outputs:\n    dev: {{ type: duckdb, path: '{path}', schema: main, threads: 1 }}\n"


@pytest.fixture
def copy_of(tmp_path):
    """A copy of a project folder (with its target/), to change without touching the session's demo."""
    def copy(project: Path) -> Path:
        dest = tmp_path / project.name
        shutil.copytree(project, dest)
        return dest
    return copy
